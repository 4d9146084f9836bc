"""Options that select the physics of tfalab's cell models (PyBaMM's convention: a dict of
option names to choices, checked when the model is made).

>>> CellOptions({"intrusion": "equilibrium"})["skeleton path"]
'on'
>>> CellOptions({"intrusion": "fast"})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tfalab.errors.ParameterError: option 'intrusion' must be one of 'creep', ...; got 'fast'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tfalab.errors import ParameterError

#: option -> (choices, the first is the default), with what each choice means
OPTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "intrusion": (("creep", "equilibrium", "none"),
                  "Li creeping into the electrolyte's pores under stack pressure: 'creep' "
                  "(a state that creeps towards its equilibrium depth), 'equilibrium' (at that "
                  "depth at once), 'none' (no intrusion)"),
    "skeleton path": (("on", "off"),
                      "Li transport along the skeleton's surfaces that refills the interface "
                      "('off': bulk self-diffusion only, as in dense Li)"),
    "holder": (("spring", "rigid"),
               "the cell holder: 'spring' (finite stiffness: thickness changes move the stack "
               "pressure) or 'rigid' (constant stack pressure)"),
}


def options_dict(options: Any) -> dict[str, Any]:
    """``options`` as a plain dict, checked to be a mapping (None: empty)."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ParameterError(f"options must map option names to choices, e.g. "
                             f"{{{next(iter(OPTIONS))!r}: ...}}, got {options!r}")
    return dict(options)


class CellOptions(dict):
    """A checked options dict; missing options take their defaults. PyBaMM's plotting helpers
    also read ``"particle phases"`` and ``"working electrode"``, which are fixed here."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        given = options_dict(options)
        unknown = set(given) - set(OPTIONS)
        if unknown:
            raise ParameterError(f"unknown option(s) {sorted(unknown)}; known: "
                                 f"{', '.join(repr(k) for k in OPTIONS)}")
        out: dict[str, Any] = {}
        for name, (choices, _) in OPTIONS.items():
            value = given.get(name, choices[0])
            if value not in choices:
                raise ParameterError(f"option {name!r} must be one of "
                                     f"{', '.join(repr(c) for c in choices)}; got {value!r}")
            out[name] = value
        super().__init__(out, **{"particle phases": "1", "working electrode": "both"})
