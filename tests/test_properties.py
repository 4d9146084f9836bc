"""Property-based tests (hypothesis): round trips and invariants of quantities, anode designs,
protocols, run configurations and CellTests (issue 20)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfalab.anode import CompositeAnode
from tfalab.celltest import CellTest
from tfalab.protocols import (
    CCDRamp,
    GalvanostaticCycling,
    Rest,
    StripToFailure,
    make_protocol,
)
from tfalab.units import from_si, to_si

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- strategies -----------------------------------------------------------------------------
positive = st.floats(min_value=1e-3, max_value=1e3, allow_nan=False, allow_infinity=False)
quantities = st.sampled_from([("length", "um"), ("pressure", "MPa"), ("temperature", "degC"),
                              ("current_density", "mA/cm2"), ("areal_capacity", "mAh/cm2"),
                              ("time", "h"), ("fraction", "%")])
anodes = st.builds(CompositeAnode,
                   free_li=st.floats(min_value=0.3, max_value=0.95).map(lambda w: f"{100 * w} wt%"),
                   thickness=st.floats(min_value=10, max_value=300).map(lambda h: f"{h} um"),
                   porosity=st.floats(min_value=0.0, max_value=0.3))
currents = st.floats(min_value=0.05, max_value=10).map(lambda i: f"{i:.4g} mA/cm2")
capacities = st.floats(min_value=0.05, max_value=5).map(lambda q: f"{q:.4g} mAh/cm2")
protocols = st.one_of(
    st.builds(GalvanostaticCycling, currents, capacities, cycles=st.integers(1, 50)),
    st.builds(StripToFailure, currents, capacities),
    st.builds(Rest, st.floats(min_value=0.1, max_value=100).map(lambda t: f"{t:.4g} h")),
    st.builds(CCDRamp, start=st.just("0.1 mA/cm2"), step=st.just("0.1 mA/cm2"),
              stop=st.floats(min_value=0.2, max_value=5).map(lambda i: f"{i:.3g} mA/cm2"),
              half_cycle_time=st.just("0.5 h")),
)


def celltests() -> st.SearchStrategy[CellTest]:
    @st.composite
    def build(draw: st.DrawFn) -> CellTest:
        n = draw(st.integers(2, 40))
        dt = draw(st.lists(st.floats(min_value=1e-3, max_value=1e4), min_size=n - 1,
                           max_size=n - 1))
        t = np.concatenate(([0.0], np.cumsum(dt)))
        finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
        v = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
        i = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
        frame = pd.DataFrame({"Test Time / s": t, "Voltage / V": v, "Current / A": i})
        return CellTest(frame, {"source": "hypothesis", "note": draw(st.text(max_size=20))})

    return build()


# --- properties -----------------------------------------------------------------------------
@FAST
@given(kind_unit=quantities, value=positive)
def test_quantity_round_trip(kind_unit: tuple[str, str], value: float) -> None:
    kind, unit = kind_unit
    si = to_si(f"{value!r} {unit}", kind)
    assert from_si(si, kind, unit) == pytest.approx(value, rel=1e-12)


@FAST
@given(anode=anodes, fraction=st.floats(min_value=0.0, max_value=1.0))
def test_strip_then_plate_returns_the_anode(anode: CompositeAnode, fraction: float) -> None:
    q = fraction * anode.areal_capacity
    stripped = anode.strip(q)
    back = anode.plate(q, stripped)
    start = anode.state_after(0.0)
    assert back.net_stripped == pytest.approx(0.0, abs=1e-9 * anode.areal_capacity)
    assert back.free_li_thickness == pytest.approx(start.free_li_thickness, rel=1e-9)
    assert 0.0 <= stripped.utilisation <= 1.0 + 1e-12
    assert anode.utilisation(q) == pytest.approx(fraction, rel=1e-9, abs=1e-12)
    # conservation: the free Li removed is the capacity stripped
    removed = start.free_li_thickness - stripped.free_li_thickness
    li_per_volume = anode.areal_capacity / start.free_li_thickness
    assert removed * li_per_volume == pytest.approx(q, rel=1e-6, abs=1e-9)


@FAST
@given(protocol=protocols)
def test_protocol_round_trips(protocol) -> None:
    assert make_protocol(protocol.to_dict()) == protocol
    again = make_protocol(protocol.to_string()).steps()
    assert np.allclose(np.asarray(again), np.asarray(protocol.steps()), rtol=1e-3)
    assert protocol.duration == pytest.approx(sum(t for _, t in protocol.steps()))
    assert all(t > 0 and math.isfinite(i) for i, t in protocol.steps())


@FAST
@given(protocol=protocols, pressure=st.floats(min_value=0, max_value=100),
       temperature=st.floats(min_value=0, max_value=150),
       anode=st.sampled_from(["tfa", "li"]))
def test_symmetric_config_round_trip(protocol, pressure: float, temperature: float,
                                     anode: str) -> None:
    from tfalab.cell.simulate import SymmetricConfig

    cfg = SymmetricConfig.make(anode, protocol, f"{pressure} MPa", f"{temperature} degC",
                               build="Zhang2025")
    again = SymmetricConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.key() == cfg.key()


@FAST
@given(test=celltests(), suffix=st.sampled_from([".parquet", ".csv"]))
def test_celltest_save_load_round_trip(tmp_path: Path, test: CellTest, suffix: str) -> None:
    path = test.save(tmp_path / f"t{suffix}")
    back = CellTest.load(path)
    np.testing.assert_array_equal(back.time, test.time)
    np.testing.assert_array_equal(back.voltage, test.voltage)
    np.testing.assert_array_equal(back.current, test.current)
    assert back.metadata["note"] == test.metadata["note"]


@FAST
@given(kind_unit=quantities, value=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_numbers_never_pass(kind_unit: tuple[str, str], value: float) -> None:
    from tfalab.errors import UnitError

    kind, unit = kind_unit
    with pytest.raises(UnitError):
        to_si(value, kind)
    with pytest.raises(UnitError):
        to_si(f"{value} {unit}", kind)
