"""Calculators, relaxation and the on-disk result cache of :mod:`tfalab.atomistic`.

The heavy dependencies (ASE, torch, CHGNet) are imported only inside functions, so this module
imports without them. Energies are in eV and lengths in Å at this module's edges (the
conventions of atomistic codes); forces in eV/Å.

>>> calculator_id("chgnet").startswith("chgnet")
True
>>> cache = ResultCache("/tmp/tfalab-doctest-cache")
>>> key = cache.key("demo", a=1, b=[1.0, 2.0])
>>> cache.put(key, {"x": 1.5}); cache.get(key)
{'x': 1.5}
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tfalab.errors import ParameterError, SimulationError, TfalabError

#: The extra to install for the atomistic tools.
EXTRA_HINT = 'install tfalab[atomistic] (pip install "tfalab[atomistic]")'
#: Highest atomic number the default potential (CHGNet 0.3.0 weights) was trained on.
CHGNET_MAX_Z = 94
#: Default relaxation threshold on the largest atomic force, eV/Å.
FMAX = 0.05


class ExtraNotInstalledError(TfalabError, ImportError):
    """The optional ``tfalab[atomistic]`` dependencies (ASE, torch, CHGNet) are missing."""


class UnsupportedElementError(TfalabError, ValueError):
    """A structure holds an element the interatomic potential does not know."""


def require(*modules: str) -> None:
    """Import ``modules`` or raise :class:`ExtraNotInstalledError` naming the extra.

    >>> require("numpy")
    >>> try:
    ...     require("no_such_module_xyz")
    ... except ExtraNotInstalledError as exc:
    ...     print(exc)
    no_such_module_xyz is missing: install tfalab[atomistic] (pip install "tfalab[atomistic]")
    """
    import importlib

    for name in modules or ("ase", "torch", "chgnet"):
        try:
            importlib.import_module(name)
        except ImportError:
            raise ExtraNotInstalledError(f"{name} is missing: {EXTRA_HINT}") from None


def extra_installed() -> bool:
    """Whether ASE, torch and CHGNet can be imported (without importing them)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("ase", "torch", "chgnet"))


@cache
def _chgnet_model() -> Any:
    require("ase", "torch", "chgnet")
    from chgnet.model import CHGNet

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CHGNet.load(verbose=False)


@cache
def _lean_chgnet_class() -> type:
    """CHGNetCalculator that computes the stress only when asked (MD needs forces only,
    which halves the cost of a step)."""
    from chgnet.model.dynamics import CHGNetCalculator

    class LeanCHGNetCalculator(CHGNetCalculator):
        def calculate(self, atoms: Any = None, properties: list | None = None,
                      system_changes: list | None = None,
                      task: Literal["e", "ef", "em", "efs", "efsm"] | None = None) -> None:
            if task is None:
                props = properties or ["energy", "forces", "stress"]
                task = "efs" if "stress" in props else "ef"
            super().calculate(atoms, properties, system_changes, task=task)

    LeanCHGNetCalculator.__name__ = "CHGNetCalculator"
    return LeanCHGNetCalculator


def get_calculator(calculator: Any = None) -> Any:
    """An ASE calculator: ``None`` or ``"chgnet"`` → CHGNet (loaded once), else ``calculator``.

    Any ASE calculator (DFT, another universal potential) can be passed as is.
    """
    if calculator is None or (isinstance(calculator, str) and calculator.lower() == "chgnet"):
        model = _chgnet_model()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            calc = _lean_chgnet_class()(model=model, use_device="cpu",
                                        on_isolated_atoms="ignore")
        return calc
    if isinstance(calculator, str):
        raise ParameterError(f"unknown calculator {calculator!r}; pass 'chgnet' or an ASE "
                             "calculator object")
    require("ase")
    return calculator


def calculator_id(calculator: Any = None) -> str:
    """A short text naming a calculator (and its version), used in cache keys and reports."""
    if calculator is None or (isinstance(calculator, str) and calculator.lower() == "chgnet"):
        try:
            from importlib.metadata import version

            return f"chgnet-{version('chgnet')}"
        except Exception:
            return "chgnet"
    name = type(calculator).__name__
    if name == "CHGNetCalculator":
        return calculator_id("chgnet")
    params = getattr(calculator, "parameters", {}) or {}
    try:
        text = json.dumps(dict(params), sort_keys=True, default=str)
    except TypeError:
        text = repr(params)
    return f"{name}:{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def max_z(calculator: Any) -> int | None:
    """Highest atomic number ``calculator`` supports, or None if unknown."""
    if calculator is None or type(calculator).__name__ == "CHGNetCalculator" or (
            isinstance(calculator, str) and calculator.lower() == "chgnet"):
        return CHGNET_MAX_Z
    return getattr(calculator, "max_atomic_number", None)


def check_elements(atoms: Any, calculator: Any = None) -> None:
    """Raise :class:`UnsupportedElementError` for dummy species or elements past the potential."""
    numbers = np.asarray(atoms.get_atomic_numbers())
    if (numbers < 1).any():
        raise UnsupportedElementError("structure holds a dummy/unknown species (Z = 0); the "
                                      "potential needs real elements")
    top = max_z(calculator)
    if top is not None and (numbers > top).any():
        from ase.data import chemical_symbols

        bad = sorted({chemical_symbols[z] for z in numbers[numbers > top]})
        raise UnsupportedElementError(f"element(s) {', '.join(bad)} (Z > {top}) are unknown "
                                      f"to the potential {calculator_id(calculator)}")


@dataclass
class Relaxed:
    """A relaxed structure: ASE atoms (Å), energy (eV), largest residual force (eV/Å)."""

    atoms: Any
    energy: float
    fmax: float
    steps: int
    converged: bool


def _residual(atoms: Any, cell: bool) -> float:
    if cell:
        from ase.filters import FrechetCellFilter

        forces = FrechetCellFilter(atoms).get_forces()
    else:
        forces = atoms.get_forces()
    return float(np.sqrt((forces ** 2).sum(axis=1)).max()) if len(forces) else 0.0


def relax(atoms: Any, calculator: Any = None, fmax: float = FMAX, steps: int = 300,
          cell: bool = False, optimizer: str = "BFGS", strict: bool = True) -> Relaxed:
    """Relax positions (and the cell if ``cell``) until every force is below ``fmax`` eV/Å.

    The input is copied (constraints kept). With ``strict`` a run that does not reach ``fmax``
    within ``steps`` raises :class:`~tfalab.errors.SimulationError`.
    """
    from tfalab.atomistic.structures import check_structure

    if fmax <= 0 or steps < 0:
        raise ParameterError(f"fmax must be > 0 and steps >= 0, got {fmax}, {steps}")
    calc = get_calculator(calculator)
    check_structure(atoms)
    check_elements(atoms, calc)
    from ase.optimize import BFGS, FIRE

    opts = {"BFGS": BFGS, "FIRE": FIRE}
    if optimizer.upper() not in opts:
        raise ParameterError(f"optimizer must be one of {list(opts)}, got {optimizer!r}")
    work = atoms.copy()
    work.calc = calc
    target = work
    if cell:
        from ase.filters import FrechetCellFilter

        target = FrechetCellFilter(work)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        opt = opts[optimizer.upper()](target, logfile=None)
        opt.run(fmax=fmax, steps=steps)
        residual = _residual(work, cell)
        energy = float(work.get_potential_energy())
    if not np.isfinite(energy):
        raise SimulationError(f"non-finite energy {energy} for {work.get_chemical_formula()}")
    converged = residual < fmax
    if strict and not converged:
        raise SimulationError(f"relaxation of {work.get_chemical_formula()} did not reach "
                              f"fmax = {fmax} eV/A in {steps} steps (largest force "
                              f"{residual:.3f} eV/A)")
    return Relaxed(work, energy, residual, int(opt.nsteps), converged)


def energy(atoms: Any, calculator: Any = None) -> float:
    """Single-point potential energy (eV) of ``atoms`` (checked first)."""
    from tfalab.atomistic.structures import check_structure

    calc = get_calculator(calculator)
    check_structure(atoms)
    check_elements(atoms, calc)
    work = atoms.copy()
    work.calc = calc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = float(work.get_potential_energy())
    if not np.isfinite(e):
        raise SimulationError(f"non-finite energy for {work.get_chemical_formula()}")
    return e


def default_cache_dir() -> Path:
    """``$TFALAB_CACHE_DIR/atomistic``, else ``$XDG_CACHE_HOME/tfalab/atomistic`` or
    ``~/.cache/tfalab/atomistic``."""
    if os.environ.get("TFALAB_CACHE_DIR"):
        return Path(os.environ["TFALAB_CACHE_DIR"]) / "atomistic"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "tfalab" / "atomistic"


def structure_fingerprint(atoms: Any) -> str:
    """Hash of species, cell, positions (rounded to 1e-5 Å) and periodicity."""
    h = hashlib.sha256()
    h.update(np.asarray(atoms.get_atomic_numbers(), np.int64).tobytes())
    h.update(np.round(np.asarray(atoms.cell, float), 5).tobytes())
    h.update(np.round(np.asarray(atoms.positions, float), 5).tobytes())
    h.update(np.asarray(atoms.pbc, bool).tobytes())
    return h.hexdigest()[:16]


class ResultCache:
    """JSON results on disk, keyed by a hash of their inputs (``None`` root → no caching)."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else None

    def key(self, kind: str, **inputs: Any) -> str:
        """A file-name-safe key: ``kind`` plus a hash of the JSON of ``inputs``."""
        text = json.dumps(inputs, sort_keys=True, default=str)
        return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:20]}"

    def get(self, key: str) -> dict | None:
        """The stored result or None."""
        if self.root is None:
            return None
        path = self.root / f"{key}.json"
        try:
            return json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, key: str, value: dict) -> None:
        """Store ``value`` (JSON-serialisable) atomically."""
        if self.root is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{key}.tmp"
        tmp.write_text(json.dumps(value, indent=1, default=float))
        tmp.replace(self.root / f"{key}.json")
