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

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tfalab.anode import CompositeAnode
from tfalab.cell import physics as ph
from tfalab.cell.builds import load_build
from tfalab.cell.cathodes import cathode_kind
from tfalab.cell.config import SerialisableConfig, check_points
from tfalab.cell.full import FullCell
from tfalab.cell.full_parameters import (
    full_parameters,
    make_full_cathode,
    nominal_areal_capacity,
)
from tfalab.cell.parameters import make_anode, overrides_dict
from tfalab.cell.stepping import Built, Step, Trace, build, held, run_steps
from tfalab.celltest import CellTest
from tfalab.errors import Interrupted
from tfalab.protocols import FullProtocol
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

@dataclass(frozen=True)
class FullConfig(SerialisableConfig):
    """Everything that defines a full-cell run, SI (JSON round trip via to/from_dict)."""

    schema: ClassVar[str] = "full_config_schema"  #: the shape of its dict (tfalab.schema)
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
                   points_per_step=check_points(points_per_step),
                   overrides=overrides_dict(overrides), build=b.to_dict())

    def parameters(self) -> dict[str, Any]:
        return full_parameters(CompositeAnode.from_config(self.anode), self.cathode,
                               self.loading, self.pressure, self.temperature, self.area,
                               self.overrides, self.build)

    def one_c(self) -> float:
        """A/m² of 1C on this cathode's nominal capacity."""
        cat = make_full_cathode(self.cathode, self.loading)
        return nominal_areal_capacity(cat) / 3600.0


@dataclass
class FullResult:
    """A finished (or short-circuited) full-cell run."""

    config: FullConfig
    celltest: CellTest
    cycles: pd.DataFrame  #: one row per cycle: capacities, coulombic efficiency, retention
    termination: str
    solution: Any = None  #: the ``pybamm.Solution``, when asked for (``solution=True``)

    @property
    def failed(self) -> bool:
        return self.termination != "completed"


@lru_cache(maxsize=1)
def _model() -> FullCell:
    return FullCell()


def _build(params: dict[str, Any]) -> Built:
    return build(_model(), params, list(COLUMNS.values()), _INPUTS, atol=1e-8, cache_size=16,
                 step_events=("Minimum voltage [V]", "Maximum voltage [V]"))


#: what changes from half-cycle to half-cycle: the current and the active cut-off (a discharge
#: ends at the lower one, a charge at the upper one; the other is moved out of the way, since a
#: cell assembled discharged starts below its lower cut-off)
_INPUTS = ("Current function [A]", "Lower voltage cut-off [V]", "Upper voltage cut-off [V]")
_OUT_OF_THE_WAY = 100.0  # V


def _steps(config: FullConfig, params: dict[str, Any]) -> Iterator[Step]:
    """Half-cycles at constant current to the cut-off voltages, block after block."""
    protocol = FullProtocol.parse(config.protocol)
    current_1c = config.one_c() * params["Electrode area [m2]"]
    first_discharge = params["Cathode initial lithiation"] < 0.5
    order = (1.0, -1.0) if first_discharge else (-1.0, 1.0)  # +: discharge
    k, cycle = 0, 0
    for c_rate, n in protocol.blocks:
        for _ in range(n):
            cycle += 1
            for sign in order:
                lo, hi = params["Lower voltage cut-off [V]"], params["Upper voltage cut-off [V]"]
                if sign > 0:
                    hi += _OUT_OF_THE_WAY
                else:
                    lo -= _OUT_OF_THE_WAY
                yield Step({"Current function [A]": sign * c_rate * current_1c,
                            "Lower voltage cut-off [V]": lo, "Upper voltage cut-off [V]": hi},
                           2.0 * 3600.0 / c_rate, k, cycle)
                k += 1


def _cycle_rows(trace: Trace, config: FullConfig, params: dict[str, Any]) -> list[dict]:
    """Per cycle: the capacity of each half-cycle (mAh/cm², from its duration at constant
    current); a half-cycle that did not run is NaN."""
    protocol = FullProtocol.parse(config.protocol)
    rates = [c for c, n in protocol.blocks for _ in range(n)]
    one_c = config.one_c()
    rows: dict[int, dict[str, Any]] = {}
    first_discharge = params["Cathode initial lithiation"] < 0.5
    for index, cycle, t0, t1, _event in trace.steps:
        c_rate = rates[cycle - 1]
        row = rows.setdefault(cycle, {"cycle": cycle, "c_rate": c_rate})
        discharge = (index % 2 == 0) == first_discharge
        row["discharge_mAh_cm2" if discharge else "charge_mAh_cm2"] = \
            c_rate * one_c * (t1 - t0) / 36000.0
    return [{"discharge_mAh_cm2": np.nan, "charge_mAh_cm2": np.nan, **r}
            for r in rows.values()]


def run(config: FullConfig, solution: bool = False) -> FullResult:
    """Simulate ``config`` (a pure function of it) with the shared step loop
    (:func:`tfalab.cell.stepping.run_steps`): a short circuit ends the run, a voltage cut-off
    ends its half-cycle. ``solution=True`` also keeps the run as a ``pybamm.Solution``."""
    params = config.parameters()
    built = _build(params)

    def partial(trace: Trace) -> CellTest:
        return _result(config, params, trace, "solver failure").celltest

    steps = _steps(config, params)
    if ph.mechanical_short_time(params, params["Stack pressure [Pa]"], sides=1) <= 0:
        # the pellet's flaws crack under the Li at assembly
        trace = held(built, next(steps), config.points_per_step, "Short circuit")
        trace.steps.clear()
    else:
        try:
            trace = run_steps(built, steps, config.points_per_step, partial,
                              terminal=lambda event: "Short circuit" in event,
                              keep_solution=solution)
        except Interrupted as exc:  # hand on the partial run as a result
            if not isinstance(exc.partial, Trace) or not exc.partial:
                raise
            raise Interrupted(_result(config, params, exc.partial, "interrupted")) from None
    result = _result(config, params, trace, trace.termination)
    result.solution = trace.solution
    return result


def _result(config: FullConfig, params: dict[str, Any], trace: Trace,
            termination: str) -> FullResult:
    if trace:
        values, step, cycle = trace.columns()
        frame = pd.DataFrame(values.T, columns=list(COLUMNS))
        frame.insert(3, "Step Count / 1", step)
        frame.insert(4, "Cycle Count / 1", cycle)
        t = frame["Test Time / s"].to_numpy()
        keep = np.ones(len(t), dtype=bool)
        keep[1:] = np.diff(t) > 0
        frame = frame[keep].reset_index(drop=True)
    else:
        frame = pd.DataFrame({c: [0.0] for c in COLUMNS})
        frame.insert(3, "Step Count / 1", [0])
        frame.insert(4, "Cycle Count / 1", [0])
    frame["Ambient Temperature / degC"] = params["Ambient temperature [K]"] - 273.15
    cycles = pd.DataFrame(_cycle_rows(trace, config, params),
                          columns=["cycle", "c_rate", "discharge_mAh_cm2", "charge_mAh_cm2"])
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
                  build: Any = None, solution: bool = False) -> FullResult:
    """Simulate a full cell (see the module docstring for protocols); ``build``: the cell
    build (:mod:`tfalab.cell.builds`); ``solution=True`` also returns the run as a
    ``pybamm.Solution`` (``.solution``)."""
    return run(FullConfig.make(anode, cathode, loading, protocol, pressure, temperature, area,
                               points_per_step, overrides, build), solution)
