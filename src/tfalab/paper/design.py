"""The seed paper's pellet cell (Zhang et al., Adv. Mater. 2025, Experimental Section).

>>> cell = paper_cell("fes2", loading="2.17 mg/cm2")
>>> round(cell.separator_thickness * 1e3, 2)  # mm: 150 mg of LPSCl in a 10 mm die
1.14
"""

from __future__ import annotations

from tfalab.anode import CompositeAnode
from tfalab.cell.builds import load_build
from tfalab.design import CellStack, pellet_cell

#: The paper's cell build (data/builds/Zhang2025.toml): every simulation of the paper's cells
#: names it, so the library's default build is free to be a typical laboratory's.
PAPER_BUILD = "Zhang2025"
#: The seed paper's cell: 10 mm die, 150 mg LPSCl pellet (values from its build file).
PAPER_DIE_DIAMETER = load_build(PAPER_BUILD).value("die_diameter")  #: m
PAPER_PELLET_MASS = load_build(PAPER_BUILD).value("pellet_mass")  #: kg
#: porosity of the pressed pellet (assumed in the build: 90 % relative density)
PAPER_PELLET_POROSITY = round(1 - load_build(PAPER_BUILD).value("relative_density"), 12)


def paper_cell(cathode: str = "fes2", loading: str | float = "2.17 mg/cm2",
               anode: CompositeAnode | None = None,
               pellet_porosity: float = PAPER_PELLET_POROSITY) -> CellStack:
    """The seed paper's pellet cell: separator from 150 mg LPSCl in a 10 mm die.

    The pellet's porosity after pressing at 360 MPa is not given; the build's assumed 10 % is
    used (``data/builds/Zhang2025.toml``). The steel foils' thickness is not given; 20 µm is
    assumed.
    """
    return pellet_cell(cathode, loading, anode, die_diameter=PAPER_DIE_DIAMETER,
                       pellet_mass=PAPER_PELLET_MASS, pellet_porosity=pellet_porosity)
