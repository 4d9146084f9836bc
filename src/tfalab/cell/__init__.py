"""Electro-chemo-mechanical cell models on PyBaMM: the anode/interface submodel, the
symmetric cell, parameter sets, simulation and calibration. See ``docs/cell-model.md``."""

from tfalab.cell.parameters import Zhang2025_Li, Zhang2025_TFA, make_anode, symmetric_parameters
from tfalab.cell.symmetric import SymmetricCell

__all__ = ["SymmetricCell", "Zhang2025_Li", "Zhang2025_TFA", "make_anode",
           "symmetric_parameters"]
