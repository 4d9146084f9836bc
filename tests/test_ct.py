"""CT volume reading, segmentation and metrics on analytic volumes (tfalab.analysis.ct)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from tfalab.analysis import ct
from tfalab.errors import DataFileError, FitError, ParameterError

AIR, SOLID = 20, 200


def slab_volume(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """32x24x24 volume: air, a 16-voxel solid slab (z 8..24) with two cubic pores, air."""
    pores = np.ones((32, 24, 24), bool)
    pores[8:24] = False
    pores[10:14, 2:6, 2:6] = True          # 64 voxels
    pores[16:22, 10:16, 12:20] = True      # 288 voxels
    rng = np.random.default_rng(seed)
    grey = np.where(pores, AIR, SOLID) + rng.normal(0, 8, pores.shape)
    return grey, pores


def test_slab_porosity_and_thickness_are_exact():
    grey, truth = slab_volume()
    seg = ct.segment(grey, threshold=0.5 * (AIR + SOLID))
    np.testing.assert_array_equal(seg.pores, truth)
    assert ct.electrode_extent(seg) == (8, 24)
    assert ct.electrode_thickness(seg, "0.3 um") == pytest.approx(16 * 0.3e-6, rel=1e-12)
    assert ct.porosity(seg) == pytest.approx((64 + 288) / (16 * 24 * 24), rel=1e-12)
    # the whole box, air included
    assert ct.porosity(seg, within_electrode=False) == pytest.approx(truth.mean())


def test_otsu_on_the_noisy_slab():
    grey, truth = slab_volume()
    seg = ct.segment(grey)
    assert AIR < seg.threshold < SOLID
    # Otsu favours balanced classes and may cut into the far tail of the larger (air) class
    assert np.mean(seg.pores != truth) < 1e-3
    assert ct.electrode_extent(seg) == (8, 24)
    assert ct.porosity(seg) == pytest.approx((64 + 288) / (16 * 24 * 24), abs=2e-3)


def test_porosity_profile_through_the_slab():
    _, truth = slab_volume()
    z, phi = ct.porosity_profile(truth, voxel_size=1e-6)
    assert z[0] == pytest.approx(0.5e-6) and z.size == 32
    assert np.all(phi[:8] == 1) and np.all(phi[24:] == 1)
    assert phi[12] == pytest.approx(16 / 576)
    assert phi[18] == pytest.approx(48 / 576)
    assert phi[23] == 0


def test_thickness_along_another_axis():
    _, truth = slab_volume()
    rotated = np.moveaxis(truth, 0, 2)
    assert ct.electrode_thickness(rotated, 1e-6, axis=2) == pytest.approx(16e-6)


def test_cylinder_array_pore_diameter():
    # 4 cylindrical pores, 10 voxels across, along z through a 24x48x48 solid
    diameter = 10
    yy, xx = np.mgrid[:48, :48] + 0.5
    disk = np.zeros((48, 48), bool)
    for cy in (12, 36):
        for cx in (12, 36):
            disk |= (yy - cy) ** 2 + (xx - cx) ** 2 < (diameter / 2) ** 2
    pores = np.broadcast_to(disk, (24, 48, 48)).copy()
    voxel = 0.3e-6
    psd = ct.pore_size_distribution(pores, voxel_size=voxel)
    # digital spheres miss the pores' rims: the mean is low by up to two voxels
    assert psd.mean_diameter / voxel == pytest.approx(diameter, abs=2)
    assert psd.median_diameter / voxel == pytest.approx(diameter, abs=1)
    assert psd.max_diameter / voxel == pytest.approx(diameter, abs=1)
    assert psd.volume_fraction.sum() == pytest.approx(1.0)
    assert ct.porosity(pores) == pytest.approx(disk.mean())


def test_otsu_threshold_of_a_random_two_phase_volume():
    rng = np.random.default_rng(3)
    pores = rng.random((32, 32, 32)) < 0.3
    grey = np.where(pores, 60.0, 180.0) + rng.normal(0, 10, pores.shape)
    t = ct.otsu_threshold(grey)
    assert 60 < t < 180
    assert t == pytest.approx(120, abs=15)
    seg = ct.segment(grey)
    assert ct.porosity(seg, within_electrode=False) == pytest.approx(0.3, abs=0.01)
    # bright pores: the complement
    bright = ct.segment(grey, threshold=t, pore="bright")
    np.testing.assert_array_equal(bright.pores, ~seg.pores)


def test_segment_and_metrics_reject_bad_input():
    with pytest.raises(ParameterError):
        ct.segment(np.zeros((2, 2, 2)), pore="grey")
    with pytest.raises(FitError):
        ct.segment(np.full((4, 4, 4), 7.0))             # no contrast
    with pytest.raises(FitError):
        ct.porosity(np.ones((4, 4, 4), bool))            # all pore: no electrode
    with pytest.raises(ParameterError):
        ct.porosity(np.full((4, 4, 4), 0.5))             # grey values, not a mask
    with pytest.raises(ParameterError):
        ct.porosity_profile(np.zeros((4, 4, 4), bool))   # voxel size unknown
    with pytest.raises(ParameterError):
        ct.electrode_thickness(np.zeros((4, 4, 4), bool), "-1 um")


def test_read_volume_tiff_npy_and_folder(tmp_path):
    grey, _ = slab_volume()
    data = grey.clip(0, 255).astype(np.uint8)
    tifffile.imwrite(tmp_path / "stack.tif", data)
    np.save(tmp_path / "stack.npy", data)
    (tmp_path / "slices").mkdir()
    for i, sl in enumerate(data):
        tifffile.imwrite(tmp_path / "slices" / f"s{i:03d}.tif", sl)
    for path in ("stack.tif", "stack.npy", "slices"):
        vol = ct.read_volume(tmp_path / path, "0.3 um")
        np.testing.assert_array_equal(vol.data, data)
        assert vol.voxel_size == pytest.approx(3e-7)


def test_read_volume_bad_files(tmp_path):
    cases = {
        "missing.tif": None,
        "volume.raw": b"\x00" * 64,
        "broken.tif": b"II*\x00garbage",
        "flat.npy": np.zeros((8, 8)),
        "empty.npy": np.zeros((0, 4, 4)),
        "nan.npy": np.full((3, 3, 3), np.nan),
        "rgb.tif": np.zeros((3, 8, 8, 3), np.uint8),
        "objects.npy": np.array([{}, {}], dtype=object),
    }
    for name, content in cases.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif name.endswith(".npy"):
            np.save(path, content, allow_pickle=True)
        elif content is not None:
            tifffile.imwrite(path, content, photometric="rgb")
        with pytest.raises(DataFileError) as info:
            ct.read_volume(path)
        assert name in str(info.value), name
    (tmp_path / "nothing").mkdir()
    with pytest.raises(DataFileError, match="nothing"):
        ct.read_volume(tmp_path / "nothing")


def test_analyze_writes_figure_and_json(tmp_path):
    grey, _ = slab_volume()
    tifffile.imwrite(tmp_path / "tfa.tif", grey.astype(np.float32))
    summary = ct.analyze(tmp_path / "tfa.tif", tmp_path / "out" / "tfa", voxel_size="0.3 um")
    assert summary["electrode_thickness_um"] == pytest.approx(4.8)
    assert summary["porosity"] == pytest.approx((64 + 288) / (16 * 24 * 24), abs=1e-6)
    assert summary["mean_pore_diameter_um"] > 0
    assert len(summary["profile"]["porosity"]) == 32
    assert (tmp_path / "out" / "tfa.png").stat().st_size > 0
    on_disk = json.loads((tmp_path / "out" / "tfa.json").read_text())
    assert on_disk["porosity_percent"] == summary["porosity_percent"]
