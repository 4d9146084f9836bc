"""NVT molecular dynamics, mean-square displacements and diffusion coefficients.

The MSD code is plain numpy (no potential needed); :func:`run_md` drives ASE's Langevin or
Nosé–Hoover-chain integrators with any ASE calculator, writes an ASE ``.traj`` trajectory and
resumes an interrupted run from the trajectory's last frame. Units at the edges: positions and
MSD in Å / Å², times in fs (the conventions of MD codes); diffusion coefficients in m²/s.

A 3-D random walk with per-axis step σ = 0.1 Å every 1 fs has D = σ²/(2Δt) = 5e-8 m²/s:

>>> rng = np.random.default_rng(0)
>>> x = np.cumsum(rng.normal(0, 0.1, (400, 1000, 3)), axis=0)
>>> lag, m = mean_square_displacement(x, max_lag=100)
>>> fit = diffusion_coefficient(lag * 1.0, m)
>>> round(fit.D / 5e-8, 1)
1.0
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from tfalab.errors import ParameterError, SimulationError

if TYPE_CHECKING:
    from ase import Atoms
    from ase.md.md import MolecularDynamics

#: Å²/fs → m²/s
A2_PER_FS = 1e-20 / 1e-15


def unwrap(scaled: np.ndarray) -> np.ndarray:
    """Undo periodic wrapping of fractional coordinates (frames, atoms, 3), assuming no atom
    moves more than half a cell between frames.

    >>> unwrap(np.array([[[0.95, 0, 0]], [[0.05, 0, 0]]]))[:, 0, 0].round(2).tolist()
    [0.95, 1.05]
    """
    scaled = np.asarray(scaled, float)
    step = np.diff(scaled, axis=0)
    step -= np.round(step)
    return np.concatenate([scaled[:1], scaled[:1] + np.cumsum(step, axis=0)])


def mean_square_displacement(positions: np.ndarray, max_lag: int | None = None,
                             masses: np.ndarray | None = None, remove_drift: bool = True,
                             mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Time-origin-averaged MSD (Å²) of unwrapped ``positions`` (frames, atoms, 3; Å).

    Returns (lags in frames, MSD per lag) averaged over all time origins and over the atoms of
    ``mask`` (all by default). With ``remove_drift`` the centre-of-mass motion of the whole
    system (``masses``-weighted) is removed first.

    >>> frozen = np.zeros((10, 4, 3))
    >>> float(mean_square_displacement(frozen)[1].max())
    0.0
    """
    x = np.asarray(positions, float)
    if x.ndim != 3 or x.shape[2] != 3 or x.shape[0] < 2:
        raise ParameterError(f"positions must be (frames >= 2, atoms, 3), got {x.shape}")
    if remove_drift:
        w = np.ones(x.shape[1]) if masses is None else np.asarray(masses, float)
        com = (x * w[None, :, None]).sum(axis=1) / w.sum()
        x = x - (com - com[0])[:, None, :]
    if mask is not None:
        x = x[:, np.asarray(mask, bool)]
        if x.shape[1] == 0:
            raise ParameterError("no atoms selected for the MSD")
    n = x.shape[0]
    max_lag = n - 1 if max_lag is None else min(int(max_lag), n - 1)
    lags = np.arange(max_lag + 1)
    msd = np.zeros(max_lag + 1)
    for lag in lags[1:]:
        d = x[lag:] - x[:-lag]
        msd[lag] = float((d ** 2).sum(axis=2).mean())
    return lags, msd


def msd_by_species(positions: np.ndarray, symbols: Sequence[str] | np.ndarray,
                   masses: np.ndarray | None = None, max_lag: int | None = None
                   ) -> dict[str, np.ndarray]:
    """MSD (Å²) per chemical species, keyed by element symbol (lags as in
    :func:`mean_square_displacement`)."""
    symbols = np.asarray(symbols)
    return {el: mean_square_displacement(positions, max_lag, masses, mask=symbols == el)[1]
            for el in dict.fromkeys(symbols.tolist())}


@dataclass
class DiffusionFit:
    """D = slope / (2·dim) of MSD(t) fitted over ``window`` (fs); D and errors in m²/s."""

    D: float
    stderr: float  #: standard error of the slope (ignores time correlation: a lower bound)
    block_stderr: float | None  #: from the scatter of D over trajectory blocks, if computed
    window: tuple[float, float]
    intercept: float  #: Å²

    @property
    def uncertainty(self) -> float:
        """The larger of the fit and block standard errors (m²/s)."""
        return max(self.stderr, self.block_stderr or 0.0)

    @property
    def D_cm2_s(self) -> float:
        """D in cm²/s."""
        return self.D * 1e4


def diffusion_coefficient(time_fs: np.ndarray, msd: np.ndarray,
                          window: tuple[float, float] = (0.2, 0.8), dim: int = 3,
                          ) -> DiffusionFit:
    """Linear fit of MSD (Å²) against time (fs) over ``window`` (fractions of the time range
    if both ≤ 1, else fs); D in m²/s with the fit's standard error."""
    t = np.asarray(time_fs, float)
    m = np.asarray(msd, float)
    if t.shape != m.shape or t.size < 3:
        raise ParameterError("time and MSD must be equal-length arrays of >= 3 points")
    lo, hi = window
    if not lo < hi:
        raise ParameterError(f"fit window {window} is empty")
    if hi <= 1.0:
        lo, hi = t[0] + lo * (t[-1] - t[0]), t[0] + hi * (t[-1] - t[0])
    sel = (t >= lo) & (t <= hi)
    if sel.sum() < 3:
        raise ParameterError(f"fit window {window} holds fewer than 3 points")
    A = np.vstack([t[sel], np.ones(sel.sum())]).T
    coef, *_ = np.linalg.lstsq(A, m[sel], rcond=None)
    resid = m[sel] - A @ coef
    dof = max(1, sel.sum() - 2)
    var = resid @ resid / dof / ((t[sel] - t[sel].mean()) ** 2).sum()
    scale = A2_PER_FS / (2 * dim)
    return DiffusionFit(float(coef[0] * scale), float(math.sqrt(var) * scale), None,
                        (float(lo), float(hi)), float(coef[1]))


def diffusion_from_positions(positions: np.ndarray, timestep_fs: float,
                             mask: np.ndarray | None = None, masses: np.ndarray | None = None,
                             window: tuple[float, float] = (0.2, 0.8), n_blocks: int = 4,
                             max_lag_fraction: float = 0.5) -> tuple[DiffusionFit, np.ndarray]:
    """D (m²/s) of the atoms in ``mask`` from a trajectory (frames ``timestep_fs`` apart), with
    a block-averaging uncertainty (the trajectory cut into ``n_blocks``); also returns the MSD.

    Lags run to ``max_lag_fraction`` of the trajectory (longer lags have few time origins).
    """
    x = np.asarray(positions, float)
    n = x.shape[0]
    max_lag = max(2, int(max_lag_fraction * (n - 1)))
    lags, msd = mean_square_displacement(x, max_lag, masses, mask=mask)
    fit = diffusion_coefficient(lags * timestep_fs, msd, window)
    blocks = []
    size = n // n_blocks if n_blocks > 1 else 0
    if size >= 6:
        for b in range(n_blocks):
            xb = x[b * size:(b + 1) * size]
            lb, mb = mean_square_displacement(xb, max(2, int(max_lag_fraction * (size - 1))),
                                              masses, mask=mask)
            with contextlib.suppress(ParameterError):
                blocks.append(diffusion_coefficient(lb * timestep_fs, mb, window).D)
    if len(blocks) >= 2:
        fit.block_stderr = float(np.std(blocks, ddof=1) / math.sqrt(len(blocks)))
    return fit, msd


@dataclass
class MDRun:
    """An NVT trajectory: unwrapped positions (frames, atoms, 3; Å) every ``dt_fs``."""

    positions: np.ndarray
    symbols: list[str]
    masses: np.ndarray
    dt_fs: float
    temperatures: np.ndarray  #: instantaneous kinetic temperature per frame, K
    trajectory: Path | None
    settings: dict

    @property
    def time_fs(self) -> np.ndarray:
        """Time of each frame, fs."""
        return np.arange(len(self.positions)) * self.dt_fs

    def msd(self, equilibration_fs: float = 0.0,
            max_lag_fraction: float = 0.5) -> dict[str, np.ndarray]:
        """MSD (Å²) per species after dropping ``equilibration_fs``; lags every ``dt_fs`` up
        to ``max_lag_fraction`` of the remaining run (longer lags have few time origins)."""
        x = self.positions[round(equilibration_fs / self.dt_fs):]
        return msd_by_species(x, self.symbols, self.masses,
                              max(1, int(max_lag_fraction * (len(x) - 1))))

    def diffusion(self, species: str = "Li", equilibration_fs: float = 0.0,
                  window: tuple[float, float] = (0.2, 0.8), n_blocks: int = 4
                  ) -> DiffusionFit:
        """D (m²/s) of ``species`` after ``equilibration_fs``."""
        x = self.positions[round(equilibration_fs / self.dt_fs):]
        mask = np.asarray(self.symbols) == species
        if not mask.any():
            raise ParameterError(f"no {species} atoms in the trajectory")
        return diffusion_from_positions(x, self.dt_fs, mask, self.masses, window, n_blocks)[0]


def read_trajectory(path: str | Path, dt_fs: float | None = None) -> MDRun:
    """Read an ASE ``.traj`` written by :func:`run_md` (settings from its ``.json`` sidecar)."""
    from ase.io import read

    path = Path(path)
    frames = cast("list[Atoms]", read(path, index=":"))  # ase: index=":" gives a list
    if not frames:
        raise ParameterError(f"{path} holds no frames")
    side = path.with_suffix(path.suffix + ".json")
    settings = json.loads(side.read_text()) if side.exists() else {}
    if dt_fs is None:
        if "timestep_fs" not in settings:
            raise ParameterError(f"{path}: no sidecar with the time step; pass dt_fs")
        dt_fs = settings["timestep_fs"] * settings.get("interval", 1)
    scaled = np.array([f.get_scaled_positions(wrap=False) for f in frames])
    cell = np.asarray(frames[0].cell, float)
    pos = unwrap(scaled) @ cell
    temps = np.array([f.get_temperature() if f.get_momenta() is not None else np.nan
                      for f in frames])
    return MDRun(pos, frames[0].get_chemical_symbols(), frames[0].get_masses(), float(dt_fs),
                 temps, path, settings)


THERMOSTATS = ("langevin", "nose-hoover")


def run_md(atoms: Any, calculator: Any = None, temperature_K: float = 300.0,
           steps: int = 1000, timestep_fs: float = 2.0, thermostat: str = "langevin",
           friction_per_fs: float = 0.01, tdamp_fs: float = 100.0, interval: int = 1,
           trajectory: str | Path | None = None, resume: bool = True, seed: int = 0,
           progress: bool = False) -> MDRun:
    """NVT MD of ``atoms`` for ``steps`` steps; frames every ``interval`` steps.

    With a ``trajectory`` path (ASE ``.traj``) frames are written as they come, settings go to
    ``<trajectory>.json``, and if the file exists (and ``resume``) the run continues from its
    last frame (positions and momenta) up to ``steps`` in total. Nosé–Hoover thermostat
    variables restart at zero on resume; Langevin noise is reseeded from (seed, step).
    """
    from tfalab.atomistic.calculators import check_elements, get_calculator
    from tfalab.atomistic.structures import check_structure

    if thermostat not in THERMOSTATS:
        raise ParameterError(f"thermostat must be one of {THERMOSTATS}, got {thermostat!r}")
    if temperature_K <= 0 or timestep_fs <= 0 or steps < 1 or interval < 1:
        raise ParameterError("temperature, time step, steps and interval must be positive")
    from ase import units
    from ase.constraints import FixCom
    from ase.io import Trajectory, read
    from ase.md import velocitydistribution as vd
    from ase.md.langevin import Langevin
    from ase.md.nose_hoover_chain import NoseHooverChainNVT

    calc = get_calculator(calculator)
    settings = {"temperature_K": temperature_K, "timestep_fs": timestep_fs,
                "thermostat": thermostat, "friction_per_fs": friction_per_fs,
                "tdamp_fs": tdamp_fs, "interval": interval, "seed": seed}
    done = 0
    work = atoms.copy()
    path = Path(trajectory) if trajectory else None
    if path and path.exists() and path.stat().st_size > 0:
        if not resume:
            path.unlink()
        else:
            side = path.with_suffix(path.suffix + ".json")
            old = json.loads(side.read_text()) if side.exists() else {}
            clash = {k: (old.get(k), v) for k, v in settings.items()
                     if k in old and old[k] != v}
            if clash:
                raise ParameterError(f"{path} was run with other settings {clash}; pass "
                                     "resume=False or another trajectory file")
            frames = cast("list[Atoms]", read(path, index=":"))  # ase: a list for ":"
            work = frames[-1].copy()
            if work.get_momenta() is None or not np.any(work.get_momenta()):
                raise ParameterError(f"{path}: last frame has no momenta; cannot resume")
            done = (len(frames) - 1) * interval
    check_structure(work)
    check_elements(work, calc)
    work.calc = calc
    rng = np.random.default_rng([seed, done])
    if not any(isinstance(c, FixCom) for c in work.constraints):
        work.set_constraint([*work.constraints, FixCom()])  # no centre-of-mass drift
    if done == 0:
        thermalize = getattr(vd, "thermalize_momenta", vd.MaxwellBoltzmannDistribution)
        thermalize(work, temperature_K=temperature_K, rng=rng)
        vd.Stationary(work)
    dt = timestep_fs * units.fs
    dyn: MolecularDynamics
    if thermostat == "langevin":
        dyn = Langevin(work, dt, temperature_K=temperature_K,
                       friction=friction_per_fs / units.fs, rng=rng, fixcm=False)
    else:
        dyn = NoseHooverChainNVT(work, dt, temperature_K=temperature_K,
                                 tdamp=tdamp_fs * units.fs)
    remaining = steps - done
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(path.suffix + ".json").write_text(json.dumps(settings, indent=1))
        if remaining > 0:
            traj = Trajectory(str(path), "a" if done else "w", work)
            dyn.attach(traj.write, interval=interval)
    frames_pos, frames_t = [], []
    if not path:
        def record() -> None:
            frames_pos.append(work.get_scaled_positions(wrap=False).copy())
            frames_t.append(work.get_temperature())
        dyn.attach(record, interval=interval)
    # ASE calls the observers (writes frame 0) only when nsteps == 0; on resume the last frame
    # is already on file, and absolute step numbers keep the frame interval
    dyn.nsteps = done
    if remaining > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _run_with_progress(dyn, remaining, progress,
                               f"MD {work.get_chemical_formula()} {temperature_K:g} K")
        if path:
            traj.close()
    if not np.isfinite(work.get_positions()).all():
        raise SimulationError("MD blew up: non-finite positions")
    if path:
        return read_trajectory(path)
    scaled = np.array(frames_pos)
    pos = unwrap(scaled) @ np.asarray(work.cell, float)
    return MDRun(pos, work.get_chemical_symbols(), work.get_masses(), timestep_fs * interval,
                 np.array(frames_t), None, settings)


def _run_with_progress(dyn: Any, steps: int, progress: bool, label: str) -> None:
    if not progress:
        dyn.run(steps)
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), transient=True) as bar:
        task = bar.add_task(label, total=steps)
        start = dyn.nsteps
        dyn.attach(lambda: bar.update(task, completed=min(dyn.nsteps - start, steps)),
                   interval=1)
        dyn.run(steps)


def md_summary(run: MDRun, equilibration_fs: float = 0.0) -> dict[str, Any]:
    """JSON-ready summary: final MSD (Å²) and D (m²/s, cm²/s) per species, mean temperature."""
    out: dict[str, Any] = {"settings": run.settings, "frames": len(run.positions),
                           "dt_fs": run.dt_fs,
                           "mean_temperature_K": float(np.nanmean(run.temperatures)),
                           "species": {}}
    msd = run.msd(equilibration_fs)
    for el, m in msd.items():
        d: dict[str, Any] = {
            "msd_final_A2": float(m[-1]),
            "msd_mean_last_half_A2": float(m[len(m) // 2:].mean()),
            "D_m2_s": math.nan, "D_err_m2_s": math.nan, "D_cm2_s": math.nan, "fit": None}
        try:
            fit = run.diffusion(el, equilibration_fs)
            d.update(D_m2_s=fit.D, D_err_m2_s=fit.uncertainty, D_cm2_s=fit.D_cm2_s,
                     fit=asdict(fit))
        except ParameterError:  # run too short for a fit
            pass
        out["species"][el] = d
    return out


__all__ = ["THERMOSTATS", "DiffusionFit", "MDRun", "diffusion_coefficient",
           "diffusion_from_positions", "md_summary", "mean_square_displacement",
           "msd_by_species", "read_trajectory", "run_md", "unwrap"]
