import json, os, io, sys, contextlib, warnings, hashlib, glob, traceback, datetime, platform
import numpy as np, pandas as pd
from importlib.metadata import version
import navani.echem as ec

IN = "/tmp/refs/work/inputs"
CP = "/tmp/refs/work/cp"
SHARED = "/work/shared/data/external"

def sha(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()

def clean(o):
    if isinstance(o, (np.floating,)):
        o = float(o)
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, float):
        return o if np.isfinite(o) else str(o)
    if isinstance(o, dict):
        return {str(k): clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    return o

def nn(x):
    return None if (x is None or (isinstance(x, float) and np.isnan(x)) or pd.isna(x)) else float(x)

# ---------------- navani ----------------
NAVANI_UNIT = {  # unit of navani's 'Capacity' column, determined from navani 0.1.22 source per code path
    ".res": ("Ah", "navani.echem.arbin_res: galvani res2sqlite gives columns 'Charge_Capacity'/'Discharge_Capacity' "
                   "(no '(Ah)' suffix), so navani takes the branch WITHOUT the *1000 conversion; values stay in Ah "
                   "although navani's docs say mAh"),
    ".xlsx": ("mAh", "navani.echem.arbin_excel: (Charge_Capacity(Ah)+Discharge_Capacity(Ah))*1000"),
    ".ndax": ("mAh", "navani.neware.neware_reader_nda: NewareNDA 'Charge_Capacity(mAh)'+'Discharge_Capacity(mAh)'"),
    ".mpr": ("mAh", "navani.echem.biologic_processing: abs('Q charge/discharge/mA.h')"),
}
NAVANI_CURRENT_COL = {".res": "Current (A, Arbin)", ".xlsx": "Current(A)", ".ndax": "Current(mA) (NewareNDA)", ".mpr": "I/mA (BioLogic)"}

def run_navani(path, name):
    rec = {"reader": "navani.echem.echem_file_loader(path) + navani.echem.cycle_summary(df)"}
    buf = io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as w, contextlib.redirect_stdout(buf):
            warnings.simplefilter("always")
            df = ec.echem_file_loader(path)
            s = ec.cycle_summary(df)
        ext = os.path.splitext(name)[1].lower()
        unit, unit_why = NAVANI_UNIT[ext]
        toAh = {"Ah": 1.0, "mAh": 1e-3}[unit]
        rec["rows"] = int(len(df))
        rec["capacity_unit"] = unit
        rec["capacity_unit_basis"] = unit_why
        rec["state_rule"] = ("state 0 ('charge') where current > 0, state 1 ('discharge') where current < 0, 'R' where current == 0; "
                             f"current column used: {NAVANI_CURRENT_COL[ext]}. half cycle += 1 at every change of non-rest state; "
                             "full cycle = ceil(half cycle / 2). Capacity per half cycle = max of the per-half-cycle-reset Capacity.")
        rec["charge_sign"] = "positive current = charge (state 0); negative current = discharge (state 1)"
        rec["ce_definition"] = "CE = Charge Capacity / Discharge Capacity (fraction, not %; navani's docstring says the opposite, the code does this)"
        st = df["state"].astype(str)
        rec["state_row_counts"] = {k: int(v) for k, v in st.value_counts().items()}
        rec["n_half_cycles"] = int(df["half cycle"].max())
        cyc = []
        for idx, r in s.iterrows():
            ch = nn(r.get("Charge Capacity")); dc = nn(r.get("Discharge Capacity")); ce = nn(r.get("CE"))
            cyc.append({"full_cycle": int(idx),
                        "charge_native": ch, "discharge_native": dc,
                        "charge_Ah": None if ch is None else ch * toAh,
                        "discharge_Ah": None if dc is None else dc * toAh,
                        "CE_charge_over_discharge": ce})
        rec["n_summary_rows"] = len(cyc)
        rec["n_cycles_with_capacity"] = sum(1 for c in cyc if c["charge_native"] is not None or c["discharge_native"] is not None)
        rec["cycles"] = cyc
        # half-cycle table (compact)
        df["_st"] = st
        g = df.groupby("half cycle").agg(rows=("_st", "size"), states=("_st", lambda x: "".join(sorted(set(x)))),
                                         capacity_max=("Capacity", "max"))
        rec["half_cycles"] = [{"half_cycle": int(i), "rows": int(r.rows), "states": r.states,
                               "capacity_max_native": float(r.capacity_max)} for i, r in g.iterrows()][:200]
        rec["warnings"] = sorted(set(str(x.message)[:160] for x in w))
    except Exception as e:
        rec["error"] = f"{type(e).__name__}: {str(e).strip()}"[:400]
    return rec

# ---------------- cellpy ----------------
CELLPY_RUNS = {
    "cycler_cellpy_20160805_test001_45_cc_01.res": [("cellpy", "res")],
    "cycler_cellpy_20260302_IFE_BTS85_2_9_8_1.ndax": [("cellpy", "ife_ndax")],
    "cycler_cellpy_Test25205.csv": [("cellpy", "pec")],
    "cycler_cellpy_batmo_bdf.csv": [("cellpy", "batmo")],
    "cycler_cellpy_biol.mpr": [("cellpy", "biol")],
    "cycler_cellpy_maccor_001.txt": [("cellpy", "maccor"), ("cellpy_with_series_update_shim", "maccor_shim")],
    "cycler_cellpy_neware_uio.csv": [("cellpy", "neware_uio")],
    "cycler_navani_00_test_02_MB_C01.mpr": [("cellpy", "navani_mpr")],
    "cycler_navani_arbin_Channel_11.xlsx": [("cellpy", "navani_xlsx")],
    "cycler_navani_test.ndax": [("cellpy", "navani_ndax")],
}
CELLPY_NOTES = {
    "arbin_res": "charge/discharge capacities are Arbin's own per-cycle Charge_Capacity/Discharge_Capacity counters (Ah) at the last data point of each Cycle_Index.",
    "neware_nda": ("UNIT BUG in cellpy 1.0.3: the loader declares raw units A/Ah, but it maps fastnda columns 'current_mA' and "
                   "'capacity_mAh' (split into charge_capacity_mAh/discharge_capacity_mAh) without scaling, so the numbers are mA/mAh. "
                   "charge_Ah/discharge_Ah below use the TRUE unit (mAh -> /1000); charge_native is the number cellpy reports (labelled 'Ah' by cellpy). "
                   "navani (via NewareNDA 'Charge_Capacity(mAh)') gives the same numbers in mAh."),
    "biologics_mpr": ("cellpy 1.0.3 _generate_capacities: 'Q charge/discharge' >= 0 -> discharge_capacity, < 0 -> charge_capacity "
                      "(i.e. POSITIVE BioLogic current/charge is labelled DISCHARGE). Cycle index from BioLogic's cycle counter."),
    "batmo_bdf": ("cellpy re-signs current from the 'Step Type / 1' label: discharge -> negative, charge -> positive, rest -> 0 "
                  "(the raw BatMo file has the OPPOSITE sign: positive current during 'discharge'). Per-step capacities are summed within a cycle "
                  "(post-processor cumulate_capacity_within_cycle), so a cycle with two discharge steps reports their sum."),
    "neware_txt": ("model 'one' (= config neware_txt_zero, same as model 'UIO'; cellpy's own tests load neware_uio.csv with model='one'). "
                   "Capacities from 'Chg. Cap.(Ah)'/'DChg. Cap.(Ah)', summed over steps within each 'Cycle Index' (cumulate_capacity_within_cycle)."),
    "maccor_txt": ("model 'one' with sep='\\t' (as in cellpy's own tests for maccor_001.txt: 3 preamble rows, tab-separated). "
                   "cellpy splits the unsigned 'Amp-hr'/'Amps' columns by the 'State' column: C -> charge (+), D -> discharge (-)."),
    "pec_csv": "",
    "arbin_sql_xlsx": "",
}

def load_cellpy(tag):
    d = json.load(open(f"{CP}/{tag}.json"))
    out = {"reader": f"cellpy.get(path, instrument={d['instrument']!r}" + "".join(f", {k}={v!r}" for k, v in d["kwargs"].items() if not k.startswith("_")) + ", testing=True) ; summary = c.data.summary"}
    if "shim" in d:
        out["shim"] = d["shim"]
    if "error" in d:
        out["error"] = d["error"].strip()
        return out
    inst = d["instrument"]
    ru = d["raw_units"]
    declared = ru["charge"]
    true_unit = "mAh" if inst == "neware_nda" else declared
    toAh = {"Ah": 1.0, "mAh": 1e-3}[true_unit]
    out["rows"] = d["rows"]
    out["n_cycles"] = d["n_cycles"]
    out["capacity_unit_declared_by_cellpy"] = declared
    out["capacity_unit_true"] = true_unit
    out["cycle_mode"] = d["cycle_mode"]
    out["mass_mg_used"] = d["mass_mg"]
    out["ce_definition"] = ("coulombic_efficiency [%] = 100 * charge / discharge (cycle_mode 'anode', the default: discharge is the first step)"
                            if d["cycle_mode"] == "anode" else "100 * discharge / charge")
    sc = d["counter_increment_vs_current_sign"]
    out["counter_increment_vs_current_sign"] = sc
    chg = sc["charge_capacity"]; dch = sc["discharge_capacity"]
    def side(x):
        if x["rows_incrementing"] == 0:
            return "never increments"
        if x["with_current_pos"] >= 0.99 * x["rows_incrementing"]:
            return "increments with POSITIVE current"
        if x["with_current_neg"] >= 0.99 * x["rows_incrementing"]:
            return "increments with NEGATIVE current"
        return "mixed"
    out["charge_sign"] = f"charge_capacity {side(chg)}; discharge_capacity {side(dch)} (current as in cellpy's raw frame)"
    out["step_type_counts"] = d["step_type_counts"]
    out["notes"] = CELLPY_NOTES.get(inst, "")
    cyc = []
    for c in d["cycles"]:
        ch, dc = c["charge_raw_unit"], c["discharge_raw_unit"]
        cyc.append({"cycle_index": c["cycle_index"],
                    "charge_native": ch, "discharge_native": dc,
                    "charge_Ah": None if ch is None else ch * toAh,
                    "discharge_Ah": None if dc is None else dc * toAh,
                    "coulombic_efficiency_pct": c["coulombic_efficiency_pct"],
                    "last_data_point": c.get("data_point")})
    out["cycles"] = cyc
    if "steps" in d:
        out["steps"] = d["steps"]
    return out

# ---------------- cellpy HDF5 reference ----------------
def read_h5(path):
    out = {"reader": "pandas.HDFStore(path, 'r') (PyTables); tables under /CellpyData"}
    with pd.HDFStore(path, "r") as st:
        out["keys"] = list(st.keys())
        fid = st["/CellpyData/fid"].iloc[0].to_dict()
        info = st["/CellpyData/info"].iloc[0].to_dict()
        itd = st["/CellpyData/info_test_dependent"].iloc[0].to_dict()
        s = st["/CellpyData/summary"]
        raw = st["/CellpyData/raw"]
        steps = st["/CellpyData/steps"]
    out["fid"] = {k: (v if not isinstance(v, (np.generic,)) else v.item()) for k, v in fid.items()}
    out["raw_rows_stored"] = int(len(raw))
    out["raw_rows_per_fid"] = int(fid["raw_data_files_length"])
    out["last_data_point"] = int(fid["last_data_point"])
    out["steps_rows"] = int(len(steps))
    out["step_type_counts"] = {str(k): int(v) for k, v in steps["type"].value_counts().items()}
    mass = float(info["mass"])
    out["mass"] = mass
    out["mass_unit"] = info["raw_unit_mass"]
    out["tot_mass"] = float(info["tot_mass"])
    out["nom_cap"] = float(info["nom_cap"]); out["nom_cap_specifics"] = info["nom_cap_specifics"]
    out["material"] = info["material"]
    out["cycle_mode"] = itd["cycle_mode"]
    out["raw_unit_charge"] = info["raw_unit_charge"]; out["raw_unit_current"] = info["raw_unit_current"]
    out["summary_columns"] = list(s.columns)
    out["units_note"] = ("summary 'charge_capacity'/'discharge_capacity' are in raw units (Ah, info.raw_unit_charge); "
                         "'*_gravimetric' are mAh/g computed with mass = %g %s (so gravimetric [mAh/g] * mass[mg]/1000 = absolute mAh); "
                         "'*_areal' are mAh/cm2 with area %g cm2." % (mass, info["raw_unit_mass"], float(info["active_electrode_area"])))
    out["ce_definition_in_file"] = ("coulombic_efficiency [%] stored in this file = 100 * discharge / charge (verified numerically), "
                                    "although cycle_mode is 'anode'; cellpy 1.0.3 re-running make_summary on the .res gives 100 * charge / discharge.")
    cyc = []
    for idx, r in s.iterrows():
        ch = float(r["charge_capacity"]); dc = float(r["discharge_capacity"])
        gch = float(r["charge_capacity_gravimetric"]); gdc = float(r["discharge_capacity_gravimetric"])
        cyc.append({"cycle_index": int(idx), "last_data_point": int(r["data_point"]),
                    "charge_Ah": ch, "discharge_Ah": dc,
                    "charge_mAh_per_g": gch, "discharge_mAh_per_g": gdc,
                    "charge_mAh_from_gravimetric": gch * mass / 1000.0,
                    "discharge_mAh_from_gravimetric": gdc * mass / 1000.0,
                    "coulombic_efficiency_pct_stored": float(r["coulombic_efficiency"])})
    # verify CE definition
    ok = all((c["charge_Ah"] == 0 or abs(c["coulombic_efficiency_pct_stored"] - 100 * c["discharge_Ah"] / c["charge_Ah"]) < 1e-6) for c in cyc)
    out["ce_equals_100_discharge_over_charge_all_cycles"] = bool(ok)
    out["n_cycles"] = len(cyc)
    out["cycles"] = cyc
    return out

ref = {}
files = sorted(os.path.basename(p) for p in glob.glob(f"{IN}/cycler_*"))
for name in files:
    p = f"{IN}/{name}"
    entry = {"sha256": sha(p), "size_bytes": os.path.getsize(p)}
    entry["navani"] = run_navani(p, name)
    for key, tag in CELLPY_RUNS[name]:
        entry[key] = load_cellpy(tag)
    ref[name] = entry

# extra navani attempt for the BDF file under a BDF-recognised suffix
alias = "/tmp/refs/work/cycler_cellpy_batmo_bdf.bdf.csv"
if not os.path.exists(alias):
    os.symlink(f"{IN}/cycler_cellpy_batmo_bdf.csv", alias)
try:
    with contextlib.redirect_stdout(io.StringIO()):
        ec.echem_file_loader(alias)
    extra = {"note": "unexpected success"}
except Exception as e:
    extra = {"error": f"{type(e).__name__}: {e}"}
extra["what"] = ("same bytes read through a symlink named *.bdf.csv so navani's BDF branch is taken; "
                 "navani requires 'Test Time / s' but the file has 'Test Time / h'")
ref["cycler_cellpy_batmo_bdf.csv"]["navani_via_bdf_csv_alias"] = extra

h5name = "reference_cellpy_20160805_test001_45_cc.h5"
h5 = read_h5(f"{IN}/{h5name}")
ref[h5name] = {"sha256": sha(f"{IN}/{h5name}"), "size_bytes": os.path.getsize(f"{IN}/{h5name}"),
               "cellpy_hdf5_store": h5}
# cross-check h5 vs fresh cellpy 1.0.3 on the .res
resc = ref["cycler_cellpy_20160805_test001_45_cc_01.res"]["cellpy"]
if "cycles" in resc:
    md = max(max(abs(a["charge_Ah"] - b["charge_Ah"]), abs(a["discharge_Ah"] - b["discharge_Ah"]))
             for a, b in zip(resc["cycles"], h5["cycles"]))
    h5["cross_check_vs_cellpy_1_0_3_on_res"] = {
        "same_n_cycles": len(resc["cycles"]) == len(h5["cycles"]),
        "same_raw_rows": resc["rows"] == h5["raw_rows_stored"],
        "max_abs_diff_capacity_Ah": md,
        "same_last_data_points": [a["last_data_point"] for a in resc["cycles"]] == [float(b["last_data_point"]) for b in h5["cycles"]]}

ref["_meta"] = {
    "generated_utc": datetime.datetime.utcnow().isoformat(timespec="seconds") + "Z",
    "python": platform.python_version(),
    "venv": "/tmp/refvenv",
    "inputs": "byte-identical copies (sha256 listed per file) of /work/shared/data/external/* in /tmp/refs/work/inputs",
}
def _ver(k):
    try:
        return version(k)
    except Exception:
        return None
ref["_meta"]["versions"] = {k: _ver(k) for k in ["cellpy", "navani", "datalab-org-galvani", "NewareNDA", "pandas", "numpy", "tables", "pyarrow", "polars", "scipy", "openpyxl", "python-calamine", "SQLAlchemy", "pyodbc"]}
import subprocess
try:
    ref["_meta"]["mdbtools"] = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "mdbtools"], capture_output=True, text=True).stdout
except Exception:
    pass
os.makedirs("/tmp/refs", exist_ok=True)
json.dump(clean(ref), open("/tmp/refs/reference.json", "w"), indent=1)
print("written", len(ref))
