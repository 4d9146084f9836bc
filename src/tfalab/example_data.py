"""Small example files for the ``tfalab analyze`` commands (``tfalab example-data DIR``).

:func:`write_example_data` writes one file per lab-data analysis, each small (< 150 kB),
each made by tfalab itself with known true values, plus ``README.txt`` saying how each file
was made and what the analysis should find:

- ``cycling.csv`` (+ ``cycling.metadata.json``), for ``tfalab analyze cycling``: a
  TFA|Li6PS5Cl|TFA symmetric cell simulated by tfalab's cell model (Generic build);
- ``spectrum.csv`` (``eis``): tfalab's default equivalent circuit plus 0.3 % noise;
- ``profile.csv`` (``sims``): a ⁶Li tracer profile from the thin-film Gaussian, D known;
- ``modulus.tif`` (``dmt``): a map of two Gaussian phases (free Li, LiBx skeleton);
- ``pattern.xy`` (``xrd``): 60 wt% Li + 40 wt% LiBx from the reference structures;
- ``volume.tif`` (``ct``): grey values of a fibre-skeleton voxel model with air above it.

Everything is deterministic (fixed seeds). All files but the cycling file are computed on the
spot (about 1 s); the cycling file is package data (``tfalab/data/examples/``), because the
simulation needs PyBaMM (a few seconds): it is exactly what ``simulate=True`` writes, up to
the solver's last digits. No file is copied from a third party.

>>> import tempfile
>>> paths = write_example_data(tempfile.mkdtemp())
>>> sorted(paths)
['ct', 'cycling', 'cycling_metadata', 'dmt', 'eis', 'readme', 'sims', 'xrd']
>>> all(p.stat().st_size < 150_000 for p in paths.values())
True
"""

from __future__ import annotations

import math
import os
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from tfalab.errors import TfalabError

__all__ = ["EXAMPLE_FILES", "TRUE_VALUES", "ExampleDataError", "write_example_data"]


class ExampleDataError(TfalabError, FileExistsError):
    """An example file (or the target folder's name) is already taken and overwriting was not
    asked for. The message names the path."""


#: file name per key of :func:`write_example_data`'s result
EXAMPLE_FILES: dict[str, str] = {
    "cycling": "cycling.csv",
    "cycling_metadata": "cycling.metadata.json",
    "eis": "spectrum.csv",
    "sims": "profile.csv",
    "dmt": "modulus.tif",
    "xrd": "pattern.xy",
    "ct": "volume.tif",
    "readme": "README.txt",
}

#: the settings each synthetic file was made with: the values an analysis should recover
TRUE_VALUES: dict[str, dict[str, Any]] = {
    "cycling": {
        "anode": "tfa", "build": "Generic", "pressure": "20 MPa", "temperature": "80 degC",
        "protocol": "cycle 0.5 mA/cm2 0.5 mAh/cm2 for 20 h", "points_per_step": 30,
        "electrode_area_cm2": 0.25 * math.pi,  # the Generic build's 10 mm die
        "current_density_mA_cm2": 0.5, "capacity_per_half_cycle_mAh_cm2": 0.5, "cycles": 10,
        "voltage_noise_V": 2e-5, "seed": 0,
    },
    "eis": {
        # R0 bulk; R1||CPE1 grain boundaries; R2||CPE2 the two Li|SE interfaces; Ws1 finite
        # (transmissive) Warburg: tfalab's default circuit R0-p(R1,CPE1)-p(R2,CPE2)-Ws1
        "R0_ohm": 40.0, "R1_ohm": 12.0, "f1_Hz": 3e5, "alpha1": 0.9,
        "R2_ohm": 25.0, "f2_Hz": 1e3, "alpha2": 0.85, "Rw_ohm": 8.0, "tau_w_s": 1.0,
        "f_max_Hz": 7e6, "f_min_Hz": 0.1, "points_per_decade": 10,
        "relative_noise": 0.003, "seed": 0, "area_cm2": 0.25 * math.pi,
    },
    "sims": {
        "D_m2_s": 2.4e-14, "time_s": 3600.0, "depth_resolution_m": 100e-9,
        "noise": 0.02, "counts": 2e4, "seed": 0,
    },
    "dmt": {
        # (area fraction, mean GPa, FWHM GPa): free Li and the LiBx skeleton
        "phases": [[0.6, 6.5, 2.94], [0.4, 28.0, 12.0]], "shape": [128, 128], "seed": 0,
    },
    "xrd": {
        "weight_fractions": {"Li": 0.6, "LiBx": 0.4}, "two_theta_range_deg": [10.0, 90.0],
        "step_deg": 0.02, "fwhm_deg": 0.15, "noise": 0.01, "background": 0.05, "seed": 0,
    },
    "ct": {
        "electrode_shape": [40, 48, 48], "air_slices": 8, "voxel_size_um": 0.3,
        "fibre_diameters_um": [0.3, 1.2], "porosity": 0.066,
        "electrode_thickness_um": 12.0, "grey": {"pore": 40, "free Li": 150, "skeleton": 175},
        "grey_noise": 12.0, "seed": 0,
    },
}

_PACKAGED = ("cycling", "cycling_metadata")


def write_example_data(directory: str | os.PathLike[str], *, overwrite: bool = False,
                       simulate: bool = False) -> dict[str, Path]:
    """Write the example files of ``tfalab analyze`` into ``directory`` (made if missing).

    Parameters
    ----------
    directory : str or path-like
        Target folder; created with its parents if it does not exist.
    overwrite : bool, default False
        Replace example files that already exist there. Without it, an existing file (or a
        file where the folder should be) raises :class:`ExampleDataError` naming it, before
        anything is written.
    simulate : bool, default False
        Re-run the symmetric-cell simulation (PyBaMM, a few seconds) for ``cycling.csv``
        instead of copying the packaged file made the same way.

    Returns
    -------
    dict of str to Path
        The written files by key of :data:`EXAMPLE_FILES`: ``cycling`` (BDF CSV) and its
        ``cycling_metadata``, ``eis``, ``sims``, ``dmt``, ``xrd``, ``ct`` and ``readme``.

    Raises
    ------
    ExampleDataError
        If a file to be written exists and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> from tfalab.analysis.sims import analyze_sims
    >>> d = tempfile.mkdtemp()
    >>> paths = write_example_data(d)
    >>> paths["sims"].name, paths["ct"].name
    ('profile.csv', 'volume.tif')
    >>> s = analyze_sims(paths["sims"], f"{d}/profile", time="1 h")
    >>> bool(abs(s["D_m2_s"] / TRUE_VALUES["sims"]["D_m2_s"] - 1) < 0.05)
    True
    >>> write_example_data(d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tfalab.example_data.ExampleDataError: ...cycling.csv exists (and 7 more); pass overwrite=...
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise ExampleDataError(f"{folder} exists and is not a folder")
    paths = {key: folder / name for key, name in EXAMPLE_FILES.items()}
    if not overwrite:
        taken = [p for p in paths.values() if p.exists() or p.is_symlink()]
        if taken:
            more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
            raise ExampleDataError(f"{taken[0]} exists{more}; pass overwrite=True "
                                   f"(--overwrite) to replace the example files")
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths.values():  # replace links, do not write through them
        if p.is_symlink():
            p.unlink()
    if simulate:
        _write_simulated_cycling(paths["cycling"])
    else:
        source = resources.files("tfalab.data").joinpath("examples")
        for key in _PACKAGED:
            with resources.as_file(source.joinpath(EXAMPLE_FILES[key])) as src:
                shutil.copyfile(src, paths[key])
    _write_eis(paths["eis"])
    _write_sims(paths["sims"])
    _write_dmt(paths["dmt"])
    _write_xrd(paths["xrd"])
    _write_ct(paths["ct"])
    paths["readme"].write_text(_readme(folder.resolve().name or "."), encoding="utf-8")
    return paths


# --- the files ---------------------------------------------------------------------------------
def _write_simulated_cycling(path: Path) -> None:
    """The symmetric-cell model's voltage under :data:`TRUE_VALUES` ``["cycling"]``, with
    Gaussian voltage noise, as BDF CSV holding what a cycler records (time, voltage, current,
    step) and a small ``.metadata.json``."""
    from tfalab.cell.simulate import simulate_symmetric
    from tfalab.celltest import CellTest

    tv = TRUE_VALUES["cycling"]
    res = simulate_symmetric(tv["anode"], protocol=tv["protocol"], pressure=tv["pressure"],
                             temperature=tv["temperature"], build=tv["build"],
                             points_per_step=tv["points_per_step"])
    cols = ["Test Time / s", "Voltage / V", "Current / A", "Step Count / 1"]
    data = res.celltest.data[cols].copy()
    rng = np.random.default_rng(tv["seed"])
    noise = rng.normal(0.0, tv["voltage_noise_V"], len(data))
    data["Voltage / V"] = (data["Voltage / V"] + noise).round(7)
    meta = {"electrode_area_m2": res.celltest.area,
            "source": "synthetic: tfalab symmetric-cell model (tfalab.example_data)",
            "cell": "symmetric", "electrolyte": "Li6PS5Cl",
            **{k: tv[k] for k in ("anode", "build", "pressure", "temperature", "protocol",
                                  "voltage_noise_V", "seed")}}
    CellTest(data, meta).save(path)


def _write_eis(path: Path) -> None:
    """Z(f) of R0-p(R1,CPE1)-p(R2,CPE2)-Ws1 with relative complex Gaussian noise, as CSV of
    frequency, Z' and -Z''."""
    tv = TRUE_VALUES["eis"]
    decades = math.log10(tv["f_max_Hz"] / tv["f_min_Hz"])
    n = round(decades * tv["points_per_decade"]) + 1
    f = np.logspace(math.log10(tv["f_max_Hz"]), math.log10(tv["f_min_Hz"]), n)
    jw = 2j * math.pi * f

    def arc(r: float, f_peak: float, alpha: float) -> np.ndarray:
        q = (1.0 / (2 * math.pi * f_peak)) ** alpha / r  # CPE Q: R Q = tau^alpha
        return r / (1.0 + r * q * jw**alpha)

    s = np.sqrt(jw * tv["tau_w_s"])
    z = (tv["R0_ohm"] + arc(tv["R1_ohm"], tv["f1_Hz"], tv["alpha1"])
         + arc(tv["R2_ohm"], tv["f2_Hz"], tv["alpha2"]) + tv["Rw_ohm"] * np.tanh(s) / s)
    rng = np.random.default_rng(tv["seed"])
    z = z + tv["relative_noise"] * np.abs(z) * (rng.standard_normal(n)
                                               + 1j * rng.standard_normal(n))
    rows = "".join(f"{fi:.6g},{zi.real:.6g},{-zi.imag:.6g}\n" for fi, zi in zip(f, z, strict=True))
    path.write_text("frequency (Hz),Z' (ohm),-Z'' (ohm)\n" + rows, encoding="utf-8")


def _write_sims(path: Path) -> None:
    """A ⁶Li tracer profile (⁶Li fraction with its σ) from the thin-film Gaussian."""
    from tfalab.analysis.sims import synthetic_profile

    tv = TRUE_VALUES["sims"]
    p = synthetic_profile(tv["D_m2_s"], time=tv["time_s"],
                          depth_resolution=tv["depth_resolution_m"], noise=tv["noise"],
                          seed=tv["seed"], counts=tv["counts"])
    assert p.sigma is not None  # a synthetic profile always has its sigma
    rows = "".join(f"{x * 1e6:.4f},{y:.6f},{e:.6f}\n"
                   for x, y, e in zip(p.depth, p.signal, p.sigma, strict=True))
    path.write_text("depth (um),6Li/(6Li+7Li),sigma\n" + rows, encoding="utf-8")


def _write_dmt(path: Path) -> None:
    """A 2-phase DMT modulus map, float32 GPa, the unit in the TIFF description."""
    import tifffile

    from tfalab.analysis.dmt import synthetic_map

    tv = TRUE_VALUES["dmt"]
    phases = [(fr, mean * 1e9, fwhm * 1e9) for fr, mean, fwhm in tv["phases"]]
    m = synthetic_map(phases, shape=tuple(tv["shape"]), seed=tv["seed"])
    tifffile.imwrite(path, (m / 1e9).astype(np.float32),
                     description="AFM-DMT modulus map (synthetic, tfalab), unit: GPa")


def _write_xrd(path: Path) -> None:
    """A Cu Kα powder pattern of 60 wt% Li + 40 wt% LiBx (two columns: 2θ, counts)."""
    from tfalab.analysis.xrd import synthetic_pattern

    tv = TRUE_VALUES["xrd"]
    p = synthetic_pattern(tv["weight_fractions"], tuple(tv["two_theta_range_deg"]),
                          step=tv["step_deg"], noise=tv["noise"], background=tv["background"],
                          broadening=tv["fwhm_deg"], seed=tv["seed"])
    rows = "".join(f"{x:.2f} {y:.2f}\n" for x, y in zip(p.two_theta, p.intensity, strict=True))
    path.write_text("# synthetic (tfalab): 60 wt% Li + 40 wt% LiBx, Cu Ka\n"
                    "# 2theta (deg)  intensity (counts)\n" + rows, encoding="utf-8")


def _write_ct(path: Path) -> None:
    """A uint8 grey-value volume (z, y, x): air above a fibre-skeleton anode, with noise."""
    import tifffile

    from tfalab.microstructure.generate import LI, PORE, SKELETON, generate

    tv = TRUE_VALUES["ct"]
    size = tv["voxel_size_um"] * 1e-6
    ms = generate(shape=tuple(tv["electrode_shape"]), voxel_size=size,
                  diameters=tuple(d * 1e-6 for d in tv["fibre_diameters_um"]), seed=tv["seed"])
    table = np.zeros(int(ms.labels.max()) + 1)
    for label, name in ((PORE, "pore"), (LI, "free Li"), (SKELETON, "skeleton")):
        table[label] = tv["grey"][name]
    air = tv["air_slices"]
    nz, ny, nx = ms.shape
    grey = np.full((air + nz, ny, nx), float(tv["grey"]["pore"]))
    grey[air:] = table[ms.labels]
    rng = np.random.default_rng(tv["seed"])
    grey += rng.normal(0.0, tv["grey_noise"], grey.shape)
    tifffile.imwrite(path, np.clip(np.rint(grey), 0, 255).astype(np.uint8),
                     description=f"synthetic CT volume (tfalab), z y x, voxel "
                                 f"{tv['voxel_size_um']} um")


def _readme(name: str) -> str:
    """README.txt: how each file was made, its true values and what to run on it."""
    import textwrap

    c, e, s, d, x, t = (TRUE_VALUES[k] for k in ("cycling", "eis", "sims", "dmt", "xrd", "ct"))
    area = c["electrode_area_cm2"]
    q = {k: (1.0 / (2 * math.pi * e[f"f{k}_Hz"])) ** e[f"alpha{k}"] / e[f"R{k}_ohm"]
         for k in (1, 2)}
    dmt = "; ".join(f"{100 * fr:.0f} % of the pixels at {m:g} GPa (FWHM {w:g} GPa)"
                    for fr, m, w in d["phases"])
    an = c["anode"].upper()
    nz = t["air_slices"] + t["electrode_shape"][0]
    files = {
        "cycling.csv (+ cycling.metadata.json)": (
            f"Battery Data Format CSV (Test Time / s, Voltage / V, Current / A, Step Count / 1) "
            f"of a simulated {an}|Li6PS5Cl|{an} symmetric cell: tfalab's cell model "
            f"(tfalab.cell.simulate_symmetric), build \"{c['build']}\", {c['pressure']}, "
            f"{c['temperature']}, protocol \"{c['protocol']}\" ({c['cycles']} cycles, "
            f"{c['capacity_per_half_cycle_mAh_cm2']} mAh/cm2 per half-cycle at "
            f"{c['current_density_mA_cm2']} mA/cm2), {c['points_per_step']} points per "
            f"half-cycle, electrode area {area:.4f} cm2 (10 mm die), Gaussian voltage noise "
            f"sigma = {c['voltage_noise_V'] * 1e3:g} mV (seed {c['seed']}), voltage rounded to "
            f"0.1 uV. Expected: {c['cycles']} cycles of "
            f"{c['capacity_per_half_cycle_mAh_cm2'] * area:.4f} mAh charge and discharge, a "
            f"plateau overpotential of about 9 mV growing slowly. Packaged with tfalab "
            f"(tfalab/data/examples/); `tfalab example-data --simulate` (write_example_data("
            f"..., simulate=True)) reruns the simulation."),
        "spectrum.csv": (
            f"impedance spectrum (frequency (Hz), Z' (ohm), -Z'' (ohm)) from "
            f"{e['f_max_Hz'] / 1e6:g} MHz to {e['f_min_Hz']:g} Hz, {e['points_per_decade']} "
            f"points per decade, of the circuit R0-p(R1,CPE1)-p(R2,CPE2)-Ws1 (impedance.py "
            f"notation; tfalab's default circuit): R0 = {e['R0_ohm']:g} ohm (electrolyte "
            f"bulk); R1 = {e['R1_ohm']:g} ohm, CPE1 Q = {q[1]:.4g} F s^(a-1), "
            f"a = {e['alpha1']:g} (grain boundaries, arc peak at {e['f1_Hz'] / 1e3:g} kHz); "
            f"R2 = {e['R2_ohm']:g} ohm, CPE2 Q = {q[2]:.4g} F s^(a-1), a = {e['alpha2']:g} "
            f"(the two Li|Li6PS5Cl interfaces, arc peak at {e['f2_Hz'] / 1e3:g} kHz); Ws1 "
            f"R = {e['Rw_ohm']:g} ohm, tau = {e['tau_w_s']:g} s (finite transmissive "
            f"Warburg); plus complex Gaussian noise of {100 * e['relative_noise']:g} % of |Z| "
            f"(seed {e['seed']}). Expected with --area \"0.785 cm2\": interfacial ASR "
            f"R2 x area = {e['R2_ohm'] * area:.2f} ohm cm2."),
        "profile.csv": (
            f"ToF-SIMS 6Li tracer depth profile (depth (um), 6Li/(6Li+7Li), sigma) from the "
            f"thin-film Gaussian solution of Fick's law (tfalab.analysis.sims."
            f"synthetic_profile): D = {s['D_m2_s']:g} m2/s = {s['D_m2_s'] * 1e4:g} cm2/s, "
            f"diffusion time {s['time_s'] / 3600:g} h, depth resolution "
            f"{s['depth_resolution_m'] * 1e9:g} nm (1 sigma), natural 6Li 7.59 %, tracer "
            f"95 % 6Li, surface tracer excess 0.5, {s['counts']:g} Li counts per depth step "
            f"(Poisson) with {100 * s['noise']:g} % yield scatter (seed {s['seed']}). "
            f"Expected with --time \"1 h\": D = {s['D_m2_s'] * 1e4:g} cm2/s."),
        "modulus.tif": (
            f"AFM-DMT modulus map, {d['shape'][0]} x {d['shape'][1]} float32 pixels in GPa "
            f"(the unit is in the TIFF description), tfalab.analysis.dmt.synthetic_map: {dmt} "
            f"(free Li as in the seed paper's Fig. 2d, then the LiBx skeleton); "
            f"spatially correlated domains (seed {d['seed']}). Expected with --peaks 2: the "
            f"two means and FWHMs."),
        "pattern.xy": (
            f"powder XRD pattern (2theta in degrees, intensity), Cu Ka, "
            f"{x['two_theta_range_deg'][0]:g}-{x['two_theta_range_deg'][1]:g} deg in "
            f"{x['step_deg']:g} deg steps, tfalab.analysis.xrd.synthetic_pattern of "
            f"{100 * x['weight_fractions']['Li']:g} wt% Li + "
            f"{100 * x['weight_fractions']['LiBx']:g} wt% LiBx (tfalab's reference "
            f"structures, pymatgen), pseudo-Voigt peaks of FWHM {x['fwhm_deg']:g} deg, "
            f"background {100 * x['background']:g} % and noise {100 * x['noise']:g} % of the "
            f"strongest peak (seed {x['seed']}). Expected: Li and LiBx, 60 and 40 wt%."),
        "volume.tif": (
            f"CT volume, {nz} x {t['electrode_shape'][1]} x {t['electrode_shape'][2]} uint8 "
            f"voxels (z, y, x) of {t['voxel_size_um']:g} um: {t['air_slices']} slices of air "
            f"above {t['electrode_shape'][0]} slices ({t['electrode_thickness_um']:g} um) of a "
            f"skeleton-hosted anode from tfalab.microstructure.generate (the paper's TFA: "
            f"60 wt% free Li, porosity {100 * t['porosity']:g} %; fibre diameters "
            f"{t['fibre_diameters_um'][0]:g}-{t['fibre_diameters_um'][1]:g} um, 3 x the real "
            f"0.1-0.4 um so that the {t['voxel_size_um']:g} um voxel resolves them; seed "
            f"{t['seed']}). Grey values: pore and air {t['grey']['pore']}, free Li "
            f"{t['grey']['free Li']}, skeleton {t['grey']['skeleton']}, plus Gaussian noise "
            f"sigma = {t['grey_noise']:g} (seed {t['seed']}). Expected with --voxel-size "
            f"\"0.3 um\": electrode thickness {t['electrode_thickness_um']:g} um, porosity "
            f"{100 * t['porosity']:g} %."),
    }
    head = (
        "Example files for `tfalab analyze`, written by `tfalab example-data`\n"
        "(tfalab.example_data.write_example_data).\n\n"
        + textwrap.fill(
            "All files are synthetic: made by tfalab itself with the true values below, "
            "deterministic (fixed seeds). No file is copied from a third party; they are part "
            "of tfalab (BSD-3-Clause licence). Try, from the folder above this one:", 92)
        + "\n\n"
        + "".join(f"  tfalab analyze {cmd}\n" for cmd in (
            f'cycling {name}/cycling.csv --area "0.785 cm2"',
            f'eis {name}/spectrum.csv --area "0.785 cm2"',
            f'sims {name}/profile.csv --time "1 h"',
            f"dmt {name}/modulus.tif --peaks 2",
            f"xrd {name}/pattern.xy",
            f'ct {name}/volume.tif --voxel-size "0.3 um"')))
    body = "\n\n".join(textwrap.fill(f"{file}: {text}", 92, subsequent_indent="  ",
                                     break_on_hyphens=False)
                       for file, text in files.items())
    return f"{head}\n{body}\n"
