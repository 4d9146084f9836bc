"""The ``param`` object of tfalab's cell models and submodels: ``p[name]`` gives the
``pybamm.Parameter`` of that name, and the attributes PyBaMM's own submodels read.

>>> p = Params()
>>> p["Stack pressure [Pa]"] is p["Stack pressure [Pa]"], p.Q.name
(True, 'Nominal cell capacity [A.h]')
>>> Params({"Anode skeleton-path diffusivity [m2.s-1]": 0.0})[
...     "Anode skeleton-path diffusivity [m2.s-1]"].evaluate().item()
0.0
"""

from __future__ import annotations

from typing import Any

import pybamm


class Params:
    """``p[name]`` → ``pybamm.Parameter(name)`` (cached; the ``p`` of
    :mod:`tfalab.cell.physics`), except for ``fixed`` names, which are constants (an option
    that switches a mechanism off sets its parameter to zero)."""

    def __init__(self, fixed: dict[str, float] | None = None) -> None:
        self._cache: dict[str, Any] = {}
        self._fixed = dict(fixed or {})

    def __getitem__(self, name: str) -> Any:
        if name not in self._cache:
            self._cache[name] = (pybamm.Scalar(self._fixed[name]) if name in self._fixed
                                 else pybamm.Parameter(name))
        return self._cache[name]

    def with_fixed(self, fixed: dict[str, float]) -> Params:
        """A view with more constants (the same Parameter objects otherwise)."""
        out = Params({**self._fixed, **fixed})
        out._cache = {k: v for k, v in self._cache.items() if k not in fixed}
        return out

    # what PyBaMM's external-circuit submodels (voltage, power and resistance control in an
    # Experiment) read from a model's ``param``
    @property
    def Q(self) -> Any:
        """Nominal cell capacity (A.h): the basis of C-rates."""
        return self["Nominal cell capacity [A.h]"]

    @property
    def A_cc(self) -> Any:
        """Current-collector (electrode) area (m²)."""
        return self["Electrode area [m2]"]
