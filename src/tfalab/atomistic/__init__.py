"""Atomistic descriptors of skeleton phases (optional extra ``tfalab[atomistic]``).

Li adsorption energies on slabs (the seed paper's Eq. 1), NVT molecular dynamics with
mean-square displacements and diffusion coefficients, elastic moduli from strain–stress, and a
screening table of candidate skeleton phases, all with an ASE calculator (CHGNet by default,
or any ASE calculator: DFT, another universal potential). See ``docs/atomistic.md``.

ASE, torch and CHGNet are imported only when a calculation needs them, so this package (and
``tfalab``) imports without the extra; the pure-numpy tools (MSD, diffusion fits, VRH averages)
work without it.

>>> from tfalab.atomistic import voigt_reuss_hill, diffusion_coefficient
>>> sorted(CANDIDATES)
['Li', 'Li2O', 'Li3N', 'LiAl', 'LiBx', 'LiF', 'LiMg']
"""

from __future__ import annotations

from tfalab.atomistic.adsorption import (
    AdsorptionResult,
    LiReference,
    SiteEnergy,
    adsorb,
    adsorption_energy,
    li_reference,
    paper_adsorption,
    site_table,
    surface_slab,
)
from tfalab.atomistic.calculators import (
    ExtraNotInstalledError,
    Relaxed,
    ResultCache,
    UnsupportedElementError,
    calculator_id,
    default_cache_dir,
    energy,
    extra_installed,
    get_calculator,
    relax,
    require,
)
from tfalab.atomistic.elastic import ElasticResult, elastic_tensor, strained, voigt_reuss_hill
from tfalab.atomistic.md import (
    DiffusionFit,
    MDRun,
    diffusion_coefficient,
    diffusion_from_positions,
    md_summary,
    mean_square_displacement,
    msd_by_species,
    read_trajectory,
    run_md,
    unwrap,
)
from tfalab.atomistic.screening import phase_entries, screen, screen_one
from tfalab.atomistic.structures import (
    CANDIDATES,
    DEFAULT_SCREEN,
    AdsorptionSite,
    Candidate,
    SlabError,
    adsorption_sites,
    bulk_structure,
    check_slab,
    check_structure,
    composition_descriptors,
    make_slab,
    supercell_reps,
    to_atoms,
    vacuum_thickness,
)

__all__ = [
    "CANDIDATES", "DEFAULT_SCREEN", "AdsorptionResult", "AdsorptionSite", "Candidate",
    "DiffusionFit", "ElasticResult", "ExtraNotInstalledError", "LiReference", "MDRun",
    "Relaxed", "ResultCache", "SiteEnergy", "SlabError", "UnsupportedElementError", "adsorb",
    "adsorption_energy", "adsorption_sites", "bulk_structure", "calculator_id", "check_slab",
    "check_structure", "composition_descriptors", "default_cache_dir", "diffusion_coefficient",
    "diffusion_from_positions", "elastic_tensor", "energy", "extra_installed",
    "get_calculator", "li_reference", "make_slab", "md_summary", "mean_square_displacement",
    "msd_by_species", "paper_adsorption", "phase_entries", "read_trajectory", "relax",
    "require", "run_md", "screen", "screen_one", "site_table", "strained", "supercell_reps",
    "surface_slab", "to_atoms", "unwrap", "vacuum_thickness", "voigt_reuss_hill",
]
