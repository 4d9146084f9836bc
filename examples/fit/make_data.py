"""Make the synthetic example data of ``tfalab fit examples/fit/spec.toml``.

A TFA|Li6PS5Cl|TFA symmetric cell cycled at 1 mA/cm2, 1 mAh/cm2 per half-cycle for 40 h,
20 MPa, 80 degC, simulated by tfalab's model with two parameters changed from the default
build ("Zhang2025"): these are the "true" values the example fit should find,

    Exchange current density [A.m-2]           = 12.0     (1.2 mA/cm2; default 7.04)
    Interphase growth constant [Ohm.m2.s-0.5]  = 5.0e-08  (default 3.22e-08)

plus Gaussian noise of 0.05 mV on the voltage (seed 1), written as a Battery-Data-Format CSV
(``tfa_cycling.csv`` and its ``.metadata.json``) with only what a cycler records: time,
voltage, current and step number. Run from the repository root:

    .venv/bin/python examples/fit/make_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tfalab import CellTest
from tfalab.cell import simulate_symmetric

TRUE_VALUES = {"Exchange current density [A.m-2]": 12.0,
               "Interphase growth constant [Ohm.m2.s-0.5]": 5.0e-08}
PROTOCOL = "cycle 1 mA/cm2 1 mAh/cm2 for 40 h"
NOISE_V = 5e-5


def main(out: Path = Path(__file__).parent / "tfa_cycling.csv") -> Path:
    res = simulate_symmetric("tfa", PROTOCOL, pressure="20 MPa", temperature="80 degC",
                             points_per_step=10, overrides=TRUE_VALUES)
    cols = ["Test Time / s", "Voltage / V", "Current / A", "Step Count / 1"]
    data = res.celltest.data[cols].copy()
    rng = np.random.default_rng(1)
    data["Voltage / V"] = (data["Voltage / V"] + rng.normal(0.0, NOISE_V, len(data))).round(7)
    meta = {"electrode_area_m2": res.celltest.area,
            "source": "synthetic: examples/fit/make_data.py (tfalab symmetric-cell model)",
            "anode": "tfa", "pressure": "20 MPa", "temperature": "80 degC",
            "protocol": PROTOCOL}
    return CellTest(data, meta).save(out)


if __name__ == "__main__":
    print(main())
