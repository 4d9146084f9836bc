"""tfalab.atomistic: MSD/diffusion maths (pure numpy), and small CHGNet calculations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tfalab.atomistic import (
    diffusion_coefficient,
    diffusion_from_positions,
    mean_square_displacement,
    msd_by_species,
    unwrap,
    voigt_reuss_hill,
)
from tfalab.errors import ParameterError, TfalabError

# ---------------------------------------------------------------- pure numpy, no potential


def test_random_walk_gives_the_right_diffusion_coefficient():
    rng = np.random.default_rng(3)
    sigma, dt = 0.05, 2.0  # Å per axis per step, fs
    x = np.cumsum(rng.normal(0, sigma, (400, 1000, 3)), axis=0)
    fit, msd = diffusion_from_positions(x, dt, n_blocks=4)
    expected = sigma ** 2 / (2 * dt) * 1e-5  # Å²/fs -> m²/s
    d = fit.D
    assert d == pytest.approx(expected, rel=0.05)
    assert 0 < fit.uncertainty < 0.1 * expected
    assert fit.block_stderr is not None
    assert msd[0] == 0


def test_frozen_lattice_and_drift():
    frozen = np.tile(np.random.default_rng(0).uniform(0, 5, (1, 8, 3)), (20, 1, 1))
    assert mean_square_displacement(frozen)[1].max() == pytest.approx(0, abs=1e-20)
    # a rigid translation of everything is drift, removed by default
    moving = frozen + np.arange(20)[:, None, None] * 0.1
    assert mean_square_displacement(moving)[1].max() == pytest.approx(0, abs=1e-20)
    assert mean_square_displacement(moving, remove_drift=False)[1][-1] > 1


def test_msd_by_species_and_unwrap():
    x = np.zeros((5, 3, 3))
    x[:, 0, 0] = np.arange(5)  # species A moves 1 Å per frame
    msd = msd_by_species(x, ["A", "B", "B"])
    assert set(msd) == {"A", "B"}
    assert msd["A"][1] > msd["B"][1] > 0  # drift removal spreads A's motion over all atoms
    frac = np.array([[[0.9, 0, 0]], [[0.1, 0, 0]], [[0.3, 0, 0]]])
    assert unwrap(frac)[:, 0, 0] == pytest.approx([0.9, 1.1, 1.3])


def test_diffusion_fit_errors():
    with pytest.raises(ParameterError):
        diffusion_coefficient(np.arange(10.0), np.arange(9.0))
    with pytest.raises(ParameterError):
        diffusion_coefficient(np.arange(10.0), np.arange(10.0), window=(0.5, 0.5))
    with pytest.raises(ParameterError):
        mean_square_displacement(np.zeros((1, 2, 3)))


def test_vrh_of_a_cubic_crystal():
    C = np.zeros((6, 6))
    C[:3, :3] = 12e9
    C[range(3), range(3)] = 14e9
    C[range(3, 6), range(3, 6)] = 11e9
    m = voigt_reuss_hill(C)
    assert m["K_V"] == pytest.approx(m["K_R"])  # cubic: K_V = K_R = (C11 + 2 C12)/3
    assert m["K_VRH"] == pytest.approx((14e9 + 24e9) / 3)
    assert m["G_R"] < m["G_V"]
    with pytest.raises(ParameterError):
        voigt_reuss_hill(np.zeros((3, 3)))


def test_c20_not_covered_without_the_extra(monkeypatch, tmp_path):
    import tfalab.paper.atomistic_claims as claims
    from tfalab.paper.registry import Context

    monkeypatch.setattr(claims, "extra_installed", lambda: False)
    answer = claims.c20(Context(tmp_path))
    assert answer.values == {}
    assert set(answer.notes) == set(claims.CHECKS)
    assert all("install tfalab[atomistic]" in n for n in answer.notes.values())


def test_cli_imports_and_explains_a_missing_extra(monkeypatch):
    from click.testing import CliRunner

    import tfalab.atomistic.calculators as calcs
    from tfalab.atomistic.cli import atomistic

    assert CliRunner().invoke(atomistic, ["--help"]).exit_code == 0

    def missing(*_):
        raise calcs.ExtraNotInstalledError(f"torch is missing: {calcs.EXTRA_HINT}")

    monkeypatch.setattr(calcs, "require", missing)
    result = CliRunner().invoke(atomistic, ["md", "Li", "--steps", "2"])
    assert result.exit_code != 0
    assert "install tfalab[atomistic]" in result.output


# ---------------------------------------------------------------- with the potential


@pytest.fixture(scope="module")
def calc():
    pytest.importorskip("chgnet")
    from tfalab.atomistic import get_calculator

    return get_calculator("chgnet")


def test_energies_finite_and_reproducible(calc):
    from tfalab.atomistic import energy, to_atoms

    atoms = to_atoms("LiBx")
    e1, e2 = energy(atoms, calc), energy(atoms, calc)
    assert math.isfinite(e1)
    assert e1 == e2
    assert -10 < e1 / len(atoms) < 0


def test_relaxation_reaches_fmax(calc):
    from tfalab.atomistic import relax, to_atoms

    atoms = to_atoms("LiBx")
    atoms.rattle(0.05, seed=1)
    r = relax(atoms, calc, fmax=0.03, cell=True)
    assert r.converged and r.fmax < 0.03
    forces = r.atoms.get_forces()
    assert np.sqrt((forces ** 2).sum(axis=1)).max() < 0.03
    a, _, c = r.atoms.cell.lengths()
    assert 3.6 < a < 4.4 and 2.8 < c < 3.4  # near the LiB cell (4.02, 3.10 Å)


def test_adsorption_on_a_tiny_slab(calc, tmp_path):
    from tfalab.atomistic import ResultCache, adsorb, li_reference, make_slab, relax, to_atoms

    cache = ResultCache(tmp_path)
    bulk = relax(to_atoms("Li"), calc, cell=True).atoms
    slab = make_slab(bulk, (0, 0, 1), thickness=4.0, min_inplane=3.0)
    assert len(slab) <= 8
    ref = li_reference(calc, cache=cache)
    assert 1.0 < ref.cohesive_energy < 2.0
    res = adsorb(slab, calc, max_sites=1, reference=ref, cache=cache)
    site = res.best
    assert site.fmax < 0.05
    assert site.e_ads_atom == pytest.approx(site.e_ads_bulk + ref.bulk - ref.atom)
    assert -3 < site.e_ads_atom < 0
    again = adsorb(slab, calc, max_sites=1, reference=ref, cache=cache)  # from the cache
    assert again.best.e_ads_atom == site.e_ads_atom


def test_md_trajectory_resumes_and_frozen_lattice(calc, tmp_path):
    from ase.constraints import FixAtoms

    from tfalab.atomistic import read_trajectory, run_md, to_atoms

    atoms = to_atoms("Li").repeat((2, 2, 2))
    traj = tmp_path / "li.traj"
    first = run_md(atoms, calc, 300, steps=3, trajectory=traj, seed=1)
    assert len(first.positions) == 4
    assert json.loads(traj.with_suffix(".traj.json").read_text())["temperature_K"] == 300
    full = run_md(atoms, calc, 300, steps=6, trajectory=traj, seed=1)
    assert len(full.positions) == 7
    assert np.allclose(full.positions[:4], first.positions)
    assert read_trajectory(traj).positions.shape == (7, 16, 3)
    with pytest.raises(ParameterError):  # other settings on the same file
        run_md(atoms, calc, 400, steps=8, trajectory=traj)
    frozen = atoms.copy()
    frozen.set_constraint(FixAtoms(indices=range(len(frozen))))
    run = run_md(frozen, calc, 300, steps=3, thermostat="nose-hoover")
    assert max(m.max() for m in run.msd().values()) < 1e-12


def test_elastic_moduli_of_li(calc):
    from tfalab.atomistic import elastic_tensor, relax, to_atoms

    bulk = relax(to_atoms("Li"), calc, cell=True).atoms
    res = elastic_tensor(bulk, calc, strains=(-0.01, 0.01), relax_ions=False)
    C = res.C / 1e9
    assert C[0, 0] == pytest.approx(C[1, 1], rel=0.05)
    assert res.stable
    assert 5 < res.moduli["K_VRH"] / 1e9 < 25  # Li: 12-13 GPa measured


def test_bad_inputs_give_clear_errors(calc):
    from ase import Atoms

    from tfalab.atomistic import (
        SlabError,
        UnsupportedElementError,
        check_slab,
        energy,
        relax,
        to_atoms,
    )

    overlap = Atoms("Li2", positions=[[0, 0, 0], [0.2, 0, 0]], cell=[5, 5, 5], pbc=True)
    with pytest.raises(ParameterError, match="overlapping"):
        relax(overlap, calc)
    with pytest.raises(SlabError, match="vacuum"):
        check_slab(to_atoms("Li").repeat((2, 2, 4)))
    with pytest.raises(UnsupportedElementError, match="Am"):
        energy(Atoms("Am", cell=[4, 4, 4], pbc=True), calc)
    with pytest.raises(UnsupportedElementError, match="dummy"):
        energy(Atoms(numbers=[0, 3], positions=[[0, 0, 0], [2, 0, 0]], cell=[5] * 3,
                     pbc=True), calc)
    with pytest.raises(TfalabError):
        to_atoms("Unobtainium")
    assert issubclass(UnsupportedElementError, ValueError)


def test_another_calculator_plugs_in():
    pytest.importorskip("ase")
    from ase.calculators.lj import LennardJones

    from tfalab.atomistic import calculator_id, relax, to_atoms

    lj = LennardJones(sigma=2.8, epsilon=0.1, rc=7.0)
    r = relax(to_atoms("Li"), lj, fmax=0.01, cell=True)
    assert r.converged and math.isfinite(r.energy)
    assert calculator_id(lj).startswith("LennardJones")


def test_screening_table_and_materials_entries(calc, tmp_path):
    from tfalab.atomistic import ResultCache, phase_entries, screen
    from tfalab.atomistic.screening import COLUMNS
    from tfalab.materials import phase_from_dict

    table = screen(["Li3N"], calc, descriptors=("elastic",), cache=ResultCache(tmp_path))
    assert list(table.columns) == COLUMNS
    row = table.iloc[0]
    assert 1100 < row.density_kg_m3 < 1500  # Li3N: 1.27-1.30 g/cm3
    assert row.li_atomic_fraction == pytest.approx(0.75)
    assert row.K_GPa > 0 and row.E_GPa > 0
    name, entry = next(iter(phase_entries(table).items()))
    phase = phase_from_dict(name, entry)
    assert phase.density == pytest.approx(row.density_kg_m3)


def test_cli_md_writes_results(calc, tmp_path):
    from click.testing import CliRunner

    from tfalab.atomistic.cli import atomistic

    out = tmp_path / "md.json"
    args = ["md", "Li", "--steps", "4", "--supercell", "2", "2", "2", "--no-relax",
            "--equilibration", "0", "--workdir", str(tmp_path), "--out", str(out)]
    result = CliRunner().invoke(atomistic, args)
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["frames"] == 5 and "Li" in data["species"]
    assert out.with_suffix(".csv").exists()
