"""Published measurements of the literature validation suite (``data/literature/``).

>>> ms = load_measurements()
>>> len({m.lab for m in ms}) >= 4
True
>>> m = next(m for m in ms if m.id == "Doux2020.short_25MPa")
>>> m.kind, m.observed_si / 3600, m.build
('time_to_short', 48.0, 'Doux2020')
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from tfalab.errors import TfalabError, UnitError
from tfalab.protocols import make_protocol
from tfalab.units import to_si

#: measurement kind → the kind of quantity of its observed value
KINDS = {"ccd": "current_density", "void_onset": "current_density",
         "time_to_short": "time", "stable": "time"}
ROLES = ("calibration", "prediction")
#: build of a measurement whose laboratory has no named build
FALLBACK_BUILD = "Generic"


class MeasurementError(TfalabError, ValueError):
    """The literature data file is malformed."""


@dataclass(frozen=True)
class Measurement:
    """One published observation, with its conditions and how it is compared."""

    id: str
    lab: str  #: the cell build it is simulated with (data/builds/LAB.toml)
    laboratory: str  #: the research group (several builds may share one)
    doi: str
    reference: str
    where: str
    kind: str
    anode: str
    pressure: str
    temperature: str
    protocol: str
    observed: str
    tolerance: str
    role: str = "prediction"
    bound: str = ""  #: "upper": the paper gives an upper limit; "lower": a lower limit
    relative_density: float | None = None
    note: str = ""

    @property
    def build(self) -> str:
        """The build it is simulated with: its laboratory's, or ``Generic`` when tfalab has no
        build of that name (a user's own measurements file)."""
        from tfalab.cell.builds import available_builds

        return self.lab if self.lab in available_builds() else FALLBACK_BUILD

    @property
    def observed_si(self) -> float:
        return to_si(self.observed, KINDS[self.kind], f"{self.id}.observed")

    @property
    def factor(self) -> float:
        """Tolerance as a factor f: the model passes within [obs/f, obs·f]."""
        text = self.tolerance.strip()
        if text.startswith("x"):
            return float(text[1:])
        if text.endswith("%"):
            return 1 + float(text[:-1].strip()) / 100
        raise MeasurementError(f"{self.id}: tolerance {text!r}; use 'x2' or '30 %'")

    def conditions(self) -> dict[str, Any]:
        """Keyword arguments of :func:`tfalab.cell.simulate_symmetric` for this test."""
        return {"anode": self.anode, "pressure": self.pressure,
                "temperature": self.temperature, "build": self.build,
                "relative_density": self.relative_density}


_REQUIRED = ("id", "lab", "doi", "kind", "anode", "pressure", "temperature", "protocol",
             "observed", "tolerance")


def _parse(d: dict[str, Any]) -> Measurement:
    missing = [k for k in _REQUIRED if k not in d]
    if missing:
        raise MeasurementError(f"measurement {d.get('id', '?')!r} lacks {', '.join(missing)}")
    if d["kind"] not in KINDS:
        raise MeasurementError(f"{d['id']}: kind {d['kind']!r}; known: {', '.join(KINDS)}")
    role = d.get("role", "prediction")
    if role not in ROLES:
        raise MeasurementError(f"{d['id']}: role {role!r}; use one of {ROLES}")
    if d.get("bound", "") not in ("", "upper", "lower"):
        raise MeasurementError(f"{d['id']}: bound must be 'upper' or 'lower'")
    rho = d.get("relative_density")
    m = Measurement(
        id=str(d["id"]), lab=str(d["lab"]), laboratory=str(d.get("laboratory", d["lab"])),
        doi=str(d["doi"]), reference=str(d.get("reference", "")), where=str(d.get("where", "")),
        kind=str(d["kind"]), anode=str(d["anode"]), pressure=str(d["pressure"]),
        temperature=str(d["temperature"]), protocol=str(d["protocol"]),
        observed=str(d["observed"]), tolerance=str(d["tolerance"]), role=role,
        bound=str(d.get("bound", "")), relative_density=None if rho is None else float(rho),
        note=str(d.get("note", "")))
    try:  # check everything at load time
        m.observed_si  # noqa: B018
        m.factor  # noqa: B018
        to_si(m.pressure, "pressure", f"{m.id}.pressure")
        to_si(m.temperature, "temperature", f"{m.id}.temperature")
        make_protocol(m.protocol)
    except (UnitError, ValueError, TfalabError) as exc:
        raise MeasurementError(f"{m.id}: {exc}") from None
    if not math.isfinite(m.observed_si) or m.observed_si < 0:
        raise MeasurementError(f"{m.id}: observed must be finite and >= 0")
    return m


def load_measurements(path: str | Path | None = None) -> list[Measurement]:
    """The suite's measurements (default: the file shipped with tfalab)."""
    if path is None:
        return list(_shipped())
    p = Path(path)
    if not p.is_file():
        raise MeasurementError(f"measurements file {str(path)!r} not found")
    try:
        text = p.read_text("utf-8")
    except UnicodeDecodeError:
        raise MeasurementError(f"measurements file {str(path)!r} is not UTF-8 text") from None
    return _read(text, str(path))


@lru_cache(maxsize=1)
def _shipped() -> tuple[Measurement, ...]:
    text = resources.files("tfalab.data").joinpath("literature", "measurements.toml")
    return tuple(_read(text.read_text("utf-8"), "measurements.toml"))


def _read(text: str, where: str) -> list[Measurement]:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MeasurementError(f"{where} is not valid TOML: {exc}") from None
    entries = raw.get("measurement", [])
    if not (isinstance(entries, list) and all(isinstance(d, dict) for d in entries)):
        raise MeasurementError(f"{where}: measurement must be an array of tables "
                               f"([[measurement]] entries), got {type(entries).__name__} "
                               f"{entries!r:.80}")
    out = [_parse(d) for d in entries]
    ids = [m.id for m in out]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise MeasurementError(f"{where}: duplicate ids {sorted(dup)}")
    return out
