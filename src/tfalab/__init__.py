"""tfalab: the virtual laboratory for Li-metal and topology-fortified anodes in ASSLBs.

>>> from tfalab import CompositeAnode
>>> round(CompositeAnode().areal_capacity_mAh_cm2, 1)
15.3
>>> import tfalab
>>> tfalab.parameter_values(build="Zhang2025", anode="tfa")["Stack pressure [Pa]"]
20000000.0
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tfalab")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from tfalab.anode import CompositeAnode
from tfalab.celltest import CellTest
from tfalab.design import CellStack, pellet_cell, thin_cell
from tfalab.materials import get_phase

__all__ = ["CellStack", "CellTest", "CompositeAnode", "__version__", "fit", "get_phase",
           "load_build", "parameter_values", "pellet_cell", "simulate_symmetric", "thin_cell"]

#: imported on first use (they import PyBaMM): name -> module
_LAZY = {"parameter_values": "tfalab.cell.parameters", "load_build": "tfalab.cell.builds",
         "simulate_symmetric": "tfalab.cell.simulate", "fit": "tfalab.fitting"}


def __getattr__(name: str):  # PEP 562
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'tfalab' has no attribute {name!r}")
