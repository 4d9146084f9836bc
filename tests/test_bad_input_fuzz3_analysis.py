"""Bad input to the DMT, CT, XRD, SIMS and microstructure functions (fuzz run 3): each raises a
tfalab error naming the argument; the edges of the allowed ranges are accepted."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from tfalab.analysis import ct, dmt, sims, xrd
from tfalab.analysis.checks import check_bins, check_range
from tfalab.errors import FitError, TfalabError
from tfalab.microstructure import bridge, imaging
from tfalab.microstructure.cli import microstructure
from tfalab.microstructure.generate import MAX_SEED, fibre_network, generate

MAP = dmt.synthetic_map([(1.0, 6.5e9, 2.94e9)], shape=(32, 32), seed=0)
MASK = np.zeros((6, 6, 6), bool)
MASK[2, 2, 2] = True
X = np.linspace(0.0, 1e-6, 5)
_MS: list[Any] = []


def _ms() -> Any:
    if not _MS:
        _MS.append(generate(shape=(16, 16, 16), seed=0))
    return _MS[0]


BAD: list[tuple[str, Callable[[], object], str]] = [
    ("dmt bins 0", lambda: dmt.fit_modulus_distribution(MAP, bins=0), "bins"),
    ("dmt bins -3", lambda: dmt.fit_modulus_distribution(MAP, bins=-3), "bins"),
    ("dmt bins 10.5", lambda: dmt.fit_modulus_distribution(MAP, bins=10.5), "bins"),
    ("dmt limits reversed", lambda: dmt.fit_modulus_distribution(MAP, limits=(1e10, 1e9)),
     "limits"),
    ("dmt limits nan", lambda: dmt.fit_modulus_distribution(MAP, limits=(math.nan, 1e10)),
     "limits"),
    ("dmt histogram bins 0", lambda: dmt.modulus_histogram(MAP, bins=0), "bins"),
    ("dmt 3-D map", lambda: dmt.fit_modulus_distribution(np.full((8, 8, 8), 6e9)),
     "modulus_map"),
    ("dmt negative map", lambda: dmt.fit_modulus_distribution(-MAP), "modulus_map"),
    ("dmt corr 0", lambda: dmt.fit_modulus_distribution(MAP, correlation_length=0),
     "correlation_length"),
    ("dmt corr -1", lambda: dmt.fit_modulus_distribution(MAP, correlation_length=-1),
     "correlation_length"),
    ("dmt corr nan", lambda: dmt.fit_modulus_distribution(MAP, correlation_length=math.nan),
     "correlation_length"),
    ("dmt corr > map", lambda: dmt.fit_modulus_distribution(MAP, correlation_length=33),
     "correlation_length"),
    ("dmt synthetic shape 0", lambda: dmt.synthetic_map([(1, 6.5e9, 1e9)], shape=(0, 0)),
     "shape"),
    ("ct bins 0", lambda: ct.pore_size_distribution(MASK, voxel_size="1 um", bins=0), "bins"),
    ("ct bins not increasing",
     lambda: ct.pore_size_distribution(MASK, voxel_size="1 um", bins=np.array([0, 2e-6, 1e-6])),
     "bins"),
    ("ct segment 2-D", lambda: ct.segment(np.random.default_rng(0).random((5, 5))), "volume"),
    ("ct min_solid -1", lambda: ct.porosity(MASK, min_solid=-1), "min_solid"),
    ("ct min_solid 1.5", lambda: ct.electrode_extent(MASK, min_solid=1.5), "min_solid"),
    ("ct all pore", lambda: ct.electrode_extent(np.ones((4, 4, 4), bool)), "min_solid"),
    ("ct no pores", lambda: ct.pore_size_distribution(np.zeros((4, 4, 4), bool), voxel_size=1e-6),
     "pore"),
    ("xrd range reversed", lambda: xrd.synthetic_pattern({"Li": 1.0}, two_theta_range=(90, 10)),
     "two_theta_range"),
    ("xrd fwhm 0", lambda: xrd.pseudo_voigt(X, 15.0, 0.0), "fwhm"),
    ("xrd eta 2", lambda: xrd.pseudo_voigt(X, 15.0, 1.0, eta=2), "eta"),
    ("xrd synthetic eta -0.1", lambda: xrd.synthetic_pattern({"Li": 1.0}, eta=-0.1), "eta"),
    ("sims N nan", lambda: sims.thin_film(X, math.nan, 1e-14, 3600), "N"),
    ("sims depth_resolution < 0", lambda: sims.thin_film(X, 1.0, 1e-14, 3600, -1e-7),
     "depth_resolution"),
    ("sims D 0", lambda: sims.thin_film(X, 1.0, 0.0, 3600), "D"),
    ("sims excess 1.5", lambda: sims.tracer_excess(1.5), "fraction"),
    ("sims excess nan", lambda: sims.tracer_excess([0.1, math.nan]), "fraction"),
    ("ms anode object", lambda: generate(3.0, shape=(8, 8, 8)), "anode"),  # type: ignore[arg-type]
    ("ms diameters reversed", lambda: fibre_network((8, 8, 8), 0.2, diameters=(4e-7, 1e-7)),
     "diameters"),
    ("ms aspect 0.5", lambda: fibre_network((8, 8, 8), 0.2, aspect_ratio=0.5), "aspect_ratio"),
    ("ms seed 2^70", lambda: fibre_network((8, 8, 8), 0.2, seed=2**70), "seed"),
    ("ms cell 1 m", lambda: fibre_network((8, 8, 8), 0.2, cell_size="1 m"), "cell_size"),
    ("ms attenuation label", lambda: imaging.virtual_ct(_ms(), attenuation={9: 1.0}),
     "attenuation"),
    ("ms attenuation nan", lambda: imaging.virtual_ct(_ms(), attenuation={1: math.nan}),
     "attenuation"),
    ("ms skeleton_diffusivity", lambda: bridge.effective_parameters(_ms(),
                                                                   skeleton_diffusivity=-1.0),
     "skeleton_diffusivity"),
    ("ms tortuosity_voxels", lambda: bridge.effective_parameters(_ms(), tortuosity_voxels=0),
     "tortuosity_voxels"),
    ("ms percolation empty", lambda: bridge.percolation_threshold([], shape=(16, 16, 16)),
     "free_li"),
    ("ms percolation nan", lambda: bridge.percolation_threshold([0.5, math.nan]), "free_li"),
    ("ms percolation seeds 0",
     lambda: bridge.percolation_threshold([0.6, 0.9], shape=(16, 16, 16), seeds=0), "seeds"),
]


@pytest.mark.parametrize(("case", "call", "name"), BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_tfalab_error(case: str, call: Callable[[], object], name: str) -> None:
    with pytest.raises(TfalabError) as err:
        call()
    assert name in str(err.value), str(err.value)


def test_edges_of_the_ranges_are_accepted() -> None:
    assert dmt.modulus_histogram(MAP, bins=1)[1].sum() == MAP.size
    assert dmt.fit_modulus_distribution(MAP, correlation_length=32).stderr_inflation == 32
    assert dmt.synthetic_map([(1, 6.5e9, 1e9)], shape=(2, 2), correlation_length=2).shape == (2, 2)
    assert ct.porosity(MASK, min_solid=1.0) > 0
    psd = ct.pore_size_distribution(MASK, voxel_size=1e-6, bins=[0.0, 1e-6, 5e-6])
    assert psd.volume_fraction.tolist() == [0.0, 1.0]
    assert np.all(np.isfinite(xrd.pseudo_voigt(X, 0.0, 1e-7, eta=0.0)))
    assert np.all(np.isfinite(xrd.pseudo_voigt(X, 0.0, 1e-7, eta=1.0)))
    assert np.allclose(sims.tracer_excess([sims.NATURAL_6LI, sims.TRACER_ENRICHMENT]), [0, 1])
    assert np.all(sims.thin_film(X, 0.0, 1e-14, 3600, 0.0) == 0)
    assert fibre_network((8, 8, 8), 0.1, diameters=(2e-7, 2e-7), aspect_ratio=1.0,
                         seed=MAX_SEED).any()
    assert generate("tfa", shape=(16, 16, 16), seed=0).labels.shape == (16, 16, 16)


def test_helpers() -> None:
    assert check_range((0, 1), "r") == (0.0, 1.0)
    assert check_bins(1) == 1
    with pytest.raises(TfalabError, match="bins"):
        check_bins(True)
    with pytest.raises(TfalabError, match="bins"):
        check_bins([0, 1])  # edges only where allowed


def test_analyze_reports_a_dense_electrode(tmp_path: Path) -> None:
    vol = np.full((6, 8, 8), 200, np.uint8)
    vol[0] = 10  # air above the electrode, no pore inside
    p = tmp_path / "v.npy"
    np.save(p, vol)
    s = ct.analyze(p, tmp_path / "out", voxel_size="1 um")
    assert s["porosity"] == 0 and s["mean_pore_diameter_um"] is None
    with pytest.raises(FitError):
        ct.pore_size_distribution(ct.segment(vol), voxel_size=1e-6)


CLI_BAD = [
    (["--diameters", "400 nm,100 nm"], "diameters"),
    (["--cell-size", "1 m"], "cell-size"),
    (["--aspect-ratio", "0.5"], "aspect-ratio"),
    (["--seed", str(2**70)], "seed"),
    (["--free-li", "100 wt%"], "--bare"),
]


@pytest.mark.parametrize(("args", "name"), CLI_BAD, ids=[a[0] for a, _ in CLI_BAD])
def test_cli_generate_refuses(tmp_path: Path, args: list[str], name: str) -> None:
    res = CliRunner().invoke(microstructure, ["generate", "--shape", "8", *args,
                                              "-o", str(tmp_path / "a")])
    assert res.exit_code != 0 and name in res.output, res.output
    assert not (tmp_path / "a.npz").exists()


@pytest.mark.parametrize("args", [["--voxel-size", "5 um"], ["--threshold", "0.5"],
                                  ["--pore", "bright"], ["--skeleton-threshold", "3"]])
def test_cli_metrics_refuses_ct_options_for_a_labelled_volume(tmp_path: Path,
                                                              args: list[str]) -> None:
    r = CliRunner()
    res = r.invoke(microstructure, ["generate", "--shape", "16", "-o", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    res = r.invoke(microstructure, ["metrics", str(tmp_path / "v.npz"), *args,
                                    "-o", str(tmp_path / "m")])
    assert res.exit_code != 0 and args[0] in res.output and "labelled" in res.output, res.output
    res = r.invoke(microstructure, ["metrics", str(tmp_path / "v.npz"), "-o", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
