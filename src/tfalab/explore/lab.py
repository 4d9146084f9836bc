"""The Lab data view's work, apart from the page: read an uploaded file with tfalab's own
readers (never a path from the page: the bytes go to a private temporary file), analyse it,
and write the galvanostatic protocol of a symmetric test so it can be simulated."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.errors import DataFileError, TfalabError
from tfalab.explore.text import describe

_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class UploadError(DataFileError):
    """An uploaded file that cannot be used (too large, empty or unreadable)."""


@dataclass
class LabResult:
    """What the page shows of an uploaded file."""

    kind: str  #: "cycling" or "eis"
    name: str
    test: Any = None  #: CellTest (cycling)
    cycles: pd.DataFrame | None = None
    overpotential: pd.DataFrame | None = None
    symmetric: bool = False
    spectrum: Any = None  #: Spectrum (EIS)
    fit: Any = None  #: EISFit, or None when the fit failed
    summary: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def safe_name(name: str) -> str:
    """An uploaded file's name as the page shows it: letters, digits and ``._-()`` only,
    at most 80 characters (the name is never used as a path).

    >>> safe_name("../../etc/<b>passwd</b>.csv")
    '.._.._etc__b_passwd__b_.csv'
    """
    return re.sub(r"[^A-Za-z0-9._()\- ]", "_", str(name))[:80] or "upload"


def _suffix(name: str) -> str:
    suffix = Path(str(name)).suffix
    return suffix if _SUFFIX.match(suffix) else ""


def _scrub(text: str, tmp: str, name: str) -> str:
    """A reader's message with the private temporary path replaced by the upload's name."""
    return text.replace(tmp, name)


def read_upload(
    name: str,
    content: bytes | str,
    kind: str = "auto",
    area: str | None = None,
    limit: int = 200_000_000,
) -> LabResult:
    """Read and analyse an uploaded cycler or impedance file.

    ``name`` is used only for its extension and in messages; ``kind`` is "auto", "cycling"
    or "eis"; ``area`` e.g. "1.13 cm2" (optional). Raises :class:`UploadError` with a
    one-line reason.

    >>> try:
    ...     read_upload("x.csv", b"not,a\\ncycler,file\\n")
    ... except UploadError as exc:
    ...     print(str(exc)[:39])
    could not read 'x.csv' as a cycler file
    """
    if not isinstance(name, str):
        raise UploadError(f"the file name must be text, got {name!r}")
    if not isinstance(content, str | bytes | bytearray | memoryview):
        raise UploadError(f"'{safe_name(name)}': the content must be bytes or text, got "
                          f"{type(content).__name__}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UploadError(f"limit must be a positive number of bytes, got {limit!r}")
    if area is not None and not isinstance(area, str):
        raise UploadError(f"area must be text such as '0.785 cm2' (or None), got {area!r}")
    name = safe_name(name)
    data = content.encode() if isinstance(content, str) else bytes(content)
    if len(data) > limit:
        raise UploadError(
            f"'{name}' is {len(data) / 1e6:.1f} MB; the upload limit is "
            f"{limit / 1e6:g} MB (tfalab explore --upload-limit)"
        )
    if not data:
        raise UploadError(f"'{name}' is empty")
    if kind not in ("auto", "cycling", "eis"):
        raise UploadError(f"kind must be auto, cycling or eis, got {kind!r}")
    area = (area or "").strip() or None
    with tempfile.TemporaryDirectory(prefix="tfalab-upload-") as tmp:
        path = Path(tmp) / f"upload{_suffix(name)}"
        path.write_bytes(data)
        errors = {}
        for attempt in ("cycling", "eis") if kind == "auto" else (kind,):
            try:
                result = (_cycling if attempt == "cycling" else _eis)(path, name, area)
                return result
            except (TfalabError, ValueError, KeyError, IndexError) as exc:
                errors[attempt] = _scrub(describe(exc), str(path), name)
                errors[attempt] = _scrub(errors[attempt], tmp, "")
    if kind == "auto":
        raise UploadError(
            f"could not read '{name}' as a cycler file ({errors['cycling']}) or "
            f"as an impedance spectrum ({errors['eis']})"
        )
    raise UploadError(
        f"could not read '{name}' as "
        f"{'a cycler file' if kind == 'cycling' else 'an impedance spectrum'}: {errors[kind]}"
    )


def _cycling(path: Path, name: str, area: str | None) -> LabResult:
    from tfalab.analysis.capacity import capacity_per_cycle
    from tfalab.analysis.cycling import overpotential_per_cycle
    from tfalab.io import load
    from tfalab.io.analyze import is_symmetric

    test = load(path, area=area)
    test.metadata["source_file"] = name
    cycles = capacity_per_cycle(test)
    symmetric = is_symmetric(test)
    over = None
    notes = []
    if symmetric:
        try:
            over = overpotential_per_cycle(test)
        except TfalabError as exc:
            notes.append(f"no overpotential per cycle: {exc}")
    dis = cycles["discharge_capacity_Ah"].to_numpy()
    summary = {
        "rows": len(test),
        "duration_h": float(test.time[-1] - test.time[0]) / 3600,
        "cycles": len(cycles),
        "symmetric cell": symmetric,
        "first discharge / mAh": float(dis[0]) * 1e3 if len(dis) else float("nan"),
        "last discharge / mAh": float(dis[-1]) * 1e3 if len(dis) else float("nan"),
        "format": test.metadata.get("format", ""),
    }
    if over is not None and len(over):
        summary["first plateau overpotential / mV"] = (
            float(over["plateau_overpotential"].iloc[0]) * 1e3
        )
        summary["last plateau overpotential / mV"] = (
            float(over["plateau_overpotential"].iloc[-1]) * 1e3
        )
    flags = [f for f in cycles.get("flag", pd.Series(dtype=object)).dropna().unique() if f]
    notes += [f"flag: {f}" for f in flags]
    return LabResult(
        "cycling",
        name,
        test=test,
        cycles=cycles,
        overpotential=over,
        symmetric=symmetric,
        summary=summary,
        notes=notes,
    )


def _eis(path: Path, name: str, area: str | None) -> LabResult:
    from tfalab.analysis.eis import fit_circuit, read_spectrum

    spectrum = read_spectrum(path, area=area)
    notes = []
    try:
        fit = fit_circuit(spectrum)
    except TfalabError as exc:
        fit = None
        notes.append(f"no circuit fit: {exc}")
    summary: dict[str, Any] = {
        "points": len(spectrum.frequency),
        "f max / Hz": float(np.max(spectrum.frequency)),
        "f min / Hz": float(np.min(spectrum.frequency)),
    }
    if fit is not None:
        summary |= {
            "circuit": fit.circuit,
            "fit status": fit.status,
            "relative residual": float(fit.residual),
        }
        for n, v, u, e in zip(fit.names, fit.values, fit.units, fit.stderr, strict=False):
            summary[f"{n} / {u}"] = f"{v:.4g} ± {e:.2g}"
        notes += [f"fit: {w}" for w in fit.warnings]
    return LabResult("eis", name, spectrum=spectrum, fit=fit, summary=summary, notes=notes)


def same_test_protocol(test: Any) -> str:
    """The galvanostatic cycling protocol of a symmetric test (median current density and
    charge per half-cycle, its whole duration), as a :func:`tfalab.protocols.parse_protocol`
    string, so that the model can run the same test. Needs the electrode area.

    >>> import numpy as np, pandas as pd
    >>> from tfalab import CellTest
    >>> t = np.arange(0.0, 4 * 3600.0 + 1, 60.0)
    >>> i = np.where(t // 3600 % 2 == 0, 1e-3, -1e-3)
    >>> same_test_protocol(CellTest(pd.DataFrame({"Test Time / s": t, "Voltage / V": 0.01 * i,
    ...                                           "Current / A": i}), {"electrode_area_m2": 1e-4}))
    'cycle 1 mA/cm2 1 mAh/cm2 for 4 h'
    """
    from tfalab.analysis.cycling import segment_half_cycles

    if test.area is None:
        raise UploadError("the simulation of the same test needs the electrode area; enter it")
    hc = segment_half_cycles(test)
    if len(hc) < 1:
        raise UploadError("no half-cycles found in the file")
    j = float(np.median(np.abs(hc["mean_current_density"]))) / 10.0  # A/m2 -> mA/cm2
    start, end = hc["start_time"].to_numpy(), hc["end_time"].to_numpy()
    current = np.abs(hc["mean_current"].to_numpy())
    step = float(np.median(np.diff(test.time))) if len(test) > 1 else 0.0
    if len(hc) >= 2 and np.all(start[1:] - end[:-1] <= 3 * step):
        # back-to-back half-cycles: each lasts until the next starts, whatever the sampling
        charge = current[:-1] * np.diff(start)
    else:  # rests between: each of n samples stands for one interval
        n = hc["n_points"].to_numpy(dtype=float)
        charge = hc["charge"].to_numpy() * n / np.maximum(n - 1, 1)
    q = float(np.median(charge)) / test.area / 36000.0  # C/m2 -> mAh/cm2
    hours = float(test.time[-1] - test.time[0]) / 3600.0
    if len(hc) == 1:  # one half-cycle: a strip
        return f"strip {j:.3g} mA/cm2 to {q:.3g} mAh/cm2"
    if hours < 2 * float(f"{q:.3g}") / float(f"{j:.3g}"):  # rounding left less than a cycle
        return f"cycle {j:.3g} mA/cm2 {q:.3g} mAh/cm2 x 1"
    return f"cycle {j:.3g} mA/cm2 {q:.3g} mAh/cm2 for {hours:.4g} h"
