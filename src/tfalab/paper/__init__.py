"""Everything specific to the seed paper (Zhang et al., Adv. Mater. 2025): its claims C1–C26
as data (:mod:`~tfalab.paper.catalogue`), their answerers (``*_claims``) and ``reproduce``
(:mod:`~tfalab.paper.runner`), the calibrations against it
(:mod:`~tfalab.paper.cell_calibration`, :mod:`~tfalab.paper.full_calibration`,
:mod:`~tfalab.paper.microstructure`), its experiments
(:mod:`~tfalab.paper.full_experiments`) and its cell (:mod:`~tfalab.paper.design`).

This package is a layer on top of the library: it imports the library, no library module
imports it (``tests/test_layers.py``; ``lint-imports``); only ``tfalab.cli`` sits above it.
"""

from tfalab.paper.catalogue import Check, Claim, Tolerance, load_catalogue
from tfalab.paper.design import PAPER_DIE_DIAMETER, PAPER_PELLET_MASS, paper_cell
from tfalab.paper.registry import Answer, Context, answers
from tfalab.paper.runner import reproduce, run_claim, select_claims

__all__ = ["PAPER_DIE_DIAMETER", "PAPER_PELLET_MASS", "Answer", "Check", "Claim", "Context",
           "Tolerance", "answers", "load_catalogue", "paper_cell", "reproduce", "run_claim",
           "select_claims"]
