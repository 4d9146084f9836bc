"""tfalab's cell physics as PyBaMM submodels (the pattern of ``pybamm.lithium_plating``):
each has ``get_fundamental_variables`` / ``get_coupled_variables`` / ``set_rhs`` /
``set_boundary_conditions`` / ``set_initial_conditions`` / ``add_events_from``, and options
select its physics
(:class:`CellOptions`). :func:`assemble` builds a model from a list of them, as PyBaMM's
battery models do; :class:`~tfalab.cell.SymmetricCell` and :class:`~tfalab.cell.FullCell`
are such assemblies, and a user can compose their own.

>>> import pybamm
>>> p, opts = Params(), CellOptions()
>>> model = pybamm.BaseModel()
>>> current = pybamm.FunctionParameter("Current function [A]", {"Time [s]": pybamm.t})
>>> model.variables["Current density [A.m-2]"] = current / p["Electrode area [m2]"]
>>> assemble(model, [AnodeInterface(p, "Left", opts), AnodeInterface(p, "Right", opts, -1),
...                  StackPressure(p, ("Left", "Right"), opts),
...                  Electrolyte(p, ("Left", "Right"), opts)])
>>> len(model.rhs), "Ionic current density [A.m-2]" in model.variables
(10, True)
"""

from __future__ import annotations

from collections.abc import Sequence

import pybamm

from tfalab.cell.submodels.anode import AnodeInterface
from tfalab.cell.submodels.electrolyte import Electrolyte
from tfalab.cell.submodels.holder import StackPressure
from tfalab.cell.submodels.options import OPTIONS, CellOptions
from tfalab.cell.submodels.params import Params

__all__ = ["OPTIONS", "AnodeInterface", "CellOptions", "Electrolyte", "Params",
           "StackPressure", "assemble"]


def assemble(model: pybamm.BaseModel, submodels: Sequence[pybamm.BaseSubModel]) -> None:
    """Add ``submodels`` to ``model``: their fundamental variables, then their coupled
    variables (in as many passes as their dependencies need, as PyBaMM's
    ``BaseBatteryModel.build_coupled_variables``), then their equations, initial conditions
    and events. ``model.variables`` may already hold inputs they read (the current density)."""
    variables = dict(model.variables)
    for sm in submodels:
        variables.update(sm.get_fundamental_variables())
    pending = list(submodels)
    while pending:
        missing: dict[str, str] = {}
        before = len(pending)
        for sm in list(pending):
            try:
                variables.update(sm.get_coupled_variables(dict(variables)))
            except KeyError as exc:
                missing[sm.name] = str(exc)
                continue
            pending.remove(sm)
        if len(pending) == before:  # no progress: a variable no submodel provides
            raise pybamm.ModelError(f"submodels cannot be coupled, missing variables: "
                                    f"{missing}")
    for sm in submodels:
        sm.set_rhs(variables)
        sm.set_algebraic(variables)
        sm.set_boundary_conditions(variables)
        sm.set_initial_conditions(variables)
        sm.add_events_from(variables)
        model.rhs.update(sm.rhs)
        model.algebraic.update(sm.algebraic)
        model.initial_conditions.update(sm.initial_conditions)
        model.boundary_conditions.update(sm.boundary_conditions)
        model.events += sm.events
    model.variables.update(variables)
