#!/usr/bin/env python
"""Refit the laboratories' fitted build values and write them into the source tree.

    python scripts/calibrate_builds.py [BUILD ...]
    python scripts/calibrate_builds.py --generic     # Generic's cross-laboratory prior

For each build (default: every shipped build with fitted values other than Zhang2025, whose
values come from the paper's calibration, scripts/regenerate_parameters.py) it runs
tfalab.literature.calibrate.calibrate_build and writes the values into
src/tfalab/data/builds/NAME.toml next to this script. It refuses to write outside a git
checkout; nothing is written into an installed package.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "src" / "tfalab" / "data" / "builds"


#: the builds whose fitted pore size, flaw depth and creep length make Generic's prior
PRIOR_FROM = ("Doux2020", "Duan2023")
PRIOR_FIELDS = ("pore_median_size", "flaw_depth", "creep_length")


def generic_prior() -> dict[str, float]:
    """Geometric means of PRIOR_FROM's fitted values, moved to Generic's density."""
    import math

    from tfalab.cell.builds import flaw_scale, load_build, throat_scale
    from tfalab.cell.parameters import constant

    rho = load_build(FOLDER / "Generic.toml").value("relative_density")
    eps_c = constant("electrolyte.percolation_threshold")
    logs: dict[str, list[float]] = {f: [] for f in PRIOR_FIELDS}
    for name in PRIOR_FROM:
        b = load_build(FOLDER / f"{name}.toml")
        rb = b.value("relative_density")
        scale = {"pore_median_size": throat_scale(rho, rb),
                 "flaw_depth": flaw_scale(rho, rb, eps_c), "creep_length": 1.0}
        for f in PRIOR_FIELDS:
            logs[f].append(math.log(b.value(f) * scale[f]))
    return {f: math.exp(sum(v) / len(v)) for f, v in logs.items()}


def main(names: list[str]) -> int:
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse"], capture_output=True).returncode:
        print(f"{ROOT} is not a git checkout; refusing to write", file=sys.stderr)
        return 2
    from tfalab.cell.builds import load_build
    from tfalab.literature.calibrate import calibrate_build, write_values

    if names == ["--generic"]:
        values = generic_prior()
        write_values(FOLDER / "Generic.toml", values)
        print(f"Generic: wrote {values} (update the notes by hand)")
        return 0

    if not names:
        names = sorted(p.stem for p in FOLDER.glob("*.toml") if p.stem != "Zhang2025")
    for name in names:
        path = FOLDER / f"{name}.toml"
        build = load_build(path)
        if not build.fitted_values():
            continue
        values = calibrate_build(build)
        write_values(path, values)
        print(f"{name}: wrote {values}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
