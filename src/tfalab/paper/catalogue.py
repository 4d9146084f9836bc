"""The claims catalogue (C1–C26 of the seed paper) as data, and tolerance checking.

>>> cat = load_catalogue()
>>> cat["C2"].checks[0].paper_value, cat["C2"].checks[0].unit
(15, 'mAh/cm2')
>>> cat["C2"].checks[0].tolerance.passes(15.3, 15)
True
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from tfalab.errors import ClaimError
from tfalab.units import check_unit

TOLERANCE_KINDS = ("rel", "abs", "above", "below", "factor", "range", "ordering")
ROLES = ("calibration", "prediction", "method")


@dataclass(frozen=True)
class Tolerance:
    """How close a tfalab value must be to the paper's."""

    kind: str
    value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in TOLERANCE_KINDS:
            raise ClaimError(f"unknown tolerance kind {self.kind!r}; known: {TOLERANCE_KINDS}")
        if self.kind in ("rel", "abs", "factor") and (self.value is None or self.value <= 0):
            raise ClaimError(f"tolerance {self.kind!r} needs a positive value")

    def passes(self, value: float, paper: Any) -> bool:
        """Whether ``value`` meets the paper value under this tolerance."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        match self.kind:
            case "rel":
                return abs(value - paper) <= self.value * abs(paper)
            case "abs":
                return abs(value - paper) <= self.value
            case "above":
                return value >= paper
            case "below":
                return value <= paper
            case "factor":
                return paper / self.value <= value <= paper * self.value
            case "range":
                return paper[0] <= value <= paper[1]
            case _:  # ordering
                return bool(value) == bool(paper)

    def describe(self, unit: str = "") -> str:
        """Short human text: '±10 %', '±2 %-points', '≥ paper', ..."""
        match self.kind:
            case "rel":
                assert self.value is not None  # __post_init__: "rel" needs a value
                return f"±{100 * self.value:g} %"
            case "abs":
                return f"±{self.value:g} {unit}".rstrip() + (" points" if unit == "%" else "")
            case "above":
                return "≥ paper"
            case "below":
                return "≤ paper"
            case "factor":
                return f"×/÷ {self.value:g}"
            case "range":
                return "within range"
            case _:
                return "must hold"


@dataclass(frozen=True)
class Check:
    """One quantity of a claim."""

    claim: str
    name: str
    paper_value: Any
    unit: str
    tolerance: Tolerance
    role: str
    description: str = ""

    @property
    def key(self) -> str:
        return f"{self.claim}.{self.name}"


@dataclass(frozen=True)
class Claim:
    """A claim of the paper with its checks."""

    id: str
    statement: str
    module: str
    issue: int | None
    checks: tuple[Check, ...]

    def check(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise ClaimError(f"claim {self.id} has no check {name!r}; "
                         f"checks: {[c.name for c in self.checks]}")


def parse_catalogue(data: dict[str, Any]) -> dict[str, Claim]:
    """Build claims from the TOML mapping, validating every field."""
    claims: dict[str, Claim] = {}
    for cid, raw in data.items():
        try:
            checks = []
            for c in raw["checks"]:
                tol = Tolerance(c["tolerance"]["kind"], c["tolerance"].get("value"))
                if c["role"] not in ROLES:
                    raise ClaimError(f"{cid}.{c['name']}: role must be one of {ROLES}")
                if c["unit"]:
                    check_unit(c["unit"])
                if tol.kind == "range" and not (isinstance(c["paper_value"], list)
                                                and len(c["paper_value"]) == 2):
                    raise ClaimError(f"{cid}.{c['name']}: a range needs [low, high]")
                checks.append(Check(cid, c["name"], c["paper_value"], c["unit"], tol,
                                    c["role"], c.get("description", "")))
            claims[cid] = Claim(cid, raw["statement"], raw["module"], raw.get("issue"),
                                tuple(checks))
        except KeyError as exc:
            raise ClaimError(f"claim {cid}: missing field {exc}") from None
    return claims


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Claim]:
    """The packaged catalogue, ordered C1…C26."""
    text = resources.files("tfalab.paper").joinpath("catalogue.toml").read_text("utf-8")
    claims = parse_catalogue(tomllib.loads(text))
    return dict(sorted(claims.items(), key=lambda kv: int(kv[0].lstrip("C"))))
