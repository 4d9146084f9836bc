"""Which function answers which claim.

A module answers a claim by decorating a function with :func:`answers`; the function receives a
:class:`Context` and returns an :class:`Answer` with one value per check it covers (in the
check's unit). Checks it leaves out stay "not covered". To add a claim, write the function in a
module listed in :data:`ANSWER_MODULES` (or add your module there)::

    @answers("C17")
    def c17(ctx: Context) -> Answer:
        return Answer({"failure_capacity": simulate_stripping_to_failure()})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tfalab.errors import ClaimError

#: Modules whose import registers answerers. Later capabilities append theirs.
ANSWER_MODULES = ["tfalab.paper.anode_claims", "tfalab.paper.cell_claims",
                  "tfalab.paper.full_claims", "tfalab.paper.lab_claims",
                  "tfalab.paper.xrd_claims", "tfalab.paper.microstructure_claims",
                  "tfalab.paper.atomistic_claims"]


@dataclass
class Answer:
    """Values (in each check's unit) a module computed for a claim, with notes and figures."""

    values: dict[str, float]
    notes: dict[str, str] = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)


@dataclass
class Context:
    """What an answerer may use: where to put figures."""

    out: Path

    def figure_path(self, name: str) -> Path:
        path = self.out / "figures" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path


Answerer = Callable[[Context], Answer]
_ANSWERERS: dict[str, Answerer] = {}


def answers(claim_id: str) -> Callable[[Answerer], Answerer]:
    """Register the decorated function as the answer to ``claim_id``."""
    def register(func: Answerer) -> Answerer:
        if claim_id in _ANSWERERS and _ANSWERERS[claim_id] is not func:
            raise ClaimError(f"claim {claim_id} already answered by "
                             f"{_ANSWERERS[claim_id].__module__}")
        _ANSWERERS[claim_id] = func
        return func
    return register


def answerers() -> dict[str, Answerer]:
    """All registered answerers (importing :data:`ANSWER_MODULES` first)."""
    for name in ANSWER_MODULES:
        importlib.import_module(name)
    return dict(_ANSWERERS)
