"""The one-call EIS report (:func:`analyze`) and in-situ series (:func:`resistance_series`).

Part of :mod:`tfalab.analysis.eis` (import from there).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tfalab.analysis.eis.drt import DRTResult, drt
from tfalab.analysis.eis.fit import (
    DEFAULT_CIRCUIT,
    POOR_RESIDUAL,
    EISFit,
    KKResult,
    bode_peak_frequency,
    check_circuit,
    check_spectrum,
    fit_circuit,
    fit_high_frequency_intercept,
    initial_guess,
    kramers_kronig,
)
from tfalab.analysis.eis.io import (
    Spectrum,
    _area_si,
    read_spectrum,
)
from tfalab.errors import FitError, ParameterError, TfalabError

__all__ = ["analyze", "resistance_series"]


def _num(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _jsonable(obj: Any) -> Any:
    """Plain Python types; NaN/inf become None."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _num(float(obj))
    return obj


def resistance_series(
    spectra: Sequence[Spectrum | str | os.PathLike[str]],
    x: Sequence[float],
    circuit: str = DEFAULT_CIRCUIT,
    area: float | str | None = None,
    interface: str | None = None,
    arc: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Fit each spectrum of an in-situ series and tabulate the interfacial resistance.

    ``spectra`` are :class:`Spectrum` objects or file paths, one per value of ``x`` (e.g. the
    stripped areal capacity; ``x`` is copied to the table as given). Each spectrum is fitted from
    the automatic guess and, from the second on, also from the previous fit's values (the better
    fit is kept). ``arc`` restricts the Bode-peak search (Hz). Columns: ``x``,
    ``interfacial_resistance_ohm``, ``interfacial_asr_ohm_cm2`` and its ``_stderr``
    (NaN without an area), ``peak_frequency_hz`` (Bode −Z'' maximum of the data),
    ``interface_arc_frequency_hz`` (from the fitted arc), ``relative_residual``, ``status``
    (``ok``, ``poor`` or ``failed``: see :class:`EISFit`), ``warnings`` (why it is poor),
    ``error`` (empty, or why the fit/peak failed; the row then holds NaN).

    >>> import numpy as np
    >>> from tfalab.analysis.eis import Spectrum, circuit_impedance
    >>> f = np.logspace(4, -2, 40)
    >>> zs = [circuit_impedance("R0-p(R1,C1)", [5.0, r, 1e-2], f) for r in (10.0, 20.0)]
    >>> df = resistance_series([Spectrum(g, z) for g, z in [(f, zs[0]), (f, zs[1])]],
    ...                        [0.0, 1.0], circuit="R0-p(R1,C1)", area="1 cm2")
    >>> df["interfacial_asr_ohm_cm2"].round(3).tolist()
    [10.0, 20.0]
    """
    check_circuit(circuit)
    if isinstance(spectra, str | os.PathLike | Spectrum):
        raise ParameterError("spectra must be a list of spectra or files (one per x value), "
                             f"got one {type(spectra).__name__}")
    try:
        xs = list(x)
        items = list(spectra)
    except TypeError:
        raise ParameterError(f"spectra and x must be lists, got {type(spectra).__name__} and "
                             f"{type(x).__name__}") from None
    if len(xs) != len(items):
        raise ParameterError(f"{len(items)} spectra but {len(xs)} x values")
    area_si = _area_si(area)
    rows: list[dict[str, Any]] = []
    prev: EISFit | None = None
    for xv, item in zip(xs, items, strict=True):
        s = item if isinstance(item, Spectrum) else read_spectrum(item)
        if area_si is not None:
            s = s.with_area(area_si)
        row: dict[str, Any] = {"x": xv, "error": ""}
        fit: EISFit | None = None
        try:
            fit = fit_circuit(s, circuit, interface=interface)
            if prev is not None:
                try:
                    warm = fit_circuit(s, circuit, initial=prev.values, interface=interface)
                    if warm.residual < fit.residual:
                        fit = warm
                except FitError:
                    pass
        except FitError as exc:
            row["error"] = str(exc)
        if fit is not None:
            prev = fit
            iface = fit.interface
            r = fit.resistances.get(iface, (math.nan, math.nan)) if iface else (math.nan,) * 2
            asr = fit.interfacial_asr_ohm_cm2 or (math.nan, math.nan)
            try:
                f_arc = fit.arc_frequency(iface) if iface else math.nan
            except ParameterError:
                f_arc = math.nan
            row.update(
                interfacial_resistance_ohm=r[0],
                interfacial_asr_ohm_cm2=asr[0],
                interfacial_asr_stderr_ohm_cm2=asr[1],
                interface_arc_frequency_hz=f_arc,
                relative_residual=fit.residual,
                status=fit.status,
                warnings="; ".join(fit.warnings),
            )
        else:
            row.update(status="failed", warnings="")
        try:
            row["peak_frequency_hz"] = bode_peak_frequency(s, arc)
        except FitError as exc:
            row["peak_frequency_hz"] = math.nan
            row["error"] = "; ".join(e for e in (row["error"], str(exc)) if e)
        rows.append(row)
    cols = [
        "x",
        "interfacial_resistance_ohm",
        "interfacial_asr_ohm_cm2",
        "interfacial_asr_stderr_ohm_cm2",
        "peak_frequency_hz",
        "interface_arc_frequency_hz",
        "relative_residual",
        "status",
        "warnings",
        "error",
    ]
    return pd.DataFrame(rows).reindex(columns=cols)


def _plot(
    path: Path,
    s: Spectrum,
    fit: EISFit | None,
    peak: float | None,
    res: DRTResult | None,
) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 4.4))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.86, wspace=0.3)
    z = s.impedance
    ax1.plot(z.real, -z.imag, "o", ms=3, label="data")
    f_dense = np.logspace(np.log10(s.f_min), np.log10(s.f_max), 400)
    if fit is not None:
        zf = fit.predict(f_dense)
        ax1.plot(zf.real, -zf.imag, "-", label=f"fit {fit.circuit}")
    ax1.set_xlabel("Z' / Ω")
    ax1.set_ylabel("−Z'' / Ω")
    ax1.set_aspect("equal", adjustable="datalim")
    ax1.set_title("Nyquist")
    ax1.legend(fontsize=8)
    ax2.semilogx(s.frequency, -z.imag, "o", ms=3, label="data")
    if fit is not None:
        ax2.semilogx(f_dense, -fit.predict(f_dense).imag, "-", label="fit")
    if peak is not None:
        ax2.axvline(peak, color="k", ls="--", lw=1, label=f"peak {peak:.3g} Hz")
    ax2.set_xlabel("f / Hz")
    ax2.set_ylabel("−Z'' / Ω")
    ax2.set_title("Bode")
    ax2.legend(fontsize=8)
    if res is not None:
        ax3.semilogx(res.tau, res.gamma, "-")
        for p in res.peaks():
            ax3.axvline(p.tau, color="0.6", lw=0.8)
        ax3.set_title(f"DRT (λ = {res.lambda_:.2g}, {res.lambda_method})")
    else:
        ax3.set_title("DRT (failed)")
    ax3.set_xlabel("τ / s")
    ax3.set_ylabel("γ / Ω")
    fig.suptitle(str(s.metadata.get("file", "")))
    fig.savefig(path, dpi=120)


def analyze(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    area: float | str | None = None,
    circuit: str | None = None,
    format: str | None = None,
) -> dict[str, Any]:
    """Read an impedance file, fit a circuit, find the Bode peak, compute the DRT; write a report.

    Writes ``{out}.png`` (Nyquist with fit, Bode −Z'' with the peak marked, DRT) and
    ``{out}.json`` and returns the same JSON-serialisable summary: spectrum facts, the fit
    (:meth:`EISFit.to_dict`: SI values with standard errors, ``*_ohm_cm2`` area-specific
    resistances when ``area`` is given), ``peak_frequency_hz``, the DRT peaks and the fit
    quality. Every number has a status: top-level ``status`` (``"poor"`` when the fit, the
    fitted high-frequency intercept or the lin-KK check is poor) and ``warnings``, plus
    ``*_status`` keys. A failed fit, peak or DRT is reported (``*_error`` keys), not raised; an
    unreadable file raises :class:`~tfalab.errors.DataFileError`, repeated frequencies or zero
    impedance :class:`~tfalab.errors.FitError`.

    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from tfalab.analysis.eis import circuit_impedance
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> f = np.logspace(5, -2, 50)
    >>> z = circuit_impedance("R0-p(R1,C1)", [5.0, 10.0, 1e-4], f)
    >>> np.savetxt(d / "rc.csv", np.c_[f, z.real, z.imag], delimiter=",")
    >>> r = analyze(d / "rc.csv", d / "rc", area="2 cm2", circuit="R0-p(R1,C1)")
    >>> round(r["interfacial_asr_ohm_cm2"], 3), (d / "rc.png").exists()
    (20.0, True)
    """
    circ = DEFAULT_CIRCUIT if circuit is None else check_circuit(circuit)  # before any work
    s = read_spectrum(path, format=format, area=area)
    check_spectrum(s)
    hf = fit_high_frequency_intercept(s)
    summary: dict[str, Any] = {
        "file": str(s.metadata.get("source")),
        "format": s.metadata.get("format"),
        "n_points": s.n,
        "f_min_hz": s.f_min,
        "f_max_hz": s.f_max,
        "area_m2": s.area,
        "status": "ok",
        "warnings": [],
        "high_frequency_intercept_ohm": hf["value_ohm"],
        "high_frequency_intercept_stderr_ohm": hf["stderr_ohm"],
        "high_frequency_intercept_status": hf["status"],
        "high_frequency_intercept": hf,
    }
    notes: list[str] = list(hf["warnings"])
    kk: KKResult | None = None
    try:
        kk = kramers_kronig(s)
        summary["kramers_kronig"] = kk.to_dict()
        if kk.warning:
            notes.append(kk.warning)
    except TfalabError as exc:
        summary["kramers_kronig"] = None
        notes.append(str(exc))
    res: DRTResult | None = None
    try:
        res = drt(s)
        summary["drt"] = {
            "lambda": res.lambda_,
            "lambda_method": res.lambda_method,
            "r_inf_ohm": res.r_inf,
            "inductance_h": res.inductance,
            "polarization_resistance_ohm": res.polarization_resistance,
            "relative_residual": res.residual,
            "status": "ok" if res.residual <= POOR_RESIDUAL else "poor",
            "peaks": [
                {
                    "tau_s": p.tau,
                    "frequency_hz": p.frequency,
                    "resistance_ohm": p.resistance,
                    "asr_ohm_cm2": p.resistance * s.area * 1e4 if s.area else None,
                }
                for p in res.peaks()
            ],
        }
        if res.residual > POOR_RESIDUAL:
            notes.append(f"DRT residual {100 * res.residual:.3g} % > {100 * POOR_RESIDUAL:g} %")
    except TfalabError as exc:
        summary["drt"] = None
        summary["drt_error"] = str(exc)
        notes.append(f"DRT failed: {exc}")
    fit: EISFit | None = None
    try:
        fit = fit_circuit(s, circ, initial=initial_guess(s, circ, res) if res else None)
        summary["fit"] = fit.to_dict()
        summary["fit"].pop("kramers_kronig", None)  # the same check is reported at top level
        summary["fit"]["warnings"] = [w for w in fit.warnings if not (kk and w == kk.warning)]
        summary["fit_status"] = fit.status
        summary["interfacial_asr_ohm_cm2"] = summary["fit"]["interfacial_asr_ohm_cm2"]
        summary["interfacial_asr_stderr_ohm_cm2"] = summary["fit"]["interfacial_asr_stderr_ohm_cm2"]
        summary["interfacial_asr_status"] = summary["fit"]["interfacial_asr_status"]
        summary["fit_relative_residual"] = _num(fit.residual)
        notes.extend(summary["fit"]["warnings"])
    except FitError as exc:
        summary.update(
            fit=None,
            fit_error=str(exc),
            fit_status="failed",
            interfacial_asr_ohm_cm2=None,
            interfacial_asr_status="failed",
        )
        notes.append(str(exc))
    peak: float | None = None
    try:
        peak = bode_peak_frequency(s)
    except FitError as exc:
        summary["peak_error"] = str(exc)
    summary["peak_frequency_hz"] = peak
    summary["peak_frequency_status"] = "ok" if peak is not None else "failed"
    summary["warnings"] = notes
    poor = (
        summary.get("fit_status") != "ok"
        or hf["status"] != "ok"
        or kk is None
        or not kk.passed
    )
    summary["status"] = "poor" if poor else "ok"
    base = Path(os.fspath(out))
    base.parent.mkdir(parents=True, exist_ok=True)
    png, js = Path(f"{base}.png"), Path(f"{base}.json")
    summary["outputs"] = {"png": str(png), "json": str(js)}
    summary = _jsonable(summary)
    _plot(png, s, fit, peak, res)
    js.write_text(json.dumps(summary, indent=2, allow_nan=False))
    return summary
