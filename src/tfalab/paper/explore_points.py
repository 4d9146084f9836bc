"""The seed paper's measured points for ``tfalab explore``'s Cell view: where a claim covers
the simulated conditions (anode, current density, capacity per half-cycle, stack pressure,
temperature), its values are drawn over the simulation. Values come from the claims catalogue
(``catalogue.toml``), never from here; this table says only which check is a point where.
"""

from __future__ import annotations

import math
from typing import Any

from tfalab.paper.catalogue import load_catalogue
from tfalab.protocols import GalvanostaticCycling, make_protocol

#: (claim, check, anode, mA/cm2, mAh/cm2, MPa, what the value is, time h or None = the value)
_POINTS = (
    ("C14", "tfa_overpotential_80h", "tfa", 0.5, 2.0, 20.0, "overpotential", 80.0),
    ("C14", "tfa_overpotential_5000h", "tfa", 0.5, 2.0, 20.0, "overpotential", 5000.0),
    ("C14", "li_polarisation_80h", "li", 0.5, 2.0, 20.0, "overpotential (lower bound)", 80.0),
    ("C14", "li_short_time", "li", 0.5, 2.0, 20.0, "short", None),
    ("C13", "li_short_time", "li", 4.0, 1.0, 20.0, "short", None),
)
#: the paper's symmetric cells ran at 80 °C
_TEMPERATURE_C = 80.0


def _close(a: float, b: float, rel: float = 0.05) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-9)


def reference_points(conditions: dict[str, Any]) -> list[dict[str, Any]]:
    """Measured points of the paper for a Cell-view run (``conditions`` from the page:
    ``cell``, ``anode``, ``protocol``, ``pressure_MPa``, ``temperature_C``).

    >>> pts = reference_points({"cell": "symmetric", "anode": "tfa", "pressure_MPa": 20,
    ...                         "temperature_C": 80,
    ...                         "protocol": "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h"})
    >>> [(p["time_h"], p["value"]) for p in pts]
    [(80.0, 10.0), (5000.0, 20.0)]
    """
    if conditions.get("cell") != "symmetric":
        return []
    try:
        protocol = make_protocol(conditions["protocol"])
    except Exception:
        return []
    if (
        not isinstance(protocol, GalvanostaticCycling)
        or abs(float(conditions.get("temperature_C", math.nan)) - _TEMPERATURE_C) > 5
    ):
        return []
    j = protocol.current_density / 10.0  # A/m2 -> mA/cm2
    q = protocol.capacity / 36000.0  # C/m2 -> mAh/cm2
    claims = load_catalogue()
    out = []
    for claim, check, anode, cj, cq, p, what, t in _POINTS:
        if anode != conditions.get("anode") or not (
            _close(j, cj)
            and _close(q, cq)
            and _close(float(conditions.get("pressure_MPa", math.nan)), p)
        ):
            continue
        value = float(claims[claim].check(check).paper_value)
        if what == "short":
            out.append(
                {
                    "panel": "Voltage",
                    "time_h": value,
                    "value": 0.0,
                    "label": f"paper: short at ~{value:g} h ({claim})",
                }
            )
        else:
            out.append(
                {
                    "panel": "Voltage",
                    "time_h": t,
                    "value": value,
                    "label": f"paper: {what} {value:g} mV ({claim})",
                }
            )
    return out
