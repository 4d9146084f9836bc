"""Run a symmetric cell: a serialisable configuration in, a :class:`~tfalab.CellTest` out.

:func:`simulate_symmetric` is a pure function of its :class:`SymmetricConfig`: the same
configuration always gives the same CellTest, so results can be cached, swept and
distributed. A run that stops on a model event (short circuit, voltage limit, free Li
exhausted) is a normal result, with the reason in ``termination``; a solver failure raises
:class:`~tfalab.errors.SimulationError` carrying the part already simulated.

>>> res = simulate_symmetric("tfa", pressure="20 MPa", protocol="cycle 0.5 mA/cm2 0.5 mAh/cm2 x 2")
>>> res.termination, len(res.celltest) > 40
('completed', True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from tfalab.anode import CompositeAnode
from tfalab.cell import physics as ph
from tfalab.cell.builds import Build, check_density, load_build
from tfalab.cell.config import SerialisableConfig, check_points
from tfalab.cell.parameters import make_anode, overrides_dict, symmetric_parameters
from tfalab.cell.stepping import Built, Trace, build, held, iter_steps, run_steps
from tfalab.cell.symmetric import SymmetricCell
from tfalab.celltest import CellTest
from tfalab.errors import Interrupted
from tfalab.protocols import make_protocol
from tfalab.units import to_si

#: CellTest column → model variable (BDF labels first, then model states).
COLUMNS = {
    "Test Time / s": "Time [s]",
    "Voltage / V": "Voltage [V]",
    "Current / A": "Current [A]",
    "Applied Pressure / Pa": "Stack pressure [Pa]",
    "Left Contact Fraction / 1": "Left contact fraction",
    "Right Contact Fraction / 1": "Right contact fraction",
    "Left Utilisation / 1": "Left utilisation",
    "Right Utilisation / 1": "Right utilisation",
    "Left Net Stripped Charge / C/m**2": "Left net stripped charge [C.m-2]",
    "Right Net Stripped Charge / C/m**2": "Right net stripped charge [C.m-2]",
    "Left Thickness Change / m": "Left thickness change [m]",
    "Right Thickness Change / m": "Right thickness change [m]",
    "Left Porosity / 1": "Left porosity",
    "Right Porosity / 1": "Right porosity",
    "Left Interfacial Resistance / ohm*m**2": "Left interfacial resistance [Ohm.m2]",
    "Right Interfacial Resistance / ohm*m**2": "Right interfacial resistance [Ohm.m2]",
    "Interfacial Resistance / ohm*m**2": "Interfacial resistance [Ohm.m2]",
    "Left Characteristic Frequency / Hz": "Left characteristic frequency [Hz]",
    "Right Characteristic Frequency / Hz": "Right characteristic frequency [Hz]",
    "Filament Length / m": "Filament length [m]",
    "Intrusion Depth / m": "Intrusion depth [m]",
    "Shunt Fraction / 1": "Shunt fraction",
}

@dataclass(frozen=True)
class SymmetricConfig(SerialisableConfig):
    """Everything that defines a symmetric-cell run, in SI (JSON round trip via to/from_dict)."""

    schema: ClassVar[str] = "symmetric_config_schema"  #: the shape of its dict (tfalab.schema)
    anode: dict[str, Any]
    protocol: dict[str, Any]
    pressure: float = 20e6
    temperature: float = 353.15
    area: float | None = None
    points_per_step: int = 20
    overrides: dict[str, float] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=lambda: load_build().to_dict())
    #: the cell build, resolved (:meth:`tfalab.cell.builds.Build.to_dict`)
    relative_density: float | None = None  #: pellet density, if not the build's own

    @classmethod
    def make(cls, anode: str | CompositeAnode | dict[str, Any] = "tfa",
             protocol: Any = "ccd", pressure: str | float = "20 MPa",
             temperature: str | float = "80 degC", area: str | float | None = None,
             points_per_step: int = 20,
             overrides: dict[str, float] | None = None,
             build: str | Path | Build | None = None,
             relative_density: str | float | None = None) -> SymmetricConfig:
        """Build from friendly inputs ("20 MPa", "80 degC", "tfa", a protocol string)."""
        b = load_build(build)
        a = make_anode(anode, b)
        check_points(points_per_step)
        rho = None if relative_density is None else check_density(
            to_si(relative_density, "fraction", "relative_density"))
        cfg = cls(anode=a.to_config(), protocol=make_protocol(protocol).to_dict(),
                  pressure=to_si(pressure, "pressure", "pressure"),
                  temperature=to_si(temperature, "temperature", "temperature"),
                  area=None if area is None else to_si(area, "area", "area"),
                  points_per_step=int(points_per_step), overrides=overrides_dict(overrides),
                  build=b.to_dict(), relative_density=rho)
        cfg.parameters()  # check everything at the edge
        return cfg

    def parameters(self) -> dict[str, Any]:
        return symmetric_parameters(CompositeAnode.from_config(self.anode), self.pressure,
                                    self.temperature, self.area, self.overrides, self.build,
                                    self.relative_density)


@dataclass
class SymmetricResult:
    """A finished (or event-stopped) run: the CellTest and why it ended."""

    config: SymmetricConfig
    celltest: CellTest
    termination: str  #: "completed", "Short circuit", "Voltage limit", "... free Li exhausted"
    solution: Any = None  #: the ``pybamm.Solution``, when asked for (``solution=True``)

    @property
    def failed(self) -> bool:
        return self.termination != "completed"


@lru_cache(maxsize=1)
def _model() -> SymmetricCell:
    return SymmetricCell()


#: what a built symmetric-cell model takes as inputs: the current, and the conditions a sweep
#: varies (one build per anode and cell build serves every pressure and temperature)
INPUTS = ("Current function [A]", "Stack pressure [Pa]", "Ambient temperature [K]")


def _build(params: dict[str, Any]) -> Built:
    return build(_model(), params, list(COLUMNS.values()), INPUTS)


def _frame(trace: Trace) -> pd.DataFrame:
    values, step, _cycle = trace.columns()
    frame = pd.DataFrame(values.T, columns=list(COLUMNS))
    frame.insert(3, "Step Count / 1", step)
    t = frame["Test Time / s"].to_numpy()
    keep = np.ones(len(t), dtype=bool)  # drop repeated step-boundary times
    keep[1:] = np.diff(t) > 0
    return frame[keep]


def run(config: SymmetricConfig, solution: bool = False) -> SymmetricResult:
    """Simulate ``config`` (a pure function of it); ``solution=True`` also keeps the run as
    a ``pybamm.Solution`` (``SymmetricResult.solution``).

    The model is built once with the current as an input; each protocol step is one
    integration (PyBaMM's IDAKLU solver, :func:`tfalab.cell.stepping.run_steps`), which keeps
    thousands of steps fast. The same model also runs under ``pybamm.Simulation`` with the
    protocol's ``pybamm.Experiment``.
    """
    params = config.parameters()
    protocol = make_protocol(config.protocol)
    built = _build(params)
    area = params["Electrode area [m2]"]
    conditions = {name: float(params[name]) for name in INPUTS[1:]}
    steps = iter_steps(({"Current function [A]": float(i * area), **conditions}, float(dt))
                       for i, dt in protocol.steps())

    def partial(trace: Trace) -> CellTest:
        return CellTest(_frame(trace), _metadata(config, params, "solver failure"))

    if _shorted_at_assembly(params):  # Li already spans the pellet: a shunt, nothing moves
        trace = held(built, next(steps), config.points_per_step, "Short circuit")
    else:
        try:
            trace = run_steps(built, steps, config.points_per_step, partial,
                              hold_after=("Short circuit",), keep_solution=solution)
        except Interrupted as exc:  # hand on the partial run as a result
            if not isinstance(exc.partial, Trace) or not exc.partial:
                raise
            raise Interrupted(_result(config, params, exc.partial)) from None
    return _result(config, params, trace)


def _result(config: SymmetricConfig, params: dict[str, Any], trace: Trace) -> SymmetricResult:
    frame = _frame(trace)
    frame["Ambient Temperature / degC"] = params["Ambient temperature [K]"] - 273.15
    termination = trace.termination
    return SymmetricResult(config, CellTest(frame, _metadata(config, params, termination),
                                            where="simulate_symmetric"), termination,
                           trace.solution)


def _shorted_at_assembly(params: dict[str, Any]) -> bool:
    """Whether the Li under the stack pressure cracks the pellet's flaws at once (before any
    intrusion; intrusion itself takes time, :func:`physics.mechanical_short_time`)."""
    return ph.mechanical_short_time(params, params["Stack pressure [Pa]"]) <= 0


def _metadata(config: SymmetricConfig, params: dict[str, Any], termination: str) -> dict:
    return {"electrode_area_m2": params["Electrode area [m2]"], "source": "tfalab.cell",
            "build": config.build["name"],
            "cell": "symmetric", "anode": config.anode, "electrolyte": "Li6PS5Cl",
            "temperature_K": config.temperature, "pressure_Pa": config.pressure,
            "termination": termination, "config": config.to_dict()}


def simulate_symmetric(anode: str | CompositeAnode | dict[str, Any] = "tfa",
                       protocol: Any = "ccd", pressure: str | float = "20 MPa",
                       temperature: str | float = "80 degC", area: str | float | None = None,
                       points_per_step: int = 20,
                       overrides: dict[str, float] | None = None,
                       build: str | Path | Build | None = None,
                       relative_density: str | float | None = None,
                       solution: bool = False) -> SymmetricResult:
    """Simulate a symmetric cell of ``anode`` under ``pressure``/``temperature``/``protocol``.

    ``protocol``: a :mod:`tfalab.protocols` object, dict or string such as
    ``"cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h"`` or ``"ccd"``. ``build``: the laboratory's
    cell build (:mod:`tfalab.cell.builds`; default ``"Zhang2025"``), its pellet moved to
    ``relative_density`` if given. ``solution=True`` also returns the run as a
    ``pybamm.Solution`` (``.solution``: ``QuickPlot``, ``save_data``, every model variable).
    """
    return run(SymmetricConfig.make(anode, protocol, pressure, temperature, area,
                                    points_per_step, overrides, build, relative_density),
               solution)
