"""Elastic constants from strain–stress and their Voigt–Reuss–Hill averages.

Small strains (± 0.5 %, ± 1 % by default) are applied one Voigt component at a time, the ions
are relaxed in the strained cell, and each column of C is the slope of a linear fit of the six
stresses against the strain. Moduli are in Pa inside tfalab (GPa in tables, labelled).

An isotropic solid with Lamé constants λ = 40 GPa and μ = 30 GPa:

>>> lam, mu = 40e9, 30e9
>>> C = np.zeros((6, 6)); C[:3, :3] = lam; C[range(3), range(3)] += 2 * mu
>>> C[range(3, 6), range(3, 6)] = mu
>>> m = voigt_reuss_hill(C)
>>> round(m["K_VRH"] / 1e9, 3), round(m["G_VRH"] / 1e9, 3), round(m["poisson"], 3)
(60.0, 30.0, 0.286)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from tfalab.errors import ParameterError, SimulationError

#: eV/Å³ → Pa
EV_PER_A3 = 1.602176634e-19 / 1e-30
#: Voigt index → (i, j) of the strain tensor
VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


def voigt_reuss_hill(C: np.ndarray) -> dict[str, float]:
    """Voigt, Reuss and Hill bulk (K) and shear (G) moduli, Young's modulus E and Poisson's
    ratio (Hill), all in the unit of ``C`` (6×6 Voigt matrix, engineering shear strains)."""
    C = np.asarray(C, float)
    if C.shape != (6, 6):
        raise ParameterError(f"C must be 6x6, got {C.shape}")
    C = 0.5 * (C + C.T)
    try:
        S = np.linalg.inv(C)
    except np.linalg.LinAlgError:
        raise ParameterError("elastic matrix is singular") from None
    d = (0, 1, 2)
    off = ((0, 1), (1, 2), (0, 2))
    KV = (sum(C[i, i] for i in d) + 2 * sum(C[i, j] for i, j in off)) / 9
    GV = (sum(C[i, i] for i in d) - sum(C[i, j] for i, j in off)
          + 3 * sum(C[i, i] for i in (3, 4, 5))) / 15
    KR = 1 / (sum(S[i, i] for i in d) + 2 * sum(S[i, j] for i, j in off))
    GR = 15 / (4 * sum(S[i, i] for i in d) - 4 * sum(S[i, j] for i, j in off)
               + 3 * sum(S[i, i] for i in (3, 4, 5)))
    K, G = (KV + KR) / 2, (GV + GR) / 2
    E = 9 * K * G / (3 * K + G)
    nu = (3 * K - 2 * G) / (2 * (3 * K + G))
    out = {"K_V": KV, "K_R": KR, "K_VRH": K, "G_V": GV, "G_R": GR, "G_VRH": G,
           "E_VRH": E, "poisson": nu}
    return {k: float(v) for k, v in out.items()}


@dataclass
class ElasticResult:
    """C (6×6, Pa), its VRH moduli (Pa) and whether C is mechanically stable."""

    C: np.ndarray
    moduli: dict[str, float]
    stable: bool  #: all eigenvalues of C positive (Born criterion)
    strains: tuple[float, ...]

    def summary_GPa(self) -> dict[str, float]:
        """K, G, E (GPa) and Poisson's ratio (Hill averages)."""
        m = self.moduli
        return {"K_GPa": m["K_VRH"] / 1e9, "G_GPa": m["G_VRH"] / 1e9,
                "E_GPa": m["E_VRH"] / 1e9, "poisson": m["poisson"]}


def strained(atoms: Any, component: int, strain: float) -> Any:
    """Copy of ``atoms`` with Voigt strain ``strain`` on ``component`` (0–5; engineering
    shear), atoms moved with the cell."""
    if component not in range(6):
        raise ParameterError(f"Voigt component must be 0..5, got {component}")
    eps = np.zeros((3, 3))
    i, j = VOIGT[component]
    if i == j:
        eps[i, i] = strain
    else:
        eps[i, j] = eps[j, i] = strain / 2
    out = atoms.copy()
    out.set_cell(np.asarray(atoms.cell) @ (np.eye(3) + eps), scale_atoms=True)
    return out


def elastic_tensor(atoms: Any, calculator: Any = None,
                   strains: tuple[float, ...] = (-0.01, -0.005, 0.005, 0.01),
                   relax_ions: bool = True, fmax: float = 0.02, steps: int = 100) -> ElasticResult:
    """Elastic constants of a bulk cell (relax it first: residual stress shifts only the
    intercept of the fits) from stress–strain with ``strains`` on each Voigt component."""
    from tfalab.atomistic.calculators import check_elements, get_calculator, relax
    from tfalab.atomistic.structures import check_structure

    strains = tuple(float(s) for s in strains)
    if len(set(strains)) < 2 or max(abs(s) for s in strains) > 0.05:
        raise ParameterError("give >= 2 distinct small strains (|strain| <= 0.05)")
    calc = get_calculator(calculator)
    check_structure(atoms)
    check_elements(atoms, calc)
    C = np.zeros((6, 6))
    for k in range(6):
        stresses = []
        for s in strains:
            work = strained(atoms, k, s)
            if relax_ions and len(work) > 1:
                work = relax(work, calc, fmax=fmax, steps=steps, strict=False).atoms
            work.calc = calc
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                stresses.append(np.asarray(work.get_stress(voigt=True), float) * EV_PER_A3)
        table = np.array(stresses)
        if not np.isfinite(table).all():
            raise SimulationError("non-finite stress")
        C[:, k] = np.polyfit(np.array(strains), table, 1)[0]
    C = 0.5 * (C + C.T)
    stable = bool(np.linalg.eigvalsh(C).min() > 0)
    return ElasticResult(C, voigt_reuss_hill(C), stable, strains)


__all__ = ["EV_PER_A3", "ElasticResult", "elastic_tensor", "strained", "voigt_reuss_hill"]
