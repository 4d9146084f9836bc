"""Analysis of cell tests that works the same on lab data and on simulated data.

:mod:`tfalab.analysis.cycling`: half-cycle segmentation, overpotential evolution and failure
detection (short, divergence, critical current density) of galvanostatic Li symmetric-cell
cycling. Further modules (imported on their own): :mod:`~tfalab.analysis.capacity` (capacity,
coulombic efficiency, retention, cumulative capacity, dQ/dV), :mod:`~tfalab.analysis.eis`,
:mod:`~tfalab.analysis.sims`, :mod:`~tfalab.analysis.dmt`, :mod:`~tfalab.analysis.xrd` and
:mod:`~tfalab.analysis.ct`; cycler files are read by :mod:`tfalab.io`.
"""

from tfalab.analysis.cycling import (
    CCDResult,
    DivergenceResult,
    ShortResult,
    critical_current_density,
    detect_divergence,
    detect_short,
    overpotential_at,
    overpotential_per_cycle,
    overpotential_trend,
    segment_half_cycles,
    stable_duration,
    time_to_failure,
)

__all__ = [
    "CCDResult",
    "DivergenceResult",
    "ShortResult",
    "critical_current_density",
    "detect_divergence",
    "detect_short",
    "overpotential_at",
    "overpotential_per_cycle",
    "overpotential_trend",
    "segment_half_cycles",
    "stable_duration",
    "time_to_failure",
]
