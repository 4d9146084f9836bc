"""Virtual experiments on symmetric cells: CCD ramps and maps, cycling, stripping, EIS peaks.

Each function runs :func:`~tfalab.cell.simulate.simulate_symmetric` and reads the result with
the same :mod:`tfalab.analysis` functions that read lab data. ``overrides`` replaces model
parameters by PyBaMM name (used by the calibration).

>>> r = ccd("tfa", "20 MPa", protocol="ccd from 1 mA/cm2 step 1 mA/cm2 to 3 mA/cm2")
>>> r.failed, round(r.ccd / 10, 1)  # mA/cm2: survives the short ramp
(False, 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from tfalab.analysis import CCDResult, critical_current_density, overpotential_at
from tfalab.cell import physics as ph
from tfalab.cell.parameters import symmetric_parameters
from tfalab.cell.simulate import SymmetricResult, simulate_symmetric
from tfalab.constants import FARADAY
from tfalab.errors import Interrupted
from tfalab.stop import stop_requested
from tfalab.units import to_si

#: tfalab's default CCD ramp (the paper gives none): 0.1 mA/cm2 start and steps, one cycle of
#: 0.5 h + 0.5 h per step, up to 10 mA/cm2. See docs/cell-model.md for the ramp dependence.
DEFAULT_RAMP = "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 10 mA/cm2 every 0.5 h"


def ccd(anode: Any, pressure: str | float, temperature: str | float = "80 degC",
        protocol: Any = DEFAULT_RAMP, overrides: dict[str, float] | None = None,
        build: Any = None, relative_density: str | float | None = None) -> CCDResult:
    """Critical current density (A/m²) of a symmetric cell from a simulated ramp.

    ``protocol`` must be a CCD ramp (or a sequence holding one, e.g. a rest first): a CCD read
    from constant-current cycling or a strip would be meaningless, so it is refused.
    """
    _require_ramp(protocol)
    res = simulate_symmetric(anode, protocol=protocol, pressure=pressure,
                             temperature=temperature, overrides=overrides, build=build,
                             relative_density=relative_density)
    return critical_current_density(res.celltest)


def _require_ramp(protocol: Any) -> None:
    from tfalab.errors import ProtocolError
    from tfalab.protocols import CCDRamp, Sequence, make_protocol

    p = make_protocol(protocol)
    parts = p.protocols if isinstance(p, Sequence) else (p,)
    if not any(isinstance(q, CCDRamp) for q in parts):
        raise ProtocolError(f"a CCD needs a current ramp such as {DEFAULT_RAMP!r}; got "
                            f"{p.to_string()!r}")


def ccd_map(anodes: Iterable[Any] = ("li", "tfa"),
            pressures: Iterable[str | float] = tuple(
                f"{p} MPa"  # type: ignore[name-defined]  # mypy: comprehension in a default
                for p in range(0, 55, 5)),
            temperature: str | float = "80 degC", protocol: Any = DEFAULT_RAMP,
            overrides: dict[str, float] | None = None, build: Any = None,
            relative_density: str | float | None = None) -> pd.DataFrame:
    """CCD versus stack pressure, one row per (anode, pressure), in mA/cm2 and MPa.

    Interrupted (Ctrl-C, SIGTERM), it raises :class:`~tfalab.errors.Interrupted` whose
    ``partial`` is the table of the points finished so far (``attrs["interrupted"] = True``);
    the interrupt is never swallowed, so a calibration that maps CCDs stops too.
    """
    rows = []
    interrupted = False
    try:
        for anode in anodes:
            for p in pressures:
                r = ccd(anode, p, temperature, protocol, overrides, build, relative_density)
                at_assembly = r.failed and r.failure_time <= 0.0  # shorted before any current
                rows.append({"anode": str(anode), "pressure_MPa": to_si(p, "pressure") / 1e6,
                             "ccd_mA_cm2": 0.0 if at_assembly else r.ccd / 10,
                             "failed": r.failed,
                             "mode": "mechanical short" if at_assembly else r.mode,
                             "last_stable_mA_cm2": r.last_stable / 10})
    except KeyboardInterrupt:
        interrupted = True
    except Exception:  # an interrupt that compiled code turned into an error of its own
        if not stop_requested():
            raise
        interrupted = True
    table = pd.DataFrame(rows, columns=["anode", "pressure_MPa", "ccd_mA_cm2", "failed", "mode",
                                        "last_stable_mA_cm2"])
    table.attrs["interrupted"] = interrupted
    if interrupted:
        raise Interrupted(table)
    return table


def mechanical_short_pressure(anode: Any = "li", temperature: str | float = "80 degC",
                              overrides: dict[str, float] | None = None,
                              p_max: float = 200e6, build: Any = None,
                              within: str | float | None = None) -> float:
    """Lowest stack pressure (Pa) at which Li, with no current, shorts the pellet (intruded
    Li spans it or cracks it).

    ``within=None``: eventually (the equilibrium intrusion threshold); ``within="1 h"``:
    within that time (intrusion creeps, :func:`physics.mechanical_short_time`).
    ``math.inf`` if it does not happen below ``p_max``.
    """
    if within is None:
        def margin(p: float) -> float:
            params = symmetric_parameters(anode, p, temperature, overrides=overrides,
                                          build=build)
            return ph.mechanical_short_margin(params, p, ph.NUMPY)
    else:
        t_max = to_si(within, "time", "within")

        def margin(p: float) -> float:
            params = symmetric_parameters(anode, p, temperature, overrides=overrides,
                                          build=build)
            t = ph.mechanical_short_time(params, p)
            return 10.0 if t <= 0 else (-10.0 if math.isinf(t) else math.log(t_max / t))

    if margin(p_max) < 0:
        return math.inf
    return brentq(margin, 0.0, p_max, xtol=1e3)


def mechanical_short_time(anode: Any = "li", pressure: str | float = "30 MPa",
                          temperature: str | float = "80 degC", build: Any = None,
                          overrides: dict[str, float] | None = None,
                          relative_density: str | float | None = None) -> float:
    """Time (s) until Li held at ``pressure`` with no current shorts the pellet (``inf``: never).

    >>> mechanical_short_time("li", "20 MPa", build="Zhang2025")
    inf
    >>> 0 < mechanical_short_time("li", "75 MPa", "25 degC", build="Generic") < 3600
    True
    """
    params = symmetric_parameters(anode, pressure, temperature, overrides=overrides,
                                  build=build, relative_density=relative_density)
    return ph.mechanical_short_time(params, params["Stack pressure [Pa]"])


def short_time(res: SymmetricResult) -> float:
    """Time (s) at which a simulated cell shorted (the shunt takes half the current), or
    ``inf`` if it did not. Works for rests too, unlike voltage-based detection."""
    d = res.celltest.data
    shorted = d["Shunt Fraction / 1"].to_numpy() > 0.5
    if res.termination != "Short circuit" or not shorted.any():
        return math.inf
    return float(d["Test Time / s"].to_numpy()[shorted.argmax()])


def void_onset_current(anode: Any = "li", temperature: str | float = "80 degC",
                       overrides: dict[str, float] | None = None, build: Any = None,
                       pressure: str | float = 0.0) -> float:
    """Stripping current density (A/m²) above which voids grow at the interface.

    At no stack pressure, the Li supply by diffusion (free-Li self-diffusion plus, in a
    skeleton host, the skeleton path) in current units, F v_D / V_m: below it stripping opens
    no voids. Under a stack pressure creep also refills the contacts; the critical current is
    then where the steady contact (creep closing = net stripping opening) falls to one half,
    F/V_m [v_D + v_creep(2 P_Li)] — the "critical stripping current" of Kasemchainan et al.
    2019, which rises with pressure.

    >>> round(void_onset_current("li", "80 degC", build="Zhang2025") / 10, 2)  # mA/cm2
    0.59
    """
    params = symmetric_parameters(anode, pressure, temperature, overrides=overrides,
                                  build=build)
    p_li = params["Stack pressure [Pa]"] * params["Anode Li load fraction"]
    creep = ph.creep_velocity(params, 2 * p_li, ph.NUMPY) if p_li > 0 else 0.0
    return float((ph.diffusion_velocity(params, ph.NUMPY) + creep) * FARADAY
                 / params["Li molar volume [m3.mol-1]"])


def cycle(anode: Any, pressure: str | float, current: str | float, capacity: str | float,
          hours: str | float, temperature: str | float = "80 degC",
          overrides: dict[str, float] | None = None, points_per_step: int = 20,
          pre_strip: str | float | None = None, build: Any = None) -> SymmetricResult:
    """Galvanostatic cycling; ``pre_strip`` first strips that capacity from the left electrode."""
    i = to_si(current, "current_density", "current")
    q = to_si(capacity, "areal_capacity", "capacity")
    h = to_si(hours, "time", "hours")
    protocol = f"cycle {i / 10} mA/cm2 {q / 36000} mAh/cm2 for {h / 3600} h"
    if pre_strip is not None:
        qs = to_si(pre_strip, "areal_capacity", "pre_strip")
        protocol = f"strip {i / 10} mA/cm2 to {qs / 36000} mAh/cm2; {protocol}"
    return simulate_symmetric(anode, protocol=protocol, pressure=pressure,
                              temperature=temperature, overrides=overrides,
                              points_per_step=points_per_step, build=build)


def overpotential_at_hours(res: SymmetricResult, hours: float) -> float:
    """Plateau overpotential (V) of the cycle nearest ``hours`` (NaN after a failure)."""
    t_end = res.celltest.time[-1] / 3600
    if hours > t_end + 1e-9:
        return math.nan
    return overpotential_at(res.celltest, hours * 3600)


def impedance_peak_frequency(r_el: float, arcs: Iterable[tuple[float, float]]) -> float:
    """Frequency (Hz) of the −Z'' maximum of R_el + Σ R/(1 + jωRC) (the Bode peak).

    >>> round(impedance_peak_frequency(0.0, [(1.0, 1.0)]), 4)  # 1/(2πRC)
    0.1592
    """
    from scipy.optimize import minimize_scalar

    arcs = list(arcs)
    r = np.array([a[0] for a in arcs])[None, :]
    c = np.array([a[1] for a in arcs])[None, :]

    def minus_z_imag(log_f: np.ndarray) -> np.ndarray:
        w = 2 * np.pi * 10 ** np.atleast_1d(log_f)[:, None]
        return (r_el + np.sum(r / (1 + 1j * w * r * c), axis=1)).imag

    grid = np.linspace(-6, 8, 1401)
    k = int(np.argmin(minus_z_imag(grid)))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    best = minimize_scalar(lambda x: float(minus_z_imag(x)[0]), bounds=(lo, hi),
                           method="bounded", options={"xatol": 1e-7})
    return float(10**best.x)


def strip_impedance(anode: Any, capacity: str | float = "5 mAh/cm2",
                    current: str | float = "0.5 mA/cm2", pressure: str | float = "20 MPa",
                    temperature: str | float = "80 degC",
                    overrides: dict[str, float] | None = None,
                    build: Any = None) -> pd.DataFrame:
    """In-situ EIS during stripping: interfacial resistance and Bode-peak frequency.

    One row per output point: stripped capacity (mAh/cm2), total interfacial resistance
    (Ω·cm², both interfaces) and the peak frequency of the two interface arcs.
    """
    i = to_si(current, "current_density", "current")
    q = to_si(capacity, "areal_capacity", "capacity")
    res = simulate_symmetric(anode, protocol=f"strip {i / 10} mA/cm2 to {q / 36000} mAh/cm2",
                             pressure=pressure, temperature=temperature, overrides=overrides,
                             build=build,
                             points_per_step=50)
    params = symmetric_parameters(anode, pressure, temperature, overrides=overrides,
                                  build=build)
    d = res.celltest.data
    c0 = params["Interface capacitance [F.m-2]"]
    rows = []
    for _, row in d.iterrows():
        arcs = []
        for side in ("Left", "Right"):
            contact = row[f"{side} Contact Fraction / 1"]
            arcs.append((row[f"{side} Interfacial Resistance / ohm*m**2"], c0 * contact))
        rows.append({"stripped_mAh_cm2": row["Left Net Stripped Charge / C/m**2"] / 36000,
                     "resistance_ohm_cm2": 1e4 * sum(a[0] for a in arcs),
                     "frequency_Hz": impedance_peak_frequency(0.0, arcs)})
    return pd.DataFrame(rows)


def _last_cycles(res: SymmetricResult, column: str, last_cycles: int) -> np.ndarray:
    d = res.celltest.data
    steps = d["Step Count / 1"].to_numpy()
    first = max(steps.max() - 2 * last_cycles + 1, 0)
    return d[column].to_numpy()[steps >= first]


def pressure_swing(res: SymmetricResult, last_cycles: int = 1) -> float:
    """Peak-to-peak stack pressure (Pa) of the whole cell over the last full cycle(s)."""
    p = _last_cycles(res, "Applied Pressure / Pa", last_cycles)
    return float(p.max() - p.min())


def electrode_pressure_swing(res: SymmetricResult, side: str = "Left",
                             last_cycles: int = 1) -> float:
    """Pressure swing (Pa) one electrode's own thickness excursion causes in the holder.

    Holder stiffness × peak-to-peak thickness change of that electrode over the last
    cycle(s): the anode's share of a cell's pressure swing (in a symmetric cell the two
    electrodes' changes largely cancel).
    """
    h = _last_cycles(res, f"{side} Thickness Change / m", last_cycles)
    k = res.config.parameters()["Holder stiffness [Pa.m-1]"]
    return float(k * (h.max() - h.min()))
