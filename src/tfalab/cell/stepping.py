"""Build a PyBaMM model once, with its drive as inputs, for fast step-by-step runs.

A protocol of thousands of steps is run as repeated ``solver.step`` calls on one discretised
model whose current (and, for full cells, cut-off) are input parameters; a CasADi function
evaluates every output column at once afterwards. Used by :mod:`tfalab.cell.simulate` and
:mod:`tfalab.cell.full_simulate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pybamm


@dataclass
class Built:
    """A parameterised, discretised model with inputs, its solver and its outputs."""

    model: Any
    solver: Any
    outputs: Any  #: casadi Function (t, y, u) -> all output columns (u: the inputs, in order)


_CACHE: dict[str, Built] = {}


def build(model: pybamm.BaseModel, params: dict[str, Any], variables: list[str],
          inputs: tuple[str, ...] = ("Current function [A]",), atol: float = 1e-9,
          cache_size: int = 32) -> Built:
    """Parameterise and discretise ``model`` once per parameter set (cached).

    ``inputs[0]`` must be ``"Current function [A]"``, which becomes an input; the others are
    input parameters the model already declares.
    """
    key = json.dumps({"model": model.name, "inputs": inputs,
                      **{k: (v.__name__ if callable(v) else v) for k, v in params.items()}},
                     sort_keys=True, default=str)
    if key in _CACHE:
        return _CACHE[key]
    import casadi

    pv = pybamm.ParameterValues({**params, "Current function [A]": "[input]"})
    sim = pybamm.Simulation(model, parameter_values=pv)
    sim.build()
    built_model = sim.built_model
    t, y = casadi.MX.sym("t"), casadi.MX.sym("y", built_model.len_rhs_and_alg)
    u = casadi.MX.sym("u", len(inputs))
    symbols = {name: u[k] for k, name in enumerate(inputs)}
    exprs = [sim._disc.process_symbol(pv.process_symbol(model.variables[v]))
             .to_casadi(t, y, inputs=symbols) for v in variables]
    outputs = casadi.Function("outputs", [t, y, u], [casadi.vertcat(*exprs)])
    built = Built(built_model, pybamm.IDAKLUSolver(rtol=1e-6, atol=atol), outputs)
    if len(_CACHE) > cache_size:
        _CACHE.clear()
    _CACHE[key] = built
    return built
