"""The literature validation suite: published Li|sulfide-electrolyte symmetric cells from
several laboratories, each simulated with its laboratory's cell build.

- :mod:`tfalab.literature.measurements` — the data file ``data/literature/measurements.toml``
  (DOI, conditions, observed value, tolerance, role) as :class:`Measurement` objects;
- :mod:`tfalab.literature.evaluate` — the model's value for one measurement;
- :mod:`tfalab.literature.suite` — the whole suite as a table, figures and a summary
  (``tfalab validate``);
- :mod:`tfalab.literature.calibrate` — fit a laboratory's declared build values to its
  declared calibration measurements (``scripts/calibrate_builds.py``).

The suite uses the library only (materials + builds + anode); the paper's own claims are in
``tfalab.paper``.
"""

from tfalab.literature.evaluate import Evaluation, evaluate
from tfalab.literature.measurements import Measurement, load_measurements
from tfalab.literature.suite import run_suite, summary

__all__ = ["Evaluation", "Measurement", "evaluate", "load_measurements", "run_suite",
           "summary"]
