#!/usr/bin/env python
"""Rerun the paper calibration and write the fitted values into the source tree.

    .venv/bin/python scripts/regenerate_parameters.py            # symmetric cell (C8-C18)
    .venv/bin/python scripts/regenerate_parameters.py --full     # full cell (C22-C26)

It writes ``src/tfalab/data/parameters.toml`` next to this script (the ``value =`` lines of
the fitted parameters only), imports tfalab from that same source tree, and refuses to run
when that file is not inside a git checkout: the installed package is never written to, and
the change shows up in ``git diff`` for review. ``tfalab calibrate --write PATH`` does the same
for any other copy of the file. See ``docs/claims.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
PARAMETERS = SOURCE / "tfalab" / "data" / "parameters.toml"


def git_checkout(path: Path) -> Path | None:
    """The root of the git checkout holding ``path``, or None."""
    for folder in path.resolve().parents:
        if (folder / ".git").exists():
            return folder
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true",
                        help="refit the full-cell parameters instead of the symmetric cell's")
    parser.add_argument("--passes", type=int, default=2,
                        help="rounds of the symmetric-cell fitting sequence (default 2)")
    args = parser.parse_args(argv)

    if not PARAMETERS.is_file():
        print(f"error: {PARAMETERS} not found: run this script from a tfalab source tree",
              file=sys.stderr)
        return 2
    if git_checkout(PARAMETERS) is None:
        print(f"error: {PARAMETERS} is not inside a git checkout; refusing to write it "
              "(use `tfalab calibrate --write PATH` on a copy)", file=sys.stderr)
        return 2

    sys.path.insert(0, str(SOURCE))  # calibrate the code of this tree, with its values
    import tfalab

    if Path(tfalab.__file__).resolve().parent != PARAMETERS.parent.parent:
        print(f"error: imported tfalab from {tfalab.__file__}, not from {SOURCE}",
              file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    if args.full:
        from tfalab.paper.full_calibration import calibrate

        values = calibrate(log=log, write=PARAMETERS)
    else:
        from tfalab.paper.cell_calibration import calibrate, write_fitted

        values = calibrate(passes=args.passes, log=log)
        write_fitted(values, PARAMETERS)
    print(json.dumps(values, indent=2))
    print(f"wrote {PARAMETERS.relative_to(ROOT)}; review with `git diff`", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
