"""Electro-chemo-mechanical cell models on PyBaMM: the anode/interface submodel, the
symmetric cell, parameter sets, simulation and calibration. See ``docs/cell-model.md``."""

from tfalab.cell.parameters import Zhang2025_Li, Zhang2025_TFA, make_anode, symmetric_parameters
from tfalab.cell.simulate import SymmetricConfig, SymmetricResult, simulate_symmetric
from tfalab.cell.symmetric import SymmetricCell

__all__ = ["SymmetricCell", "SymmetricConfig", "SymmetricResult", "Zhang2025_Li",
           "Zhang2025_TFA", "make_anode", "simulate_symmetric", "symmetric_parameters"]
