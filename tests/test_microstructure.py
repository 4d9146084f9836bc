"""Voxel microstructures: generation, charge balance, strip/plate, metrics, bridge, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from tfalab.anode import MAH_CM2, CompositeAnode
from tfalab.errors import CapacityError, DataFileError, ParameterError
from tfalab.microstructure import (
    LI,
    OUTSIDE,
    PORE,
    SKELETON,
    Microstructure,
    bare_li,
    charge_per_voxel,
    effective_parameters,
    from_ct,
    generate,
    load,
    measure,
    percolation_threshold,
    plate,
    strip,
    voxels_for,
)
from tfalab.microstructure.cli import microstructure
from tfalab.microstructure.metrics import (
    chord_length,
    coarsen,
    contact_fractions,
    effective_modulus,
    percolates,
    pore_sizes,
    specific_surface,
    tortuosity,
)


@pytest.fixture(scope="module")
def tfa() -> Microstructure:
    return generate(shape=(48, 32, 32), seed=3)


def test_generation_matches_composition_and_is_reproducible(tfa):
    an = CompositeAnode()
    assert tfa.fraction(PORE) == pytest.approx(an.porosity, abs=1e-4)
    assert tfa.fraction(SKELETON) == pytest.approx(an.skeleton_volume_fraction, abs=0.02)
    again = generate(shape=(48, 32, 32), seed=3)
    assert np.array_equal(again.labels, tfa.labels)
    assert not np.array_equal(generate(shape=(48, 32, 32), seed=4).labels, tfa.labels)
    # pores sit in the Li, never on a fibre; bare Li has no skeleton
    assert bare_li((8, 8, 8)).fraction(SKELETON) == 0.0
    assert generate(CompositeAnode.bare_li("10 um"), shape=(8, 8, 8)).fraction(LI) == 1.0


def test_bad_input():
    with pytest.raises(ParameterError):
        generate(shape=(1, 8, 8))
    with pytest.raises(ParameterError):
        generate(voxel_size="-1 nm")
    with pytest.raises(ParameterError):
        Microstructure(np.full((2, 2, 2), 7, np.uint8), 1e-7)
    with pytest.raises(ParameterError):
        strip(bare_li((8, 4, 4)), "-1 mAh/cm2")


def test_save_load_roundtrip(tmp_path, tfa):
    for name in ("m.npz", "m.tif"):
        p = tfa.save(tmp_path / name)
        back = load(p)
        assert np.array_equal(back.labels, tfa.labels)
        assert back.voxel_size == tfa.voxel_size
        assert back.metadata["seed"] == 3
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataFileError):
        load(tmp_path / "junk.npz")
    with pytest.raises(DataFileError):
        load(tmp_path / "missing.npz")


def test_charge_balance_to_the_voxel(tfa):
    qv = charge_per_voxel(tfa)
    # a molar volume of Li: a³/V_m F
    assert qv == pytest.approx(tfa.voxel_volume / 1.2998e-5 * 96485.33, rel=1e-3)
    q = 0.37 * MAH_CM2
    n_expected = math.floor(q * tfa.face_area / qv)
    s = strip(tfa, q)
    moved = int((s.labels == PORE).sum() - (tfa.labels == PORE).sum())
    assert moved == n_expected == s.metadata["ledger"]["net_voxels_stripped"]
    # sub-voxel remainder carried: many small steps move as many voxels as one big one
    small = tfa
    for _ in range(10):
        small = strip(small, q / 10)
    assert small.metadata["ledger"]["net_voxels_stripped"] == n_expected
    assert voxels_for(tfa, q) == pytest.approx(q * tfa.face_area / qv)


def test_bare_li_recedes_by_the_charge():
    li = bare_li((100, 16, 16))
    s = strip(li, "1 mAh/cm2")
    # 1 mAh/cm2 of Li is 4.85 um; to the voxel
    exact = MAH_CM2 * CompositeAnode.bare_li().li_volume_per_charge   # 4.85 um
    assert 0 <= exact - (li.thickness - s.thickness) < li.voxel_size / 256
    assert s.fraction(PORE) == 0.0
    assert contact_fractions(s)["solid"] == 1.0
    assert (s.labels[-1] == OUTSIDE).any()
    back = plate(s, "1 mAh/cm2")
    assert back.thickness == pytest.approx(li.thickness)
    with pytest.raises(CapacityError):
        strip(li, "100 mAh/cm2")


def test_tfa_strips_from_the_bulk_and_plate_returns_porosity(tfa):
    q = 5 * MAH_CM2 * tfa.thickness / 100e-6
    s = strip(tfa, q)  # rigid skeleton: no thickness change, pores open inside
    assert s.thickness == tfa.thickness
    assert s.fraction(PORE) > 0.25
    assert np.array_equal(s.labels == SKELETON, tfa.labels == SKELETON)
    back = plate(s, q)
    assert back.fraction(PORE) == pytest.approx(tfa.fraction(PORE), abs=1e-9)
    assert back.thickness == tfa.thickness
    # fitted collapse: as the 0D bookkeeping, 6.6 -> 25.7 % and thickness loss
    f = strip(tfa, q, collapse_fraction="fitted")
    zero_d = CompositeAnode().state_after(5 * MAH_CM2)
    assert f.fraction(PORE) == pytest.approx(zero_d.porosity, abs=0.005)
    loss = (tfa.thickness - f.thickness) / tfa.thickness * 100e-6
    assert loss == pytest.approx(zero_d and (100e-6 - zero_d.thickness), rel=0.02)
    # plating back mirrors the 0D state function: the collapse is undone in proportion
    # (thickness comes back), the rest refills pores -> the as-made porosity and thickness
    back = plate(f, q)
    zero_back = CompositeAnode().plate(5 * MAH_CM2, start=zero_d)
    assert back.fraction(PORE) == pytest.approx(zero_back.porosity, abs=0.002)
    assert back.fraction(PORE) == pytest.approx(tfa.fraction(PORE), abs=1e-9)
    assert back.thickness == pytest.approx(tfa.thickness)
    assert back.metadata["ledger"]["voxels_collapsed"] == 0
    assert back.metadata["ledger"]["voxels_grown_at_interface"] == 0
    # half-way back: on the 0D trajectory
    half = plate(f, q / 2)
    zero_half = CompositeAnode().state_after(2.5 * MAH_CM2)
    assert half.fraction(PORE) == pytest.approx(zero_half.porosity, abs=0.005)
    assert (tfa.thickness - half.thickness) / tfa.thickness * 100e-6 == pytest.approx(
        100e-6 - zero_half.thickness, rel=0.05)
    # plating past the as-made state fills the pores, then grows at the face
    more = plate(back, q)
    assert more.fraction(PORE) < 0.01
    assert more.metadata["ledger"]["voxels_grown_at_interface"] > 0


def test_stripping_past_the_inventory_raises(tfa):
    with pytest.raises(CapacityError, match="inventory"):
        strip(tfa, 20 * MAH_CM2 * tfa.thickness / 100e-6)


def test_metrics_on_analytic_cases():
    a = 1e-6
    # a slab: half Li, half skeleton, interface normal to z
    lab = np.full((10, 6, 6), LI, np.uint8)
    lab[5:] = SKELETON
    ms = Microstructure(lab, a)
    assert specific_surface(ms, LI, SKELETON, isotropic=False) == pytest.approx(0.1 / a)
    assert not percolates(lab == LI)
    assert tortuosity(lab == LI).tau == math.inf
    # slab parallel to z: percolates with tau = 1, D_eff/D = its fraction
    lab2 = np.full((10, 6, 6), LI, np.uint8)
    lab2[:, :, 3:] = SKELETON
    t = tortuosity(lab2 == SKELETON)
    assert t.tau == pytest.approx(1.0, abs=1e-6)
    assert t.relative_diffusivity == pytest.approx(0.5, abs=1e-6)
    # a cylinder array along z: tau = 1; chord length across x between rods
    yy, xx = np.mgrid[:20, :20]
    rods = ((yy % 10 - 5) ** 2 + (xx % 10 - 5) ** 2) <= 4
    m = np.broadcast_to(rods, (12, 20, 20)).copy()
    t = tortuosity(m)
    assert t.tau == pytest.approx(1.0, abs=1e-6)
    assert t.relative_diffusivity == pytest.approx(m.mean(), abs=1e-9)
    # a tilted (zig-zag) channel is tortuous
    zig = np.zeros((20, 20, 3), bool)
    for z in range(20):
        zig[z, z if z < 10 else 19 - z, 1] = True
        zig[z, (z + 1) if z < 9 else min(19 - z + 1, 19), 1] = True
    assert tortuosity(zig).tau > 1.2
    # pore size of a cylinder pore, 9 voxels across
    lab3 = np.full((4, 15, 15), LI, np.uint8)
    lab3[:, (yy[:15, :15] - 7) ** 2 + (xx[:15, :15] - 7) ** 2 <= 16] = PORE
    psd = pore_sizes(Microstructure(lab3, a))
    assert psd.max_diameter == pytest.approx(9 * a)
    # chord length of gaps between plates 4 voxels apart along x
    plates = np.zeros((4, 4, 20), bool)
    plates[..., ::5] = True
    assert chord_length(~plates, a) > 3 * a


def test_modulus_tied_to_connectivity(tfa):
    e = effective_modulus(tfa)
    assert e["matrix"] == "skeleton"
    assert e["reuss"] <= e["estimate"] <= e["voigt"]
    loose = generate(CompositeAnode(free_li="95 wt%"), shape=(32, 32, 32), seed=0)
    e2 = effective_modulus(loose)
    assert e2["matrix"] == "free Li"
    assert e2["estimate"] < e["estimate"]


def test_percolation_threshold_behaviour():
    s = percolation_threshold([0.6, 0.8, 0.95], shape=(40, 40, 40), seeds=2)
    assert s.probability[0] == 1.0 and s.probability[-1] == 0.0
    assert np.all(np.diff(s.skeleton_fraction) < 0)
    assert 0.6 < s.threshold < 0.95
    # longer fibres percolate at lower skeleton fractions
    long = percolation_threshold([0.6, 0.8, 0.95], shape=(40, 40, 40), seeds=2,
                                 aspect_ratio=30)
    assert long.threshold >= s.threshold


def test_measure_and_bridge(tfa):
    m = measure(tfa)
    assert m.skeleton_percolates and m.li_percolates
    assert m.free_li_wt == pytest.approx(0.6, abs=0.03)
    assert 1 < m.tau_li < 3 and m.tau_skeleton > m.tau_li
    assert 0 < m.contact["skeleton"] < m.contact["solid"] <= 1
    json.dumps(m.to_dict())
    p = effective_parameters(tfa)
    assert p["contact_floor"] == pytest.approx(m.contact["skeleton"])
    assert 0 < p["accessible_pore_fraction"] <= tfa.fraction(PORE) + 1e-12
    assert p["li_diffusivity"] > 0
    # mean free path between fibres ~ d (1 - phi) / phi (random fibres), within a factor 2
    d, phi = 250e-9, tfa.fraction(SKELETON)
    assert 0.5 < p["channel_size"] / (d * (1 - phi) / phi) < 2


def test_two_scale_skeleton_has_cell_scale_pores():
    shape = (64, 64, 64)
    uni = generate(shape=shape, seed=2)
    two = generate(shape=shape, seed=2, cell_size="4 um")
    # same composition, reproducible, cell size recorded
    assert two.fraction(SKELETON) == pytest.approx(uni.fraction(SKELETON), abs=0.01)
    assert two.fraction(PORE) == pytest.approx(0.066, abs=1e-3)
    assert np.array_equal(two.labels, generate(shape=shape, seed=2, cell_size=4e-6).labels)
    assert two.metadata["cell_size_m"] == pytest.approx(4e-6)
    assert uni.metadata["cell_size_m"] is None
    # fibres gathered in walls leave Li-rich cells: pores several times the inter-fibre ones
    assert pore_sizes(two).median_diameter > 2.5 * pore_sizes(uni).median_diameter
    # stripping opens pores at the cell scale (rigid skeleton: they grow)
    q = 5 * MAH_CM2 * two.thickness / 100e-6
    assert pore_sizes(strip(two, q)).median_diameter >= pore_sizes(two).median_diameter
    with pytest.raises(ParameterError):
        generate(shape=(8, 8, 8), cell_size=-1.0)


def test_fitted_cell_size_reproduces_the_calibration():
    from tfalab.paper.microstructure import SEEDS, as_made_pore_size
    from tfalab.parameters import fitted

    p = fitted("microstructure.cell_size")
    assert p.fitted_to == ("C5.pore_size_initial",)
    assert p.method == "tfalab.paper.microstructure.fit_cell_size"
    # the declared value is the root of the seed-averaged curve (5 seeds): the 3 seeds of C5
    # average 2 um within their scatter (sd ~0.3 um for one RVE)
    d = [as_made_pore_size("fitted", seed=s) for s in SEEDS]
    assert np.mean(d) == pytest.approx(2e-6, abs=0.3e-6)
    assert np.std(d, ddof=1) < 0.6e-6


def test_interpolated_median_and_isotonic_root():
    from tfalab.paper.microstructure import _isotonic_root, interpolated_median

    # classes 1 +- 1 and 3 +- 1, half of the volume each: the median is the class boundary
    assert interpolated_median(np.array([1.0, 1.0, 3.0, 3.0]), 2.0) == pytest.approx(2.0)
    # moves continuously with the weights (np.median jumps from 2 to 3)
    lo = interpolated_median(np.array([1.0] * 49 + [3.0] * 51), 2.0)
    hi = interpolated_median(np.array([1.0] * 51 + [3.0] * 49), 2.0)
    assert 1.9 < hi < 2.0 < lo < 2.1
    assert math.isnan(interpolated_median(np.array([]), 1.0))
    g = np.array([1.0, 2.0, 3.0, 4.0])
    # a non-monotone dip is pooled away, the root interpolated between grid points
    assert _isotonic_root(g, np.array([1.0, 1.8, 1.6, 3.0]), 2.0) == pytest.approx(3 + 0.3 / 1.3)
    assert math.isnan(_isotonic_root(g, np.array([1.0, 1.1, 1.2, 1.3]), 2.0))


def test_cell_size_fit_on_a_small_grid():
    from tfalab.paper.microstructure import cell_size_fit

    f = cell_size_fit(target=2e-6, grid=(2.5e-6, 4.5e-6), seeds=(0, 1),
                      shape=(48, 48, 48), bootstrap=20)
    assert f.diameters.shape == (2, 2)
    assert f.diameters[1].mean() > 2e-6 > f.diameters[0].mean()
    # linear between the two grid points through the seed means
    m = f.diameters.mean(axis=1)
    assert f.cell_size == pytest.approx(2.5e-6 + (2e-6 - m[0]) / (m[1] - m[0]) * 2e-6)
    assert f.seed_roots.shape == (2,) and f.standard_error >= 0


def test_coarsening_hides_thin_fibres(tfa):
    c = coarsen(tfa, 2)
    assert c.voxel_size == 2 * tfa.voxel_size
    assert c.fraction(SKELETON) < tfa.fraction(SKELETON) + 0.05


def test_measured_tiff_stack(tmp_path, tfa):
    import tifffile

    grey = np.choose(tfa.labels, [20, 150, 230, 0]).astype(np.uint8)
    grey = np.concatenate([np.full((4, 32, 32), 20, np.uint8), grey])  # air before the face
    f = tmp_path / "stack.tif"
    tifffile.imwrite(f, grey)
    ms = from_ct(f, "100 nm", threshold=85, skeleton_threshold=190)
    assert ms.shape == tfa.shape
    assert ms.fraction(PORE) == pytest.approx(tfa.fraction(PORE), abs=1e-9)
    assert ms.fraction(SKELETON) == pytest.approx(tfa.fraction(SKELETON), abs=1e-9)


def test_cli(tmp_path):
    r = CliRunner()
    out = tmp_path / "a"
    res = r.invoke(microstructure, ["generate", "--shape", "32", "--seed", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "a.npz").is_file() and (tmp_path / "a.png").is_file()
    res = r.invoke(microstructure, ["strip", str(tmp_path / "a.npz"), "--capacity",
                                    "0.1 mAh/cm2", "-o", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    res = r.invoke(microstructure, ["plate", str(tmp_path / "b.npz"), "--capacity",
                                    "0.1 mAh/cm2", "-o", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    a = json.loads((tmp_path / "a.json").read_text())["metrics"]["porosity"]
    c = json.loads((tmp_path / "c.json").read_text())["metrics"]["porosity"]
    assert c == pytest.approx(a)
    res = r.invoke(microstructure, ["metrics", str(tmp_path / "c.npz"), "-o",
                                    str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "effective_parameters" in json.loads((tmp_path / "m.json").read_text())
    res = r.invoke(microstructure, ["strip", str(tmp_path / "a.npz"), "--capacity",
                                    "90 mAh/cm2", "-o", str(tmp_path / "d")])
    assert res.exit_code != 0 and "inventory" in res.output
    res = r.invoke(microstructure, ["generate", "--shape", "32", "--cell-size", "1.5 um",
                                    "-o", str(tmp_path / "e")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "e.npz").is_file()


def _two_pockets() -> Microstructure:
    """Li with a skeleton wall at x = 13: a 13-voxel and a 26-voxel pocket, both reaching the
    face (the wall is connected to it too)."""
    lab = np.full((20, 20, 40), LI, np.uint8)
    lab[:, :, 13] = SKELETON
    return Microstructure(lab, 1e-7)


def test_pockets_are_the_regions_enclosed_by_the_skeleton():
    from tfalab.microstructure.electrochem import li_pockets

    ms = _two_pockets()
    pocket, radius = li_pockets(ms.labels)
    assert len(radius) == 3 and radius[0] == 0
    left, right = pocket[:, :, :13], pocket[:, :, 14:]
    assert len(np.unique(left)) == 1 and len(np.unique(right)) == 1
    assert left[0, 0, 0] != right[0, 0, 0]
    assert (pocket[:, :, 13] == 0).all()
    assert sorted(radius[1:].tolist()) == [13.0, 26.0]  # inscribed half-widths (no border)
    # no skeleton: one pocket; on the coarse grid (>= 32 voxels) the walls stay walls
    assert li_pockets(bare_li((8, 8, 8)).labels)[1].size == 2
    big = np.full((40, 40, 64), LI, np.uint8)
    big[:, :, 20] = SKELETON
    p, r = li_pockets(big)
    assert len(r) == 3 and p[0, 0, 0] != p[0, 0, 63] and (p[:, :, 20] == 0).all()


def test_stripping_empties_pockets_one_after_another_largest_first():
    ms = _two_pockets()
    # a little: all of it from the larger pocket, from its middle (farthest from the wall)
    s = strip(ms, 2000.5 / voxels_for(ms, MAH_CM2) * MAH_CM2)
    opened = (s.labels == PORE) & (ms.labels == LI)
    assert opened.sum() == 2000
    assert not opened[:, :, :14].any()
    assert opened[:, :, 30:].sum() > 0.9 * opened.sum()  # far side of the big pocket first
    # more than the big pocket holds: it empties completely before the small one starts
    n_big = int((ms.labels[:, :, 14:] == LI).sum())
    q = (n_big + 500.5) / voxels_for(ms, MAH_CM2) * MAH_CM2
    s = strip(ms, q)
    assert (s.labels[:, :, 14:] != LI).all()
    assert (s.labels[:, :, :13] == PORE).sum() == 500


def test_pockets_empty_whole_in_a_two_scale_volume_and_pores_outgrow_as_made():
    from tfalab.microstructure.electrochem import li_pockets

    ms = generate(shape=(64, 64, 64), seed=5, cell_size="4 um")
    q = 5 * MAH_CM2 * ms.thickness / 100e-6
    s = strip(ms, q)  # rigid: labels stay in place
    pocket, _ = li_pockets(ms.labels)
    ids = np.arange(1, pocket.max() + 1)
    from scipy import ndimage

    li0 = ndimage.sum(ms.labels == LI, pocket, ids)
    li1 = ndimage.sum(s.labels == LI, pocket, ids)
    big = li0 > 200
    emptied = 1 - li1[big] / li0[big]
    # pockets are either untouched or emptied: at most two caught half-way
    assert ((emptied > 0.05) & (emptied < 0.95)).sum() <= 2
    assert (emptied >= 0.95).sum() >= 2
    # the pores are the emptied cells: larger than the as-made shrinkage voids
    assert pore_sizes(s).median_diameter > 1.5 * pore_sizes(ms).median_diameter


def test_collapse_squashes_each_column_evenly(tfa):
    q = 5 * MAH_CM2 * tfa.thickness / 100e-6
    rigid = strip(tfa, q)
    f = strip(tfa, q, collapse_fraction="fitted")
    chi = f.metadata["history"][-1]["collapse_fraction"]
    opened = ((rigid.labels == PORE) & (tfa.labels == LI)).sum(axis=0)  # same order, seed
    loss = tfa.column_heights() - f.column_heights()
    assert loss.sum() == f.metadata["ledger"]["voxels_collapsed"]
    # every column closes chi of what it opened, to the voxel (not a random share)
    assert np.abs(loss - chi * opened).max() <= 1.0 + 1e-9
    assert np.array_equal(np.sort((f.labels == SKELETON).sum(axis=0).ravel()),
                          np.sort((tfa.labels == SKELETON).sum(axis=0).ravel()))


# --- virtual CT (tfalab.microstructure.imaging) ------------------------------------------


def _walled_pore(wall: tuple[int, int]) -> Microstructure:
    """Li | 2.1 um pore | Li across x (100 nm voxels), with a Li wall at x in ``wall``."""
    lab = np.zeros((30, 30, 30), np.uint8)
    lab[..., :6] = LI
    lab[..., 27:] = LI
    lab[..., wall[0]:wall[1]] = LI
    return Microstructure(lab, 1e-7)


def _pore_clusters(ms: Microstructure) -> int:
    from scipy import ndimage

    return int(ndimage.label(ms.labels == PORE)[1])


def test_virtual_ct_blurs_away_a_wall_thinner_than_the_psf():
    from tfalab.microstructure.imaging import virtual_ct

    ms = _walled_pore((15, 17))  # 0.2 um of Li between two 0.9 um pores
    sharp = virtual_ct(ms, psf_fwhm=0.0, threshold=0.5)
    assert sharp.segmented.voxel_size == pytest.approx(0.3e-6)
    assert _pore_clusters(sharp.segmented) == 2
    for fwhm in (0.5e-6, 0.6e-6, 0.9e-6):  # the Xradia's 0.5 um to three CT voxels
        seen = virtual_ct(ms, psf_fwhm=fwhm, threshold=0.5)
        assert _pore_clusters(seen.segmented) == 1  # the pores merge, as the CT shows them
        assert seen.median_pore_diameter > sharp.median_pore_diameter
    # the same with Otsu's threshold on a volume with a clear pore / solid split
    assert _pore_clusters(virtual_ct(ms, psf_fwhm=0.9e-6).segmented) == 1


def test_virtual_ct_keeps_a_thick_slab_and_a_large_pore():
    from tfalab.microstructure.imaging import virtual_ct

    ms = _walled_pore((12, 21))  # 0.9 um of Li: three CT voxels
    for thr in (0.5, None):
        seen = virtual_ct(ms, psf_fwhm=0.6e-6, threshold=thr)
        assert _pore_clusters(seen.segmented) == 2
        assert seen.porosity == pytest.approx(ms.fraction(PORE), abs=1e-9)
    # a 3 um spherical pore in Li: porosity and size survive PSF, partial volume and Otsu
    zz, yy, xx = np.mgrid[:60, :60, :60] - 29.5
    sphere = Microstructure(np.where(zz**2 + yy**2 + xx**2 <= 15**2, PORE, LI)
                            .astype(np.uint8), 1e-7)
    seen = virtual_ct(sphere)
    assert seen.porosity == pytest.approx(sphere.fraction(PORE), rel=0.08)
    assert seen.median_pore_diameter == pytest.approx(3e-6, rel=0.15)
    assert _pore_clusters(seen.segmented) == 1


def test_virtual_ct_phases_outside_noise_and_errors(tfa):
    from tfalab.microstructure.imaging import virtual_ct

    # bare Li: a uniform scan, no pores
    assert virtual_ct(bare_li((12, 9, 9))).porosity == 0.0
    # a thinned slab: blocks beyond the electrode stay outside, thickness kept
    lab = np.ones((30, 24, 24), np.uint8)
    lab[20:] = OUTSIDE
    lab[3:15, 6:18, 6:18] = PORE
    seen = virtual_ct(Microstructure(lab, 1e-7), threshold=0.5)
    assert seen.segmented.thickness == pytest.approx(2.1e-6)
    assert (seen.segmented.labels[7:] == OUTSIDE).all()
    # a 1.2 um cube, two PSF widths across: the blur rounds off its edges and corners
    assert 0.3 * 12**3 / (20 * 24**2) < seen.porosity < 12**3 / (20 * 24**2)
    # a bright skeleton: the three-class threshold still segments the pores
    bright = virtual_ct(tfa, attenuation={SKELETON: 3.0}, classes=3)
    plain = virtual_ct(tfa)
    assert tfa.fraction(PORE) < plain.porosity <= bright.porosity < 0.25  # not the free Li
    # noise is seeded
    a, b = virtual_ct(tfa, noise=0.1, seed=4), virtual_ct(tfa, noise=0.1, seed=4)
    assert np.array_equal(a.grey, b.grey) and a.threshold == b.threshold
    with pytest.raises(ParameterError):
        virtual_ct(tfa, voxel_size=0.25e-6)  # not a whole multiple of 100 nm
    with pytest.raises(ParameterError):
        virtual_ct(tfa, psf_fwhm=-1.0)
    with pytest.raises(ParameterError):
        virtual_ct(tfa, classes=4)


# --- load-bearing (backbone) percolation ------------------------------------------------------

def _line(m, z0, z1, y, x):
    m[z0:z1, y, x] = True


def test_backbone_single_fibre_spans_with_one_path():
    from tfalab.microstructure.loadbearing import load_bearing

    m = np.zeros((16, 7, 7), bool)
    _line(m, 0, 16, 3, 3)
    r = load_bearing(m)
    assert r.spans and r.backbone_fraction == 1.0 and r.dangling_fraction == 0.0
    assert r.disjoint_paths == 1 and not r.load_bearing
    # loaded at one end only (touches one face): connected to it, but no backbone
    m = np.zeros((16, 7, 7), bool)
    _line(m, 0, 12, 3, 3)
    r = load_bearing(m)
    assert not r.spans and r.backbone_fraction == 0.0 and not r.backbone.any()
    # a thick (4 x 4 voxel) fibre, which scikit-image's thinning alone deletes: one path
    m = np.zeros((16, 10, 10), bool)
    m[:, 3:7, 3:7] = True
    r = load_bearing(m)
    assert r.spans and r.disjoint_paths == 1


def test_backbone_excludes_dangling_branch_and_dead_end_loop():
    from tfalab.microstructure.loadbearing import load_bearing

    m = np.zeros((20, 12, 9), bool)
    _line(m, 0, 20, 2, 4)                 # spanning fibre
    m[10, 3:9, 4] = True                  # a side branch ending in the bulk
    r = load_bearing(m)
    assert r.spans and r.disjoint_paths == 1
    assert not r.backbone[10, 5:9, 4].any() and r.backbone[:, 2, 4].sum() >= 14
    assert r.dangling_fraction >= 0.15
    # a ring hanging off the fibre by a stalk: a loop, but a dead end (one cut vertex)
    m[10, 8, 4] = False
    m[6:15, 8, 4] = True                  # ring: two sides ...
    m[6:15, 11, 4] = True
    m[6, 8:12, 4] = True                  # ... and its ends
    m[14, 8:12, 4] = True
    r = load_bearing(m)
    assert r.spans and not r.backbone[:, 8:12, 4].any() and r.disjoint_paths == 1


def test_backbone_ring_in_series_and_parallel_paths():
    from tfalab.microstructure.loadbearing import load_bearing

    # a fibre that splits into two strands and joins again: the ring is backbone (it carries
    # load), but the single strands at the faces leave one vertex-disjoint path
    m = np.zeros((20, 9, 7), bool)
    _line(m, 0, 6, 4, 3)
    _line(m, 14, 20, 4, 3)
    m[6, 1:8, 3] = True
    m[14, 1:8, 3] = True
    _line(m, 6, 15, 1, 3)
    _line(m, 6, 15, 7, 3)
    r = load_bearing(m)
    assert r.spans and r.disjoint_paths == 1
    assert r.backbone[8:13, 1, 3].all() and r.backbone[8:13, 7, 3].all()
    # two separate parallel fibres between the faces: two disjoint paths, load-bearing
    m = np.zeros((20, 9, 7), bool)
    _line(m, 0, 20, 1, 3)
    _line(m, 0, 20, 7, 3)
    r = load_bearing(m)
    assert r.spans and r.disjoint_paths == 2 and r.load_bearing and r.backbone_fraction == 1.0
    # three of them: the count is capped at max_paths
    _line(m, 0, 20, 4, 3)
    assert load_bearing(m, max_paths=2).disjoint_paths == 2
    assert load_bearing(m).disjoint_paths == 3


def test_load_bearing_needs_more_skeleton_than_connectivity():
    from tfalab.microstructure.loadbearing import load_bearing
    from tfalab.microstructure.metrics import full_slab, percolates

    dense = full_slab(generate(CompositeAnode(free_li=0.6), (32, 32, 32), seed=0)) == SKELETON
    assert percolates(dense) and load_bearing(dense).load_bearing
    sparse = full_slab(generate(CompositeAnode(free_li=0.95), (32, 32, 32), seed=0)) == SKELETON
    r = load_bearing(sparse)
    assert not r.load_bearing
    # load-bearing implies geometric percolation, never the reverse
    for w in (0.7, 0.8, 0.85):
        mk = full_slab(generate(CompositeAnode(free_li=w), (32, 32, 32), seed=1)) == SKELETON
        r = load_bearing(mk)
        assert r.spans == percolates(mk)
        assert not r.load_bearing or r.spans


def test_maxwell_rigidity_estimate():
    """Mean-field (Maxwell) rigidity estimate of the fibre network (C6 alternative)."""
    from tfalab.microstructure.loadbearing import maxwell_threshold, mean_contacts

    # spheres (aspect ratio 0, one diameter): V_ex = 8 V, so <z> = -8 ln(1 - phi)
    phi = 0.1
    assert math.isclose(mean_contacts(phi, 0.0, (2e-7, 2e-7), n=3), -8 * math.log1p(-phi),
                        rel_tol=1e-9)
    # slender rods: Onsager, <z> -> -ln(1 - phi) * 2 L / D
    z = mean_contacts(phi, 1000.0, (2e-7, 2e-7), n=3)
    assert math.isclose(z, -math.log1p(-phi) * 2000.0, rel_tol=0.01)
    # stricter contacts need more skeleton (less free Li); longer fibres need less
    for ar in (5.0, 10.0, 20.0):
        w = [maxwell_threshold(c, ar) for c in ("welded", "frictional", "frictionless")]
        assert w[0] > w[1] > w[2]
    assert maxwell_threshold("frictional", 5.0) < maxwell_threshold("frictional", 20.0)
    with pytest.raises(ParameterError):
        maxwell_threshold("glued")


def test_fibre_dilation_is_the_euclidean_distance_set():
    """Fibres are the voxels within a radius of their centrelines: the shifted-ball union used
    by the generator gives exactly the distance-transform set, boundary radii included."""
    import edt

    from tfalab.microstructure.generate import _within

    rng = np.random.default_rng(3)
    seed = rng.random((30, 31, 32)) < 0.01
    for radius in (0.5, 1.0, np.sqrt(2), 1.5, np.sqrt(3), 2.0, 2.7, 5.0):
        np.testing.assert_array_equal(_within(seed, radius),
                                      edt.edt(~seed, parallel=1) <= radius)
