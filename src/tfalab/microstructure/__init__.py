"""3D voxel microstructures of topology-fortified (TFA) and bare-Li anodes.

Generate a fibrous LiBx skeleton with free Li and pores (:func:`generate`, :func:`bare_li`),
strip and plate on voxels with an exact charge ledger (:func:`strip`, :func:`plate`), measure
(:func:`measure`), and hand effective parameters to the cell model
(:func:`effective_parameters`, :func:`percolation_threshold`); measured CT / FIB-SEM stacks
enter through :func:`from_ct`, and :func:`virtual_ct` images a model volume as the paper's
0.3 µm lab CT would (PSF, partial volume, Otsu). See ``docs/microstructure.md``.

>>> ms = generate(shape=(32, 32, 32), seed=0)
>>> back = plate(strip(ms, "0.2 mAh/cm2"), "0.2 mAh/cm2")
>>> round(back.fraction(PORE), 3)
0.066
"""

from tfalab.microstructure.bridge import effective_parameters, from_ct, percolation_threshold
from tfalab.microstructure.electrochem import charge_per_voxel, plate, strip, voxels_for
from tfalab.microstructure.generate import (
    LI,
    OUTSIDE,
    PORE,
    SKELETON,
    Microstructure,
    bare_li,
    fibre_network,
    generate,
    load,
)
from tfalab.microstructure.imaging import VirtualCT, virtual_ct
from tfalab.microstructure.metrics import Metrics, measure

__all__ = ["LI", "OUTSIDE", "PORE", "SKELETON", "Metrics", "Microstructure", "VirtualCT",
           "bare_li", "charge_per_voxel", "effective_parameters", "fibre_network", "from_ct",
           "generate", "load", "measure", "percolation_threshold", "plate", "strip",
           "virtual_ct", "voxels_for"]
