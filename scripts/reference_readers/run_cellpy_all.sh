#!/bin/bash
export TMPDIR=/tmp/refs/work/tmp
mkdir -p $TMPDIR /tmp/refs/work/cp
cd /tmp/refs/work/cp
I=/tmp/refs/work/inputs
P=/tmp/refvenv/bin/python
run(){ # file instrument kwargs tag
  echo "== $1 $2 $3"; timeout 900 $P /tmp/refs/work/run_cellpy_one.py "$I/$1" "$2" "$3" "/tmp/refs/work/cp/$4.json" > "/tmp/refs/work/cp/$4.log" 2>&1; echo "rc=$?"
}
run cycler_cellpy_20160805_test001_45_cc_01.res arbin_res '{}' res
run cycler_cellpy_20260302_IFE_BTS85_2_9_8_1.ndax neware_nda '{}' ife_ndax
run cycler_cellpy_Test25205.csv pec_csv '{}' pec
run cycler_cellpy_batmo_bdf.csv batmo_bdf '{}' batmo
run cycler_cellpy_biol.mpr biologics_mpr '{}' biol
run cycler_cellpy_maccor_001.txt maccor_txt '{"model":"one","sep":"\t"}' maccor
run cycler_cellpy_maccor_001.txt maccor_txt '{"model":"one","sep":"\t","_shim_series_update":true,"_steps":true}' maccor_shim
run cycler_cellpy_neware_uio.csv neware_txt '{"model":"one"}' neware_uio
run cycler_navani_00_test_02_MB_C01.mpr biologics_mpr '{}' navani_mpr
run cycler_navani_arbin_Channel_11.xlsx arbin_sql_xlsx '{}' navani_xlsx
run cycler_navani_test.ndax neware_nda '{}' navani_ndax
