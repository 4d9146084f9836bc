"""Electro-chemo-mechanical cell models on PyBaMM: submodels (:mod:`tfalab.cell.submodels`),
the symmetric and full cells assembled from them, parameter sets, the step loop and
simulation. See ``docs/cell-model.md`` and ``docs/full-cell-model.md``."""

from tfalab.cell.full import FullCell
from tfalab.cell.parameters import Zhang2025_Li, Zhang2025_TFA, make_anode, symmetric_parameters
from tfalab.cell.simulate import SymmetricConfig, SymmetricResult, simulate_symmetric
from tfalab.cell.symmetric import SymmetricCell

__all__ = ["FullCell", "SymmetricCell", "SymmetricConfig", "SymmetricResult", "Zhang2025_Li",
           "Zhang2025_TFA", "make_anode", "simulate_symmetric", "symmetric_parameters"]
