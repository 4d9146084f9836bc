"""Equivalent-circuit fitting (impedance.py) and the Bode characteristic frequency.

Part of :mod:`tfalab.analysis.eis` (import from there; the validity checks are in
:mod:`tfalab.analysis.eis.validity`). SI inside (Ω, F, s, Hz, m²); the
area-specific resistances in Ω·cm² are produced only by :attr:`EISFit.asr_ohm_cm2` and
:meth:`EISFit.to_dict`, whose keys say so.

>>> import numpy as np
>>> f = np.logspace(4, -2, 40)
>>> z = 5 + 10 / (1 + 2j * np.pi * f * 1e-2)
>>> round(bode_peak_frequency(Spectrum(f, z)), 1)  # 1/(2π·10 ms) = 15.92 Hz
15.9
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfalab.analysis.checks import check_number
from tfalab.analysis.eis.drt import DRTResult, drt
from tfalab.analysis.eis.io import Spectrum, high_frequency_intercept, require_spectrum
from tfalab.analysis.eis.validity import (  # noqa: F401  (KKResult: EISFit.kk)
    KK_MAX_RESIDUAL,
    KKResult,
    _where,
    check_spectrum,
    kramers_kronig,
)
from tfalab.errors import FitError, ParameterError

__all__ = [
    "DEFAULT_CIRCUIT",
    "EISFit",
    "bode_peak_frequency",
    "check_circuit",
    "circuit_impedance",
    "fit_circuit",
    "fit_high_frequency_intercept",
    "initial_guess",
]

#: Default circuit for a Li | Li6PS5Cl | Li symmetric cell: R0 electrolyte bulk (series),
#: R1‖CPE1 grain boundaries (high-frequency arc), R2‖CPE2 the two Li|SE interfaces
#: (mid/low-frequency arc), Ws1 finite-length (transmissive) Warburg for Li transport in the
#: electrodes at the lowest frequencies (finite DC resistance, as a Li|SE|Li cell passes DC).
DEFAULT_CIRCUIT = "R0-p(R1,CPE1)-p(R2,CPE2)-Ws1"

_ELEMENT = re.compile(r"([A-Za-z]+)(\d*)")
_ALPHA0 = 0.9  # initial CPE exponent
_FTOL = 1e-8  # least-squares ftol/xtol (impedance.py's 1e-13 only wanders along flat valleys)
_MAXFEV = 500  # trust-region iterations allowed (each also costs n Jacobian evaluations)

#: A fit is labelled ``"poor"`` above this relative RMS residual ...
POOR_RESIDUAL = 0.05
#: ... or when a parameter's relative standard error exceeds this.
POOR_REL_UNCERTAINTY = 0.5
_INSENSITIVE = 1e-3  # rms relative change of Z below which a parameter is not determined
_TRY = "try another circuit, an initial guess (initial=) or a narrower frequency range"


# --- circuit helpers --------------------------------------------------------------------------
#: Longest circuit string accepted, and deepest nesting of p(...) groups.
MAX_CIRCUIT_LENGTH = 500
MAX_CIRCUIT_DEPTH = 20
_TOKEN = re.compile(r"(p\(|[A-Za-z]+\d*|[-,()])")


def check_circuit(circuit: Any, name: str = "circuit") -> str:
    """``circuit`` if it is a well-formed impedance.py circuit string, else
    :class:`~tfalab.errors.ParameterError` naming ``name``, the string and the problem.

    The grammar: elements (``R0``, ``C1``, ``CPE1``, ``Wo1``, ... of impedance.py's element
    types) joined in series by ``-``, and parallel groups ``p(A, B, ...)`` of two or more
    branches, each branch itself a series; element names unique.

    >>> check_circuit("R0-p(R1,CPE1)-Wo1")
    'R0-p(R1,CPE1)-Wo1'
    >>> check_circuit("p(R1)")
    Traceback (most recent call last):
    ...
    tfalab.errors.ParameterError: invalid circuit 'p(R1)': p(...) at position 1 has 1 branch; a parallel group needs at least two, e.g. p(R1,C1)
    """  # noqa: E501
    from impedance.models.circuits.elements import circuit_elements

    example = "e.g. 'R0-p(R1,CPE1)'"
    if not isinstance(circuit, str) or not circuit.strip():
        raise ParameterError(f"invalid {name}: it must be an impedance.py circuit string, "
                             f"{example}; got {circuit!r}")
    if len(circuit) > MAX_CIRCUIT_LENGTH:
        raise ParameterError(f"invalid {name}: {len(circuit)} characters long; at most "
                             f"{MAX_CIRCUIT_LENGTH}")
    kinds = sorted(k for k, v in circuit_elements.items() if k not in ("s", "p")
                   and k[:1].isupper() and callable(v))
    if re.search(r"\s", circuit):
        raise ParameterError(f"invalid {name} {circuit!r}: write it without spaces (impedance.py's "
                             f"syntax), {example}")
    tokens: list[tuple[str, int]] = []
    pos = 0
    text = circuit
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ParameterError(f"invalid {name} {circuit!r}: unexpected "
                                 f"{text[pos:].strip()[:10]!r} at position {pos + 1}; {example}")
        tokens.append((m.group(1), m.start(1) + 1))
        pos = m.end()
    where = [0]
    seen: set[str] = set()

    def fail(problem: str) -> ParameterError:
        return ParameterError(f"invalid {name} {circuit!r}: {problem}")

    def peek() -> tuple[str, int]:
        return tokens[where[0]] if where[0] < len(tokens) else ("", len(text) + 1)

    def term(depth: int) -> None:
        tok, at = peek()
        if tok == "p(":
            if depth >= MAX_CIRCUIT_DEPTH:
                raise fail(f"p(...) groups nested deeper than {MAX_CIRCUIT_DEPTH}")
            where[0] += 1
            branches = 1
            series(depth + 1)
            while peek()[0] == ",":
                where[0] += 1
                series(depth + 1)
                branches += 1
            if peek()[0] != ")":
                raise fail(f"p( at position {at} is not closed by ')'")
            where[0] += 1
            if branches < 2:
                raise fail(f"p(...) at position {at} has 1 branch; a parallel group needs at "
                           "least two, e.g. p(R1,C1)")
            return
        m = _ELEMENT.fullmatch(tok)
        if m is None or not tok[0].isalpha():
            raise fail(f"expected an element or p(...) at position {at}, got "
                       f"{tok or 'the end'!r}; {example}")
        if m.group(1) not in kinds:
            raise fail(f"unknown element type {m.group(1)!r} in {tok!r}; known: "
                       f"{', '.join(kinds)}")
        if tok in seen:
            raise fail(f"element {tok!r} appears twice; element names must be unique")
        seen.add(tok)
        where[0] += 1

    def series(depth: int) -> None:
        term(depth)
        while peek()[0] == "-":
            where[0] += 1
            term(depth)

    series(0)
    if where[0] < len(tokens):
        tok, at = peek()
        raise fail(f"unexpected {tok!r} at position {at}; {example}")
    return circuit


def _new_circuit(circuit: str, guess: Sequence[float]) -> Any:
    from impedance.models.circuits import CustomCircuit

    try:
        return CustomCircuit(circuit, initial_guess=[float(v) for v in guess])
    except (ValueError, TypeError, AssertionError, SyntaxError, NameError) as exc:
        raise ParameterError(f"invalid circuit {circuit!r}: {exc}") from exc


def _param_names(circuit: str) -> tuple[list[str], list[str]]:
    from impedance.models.circuits.fitting import calculateCircuitLength

    check_circuit(circuit)
    try:
        n = calculateCircuitLength(circuit)
        names, units = _new_circuit(circuit, [1.0] * n).get_param_names()
    except ParameterError:
        raise
    except Exception as exc:  # impedance.py's parser raises assorted errors on bad strings
        raise ParameterError(f"invalid circuit {circuit!r}: {exc}") from exc
    if len(set(names)) != len(names):
        raise ParameterError(f"invalid circuit {circuit!r}: element names must be unique")
    circuit_impedance(circuit, [1.0] * len(names), [1.0])  # impedance.py can evaluate it
    return list(names), list(units)


def _parallel_groups(circuit: str) -> list[list[str]]:
    """Element names of each innermost ``p(...)`` group, in order of appearance."""
    groups = []
    for m in re.finditer(r"p\(([^()]*)\)", circuit):
        groups.append([e.strip() for e in m.group(1).split(",") if e.strip()])
    return groups


def _kind(element: str) -> str:
    m = _ELEMENT.fullmatch(element)
    return m.group(1) if m else element


def _arcs(circuit: str) -> list[tuple[str, str]]:
    """(resistor, capacitor) pairs of the ``p(R, C|CPE)`` groups, in order of appearance."""
    arcs = []
    for g in _parallel_groups(circuit):
        rs = [e for e in g if _kind(e) == "R"]
        cs = [e for e in g if _kind(e) in ("C", "CPE")]
        if len(g) == 2 and len(rs) == 1 and len(cs) == 1:
            arcs.append((rs[0], cs[0]))
    return arcs


def circuit_impedance(circuit: str, parameters: Sequence[float] | np.ndarray,
                      frequency: Any) -> np.ndarray:
    """Impedance (Ω) of an impedance.py circuit string at ``frequency`` (Hz).

    >>> z = circuit_impedance("R0-p(R1,C1)", [1.0, 2.0, 1e-3], [1e-6])
    >>> round(float(z[0].real), 6)
    3.0
    """
    from impedance.models.circuits.fitting import calculateCircuitLength, wrapCircuit

    check_circuit(circuit)
    try:
        f = np.atleast_1d(np.asarray(frequency, dtype=float))
        parameters = [float(p) for p in np.asarray(parameters, dtype=float).ravel()]
    except (TypeError, ValueError):
        raise ParameterError(f"frequency and parameters must be numbers, got {frequency!r} and "
                             f"{parameters!r}") from None
    if calculateCircuitLength(circuit) != len(parameters):
        raise ParameterError(
            f"circuit {circuit!r} has {calculateCircuitLength(circuit)} parameters, "
            f"got {len(parameters)}"
        )
    try:
        stacked = np.asarray(wrapCircuit(circuit, {})(f, *[float(p) for p in parameters]))
    except Exception as exc:  # impedance.py evaluates a generated expression
        raise ParameterError(f"cannot evaluate circuit {circuit!r}: {exc}") from exc
    z = stacked[: f.size] + 1j * stacked[f.size :]
    return np.asarray(z, dtype=complex)


def _arc_tau(r: float, c_kind: str, c_vals: Sequence[float]) -> float:
    if c_kind == "C":
        return r * c_vals[0]
    q, alpha = c_vals[0], c_vals[1]
    return float((r * q) ** (1.0 / alpha)) if r * q > 0 and alpha > 0 else math.nan


# --- initial guesses -------------------------------------------------------------------------
def initial_guess(
    spectrum: Spectrum, circuit: str = DEFAULT_CIRCUIT, drt_result: DRTResult | None = None
) -> dict[str, float]:
    """Automatic starting values for :func:`fit_circuit`, by parameter name.

    The series resistance comes from the DRT's R∞ (or the high-frequency intercept); the arcs
    ``p(R, C|CPE)`` — in order of appearance, high to low frequency — and diffusion elements
    (Ws, Wo, W, G, Gs) take the largest DRT peaks sorted by τ: R from the peak area,
    C = τ/R, CPE Q = τ^α/R with α = 0.9; a finite Warburg gets Z0 = the remaining area and
    τ_W = 2.47 τ_peak (its main DRT peak sits at 4τ_W/π²). See ``docs/eis.md``.

    >>> import numpy as np
    >>> f = np.logspace(5, -2, 50)
    >>> z = 5 + 10 / (1 + 2j * np.pi * f * 1e-3)
    >>> g = initial_guess(Spectrum(f, z), "R0-p(R1,C1)")
    >>> round(g["R0"]), round(g["R1"]), round(g["C1"], 4)
    (5, 10, 0.0001)
    """
    names, _units = _param_names(circuit)
    s = require_spectrum(spectrum).sorted()
    if drt_result is not None and not isinstance(drt_result, DRTResult):
        raise ParameterError(f"drt_result must be a DRTResult (drt(spectrum)), got "
                             f"{type(drt_result).__name__}")
    check_spectrum(s, min_points=1)
    zmax = float(np.abs(s.impedance).max())
    if drt_result is None:
        try:
            drt_result = drt(s, n_tau=60)
        except FitError:
            drt_result = None
    hf = high_frequency_intercept(s)
    r_series = drt_result.r_inf if drt_result is not None else hf
    if not r_series > 1e-6 * zmax:
        r_series = max(hf, 1e-3 * zmax)
    peaks = drt_result.peaks() if drt_result is not None else []

    arcs = _arcs(circuit)
    arc_elems = {e for a in arcs for e in a}
    diff_kinds = ("Ws", "Wo", "W", "G", "Gs")
    elements = []
    for nm in names:
        el = nm.rsplit("_", 1)[0] if "_" in nm else nm
        if el not in elements:
            elements.append(el)
    diffs = [e for e in elements if _kind(e) in diff_kinds and e not in arc_elems]
    n_need = len(arcs) + len(diffs)
    total = max(float(s.impedance.real[0]) - r_series, 1e-3 * zmax)
    # pick the n_need largest peaks, then order by tau
    chosen = sorted(sorted(peaks, key=lambda p: -p.resistance)[:n_need], key=lambda p: p.tau)
    taus = [p.tau for p in chosen]
    res = [p.resistance for p in chosen]
    if len(chosen) < n_need:  # fill the gaps: spread over the measured window
        extra = np.logspace(
            np.log10(1.0 / (2 * np.pi * s.f_max)),
            np.log10(1.0 / (2 * np.pi * s.f_min)),
            n_need + 2,
        )[1:-1]
        left = max(total - sum(res), 0.1 * total)
        for t in extra[len(chosen) :]:
            taus.append(float(t))
            res.append(left / (n_need - len(chosen)))
        order = np.argsort(taus)
        taus = [taus[i] for i in order]
        res = [res[i] for i in order]

    guess: dict[str, float] = {}
    for k, (r_el, c_el) in enumerate(arcs):
        r, t = max(res[k], 1e-6 * zmax), taus[k]
        guess[r_el] = r
        if _kind(c_el) == "C":
            guess[c_el] = t / r
        else:
            guess[f"{c_el}_0"] = t**_ALPHA0 / r
            guess[f"{c_el}_1"] = _ALPHA0
    for j, el in enumerate(diffs):
        r, t = max(res[len(arcs) + j], 1e-6 * zmax), taus[len(arcs) + j]
        kind = _kind(el)
        if kind == "W":
            guess[el] = r * math.sqrt(2 * math.pi / t)
        elif kind in ("Ws", "Wo"):
            guess[f"{el}_0"] = r
            guess[f"{el}_1"] = 2.47 * t
        else:  # Gerischer
            guess[f"{el}_0"] = r
            guess[f"{el}_1"] = t
    series_r = [e for e in elements if _kind(e) == "R" and e not in arc_elems]
    for i, el in enumerate(series_r):
        guess[el] = r_series if i == 0 else 1e-3 * zmax
    for nm in names:
        if nm in guess:
            continue
        el = nm.rsplit("_", 1)[0] if "_" in nm else nm
        kind = _kind(el)
        if kind == "L":
            ind = drt_result.inductance if drt_result is not None else 0.0
            guess[nm] = ind if ind > 0 else 1e-3 * zmax / (2 * np.pi * s.f_max)
        elif kind == "C":
            guess[nm] = 1.0 / (2 * np.pi * s.f_min * zmax)
        elif kind in ("CPE", "La") and nm.endswith("_1"):
            guess[nm] = _ALPHA0
        elif kind == "CPE":
            guess[nm] = 1.0 / (2 * np.pi * s.f_min * zmax)
        else:
            guess[nm] = 1.0
    return {nm: float(guess[nm]) for nm in names}


# --- the fit ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EISFit:
    """Result of :func:`fit_circuit`. SI values (Ω, F, s, …); ``units`` as impedance.py names them.

    ``stderr`` are one-sigma standard errors from the fit covariance (impedance.py ``conf_``),
    ``residual`` the relative RMS misfit sqrt(mean |Z_fit − Z|²/|Z|²), ``area`` m² (or None),
    ``interface`` the name of the interfacial resistance (or None). ``status`` is ``"ok"`` or
    ``"poor"`` (residual > :data:`POOR_RESIDUAL`, a parameter with relative standard error >
    :data:`POOR_REL_UNCERTAINTY` or without one); ``warnings`` say why. ``kk`` is the
    lin-KK check of the data (None if it could not run).
    """

    circuit: str
    names: tuple[str, ...]
    units: tuple[str, ...]
    values: np.ndarray
    stderr: np.ndarray
    initial: np.ndarray
    residual: float
    area: float | None
    interface: str | None
    spectrum: Spectrum = field(repr=False)
    warnings: tuple[str, ...] = ()
    status: str = "ok"
    kk: KKResult | None = None
    dof: int = 0

    @property
    def relative_uncertainty(self) -> np.ndarray:
        """stderr / |value| per parameter (inf where the value is 0 or stderr unknown)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.abs(self.stderr) / np.abs(self.values)
        return np.where(np.isfinite(rel), rel, np.inf)

    @property
    def parameter_status(self) -> dict[str, str]:
        """``name -> "ok" | "poor"``: poor when its relative standard error is > 50 % or
        unknown, and for every parameter of a poor fit (a large residual, or another
        parameter undetermined, which makes the covariance and so all errors unreliable)."""
        return {
            n: ("poor" if r > POOR_REL_UNCERTAINTY or self.status != "ok" else "ok")
            for n, r in zip(self.names, self.relative_uncertainty, strict=True)
        }

    def interval(self, level: float = 0.95) -> np.ndarray:
        """Two-sided confidence intervals (Student t, 2n − p dof), shape (n_params, 2)."""
        from scipy.stats import t

        k = float(t.ppf(0.5 + level / 2, max(self.dof, 1)))
        return np.c_[self.values - k * self.stderr, self.values + k * self.stderr]

    @property
    def parameters(self) -> dict[str, tuple[float, float]]:
        """``name -> (value, stderr)`` in SI."""
        return {
            n: (float(v), float(e))
            for n, v, e in zip(self.names, self.values, self.stderr, strict=True)
        }

    def value(self, name: str) -> float:
        """Fitted value of parameter ``name`` (SI)."""
        try:
            return float(self.values[self.names.index(name)])
        except ValueError:
            raise ParameterError(f"no parameter {name!r} in circuit {self.circuit!r}") from None

    @property
    def resistances(self) -> dict[str, tuple[float, float]]:
        """``name -> (R, stderr)`` in Ω for every parameter with unit Ohm."""
        return {
            n: (float(v), float(e))
            for n, u, v, e in zip(self.names, self.units, self.values, self.stderr, strict=True)
            if u == "Ohm"
        }

    @property
    def asr_ohm_cm2(self) -> dict[str, tuple[float, float]]:
        """Area-specific resistances R × area, **Ω·cm²** (value, stderr); empty without area."""
        if self.area is None:
            return {}
        a_cm2 = self.area * 1e4
        return {n: (v * a_cm2, e * a_cm2) for n, (v, e) in self.resistances.items()}

    @property
    def interfacial_asr_ohm_cm2(self) -> tuple[float, float] | None:
        """(ASR, stderr) of the interfacial resistance, Ω·cm² (None without area/interface).

        For a symmetric cell this is the sum over both interfaces; halve it per electrode.
        """
        if self.area is None or self.interface is None:
            return None
        return self.asr_ohm_cm2[self.interface]

    def arc_frequency(self, resistor: str) -> float:
        """Characteristic (apex) frequency of the arc ``p(resistor, C|CPE)``, Hz."""
        for r_el, c_el in _arcs(self.circuit):
            if r_el == resistor:
                cv = (
                    [self.value(c_el)]
                    if _kind(c_el) == "C"
                    else [self.value(f"{c_el}_0"), self.value(f"{c_el}_1")]
                )
                return 1.0 / (2 * np.pi * _arc_tau(self.value(r_el), _kind(c_el), cv))
        raise ParameterError(
            f"{resistor!r} is not the resistor of a p(R,C) arc in {self.circuit!r}"
        )

    def predict(self, frequency: Any) -> np.ndarray:
        """Fitted impedance (Ω) at ``frequency`` (Hz)."""
        return circuit_impedance(self.circuit, self.values, frequency)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable summary (SI, plus ``*_ohm_cm2`` keys in Ω·cm²)."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        pst = self.parameter_status
        ci = self.interval()
        a_cm2 = self.area * 1e4 if self.area is not None else math.nan
        out: dict[str, Any] = {
            "circuit": self.circuit,
            "status": self.status,
            "warnings": list(self.warnings),
            "parameters": {
                n: {
                    "value": num(v),
                    "stderr": num(e),
                    "ci95": [num(lo), num(hi)],
                    "relative_uncertainty": num(r),
                    "status": pst[n],
                    "unit": u,
                }
                for n, u, v, e, r, (lo, hi) in zip(
                    self.names,
                    self.units,
                    self.values,
                    self.stderr,
                    self.relative_uncertainty,
                    ci,
                    strict=True,
                )
            },
            "relative_residual": num(self.residual),
            "kramers_kronig": self.kk.to_dict() if self.kk is not None else None,
            "area_m2": self.area,
            "interface": self.interface,
            "asr_ohm_cm2": {
                n: {
                    "value": num(v),
                    "stderr": num(e),
                    "ci95": [num(ci[self.names.index(n)][0] * a_cm2),
                             num(ci[self.names.index(n)][1] * a_cm2)],
                    "status": pst[n],
                }
                for n, (v, e) in self.asr_ohm_cm2.items()
            },
        }
        ia = self.interfacial_asr_ohm_cm2
        out["interfacial_asr_ohm_cm2"] = num(ia[0]) if ia else None
        out["interfacial_asr_stderr_ohm_cm2"] = num(ia[1]) if ia else None
        # an interfacial ASR (ia) implies an interface
        out["interfacial_asr_status"] = (pst[self.interface]
                                         if ia and self.interface is not None else None)
        if self.interface is not None and any(r == self.interface for r, _ in _arcs(self.circuit)):
            out["interface_arc_frequency_hz"] = num(self.arc_frequency(self.interface))
        return out


def _default_interface(circuit: str, values: Mapping[str, float]) -> str | None:
    """The resistor of the arc with the largest time constant (lowest frequency)."""
    best, best_tau = None, -1.0
    for r_el, c_el in _arcs(circuit):
        cv = [values[c_el]] if _kind(c_el) == "C" else [values[f"{c_el}_0"], values[f"{c_el}_1"]]
        t = _arc_tau(values[r_el], _kind(c_el), cv)
        if math.isfinite(t) and t > best_tau:
            best, best_tau = r_el, t
    return best


def _rel_residual(z: np.ndarray, zfit: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.abs(zfit - z) ** 2 / np.abs(z) ** 2)))


def fit_circuit(
    spectrum: Spectrum,
    circuit: str = DEFAULT_CIRCUIT,
    initial: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
    interface: str | None = None,
    area: float | str | None = None,
) -> EISFit:
    """Fit an equivalent circuit (impedance.py string) to ``spectrum``.

    Complex non-linear least squares weighted by 1/|Z| (impedance.py ``CustomCircuit.fit``
    with ``weight_by_modulus=True``), parameters bounded ≥ 0 and CPE α ≤ 1. ``initial`` is a
    full list of starting values or a mapping overriding some of :func:`initial_guess`'s.
    ``interface`` names the interfacial resistance (default: the resistor of the
    lowest-frequency ``p(R, C|CPE)`` arc — R2 of :data:`DEFAULT_CIRCUIT`). ``area`` (m², or
    e.g. ``"0.785 cm2"``) overrides the spectrum's. Raises :class:`~tfalab.errors.FitError`
    when the fit fails, :class:`~tfalab.errors.ParameterError` for a bad circuit or guess.

    >>> import numpy as np
    >>> f = np.logspace(5, -2, 50)
    >>> z = circuit_impedance("R0-p(R1,C1)", [5.0, 10.0, 1e-4], f)
    >>> fit = fit_circuit(Spectrum(f, z, area=1e-4), "R0-p(R1,C1)")
    >>> [f"{v:.4g}" for v in fit.values], fit.interface
    (['5', '10', '0.0001'], 'R1')
    >>> round(fit.interfacial_asr_ohm_cm2[0], 3)  # Ω·cm²
    10.0
    """
    check_circuit(circuit)
    s = require_spectrum(spectrum).sorted()
    if area is not None:
        s = s.with_area(area)
    if interface is not None and not isinstance(interface, str):
        raise ParameterError(f"interface must be a resistor's name such as 'R2', got "
                             f"{interface!r}")
    if s.n < 3:
        raise FitError(f"cannot fit a circuit to {s.n} point(s)")
    check_spectrum(s, min_points=3)
    names, units = _param_names(circuit)
    if s.n * 2 <= len(names):
        raise FitError(
            f"cannot fit {len(names)} parameters of {circuit!r} to {s.n} points; "
            f"use a circuit with fewer elements"
        )
    if interface is not None and interface not in names:
        raise ParameterError(f"interface {interface!r} is not a parameter of {circuit!r}")
    if initial is None or isinstance(initial, Mapping):
        full = initial is not None and set(names) <= set(initial)
        guess = {} if full else initial_guess(s, circuit)
        if initial is not None:
            unknown = [k for k in initial if k not in names]
            if unknown:
                raise ParameterError(f"initial: unknown parameter(s) {unknown} for {circuit!r}; "
                                     f"its parameters: {names}")
            for k, val in initial.items():
                if isinstance(val, bool) or not isinstance(val, int | float | np.integer |
                                                           np.floating):
                    raise ParameterError(f"initial[{k!r}] = {val!r} must be a number")
            guess.update({k: float(v) for k, v in initial.items()})
        g0 = np.array([guess[n] for n in names])
    else:
        if isinstance(initial, str | bytes):
            raise ParameterError(f"initial must be a list of {len(names)} numbers or a mapping "
                                 f"of parameter names {names} to numbers, got {initial!r}")
        try:
            g0 = np.asarray(initial, dtype=float).ravel()
        except (TypeError, ValueError):
            raise ParameterError(f"initial must be a list of {len(names)} numbers or a mapping "
                                 f"of parameter names {names} to numbers, got {initial!r}") \
                from None
        if g0.size != len(names):
            raise ParameterError(
                f"circuit {circuit!r} has {len(names)} parameters {names}, got {g0.size} values"
            )
    if not np.all(np.isfinite(g0)) or np.any(g0 < 0):
        raise ParameterError(f"initial values must be finite and >= 0 (got {g0.tolist()})")
    # stay strictly inside impedance.py's default bounds (0, inf), alpha <= 1
    is_alpha = np.array(
        [n.endswith("_1") and _kind(n.rsplit("_", 1)[0]) in ("CPE", "La") for n in names]
    )
    g0 = np.where(is_alpha, np.clip(g0, 1e-3, 1.0), np.maximum(g0, 1e-12))

    model = _new_circuit(circuit, g0)
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        try:
            model.fit(
                s.frequency,
                s.impedance,
                weight_by_modulus=True,
                ftol=_FTOL,
                xtol=_FTOL,
                maxfev=_MAXFEV,
            )
        except (
            RuntimeError,
            ValueError,
            TypeError,
            np.linalg.LinAlgError,
            ArithmeticError,
        ) as exc:
            why = str(exc)
            if "maxfev" in why or "function evaluations" in why or "number of calls" in why:
                why = f"stopped at the evaluation limit without converging ({why})"
            raise FitError(
                f"circuit fit of {circuit!r} to {_where(s)} failed: {why}; {_TRY}"
            ) from exc
        caught = sorted({str(w.message) for w in wlist})
    values = np.asarray(model.parameters_, dtype=float)
    if not np.all(np.isfinite(values)):
        raise FitError(
            f"circuit fit of {circuit!r} gave non-finite parameters {values.tolist()}; {_TRY}"
        )
    conf = model.conf_ if model.conf_ is not None else np.full(values.size, np.nan)
    stderr = np.asarray(conf, dtype=float)
    zfit = circuit_impedance(circuit, values, s.frequency)
    vals = dict(zip(names, values, strict=True))
    iface = interface if interface is not None else _default_interface(circuit, vals)
    residual = _rel_residual(s.impedance, zfit)
    # the covariance can be numerically singular (an arc that never closes: R -> inf with a
    # tiny "stderr"); a parameter whose ±50 % change moves Z by < 0.1 % is not determined
    for i in range(values.size):
        v = values.copy()
        v[i] = v[i] * (0.8 if is_alpha[i] else 1.5)
        if _rel_residual(zfit, circuit_impedance(circuit, v, s.frequency)) < _INSENSITIVE:
            stderr[i] = math.inf
    notes = [f"optimizer: {c}" for c in caught]
    poor = False
    if not residual <= POOR_RESIDUAL:
        poor = True
        notes.append(
            f"poor fit: relative residual {100 * residual:.3g} % > {100 * POOR_RESIDUAL:g} %; "
            f"{_TRY}"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(stderr) / np.abs(values)
    bad = []
    for n, u, v, e, r in zip(names, units, values, stderr, rel, strict=True):
        if not (math.isfinite(r) and r <= POOR_REL_UNCERTAINTY):
            pm = f"{e:.3g}" if math.isfinite(e) else "?"
            pct = f"{100 * r:.2g} %" if math.isfinite(r) else "unknown"
            bad.append(f"{n} = {v:.4g} ± {pm} {u} ({pct})".replace("  (", " ("))
    if bad:
        poor = True
        notes.append(
            f"parameter(s) not determined by the data (relative uncertainty > "
            f"{100 * POOR_REL_UNCERTAINTY:g} %): {'; '.join(bad)}; {_TRY}"
        )
    kk: KKResult | None = None
    try:
        kk = kramers_kronig(s)
    except FitError as exc:
        notes.append(str(exc))
    if kk is not None and kk.warning:
        notes.append(kk.warning)
    return EISFit(
        circuit=circuit,
        names=tuple(names),
        units=tuple(units),
        values=values,
        stderr=stderr,
        initial=g0,
        residual=residual,
        area=s.area,
        interface=iface,
        spectrum=s,
        warnings=tuple(notes),
        status="poor" if poor else "ok",
        kk=kk,
        dof=max(2 * s.n - len(names), 1),
    )


# --- Bode peak -------------------------------------------------------------------------------
def bode_peak_frequency(spectrum: Spectrum, arc: tuple[float, float] | None = None) -> float:
    """Characteristic frequency (Hz) of the maximum of −Z'' (Bode plot of −Z'' vs f).

    ``arc = (f_low, f_high)`` (Hz) restricts the search to one arc. A parabola through the
    maximum sample and its two neighbours — ln(−Z'') against log10 f (−Z'' itself if a
    neighbour is ≤ 0) — gives the peak: its vertex is returned. Raises
    :class:`~tfalab.errors.FitError` if the maximum lies on the edge of the window (no peak).

    >>> import numpy as np
    >>> f = np.logspace(3, -3, 61)
    >>> z = 1 / (1 + 2j * np.pi * f * 1.0) + 4 / (1 + 2j * np.pi * f * 1e-5)
    >>> f"{bode_peak_frequency(Spectrum(f, z), arc=(1e-3, 1.0)):.3f}"  # 1/(2π·1 s)
    '0.159'
    """
    s = require_spectrum(spectrum).sorted()
    f, mz = s.frequency, -s.impedance.imag
    if arc is not None:
        try:
            lo, hi = sorted(float(v) for v in arc)
        except (TypeError, ValueError):
            raise ParameterError(f"arc must be two frequencies (f_low, f_high) in Hz, got "
                                 f"{arc!r}") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
            raise ParameterError(f"arc must be two frequencies 0 < f_low < f_high in Hz, got "
                                 f"{arc!r}")
        keep = (f >= lo) & (f <= hi)
        f, mz = f[keep], mz[keep]
    where = f" in {arc[0]:g}-{arc[1]:g} Hz" if arc is not None else ""
    if f.size < 3:
        raise FitError(f"need at least 3 points to locate the -Z'' peak{where} (got {f.size})")
    i = int(np.argmax(mz))
    if i == 0 or i == f.size - 1 or mz[i] <= 0:
        raise FitError(
            f"no maximum of -Z'' inside the frequency window{where}: the largest -Z'' is at "
            f"{f[i]:g} Hz, the window's edge"
        )
    x = np.log10(f[i - 1 : i + 2])
    y = mz[i - 1 : i + 2]
    if np.all(y > 0):  # parabola in ln(-Z''): exact for a Gaussian, ~3x better on an RC arc
        y = np.log(y)
    den = (x[1] - x[0]) * (y[1] - y[2]) - (x[1] - x[2]) * (y[1] - y[0])
    if den == 0:
        return float(f[i])
    num = (x[1] - x[0]) ** 2 * (y[1] - y[2]) - (x[1] - x[2]) ** 2 * (y[1] - y[0])
    xv = x[1] - 0.5 * num / den
    return float(10 ** np.clip(xv, x[0], x[2]))


# --- high-frequency intercept ------------------------------------------------------------------
def fit_high_frequency_intercept(spectrum: Spectrum, decades: float = 1.0) -> dict[str, Any]:
    """Series resistance R0 (Ω) from a circuit fit over the high-frequency points.

    Points with negative Z' (a lead/instrument artefact) are dropped and flagged. The fit
    window runs from the highest frequency down ``decades`` below the capacitive→inductive
    crossing (or below the highest frequency without one), at least 6 points; the circuit is
    impedance.py-style ``L0-R0-p(R1,CPE1)`` where the data show an inductance (Z'' > 0 at the
    top), else ``R0-p(R1,CPE1)``. If that fit fails or R0 is poorly determined, the
    interpolated crossing (:func:`high_frequency_intercept`) is returned with status ``"poor"``.
    Returns ``value_ohm``, ``stderr_ohm``, ``status``, ``warnings``, ``method``, ``circuit``,
    ``n_points``, ``f_min_hz``.

    >>> import numpy as np
    >>> f = np.logspace(6, 0, 61)
    >>> z = 5 + 2j * np.pi * f * 1e-7 + 10 / (1 + 2j * np.pi * f * 1e-4)
    >>> r = fit_high_frequency_intercept(Spectrum(f, z))
    >>> round(r["value_ohm"], 3), r["status"], r["circuit"]
    (5.0, 'ok', 'L0-R0-p(R1,CPE1)')
    """
    s = require_spectrum(spectrum).sorted()
    check_number(decades, "decades", low=0, high=12, low_open=True)
    check_spectrum(s, min_points=1)
    notes: list[str] = []
    neg = s.impedance.real < 0
    if neg.any():
        fn = s.frequency[neg]
        notes.append(
            f"{int(neg.sum())} point(s) with negative Z' at {fn.min():.3g}-{fn.max():.3g} Hz "
            f"(an instrument or lead artefact): excluded from the high-frequency intercept"
        )
    f, z = s.frequency[~neg], s.impedance[~neg]
    interp = high_frequency_intercept(Spectrum(f, z)) if f.size else math.nan
    out: dict[str, Any] = {
        "value_ohm": interp,
        "stderr_ohm": math.nan,
        "status": "poor",
        "warnings": notes,
        "method": "interpolated crossing of Z''=0",
        "circuit": None,
        "n_points": 0,
        "f_min_hz": None,
    }
    if f.size < 6:
        notes.append("fewer than 6 usable points: intercept interpolated, not fitted")
        return out
    mz = -z.imag
    cross = None
    for i in range(f.size - 1):
        if mz[i] > 0 >= mz[i + 1]:
            cross = f[i + 1]
            break
    f_top = cross if cross is not None else f[-1]
    keep = f >= f_top / 10**decades
    if keep.sum() < 6:
        keep = np.zeros(f.size, bool)
        keep[-6:] = True
    fk, zk = f[keep], z[keep]
    inductive = bool(zk.imag[-1] > 0)
    circuit = "L0-R0-p(R1,CPE1)" if inductive else "R0-p(R1,CPE1)"
    out.update(circuit=circuit, n_points=int(fk.size), f_min_hz=float(fk.min()))
    try:
        r0 = max(min(interp, float(zk.real.min())), 1e-9 * float(np.abs(zk).max()))
        r1 = max(float(zk.real.max()) - r0, 1e-3 * r0)
        tau = 1.0 / (2 * np.pi * float(fk.min()))
        guess = {"R0": r0, "R1": r1, "CPE1_0": tau**0.9 / r1, "CPE1_1": 0.9}
        if inductive:
            w = 2 * np.pi * fk[-1]
            guess["L0"] = max(float(zk.imag[-1]) / w, 1e-15)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = _new_circuit(circuit, [guess[n] for n in _param_names(circuit)[0]])
            model.fit(fk, zk, weight_by_modulus=True, maxfev=_MAXFEV)
        names = _param_names(circuit)[0]
        vals = dict(zip(names, model.parameters_, strict=True))
        errs = dict(zip(names, model.conf_, strict=True)) if model.conf_ is not None else {}
        r0_fit, r0_err = float(vals["R0"]), float(errs.get("R0", math.nan))
    except Exception as exc:  # impedance.py/scipy raise assorted errors
        notes.append(f"high-frequency fit failed ({exc}); intercept interpolated instead")
        return out
    ok = math.isfinite(r0_err) and r0_fit > 0 and r0_err <= POOR_REL_UNCERTAINTY * r0_fit
    if not ok:
        notes.append(
            f"high-frequency fit gives R0 = {r0_fit:.4g} ± {r0_err:.3g} Ω, not determined by "
            f"the data; intercept interpolated instead"
            + ("" if cross is not None else " (Re Z at the highest frequency: an upper bound)")
        )
        return out
    out.update(value_ohm=r0_fit, stderr_ohm=r0_err, status="ok", method="fit")
    if neg.any():
        out["status"] = "poor"
    return out
