"""Impedance spectra: the :class:`Spectrum` container and instrument-file readers.

Part of :mod:`tfalab.analysis.eis` (import from there). Frequencies are in Hz, impedances in Ω
(complex, ``Z = Z' + j Z''``; a capacitive arc has ``Z'' < 0``), electrode areas in m².

>>> import numpy as np
>>> s = Spectrum(np.array([1e3, 1.0]), np.array([10.0 - 0.1j, 30.0 - 8.0j]), area=0.785e-4)
>>> s.n, s.f_max
(2, 1000.0)
"""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfalab.errors import DataFileError, ParameterError

__all__ = ["FORMATS", "Spectrum", "high_frequency_intercept", "read_spectrum"]

#: File formats :func:`read_spectrum` understands (``format=`` values). ``"csv"`` is a plain
#: table of frequency, Z', Z'' (header optional); ``"biologic-mpr"`` is EC-Lab's binary file
#: (read by galvani); the others are impedance.py's instrument readers.
FORMATS = (
    "csv",
    "gamry",
    "biologic",
    "biologic-mpr",
    "autolab",
    "parstat",
    "zplot",
    "versastudio",
    "powersuite",
    "chinstruments",
)


@dataclass(frozen=True)
class Spectrum:
    """One impedance spectrum.

    ``frequency`` in Hz (ascending or in measured order), ``impedance`` complex in Ω,
    ``area`` the electrode area in m² (``None`` if unknown; needed for Ω·cm² outputs),
    ``metadata`` free-form (``source`` file, ``format``, values parsed from the file header).

    >>> import numpy as np
    >>> s = Spectrum(np.array([10.0, 1.0]), np.array([5.0 - 1.0j, 6.0 - 2.0j]))
    >>> s.sorted().frequency.tolist()
    [1.0, 10.0]
    """

    frequency: np.ndarray
    impedance: np.ndarray
    area: float | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = self.metadata.get("source")
        what = f"spectrum from {where}" if where else "spectrum"
        try:
            f = np.asarray(self.frequency, dtype=float).ravel()
            z = np.asarray(self.impedance, dtype=complex).ravel()
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{what}: frequency/impedance are not numeric ({exc})") from exc
        if f.size == 0:
            raise ParameterError(f"{what} is empty (no data points)")
        if f.size != z.size:
            raise ParameterError(f"{what}: {f.size} frequencies but {z.size} impedance values")
        if not (np.all(np.isfinite(f)) and np.all(np.isfinite(z))):
            raise ParameterError(f"{what} contains NaN or infinite values")
        if np.any(f <= 0):
            raise ParameterError(f"{what}: frequencies must be > 0 Hz (got min {f.min():g})")
        if self.area is not None:
            _area_si(self.area, f"{what}: electrode area")
        object.__setattr__(self, "frequency", f)
        object.__setattr__(self, "impedance", z)

    @property
    def n(self) -> int:
        """Number of points."""
        return int(self.frequency.size)

    @property
    def f_min(self) -> float:
        """Lowest frequency, Hz."""
        return float(self.frequency.min())

    @property
    def f_max(self) -> float:
        """Highest frequency, Hz."""
        return float(self.frequency.max())

    @property
    def omega(self) -> np.ndarray:
        """Angular frequency, rad/s."""
        return 2.0 * np.pi * self.frequency

    def sorted(self) -> Spectrum:
        """The same spectrum with ascending frequencies."""
        order = np.argsort(self.frequency, kind="stable")
        return Spectrum(self.frequency[order], self.impedance[order], self.area, self.metadata)

    def with_area(self, area: float | str | None) -> Spectrum:
        """A copy with another electrode area (m², or a string such as ``"0.785 cm2"``)."""
        return Spectrum(self.frequency, self.impedance, _area_si(area), dict(self.metadata))


#: Electrode areas accepted, m²: 0.1 mm × 0.1 mm (a microelectrode) to 1 m² (as
#: :data:`tfalab.units.PHYSICAL_RANGES` for areas given with a unit).
AREA_RANGE = (1e-8, 1.0)


def _area_si(area: float | str | None, name: str = "area") -> float | None:
    """``area`` (m², or a string such as ``"0.785 cm2"``) in m², within :data:`AREA_RANGE`."""
    if area is None:
        return None
    if isinstance(area, str):
        from tfalab.units import to_si

        value = float(to_si(area, "area", name))
    elif isinstance(area, bool) or not isinstance(area, int | float | np.integer | np.floating):
        raise ParameterError(f"{name} must be an area in m² or a text such as '0.785 cm2', "
                             f"got {area!r}")
    else:
        value = float(area)
    lo, hi = AREA_RANGE
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ParameterError(f"{name} must be an electrode area from {lo:g} to {hi:g} m² "
                             f"(1e-4 to 1e4 cm2), got {area!r}")
    return value


def require_spectrum(spectrum: Any, name: str = "spectrum") -> Spectrum:
    """``spectrum`` if it is a :class:`Spectrum`, else :class:`~tfalab.errors.ParameterError`
    (read a file with :func:`read_spectrum`)."""
    if not isinstance(spectrum, Spectrum):
        raise ParameterError(f"{name} must be a Spectrum (read_spectrum(path) or "
                             f"Spectrum(frequency, impedance)), got {type(spectrum).__name__}")
    return spectrum


def high_frequency_intercept(spectrum: Spectrum) -> float:
    """High-frequency intercept of the Nyquist plot, Re(Z) in Ω (the series/bulk resistance).

    Going up in frequency, the lowest-frequency point where -Z'' changes from > 0 (capacitive)
    to ≤ 0 (inductive) is located and Re(Z) is interpolated linearly in Z'' between the two
    points. Without such a crossing (the spectrum stays capacitive), Re(Z) at the highest
    measured frequency is returned (an upper bound on the series resistance).

    >>> import numpy as np
    >>> s = Spectrum(np.array([1.0, 1e3, 1e4]), np.array([20 - 5j, 10 - 1j, 12 + 1j]))
    >>> high_frequency_intercept(s)
    11.0
    """
    s = require_spectrum(spectrum).sorted()
    mz = -s.impedance.imag
    re = s.impedance.real
    for i in range(s.n - 1):
        if mz[i] > 0 >= mz[i + 1]:
            t = mz[i] / (mz[i] - mz[i + 1])
            return float(re[i] + t * (re[i + 1] - re[i]))
    return float(re[-1])


# --- reading ------------------------------------------------------------------------------
_FLOAT = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMERIC_ROW = re.compile(rf"^\s*{_FLOAT}(?:\s*[,;\t ]\s*{_FLOAT}){{2,}}\s*$")


def _sniff(text: str) -> str | None:
    """Guess the format from the first few kB of a file's text (None: no known format)."""
    head = text[:20000].lstrip("\ufeff\xef\xbb\xbf")
    first = head.lstrip().splitlines()[0].strip() if head.strip() else ""
    if first.startswith("EC-Lab ASCII FILE") or "Nb header lines" in head[:500]:
        return "biologic"
    if re.search(r"^\s*ZCURVE\s+TABLE", head, re.M) or (first == "EXPLAIN" and "ZCURVE" in text):
        return "gamry"
    if "<Segment" in head and "Segments" in head:
        return "versastudio"
    if first.startswith("ZPLOT2 ASCII") or "End Comments" in head:
        return "zplot"
    if re.search(r"^Freq/Hz", head, re.M):
        return "chinstruments"
    # Scribner ZPlot/ZView-style table (also what Autolab's Nova writes for ZView):
    # a "Freq(Hz) ... Z'(a) Z''(b)" header; ZPlot separates columns by tabs or ", ",
    # the Autolab export by bare commas
    m = re.search(r"^.*Freq\s*\(Hz\).*Z'\(a\).*$\n(.*)$", head, re.M)
    if m:
        row = m.group(1)
        if "ZPlot" in first or "\t" in row or ", " in row:
            return "zplot"
        return "autolab"
    if re.search(r"^Freq\(Hz\)", head, re.M):
        return "zplot"
    if "Frequency (Hz)" in first and "Zre (ohms)" in first and "Zim (ohms)" in first:
        return "parstat"
    lines = [ln for ln in head.splitlines() if ln.strip()]
    if not lines:
        return None
    if _NUMERIC_ROW.match(lines[0]) or _find_header(lines) is not None:
        return "csv"
    return None


def _find_header(lines: list[str]) -> int | None:
    """Index of the first line naming frequency, Z' and Z'' columns that numeric rows follow."""
    for k, line in enumerate(lines[:200]):
        if k + 1 < len(lines) and _NUMERIC_ROW.match(lines[k + 1]) and _header_columns(line):
            return k
    return None


def _split(line: str) -> list[str]:
    for sep in ("\t", ";", ","):
        if sep in line:
            return [c.strip().strip('"') for c in next(csv.reader([line], delimiter=sep))]
    line = line.strip().strip('"')
    if re.search(r"\S\s{2,}\S", line):  # columns padded with spaces; names may hold one
        return [c for c in re.split(r"\s{2,}", line.strip()) if c]
    return line.split()


def _header_columns(line: str) -> tuple[int, int, int, bool] | None:
    """(freq col, Re col, Im col, Im column holds -Z'') from a header line, or None."""
    names = [c.lower().replace(" ", "") for c in _split(line)]
    fcol = recol = imcol = None
    minus = False
    for k, name in enumerate(names):
        if fcol is None and (name.startswith(("freq", "f/hz", "f(hz)")) or name in ("f", "f_hz")):
            fcol = k
        elif recol is None and re.match(r"^(z'|zre|zreal|re\(z\)|z_re|real|re)(?!')", name):
            recol = k
        elif imcol is None and re.match(r"^-?(z''|zim|zimag|im\(z\)|z_im|imag|im|-im\(z\))", name):
            imcol = k
            minus = name.startswith("-")
    if fcol is None or recol is None or imcol is None:
        return None
    return fcol, recol, imcol, minus


def _read_csv(path: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """A table of frequency, Z', Z'': headerless (those three columns first) or with a header
    line (anywhere above the data, e.g. after an instrument's preamble) naming the columns."""
    lines = [ln for ln in text.lstrip("\ufeff").splitlines() if ln.strip()]
    cols: tuple[int, int, int, bool] = (0, 1, 2, False)
    if lines and not _NUMERIC_ROW.match(lines[0]):
        k = _find_header(lines)
        parsed = _header_columns(lines[k]) if k is not None else _header_columns(lines[0])
        if parsed is None:
            raise DataFileError(
                f"{path}: CSV header {lines[0]!r} does not name frequency, Z' and Z'' columns"
            )
        cols = parsed
        lines = lines[(k if k is not None else 0) + 1 :]
    fcol, recol, imcol, minus = cols
    f, z = [], []
    for k, line in enumerate(lines):
        cells = _split(line)
        try:
            fv, rv, iv = (float(cells[c]) for c in (fcol, recol, imcol))
        except (ValueError, IndexError) as exc:
            raise DataFileError(
                f"{path}: data row {k + 1} is not numeric: {line.strip()!r}"
            ) from exc
        if fv == 0 and rv == 0 and iv == 0:  # a non-impedance row of a mixed export (Parstat)
            continue
        f.append(fv)
        z.append(complex(rv, -iv if minus else iv))
    return np.array(f, dtype=float), np.array(z, dtype=complex)


def _header_metadata(fmt: str, text: str) -> dict[str, Any]:
    """Values worth keeping from an instrument header (area as written in the file, in m²)."""
    meta: dict[str, Any] = {}
    if fmt == "gamry":
        m = re.search(r"^AREA\s+QUANT\s+(" + _FLOAT + r")", text, re.M)
        if m:
            meta["file_area_m2"] = float(m.group(1)) * 1e-4  # Gamry writes cm²
        m = re.search(r"^DATE\s+LABEL\s+(\S+)", text, re.M)
        if m:
            meta["date"] = m.group(1)
    elif fmt == "biologic":
        m = re.search(r"Electrode surface area\s*:\s*(" + _FLOAT + r")\s*cm", text)
        if m:
            meta["file_area_m2"] = float(m.group(1)) * 1e-4
        m = re.search(r"Acquisition started on\s*:\s*(.+)", text)
        if m:
            meta["date"] = m.group(1).strip()
    return meta


#: text formats :func:`read_spectrum` recognises from a file's content (BioLogic ``.mpr`` by
#: its magic bytes)
_DETECTED = ("biologic", "gamry", "versastudio", "zplot", "autolab",
             "chinstruments", "parstat", "csv")


_MPR_MAGIC = b"BIO-LOGIC MODULAR FILE"


def _split_sweeps(f: np.ndarray) -> np.ndarray:
    """Per point: which frequency sweep it belongs to (a new one starts where the frequency
    jumps back by more than a factor of 2 against the sweep's direction)."""
    if f.size < 3:
        return np.zeros(f.size, dtype=int)
    lf = np.log10(f)
    direction = np.sign(np.median(np.diff(lf))) or -1.0
    back = (np.diff(lf) * direction) < -math.log10(2.0)
    return np.concatenate(([0], np.cumsum(back)))


def _read_mpr(p: str) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """BioLogic EC-Lab binary ``.mpr`` (PEIS/GEIS) via galvani; the first sweep of the file."""
    from galvani import BioLogic

    try:
        data = BioLogic.MPRfile(p).data
    except Exception as exc:  # galvani raises anything for damaged files
        raise DataFileError(
            f"{p}: cannot read as a BioLogic .mpr file (damaged, truncated or an EC-Lab "
            f"version galvani does not know): {type(exc).__name__}: {exc}"
        ) from exc
    names = data.dtype.names or ()
    if not {"freq/Hz", "Re(Z)/Ohm", "-Im(Z)/Ohm"} <= set(names):
        raise DataFileError(
            f"{p}: this BioLogic .mpr holds no impedance data (no 'freq/Hz', 'Re(Z)/Ohm', "
            f"'-Im(Z)/Ohm' columns; it has {list(names)[:8]}): a cycling file? "
            f"Use 'tfalab analyze cycling' for it"
        )
    f = np.asarray(data["freq/Hz"], dtype=float)
    z = np.asarray(data["Re(Z)/Ohm"], dtype=float) - 1j * np.asarray(data["-Im(Z)/Ohm"],
                                                                          dtype=float)
    keep = f > 0  # EC-Lab writes frequency 0 for the non-EIS points of a combined technique
    f, z = f[keep], z[keep]
    sweep = _split_sweeps(f)
    meta: dict[str, Any] = {"n_spectra": int(sweep.max()) + 1 if f.size else 0}
    if meta["n_spectra"] > 1:
        meta["note"] = (f"the file holds {meta['n_spectra']} frequency sweeps; the first is "
                        f"analysed")
        f, z = f[sweep == 0], z[sweep == 0]
    return f, z, meta


def _read_as(p: str, text: str, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    if fmt == "csv":
        return _read_csv(p, text)
    from impedance.preprocessing import readFile

    try:
        f, z = readFile(p, instrument=fmt)
    except Exception as exc:  # impedance.py raises anything from IndexError to assert
        raise DataFileError(
            f"{p}: cannot read as a {fmt} file ({type(exc).__name__}: {exc})"
        ) from exc
    return np.asarray(f, dtype=float), np.asarray(z, dtype=complex)


def _read_text(p: str, text: str, format: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    fmt = format or _sniff(text)
    tried = [fmt] if fmt else list(_DETECTED)
    if fmt is None:
        raise DataFileError(
            f"{p}: unknown impedance file format (tried: {', '.join(_DETECTED)}; "
            f"a table needs a header naming frequency, Z' and Z'' columns); "
            f"pass format= (--format) one of {', '.join(FORMATS)}"
        )
    try:
        f, z = _read_as(p, text, fmt)
    except DataFileError as exc:
        if format is not None or fmt == "csv":
            raise
        try:  # detected an instrument but its reader failed: a plain table after all?
            f, z = _read_csv(p, text)
            fmt = "csv"
        except DataFileError:
            tried.append("csv")
            raise DataFileError(f"{exc} (formats tried: {', '.join(tried)})") from exc
    return f, z, fmt


def read_spectrum(
    path: str | os.PathLike[str],
    format: str | None = None,
    area: float | str | None = None,
) -> Spectrum:
    """Read an impedance spectrum from a file.

    ``format`` is one of :data:`FORMATS`; ``None`` detects it from the content (BioLogic
    ``.mpt`` and binary ``.mpr`` (the first sweep; ``metadata["n_spectra"]`` counts them),
    Gamry ``.DTA``, ZPlot ``.z`` with or without comments, Autolab and Parstat text
    exports, CH Instruments, VersaStudio, and any table whose header names frequency, Z' and
    Z'' columns).
    A plain CSV without header holds frequency (Hz), Z' (Ω), Z'' (Ω) as impedance.py's
    ``exampleData.csv``; with a header, columns are found by name (a ``-Z''``/``-Im(Z)``
    column is negated). ``area`` (m², or e.g. ``"0.785 cm2"``) is attached to the spectrum;
    an area written in the file header is kept in ``metadata["file_area_m2"]`` but not used.

    Raises :class:`~tfalab.errors.DataFileError` (naming the file) for a missing, unreadable,
    empty or unknown file, non-numeric rows, NaNs or non-positive frequencies.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "z.csv"
    >>> _ = p.write_text("freq,Zre,Zim\\n1000,10,-1\\n1,30,-8\\n")
    >>> s = read_spectrum(p, area="1 cm2")
    >>> s.n, s.impedance[1], s.area
    (2, np.complex128(30-8j), 0.0001)
    """
    if not isinstance(path, str | os.PathLike) or not os.fspath(path):
        raise ParameterError(f"path must be the name of an impedance file, got {path!r}")
    p = os.fspath(path)
    if not isinstance(p, str):
        p = os.fsdecode(p)
    name = os.path.basename(p)
    if format is not None and format not in FORMATS:
        raise DataFileError(f"{p}: unknown format {format!r}; known: {', '.join(FORMATS)}")
    area = _area_si(area)
    try:
        with open(p, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DataFileError(f"{p}: cannot open ({exc.strerror or exc})") from exc
    if not raw.strip():
        raise DataFileError(f"{p}: file is empty")
    mpr_meta: dict[str, Any] = {}
    if format == "biologic-mpr" or (format is None and raw.startswith(_MPR_MAGIC)):
        f, z, mpr_meta = _read_mpr(p)
        fmt = "biologic-mpr"
        text = ""
    elif b"\x00" in raw[:4096]:
        raise DataFileError(
            f"{p}: binary file, not an impedance text export (known: {', '.join(FORMATS)})"
        )
    else:
        text = raw.decode("latin-1")
        f, z, fmt = _read_text(p, text, format)
    if f.size == 0:
        raise DataFileError(f"{p}: no impedance data points in the file ({fmt} format)")
    bad = ~(np.isfinite(f) & np.isfinite(z))
    if bad.any():
        raise DataFileError(
            f"{p}: {int(bad.sum())} data row(s) hold NaN or non-numeric values "
            f"(first at row {int(np.argmax(bad)) + 1})"
        )
    if np.any(f <= 0):
        raise DataFileError(f"{p}: frequencies must be > 0 Hz (found {f.min():g} Hz)")
    meta = {"source": p, "file": name, "format": fmt, **mpr_meta,
            **(_header_metadata(fmt, text) if text else {})}
    try:
        return Spectrum(f, z, _area_si(area), meta)
    except ParameterError as exc:
        raise DataFileError(f"{p}: {exc}") from exc
