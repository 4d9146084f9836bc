"""Electrochemical impedance spectroscopy of Li | solid electrolyte | Li cells.

Read spectra from instrument files (:func:`read_spectrum`), fit an equivalent circuit
(:func:`fit_circuit`, default :data:`DEFAULT_CIRCUIT` = bulk + grain boundary + interface +
finite Warburg), find the Bode characteristic frequency (:func:`bode_peak_frequency`), compute
the distribution of relaxation times (:func:`drt`), follow the interfacial resistance through a
series of in-situ spectra (:func:`resistance_series`) and write a one-file report
(:func:`analyze`). Units are SI inside (Hz, Ω, m², s, F); area-specific resistances in Ω·cm²
appear only in outputs whose names end in ``_ohm_cm2``. Method notes: ``docs/eis.md``.

One package, one module per job: :mod:`~tfalab.analysis.eis.io` (readers),
:mod:`~tfalab.analysis.eis.validity` (data checks, Lin-KK), :mod:`~tfalab.analysis.eis.fit`
(circuits, Bode, high-frequency intercept), :mod:`~tfalab.analysis.eis.drt` and
:mod:`~tfalab.analysis.eis.analyze` (report, series).

>>> import numpy as np
>>> f = np.logspace(5, -2, 50)
>>> s = Spectrum(f, circuit_impedance("R0-p(R1,C1)", [5.0, 10.0, 1e-4], f), area=1e-4)
>>> round(high_frequency_intercept(s), 2), round(bode_peak_frequency(s))  # 1/(2π·1 ms)
(5.0, 159)
"""

from tfalab.analysis.eis.analyze import analyze, resistance_series
from tfalab.analysis.eis.drt import LAMBDA_GRID, DRTPeak, DRTResult, drt
from tfalab.analysis.eis.fit import (
    DEFAULT_CIRCUIT,
    EISFit,
    bode_peak_frequency,
    check_circuit,
    circuit_impedance,
    fit_circuit,
    fit_high_frequency_intercept,
    initial_guess,
)
from tfalab.analysis.eis.io import FORMATS, Spectrum, high_frequency_intercept, read_spectrum
from tfalab.analysis.eis.validity import KK_MAX_RESIDUAL, KKResult, check_spectrum, kramers_kronig

__all__ = [
    "DEFAULT_CIRCUIT",
    "FORMATS",
    "KK_MAX_RESIDUAL",
    "LAMBDA_GRID",
    "DRTPeak",
    "DRTResult",
    "EISFit",
    "KKResult",
    "Spectrum",
    "analyze",
    "bode_peak_frequency",
    "check_circuit",
    "check_spectrum",
    "circuit_impedance",
    "drt",
    "fit_circuit",
    "fit_high_frequency_intercept",
    "high_frequency_intercept",
    "initial_guess",
    "kramers_kronig",
    "read_spectrum",
    "resistance_series",
]
