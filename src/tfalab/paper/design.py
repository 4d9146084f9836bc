"""The seed paper's pellet cell (Zhang et al., Adv. Mater. 2025, Experimental Section).

>>> cell = paper_cell("fes2", loading="2.17 mg/cm2")
>>> round(cell.separator_thickness * 1e3, 2)  # mm: 150 mg of LPSCl in a 10 mm die
1.14
"""

from __future__ import annotations

from tfalab.anode import CompositeAnode
from tfalab.design import CellStack, pellet_cell

#: The seed paper's cell: 10 mm die, 150 mg LPSCl pellet, 100 µm anode foils, steel collectors.
PAPER_DIE_DIAMETER = 10e-3  #: m (Zhang et al. 2025, Experimental Section)
PAPER_PELLET_MASS = 150e-6  #: kg of Li6PS5Cl (Zhang et al. 2025, Experimental Section)


def paper_cell(cathode: str = "fes2", loading: str | float = "2.17 mg/cm2",
               anode: CompositeAnode | None = None,
               pellet_porosity: float = 0.10) -> CellStack:
    """The seed paper's pellet cell: separator from 150 mg LPSCl in a 10 mm die.

    The pellet's porosity after pressing at 360 MPa is not given; 10 % is assumed. The steel
    foils' thickness is not given; 20 µm is assumed.
    """
    return pellet_cell(cathode, loading, anode, die_diameter=PAPER_DIE_DIAMETER,
                       pellet_mass=PAPER_PELLET_MASS, pellet_porosity=pellet_porosity)
