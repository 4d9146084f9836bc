"""Run a full cell: a serialisable configuration in, a :class:`~tfalab.CellTest` and a
per-cycle table out.

Protocols are in C-rates of the cathode's nominal capacity (FeS2: its theoretical 894 mAh/g;
NCM: ``ncm.c_rate_capacity`` of ``data/cathodes.toml``), each half-cycle constant current to
the cathode's cut-off voltage:

* ``"cycle 1C for 420 cycles"``, ``"cycle 0.2C x 40"``;
* ``"rate 0.2C,0.5C,1C,2C,5C x 5"``: five cycles at each rate (charge at the same rate).

A Li-free cathode (FeS2) starts with a discharge, a lithiated one (NCM) with a charge.
A short circuit ends the run (``termination == "Short circuit"``); a solver failure raises
:class:`~tfalab.errors.SimulationError` carrying the cycles already simulated.

>>> res = simulate_full("tfa", "fes2", "2.17 mg/cm2", protocol="cycle 1C x 3")
>>> res.termination, len(res.cycles)
('completed', 3)
>>> bool(800 < res.cycles["discharge_mAh_g"].iloc[-1] < 1300)
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pybamm

from tfalab.anode import CompositeAnode
from tfalab.cell import physics as ph
from tfalab.cell.builds import load_build
from tfalab.cell.cathodes import cathode_constant, cathode_kind
from tfalab.cell.config import SerialisableConfig
from tfalab.cell.full import FullCell
from tfalab.cell.full_parameters import full_parameters, make_full_cathode
from tfalab.cell.parameters import make_anode
from tfalab.cell.stepping import Built, build
from tfalab.celltest import CellTest
from tfalab.errors import ProtocolError, SimulationError
from tfalab.materials import get_phase
from tfalab.units import to_si

COLUMNS = {
    "Test Time / s": "Time [s]",
    "Voltage / V": "Voltage [V]",
    "Current / A": "Current [A]",
    "Applied Pressure / Pa": "Stack pressure [Pa]",
    "Open-Circuit Voltage / V": "Open-circuit voltage [V]",
    "Cathode Lithiation / 1": "Cathode average lithiation",
    "Cathode Active Fraction / 1": "Cathode active fraction",
    "Cathode Li / C/m**2": "Cathode Li [C.m-2]",
    "Anode Net Stripped Charge / C/m**2": "Anode net stripped charge [C.m-2]",
    "Anode Utilisation / 1": "Anode utilisation",
    "Anode Contact Fraction / 1": "Anode contact fraction",
    "Anode Thickness Change / m": "Anode thickness change [m]",
    "Anode Porosity / 1": "Anode porosity",
    "Filament Length / m": "Filament length [m]",
    "Intrusion Depth / m": "Intrusion depth [m]",
    "Shunt Fraction / 1": "Shunt fraction",
}

_RATE = r"(\d*\.?\d+)\s*c"


@dataclass(frozen=True)
class FullProtocol:
    """Blocks of (C-rate, number of cycles), run in order."""

    blocks: tuple[tuple[float, int], ...]

    @classmethod
    def parse(cls, text: str | FullProtocol | dict[str, Any]) -> FullProtocol:
        """``"cycle 1C for 420 cycles"``, ``"cycle 0.2C x 40"``, ``"rate 0.2C,1C,5C x 5"``."""
        if isinstance(text, FullProtocol):
            return text
        if isinstance(text, dict):
            return cls(tuple((float(c), int(n)) for c, n in text["blocks"]))
        s = str(text).strip().lower()
        m = re.fullmatch(rf"cycle\s+{_RATE}\s+(?:for\s+(\d+)\s+cycles?|x\s*(\d+))", s)
        if m:
            return cls(((float(m.group(1)), int(m.group(2) or m.group(3))),))
        m = re.fullmatch(rf"rate\s+((?:{_RATE}\s*,\s*)*{_RATE})\s+x\s*(\d+)", s)
        if m:
            rates = [float(r) for r in re.findall(r"(\d*\.?\d+)\s*c", m.group(1))]
            return cls(tuple((r, int(m.group(m.lastindex))) for r in rates))
        raise ProtocolError(f"unknown full-cell protocol {text!r}; write e.g. "
                            "'cycle 1C for 420 cycles', 'cycle 0.2C x 40' or "
                            "'rate 0.2C,0.5C,1C,2C,5C x 5'")

    def __post_init__(self) -> None:
        for c, n in self.blocks:
            if not (c > 0 and n >= 1):
                raise ProtocolError(f"C-rate must be > 0 and cycles >= 1, got {c}C x {n}")

    def to_dict(self) -> dict[str, Any]:
        return {"blocks": [list(b) for b in self.blocks]}

    @property
    def n_cycles(self) -> int:
        return sum(n for _, n in self.blocks)


@dataclass(frozen=True)
class FullConfig(SerialisableConfig):
    """Everything that defines a full-cell run, SI (JSON round trip via to/from_dict)."""

    anode: dict[str, Any]
    cathode: str
    loading: float
    protocol: dict[str, Any]
    pressure: float = 40e6
    temperature: float = 353.15
    area: float | None = None
    points_per_step: int = 10
    overrides: dict[str, float] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=lambda: load_build().to_dict())
    #: the cell build, resolved (:meth:`tfalab.cell.builds.Build.to_dict`)

    @classmethod
    def make(cls, anode: str | CompositeAnode | dict[str, Any] = "tfa", cathode: str = "fes2",
             loading: str | float | None = None, protocol: Any = "cycle 1C x 10",
             pressure: str | float = "40 MPa", temperature: str | float = "80 degC",
             area: str | float | None = None, points_per_step: int = 10,
             overrides: dict[str, float] | None = None,
             build: Any = None) -> FullConfig:
        b = load_build(build)
        a = make_anode(anode, b)
        cat = make_full_cathode(cathode, loading)
        return cls(anode=a.to_config(), cathode=cathode_kind(cat), loading=cat.loading,
                   protocol=FullProtocol.parse(protocol).to_dict(),
                   pressure=to_si(pressure, "pressure", "pressure"),
                   temperature=to_si(temperature, "temperature", "temperature"),
                   area=None if area is None else to_si(area, "area", "area"),
                   points_per_step=int(points_per_step), overrides=dict(overrides or {}),
                   build=b.to_dict())

    def parameters(self) -> dict[str, Any]:
        return full_parameters(CompositeAnode.from_config(self.anode), self.cathode,
                               self.loading, self.pressure, self.temperature, self.area,
                               self.overrides, self.build)

    def one_c(self) -> float:
        """A/m² of 1C on this cathode's nominal capacity."""
        basis = (get_phase("FeS2").specific_capacity if self.cathode == "fes2"
                 else cathode_constant("ncm.c_rate_capacity"))
        return self.loading * basis / 3600.0


@dataclass
class FullResult:
    """A finished (or short-circuited) full-cell run."""

    config: FullConfig
    celltest: CellTest
    cycles: pd.DataFrame  #: one row per cycle: capacities, coulombic efficiency, retention
    termination: str

    @property
    def failed(self) -> bool:
        return self.termination != "completed"


@lru_cache(maxsize=1)
def _model() -> FullCell:
    return FullCell()


_INPUTS = ("Current function [A]", "Direction", "Cut-off voltage [V]")


def _build(params: dict[str, Any]) -> Built:
    return build(_model(), params, list(COLUMNS.values()), _INPUTS, atol=1e-8, cache_size=16)


def run(config: FullConfig) -> FullResult:
    """Simulate ``config`` (a pure function of it)."""
    params = config.parameters()
    protocol = FullProtocol.parse(config.protocol)
    built = _build(params)
    area = params["Electrode area [m2]"]
    one_c = config.one_c()
    lo, hi = params["Lower cut-off voltage [V]"], params["Upper cut-off voltage [V]"]
    first_discharge = params["Cathode initial lithiation"] < 0.5
    rows: list[dict[str, Any]] = []
    ts, ys, us, steps = [], [], [], []
    prev, termination, k = None, "completed", 0
    if ph.mechanical_short_time(params, params["Stack pressure [Pa]"], sides=1) <= 0:
        termination = "Short circuit"  # the pellet's flaws crack under the Li at assembly
    level = pybamm.logger.level
    pybamm.logger.setLevel("ERROR")
    try:
        cycle = 0
        for c_rate, n in protocol.blocks if termination == "completed" else ():
            for _ in range(n):
                cycle += 1
                caps: dict[str, float] = {}
                order = ("discharge", "charge") if first_discharge else ("charge", "discharge")
                for half in order:
                    sign = 1.0 if half == "discharge" else -1.0
                    current = sign * c_rate * one_c * area
                    u = [current, sign, lo if sign > 0 else hi]
                    dt = 2.0 * 3600.0 / c_rate
                    try:
                        sol = built.solver.step(
                            prev, built.model, dt, t_eval=[0.0, dt],
                            t_interp=np.linspace(0.0, dt, config.points_per_step + 1),
                            inputs=dict(zip(_INPUTS, u, strict=True)), save=False)
                    except (pybamm.SolverError, ValueError, ArithmeticError) as exc:
                        raise SimulationError(
                            f"full-cell solve failed in cycle {cycle} ({half} at {c_rate}C): "
                            f"{type(exc).__name__}: {exc}; the cycles simulated so far are in "
                            ".partial", _result(config, params, ts, ys, us, steps, built, rows,
                                                "solver failure")) from exc
                    t_k = np.asarray(sol.t, dtype=float)
                    ts.append(t_k)
                    ys.append(np.asarray(sol.all_ys[-1] if len(sol.all_ys) == 1
                                         else np.concatenate(sol.all_ys, axis=1)))
                    us.append(np.tile(np.asarray(u)[:, None], len(t_k)))
                    steps.append(np.stack([np.full(len(t_k), k), np.full(len(t_k), cycle)]))
                    k += 1
                    caps[half] = abs(current) / area * (t_k[-1] - t_k[0]) / 36000.0  # mAh/cm2
                    prev = sol
                    event = str(getattr(sol, "termination", ""))
                    if "Short circuit" in event:
                        termination = "Short circuit"
                        break
                rows.append({"cycle": cycle, "c_rate": c_rate,
                             "discharge_mAh_cm2": caps.get("discharge", np.nan),
                             "charge_mAh_cm2": caps.get("charge", np.nan)})
                if termination != "completed":
                    break
            if termination != "completed":
                break
    finally:
        pybamm.logger.setLevel(level)
    return _result(config, params, ts, ys, us, steps, built, rows, termination)


def _result(config: FullConfig, params: dict[str, Any], ts: list, ys: list, us: list,
            steps: list, built: Built, rows: list, termination: str) -> FullResult:
    if ts:
        t = np.concatenate(ts)
        y = np.concatenate(ys, axis=1)
        u = np.concatenate(us, axis=1)
        values = np.asarray(built.outputs.map(len(t))(t, y, u))
        frame = pd.DataFrame(values.T, columns=list(COLUMNS))
        step_cycle = np.concatenate(steps, axis=1)
        frame.insert(3, "Step Count / 1", step_cycle[0])
        frame.insert(4, "Cycle Count / 1", step_cycle[1])
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = np.diff(t) > 0
        frame = frame[keep].reset_index(drop=True)
    else:
        frame = pd.DataFrame({c: [0.0] for c in COLUMNS})
        frame.insert(3, "Step Count / 1", [0])
        frame.insert(4, "Cycle Count / 1", [0])
    frame["Ambient Temperature / degC"] = params["Ambient temperature [K]"] - 273.15
    cycles = pd.DataFrame(rows, columns=["cycle", "c_rate", "discharge_mAh_cm2",
                                         "charge_mAh_cm2"])
    mass = config.loading * 100.0  # mg/cm2
    cycles["discharge_mAh_g"] = cycles["discharge_mAh_cm2"] / mass * 1e3
    cycles["coulombic_efficiency"] = cycles["discharge_mAh_cm2"] / cycles["charge_mAh_cm2"]
    first = cycles["discharge_mAh_cm2"].iloc[0] if len(cycles) else np.nan
    cycles["retention"] = cycles["discharge_mAh_cm2"] / first
    # Li inventory: the anode's free-Li use (max over the cycle) and the N/P of the design
    util = frame.groupby("Cycle Count / 1")["Anode Utilisation / 1"].max()
    cycles["anode_utilisation_max"] = cycles["cycle"].map(util).astype(float)
    cycles["np_ratio"] = params["Anode free-Li capacity [C.m-2]"] / params[
        "Cathode capacity [C.m-2]"]
    meta = {"electrode_area_m2": params["Electrode area [m2]"], "source": "tfalab.cell",
            "cell": "full", "anode": config.anode, "cathode": config.cathode,
            "loading_kg_m2": config.loading, "electrolyte": "Li6PS5Cl",
            "temperature_K": config.temperature, "pressure_Pa": config.pressure,
            "termination": termination, "config": config.to_dict()}
    return FullResult(config, CellTest(frame, meta, where="simulate_full"), cycles, termination)


def simulate_full(anode: str | CompositeAnode | dict[str, Any] = "tfa", cathode: str = "fes2",
                  loading: str | float | None = None, protocol: Any = "cycle 1C x 10",
                  pressure: str | float = "40 MPa", temperature: str | float = "80 degC",
                  area: str | float | None = None, points_per_step: int = 10,
                  overrides: dict[str, float] | None = None,
                  build: Any = None) -> FullResult:
    """Simulate a full cell (see the module docstring for protocols); ``build``: the cell
    build (:mod:`tfalab.cell.builds`)."""
    return run(FullConfig.make(anode, cathode, loading, protocol, pressure, temperature, area,
                               points_per_step, overrides, build))
