"""tfalab: the virtual laboratory for Li-metal and topology-fortified anodes in ASSLBs.

>>> from tfalab import CompositeAnode
>>> round(CompositeAnode().areal_capacity_mAh_cm2, 1)
15.3
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

__all__ = ["CellStack", "CellTest", "CompositeAnode", "__version__", "get_phase", "pellet_cell",
           "thin_cell"]
