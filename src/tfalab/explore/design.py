"""The Design view's numbers: a pure function from the page's controls to the anode and
stack metrics, through tfalab's public design API (:class:`~tfalab.CompositeAnode`,
:class:`~tfalab.design.CellStack`), and the equivalent CLI command and Python code."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tfalab.anode import MAH_CM2, CompositeAnode
from tfalab.design import CellStack, Collector, make_cathode
from tfalab.errors import CapacityError, ParameterError

#: each numeric control's range in its page unit: (low, high, ends excluded, as shown): the
#: library's own ranges (anode and layer thickness 0.1 um - 10 mm, stripping and plating up
#: to 1000 mAh/cm2) in the page's units, so that a message names the control
RANGES: dict[str, tuple[float, float, str, str]] = {
    "free_li_wt": (0.0, 100.0, "", "in 0-100 wt%"),
    "thickness_um": (0.1, 1e4, "", "in 0.1-10000 um"),
    "porosity_pct": (0.0, 100.0, "high", "in 0-100 % (100 excluded)"),
    "loading": (0.0, math.inf, "low", "above 0"),
    "separator_um": (0.1, 1e4, "", "in 0.1-10000 um"),
    "strip_mAh_cm2": (0.0, 1000.0, "", "in 0-1000 mAh/cm2"),
}


@dataclass(frozen=True)
class DesignInputs:
    """The Design view's controls in their page units (ranges: :data:`RANGES`)."""

    skeleton: str = "LiBx"  #: a skeleton phase, or "none" for bare Li
    free_li_wt: float = 60.0  #: wt%
    thickness_um: float = 100.0
    porosity_pct: float = 6.6
    cathode: str = "fes2"
    loading: float = 2.17
    loading_unit: str = "mg/cm2"  #: or "mAh/cm2"
    separator_um: float = 30.0
    strip_mAh_cm2: float = 5.0

    def __post_init__(self) -> None:
        for name in ("free_li_wt", "thickness_um", "porosity_pct", "loading", "separator_um",
                     "strip_mAh_cm2"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ParameterError(f"{name}: got {v!r}; enter a finite number")
            lo, hi, open_end, shown = RANGES[name]
            if not lo <= v <= hi or (open_end == "low" and v == lo) \
                    or (open_end == "high" and v == hi):
                raise ParameterError(f"{name}: got {v!r}; enter a number {shown}")
        for name, allowed in (("cathode", ("fes2", "ncm")),
                              ("loading_unit", ("mg/cm2", "mAh/cm2"))):
            if not isinstance(getattr(self, name), str) or getattr(self, name) not in allowed:
                raise ParameterError(f"{name}: got {getattr(self, name)!r}; one of "
                                     f"{', '.join(allowed)}")
        if not isinstance(self.skeleton, str) or not re.fullmatch(r"[A-Za-z0-9_()\-]{1,40}",
                                                                  self.skeleton):
            raise ParameterError(f"skeleton: got {self.skeleton!r}; a phase name such as "
                                 "'LiBx', or 'none' for bare Li")

    @property
    def bare(self) -> bool:
        return self.skeleton in ("", "none", "None")

    def anode(self) -> CompositeAnode:
        if self.bare:
            return CompositeAnode.bare_li(f"{self.thickness_um} um")
        return CompositeAnode(
            skeleton=self.skeleton,
            free_li=f"{self.free_li_wt} wt%",
            thickness=f"{self.thickness_um} um",
            porosity=f"{self.porosity_pct} %",
        )

    def stack(self, anode: CompositeAnode | None = None) -> CellStack:
        if not (math.isfinite(self.separator_um) and self.separator_um > 0):
            raise ParameterError(
                f"separator thickness must be positive, got {self.separator_um} um"
            )
        return CellStack(
            cathode=make_cathode(self.cathode, f"{self.loading} {self.loading_unit}"),
            anode=anode or self.anode(),
            separator_thickness=self.separator_um * 1e-6,
            cathode_collector=Collector("Al", 12e-6),
            anode_collector=Collector("Cu", 8e-6),
        )


def _check(inputs: object) -> None:
    if not isinstance(inputs, DesignInputs):
        raise ParameterError(f"inputs must be DesignInputs, got {inputs!r}")


def design_metrics(inputs: DesignInputs) -> dict[str, float | str]:
    """The Design view's table; ``note`` says why the strip columns are NaN (a strip past
    the anode's free-Li inventory).

    >>> m = design_metrics(DesignInputs())
    >>> round(m["anode_capacity_mAh_cm2"], 1), m["limited_by"]
    (15.3, 'cathode')
    """
    _check(inputs)
    anode = inputs.anode()
    stack = inputs.stack(anode)
    strip = inputs.strip_mAh_cm2
    if not (math.isfinite(strip) and strip >= 0):
        raise ParameterError(f"strip capacity must be >= 0 mAh/cm2, got {strip}")
    note = ""
    try:
        after = anode.strip(f"{strip} mAh/cm2")
        strip_values = (
            100 * after.utilisation,
            100 * after.porosity,
            after.thickness * 1e6,
            (after.thickness - anode.thickness) * 1e6,
        )
    except CapacityError as exc:  # the rest of the design still stands
        strip_values, note = (math.nan,) * 4, str(exc)
    return {
        "anode_capacity_mAh_cm2": anode.areal_capacity_mAh_cm2,
        "anode_specific_capacity_mAh_g": anode.specific_capacity_mAh_g,
        "cell_capacity_mAh_cm2": stack.cell_capacity / MAH_CM2,
        "li_utilisation_pct": 100 * stack.li_utilisation,
        "strip_utilisation_pct": strip_values[0],
        "porosity_after_strip_pct": strip_values[1],
        "thickness_after_strip_um": strip_values[2],
        "thickness_change_um": strip_values[3],
        "np_ratio": stack.np_ratio,
        "limited_by": stack.limited_by,
        "stack_thickness_um": sum(t for t, _ in stack.layers.values()) * 1e6,
        "specific_energy_Wh_kg": stack.specific_energy / 3600,
        "energy_density_Wh_L": stack.energy_density / 3.6e6,
        "note": note,
    }


LABELS = {
    "anode_capacity_mAh_cm2": ("Anode free-Li capacity", "mAh/cm²", 2),
    "anode_specific_capacity_mAh_g": ("Anode specific capacity", "mAh/g", 0),
    "cell_capacity_mAh_cm2": ("Cell capacity", "mAh/cm²", 2),
    "li_utilisation_pct": ("Li utilisation per discharge", "%", 1),
    "strip_utilisation_pct": ("Utilisation after the strip", "%", 1),
    "porosity_after_strip_pct": ("Porosity after the strip", "%", 1),
    "thickness_after_strip_um": ("Thickness after the strip", "µm", 1),
    "thickness_change_um": ("Thickness change", "µm", 1),
    "np_ratio": ("N/P", "", 2),
    "limited_by": ("Capacity limited by", "", 0),
    "stack_thickness_um": ("Stack thickness", "µm", 1),
    "specific_energy_Wh_kg": ("Specific energy (stack)", "Wh/kg", 1),
    "energy_density_Wh_L": ("Energy density (stack)", "Wh/L", 0),
}


def free_li_curve(inputs: DesignInputs, n: int = 33) -> pd.DataFrame:
    """Wh/kg, Wh/L, anode capacity and utilisation against the free-Li fraction, all else as
    in ``inputs`` (SI floats: ~0.1 ms a design). Designs the library refuses are left out."""
    _check(inputs)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= 1000:
        raise ParameterError(f"n must be an integer in 2-1000, got {n!r}")
    rows = []
    cathode = make_cathode(inputs.cathode, f"{inputs.loading} {inputs.loading_unit}")
    for w in np.linspace(0.2, 1.0 if inputs.bare else 0.95, n):
        try:
            anode = (
                CompositeAnode.bare_li(inputs.thickness_um * 1e-6)
                if inputs.bare
                else CompositeAnode(
                    skeleton=inputs.skeleton,
                    free_li=float(w),
                    thickness=inputs.thickness_um * 1e-6,
                    porosity=inputs.porosity_pct / 100,
                )
            )
            stack = CellStack(
                cathode=cathode,
                anode=anode,
                separator_thickness=inputs.separator_um * 1e-6,
                cathode_collector=Collector("Al", 12e-6),
                anode_collector=Collector("Cu", 8e-6),
            )
        except Exception:  # e.g. a Li-free cathode on an anode that holds no Li
            continue
        rows.append(
            {
                "free_li_wt_pct": 100 * (1.0 if inputs.bare else w),
                "specific_energy_Wh_kg": stack.specific_energy / 3600,
                "energy_density_Wh_L": stack.energy_density / 3.6e6,
                "anode_capacity_mAh_cm2": anode.areal_capacity / MAH_CM2,
                "li_utilisation_pct": 100 * stack.li_utilisation,
            }
        )
        if inputs.bare:
            break
    return pd.DataFrame(rows)


def design_code(inputs: DesignInputs) -> tuple[str | None, str]:
    """The equivalent ``tfalab design`` command (None where the CLI cannot express the
    design: a separator other than the thin stack's 30 µm) and Python code."""
    _check(inputs)
    anode = (
        f'CompositeAnode.bare_li("{inputs.thickness_um} um")'
        if inputs.bare
        else f'CompositeAnode(skeleton="{inputs.skeleton}", free_li="{inputs.free_li_wt} '
        f'wt%", thickness="{inputs.thickness_um} um", porosity="'
        f'{inputs.porosity_pct} %")'
    )
    loading = f"{inputs.loading} {inputs.loading_unit}"
    python = (
        "from tfalab import CompositeAnode\n"
        "from tfalab.design import thin_cell\n\n"
        f"anode = {anode}\n"
        f'stack = thin_cell("{inputs.cathode}", "{loading}", anode=anode, '
        f'separator="{inputs.separator_um} um")\n'
        "stack.summary()  # N/P, utilisation, Wh/kg, Wh/L\n"
        f'anode.strip("{inputs.strip_mAh_cm2} mAh/cm2")  # porosity and thickness after'
    )
    cli = None
    if inputs.separator_um == 30.0:
        kind = "li" if inputs.bare else "tfa"
        cli = (
            f'tfalab design --anode {kind} --thickness "{inputs.thickness_um} um"'
            + (
                ""
                if inputs.bare
                else f" --skeleton {inputs.skeleton} --free-li "
                f'"{inputs.free_li_wt} wt%" --porosity "{inputs.porosity_pct} %"'
            )
            + f' --strip "{inputs.strip_mAh_cm2} mAh/cm2" --cathode {inputs.cathode} '
            f'--loading "{loading}" --stack thin'
        )
    return cli, python
