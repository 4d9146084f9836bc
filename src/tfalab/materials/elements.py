"""Standard atomic weights (IUPAC 2021 abridged values, g/mol) and formula molar masses."""

from __future__ import annotations

import re

from tfalab.errors import ParameterError

ATOMIC_WEIGHT_G_PER_MOL: dict[str, float] = {
    "H": 1.008, "He": 4.0026, "Li": 6.94, "Be": 9.0122, "B": 10.81, "C": 12.011,
    "N": 14.007, "O": 15.999, "F": 18.998, "Ne": 20.180, "Na": 22.990, "Mg": 24.305,
    "Al": 26.982, "Si": 28.085, "P": 30.974, "S": 32.06, "Cl": 35.45, "Ar": 39.95,
    "K": 39.098, "Ca": 40.078, "Ti": 47.867, "V": 50.942, "Cr": 51.996, "Mn": 54.938,
    "Fe": 55.845, "Co": 58.933, "Ni": 58.693, "Cu": 63.546, "Zn": 65.38, "Ga": 69.723,
    "Ge": 72.630, "As": 74.922, "Se": 78.971, "Br": 79.904, "Sr": 87.62, "Y": 88.906,
    "Zr": 91.224, "Nb": 92.906, "Mo": 95.95, "Ag": 107.87, "In": 114.82, "Sn": 118.71,
    "Sb": 121.76, "Te": 127.60, "I": 126.90, "La": 138.91, "Ta": 180.95, "W": 183.84,
    "Au": 196.97, "Bi": 208.98,
}

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*\.?\d*)")


def molar_mass_of(formula: str) -> float:
    """Molar mass in kg/mol of a simple formula (no brackets), e.g. ``"LiNi0.93Co0.06Mn0.01O2"``.

    >>> round(molar_mass_of("Li5B4") * 1000, 2)
    77.94
    """
    pos, total = 0, 0.0
    for match in _TOKEN.finditer(formula):
        if match.start() != pos:
            break
        element, count = match.groups()
        if element not in ATOMIC_WEIGHT_G_PER_MOL:
            raise ParameterError(f"formula {formula!r}: unknown element {element!r}")
        total += ATOMIC_WEIGHT_G_PER_MOL[element] * (float(count) if count else 1.0)
        pos = match.end()
    if pos != len(formula) or total == 0:
        raise ParameterError(f"cannot read formula {formula!r} (write e.g. 'Li6PS5Cl')")
    return total / 1000.0
