"""Design-space sweeps: a spec of points (:mod:`~tfalab.sweep.spec`), what each point computes
(:mod:`~tfalab.sweep.points`), a resumable Parquet store (:mod:`~tfalab.sweep.store`) and the
Dask engine that runs them (:mod:`~tfalab.sweep.engine`). ``tfalab sweep SPEC --out DIR`` on
the command line; ``docs/sweep.md`` and ``docs/scaling.md``."""

from tfalab.sweep.engine import SweepRun, run_sweep
from tfalab.sweep.points import evaluate_point
from tfalab.sweep.spec import KINDS, SweepSpec, point_key
from tfalab.sweep.store import Store

__all__ = ["KINDS", "Store", "SweepRun", "SweepSpec", "evaluate_point", "point_key",
           "run_sweep"]
