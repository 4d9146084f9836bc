import sys, json, traceback, warnings, io, contextlib, os, time
import numpy as np, pandas as pd
fname, instrument, kw_json, outpath = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
kw = json.loads(kw_json)
rec = {"instrument": instrument, "kwargs": dict(kw)}
shim = kw.pop("_shim_series_update", False)
want_steps = kw.pop("_steps", False)
if shim:
    # cellpy 1.0.3 post_processors._state_splitter calls Series.update(..., inplace=True);
    # pandas has no such keyword -> TypeError -> every cycle is flagged "bad" and zeroed.
    # This shim only drops the unsupported keyword (Series.update is in-place anyway).
    _orig_update = pd.Series.update
    def _update(self, other, inplace=None):
        return _orig_update(self, other)
    pd.Series.update = _update
    rec["shim"] = "pandas.Series.update patched to accept and ignore inplace= (see README)"
t0 = time.time()
buf = io.StringIO()
try:
    import cellpy
    with contextlib.redirect_stdout(buf):
        c = cellpy.get(fname, instrument=instrument, testing=True, **kw)
    if c is None:
        raise RuntimeError("cellpy.get returned None (could not load file)")
    d = c.data
    raw = d.raw
    rec["rows"] = int(len(raw))
    rec["raw_files_length"] = [int(x) for x in getattr(d, "raw_data_files_length", [])]
    rec["raw_columns"] = [str(x) for x in raw.columns]
    rec["raw_units"] = dict(vars(d.raw_units)) if hasattr(d.raw_units, "__dict__") else str(d.raw_units)
    rec["cellpy_units"] = dict(vars(c.cellpy_units)) if hasattr(c.cellpy_units, "__dict__") else str(c.cellpy_units)
    rec["cycle_mode"] = c.cycle_mode
    rec["mass_mg"] = float(d.mass) if d.mass is not None else None
    h = c.headers_normal
    cyc = raw[h.cycle_index_txt]
    rec["raw_cycle_index_unique"] = [int(x) for x in sorted(pd.unique(cyc.dropna()))][:500]
    # sign check: which current sign accompanies increments of the instrument/loader charge & discharge counters
    I = pd.to_numeric(raw[h.current_txt], errors="coerce")
    sc = {}
    for col in (h.charge_capacity_txt, h.discharge_capacity_txt):
        q = pd.to_numeric(raw[col], errors="coerce")
        dq = q.diff()
        same = cyc.eq(cyc.shift())
        inc = (dq > 0) & same
        sc[col] = {"rows_incrementing": int(inc.sum()),
                   "with_current_pos": int((inc & (I > 0)).sum()),
                   "with_current_neg": int((inc & (I < 0)).sum()),
                   "with_current_zero": int((inc & (I == 0)).sum())}
    rec["counter_increment_vs_current_sign"] = sc
    st = d.steps
    try:
        rec["step_type_counts"] = {str(k): int(v) for k, v in st["type"].value_counts().items()}
    except Exception as e:
        rec["step_type_counts"] = f"n/a: {e}"
    s = d.summary.copy()
    rec["summary_columns"] = [str(x) for x in s.columns]
    hs = c.headers_summary
    if s.index.name == hs.cycle_index or hs.cycle_index not in s.columns:
        s = s.reset_index()
    charge_unit = rec["raw_units"]["charge"] if isinstance(rec["raw_units"], dict) else None
    to_Ah = {"Ah": 1.0, "mAh": 1e-3, "uAh": 1e-6}.get(charge_unit)
    cycles = []
    for _, r in s.iterrows():
        ch = r.get(hs.charge_capacity); dc = r.get(hs.discharge_capacity)
        ce = r.get(hs.coulombic_efficiency)
        e = {"cycle_index": int(r[hs.cycle_index]),
             "charge_raw_unit": None if pd.isna(ch) else float(ch),
             "discharge_raw_unit": None if pd.isna(dc) else float(dc),
             "charge_Ah": None if (pd.isna(ch) or to_Ah is None) else float(ch) * to_Ah,
             "discharge_Ah": None if (pd.isna(dc) or to_Ah is None) else float(dc) * to_Ah,
             "coulombic_efficiency_pct": None if pd.isna(ce) else float(ce)}
        for k in ("charge_capacity_absolute", "discharge_capacity_absolute", "data_point"):
            if k in s.columns and not pd.isna(r.get(k)):
                e[k] = float(r[k])
        cycles.append(e)
    if want_steps:
        cols = [x for x in ["cycle", "step", "type", "current_avr", "charge_last", "discharge_last", "point_first", "point_last"] if x in st.columns]
        rec["steps"] = json.loads(st[cols].to_json(orient="records"))
    rec["n_cycles"] = len(cycles)
    rec["cycles"] = cycles
except Exception as e:
    rec["error"] = f"{type(e).__name__}: {e}"[:600]
    rec["traceback_tail"] = traceback.format_exc()[-2000:]
rec["stdout_tail"] = buf.getvalue()[-600:]
rec["seconds"] = round(time.time() - t0, 1)
def _clean(o):
    if isinstance(o, float) and not np.isfinite(o):
        return str(o)
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_clean(v) for v in o]
    return o
json.dump(_clean(rec), open(outpath, "w"), indent=1, default=str)
