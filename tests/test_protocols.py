import json
import math
import time

import numpy as np
import pytest

from tfalab.errors import ProtocolError
from tfalab.protocols import (
    DEFAULT_STRIP_TIME,
    CCDRamp,
    GalvanostaticCycling,
    Protocol,
    Rest,
    Sequence,
    StripToFailure,
    make_protocol,
    parse_protocol,
)

MA_CM2 = 10.0  # A/m² per mA/cm²
MAH_CM2 = 36000.0  # C/m² per mAh/cm²
AREA_10MM = math.pi * (5e-3) ** 2  # 10 mm diameter electrode, m²

STRINGS = [
    "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h",
    "cycle 4 mA/cm2 1 mAh/cm2 x 100",
    "ccd",
    "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 0.5 h",
    "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 1 mAh/cm2",
    "strip 0.5 mA/cm2",
    "strip 0.5 mA/cm2 to 20 mAh/cm2",
    "rest 10 h",
    "rest 10 h; cycle 0.5 mA/cm2 2 mAh/cm2 x 3",
    "rest 1 h then ccd then strip 1 mA/cm2",
]

PROTOCOLS = [
    CCDRamp(),
    CCDRamp("1 mA/cm2", "0.5 mA/cm2", "3 mA/cm2", half_cycle_capacity="1 mAh/cm2"),
    GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", total_time="6000 h"),
    GalvanostaticCycling("4 mA/cm2", "1 mAh/cm2", cycles=100),
    StripToFailure("0.5 mA/cm2"),
    StripToFailure("0.5 mA/cm2", "20 mAh/cm2"),
    Rest("30 min"),
    Sequence([Rest("1 h"), GalvanostaticCycling(5.0, 72000.0, cycles=2)]),
]


# --------------------------------------------------------------------------- parsing

def test_parse_examples_from_the_brief():
    p = parse_protocol("cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h")
    assert p == GalvanostaticCycling(5.0, 2 * MAH_CM2, total_time=6000 * 3600.0)
    assert p.half_cycle_time == 4 * 3600.0
    assert p.n_cycles == 750 and p.n_half_cycles == 1500

    p = parse_protocol("cycle 4 mA/cm2 1 mAh/cm2 x 100")
    assert p == GalvanostaticCycling(40.0, MAH_CM2, cycles=100)

    assert parse_protocol("ccd") == CCDRamp()
    p = parse_protocol("ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 0.5 h")
    assert p == CCDRamp(1.0, 1.0, 80.0, half_cycle_time=1800.0)
    p = parse_protocol("ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 1 mAh/cm2")
    assert p == CCDRamp(1.0, 1.0, 80.0, half_cycle_capacity=MAH_CM2)
    assert p.half_cycle_time is None

    assert parse_protocol("strip 0.5 mA/cm2") == StripToFailure(5.0)
    assert parse_protocol("strip 0.5 mA/cm2 to 20 mAh/cm2") == StripToFailure(5.0, 20 * MAH_CM2)
    assert parse_protocol("rest 10 h") == Rest(36000.0)


@pytest.mark.parametrize("text, expected", [
    ("  CYCLE   0.5mA/cm2   2mAh/cm2  FOR 6000h ", "cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h"),
    ("cycle at 4 mA cm-2, 1 mAh cm-2 for 100 cycles", "cycle 4 mA/cm2 1 mAh/cm2 x 100"),
    ("cycle 4 mA / cm² 1 mAh/cm² × 100", "cycle 4 mA/cm2 1 mAh/cm2 x 100"),
    ("cycle 0.5 ma/cm2 2 MAH/cm2 x 3", "cycle 0.5 mA/cm2 2 mAh/cm2 x 3"),
    ("Rest for 600 min", "rest 10 h"),
    ("strip at 0.5 mA/cm2 for 40 h", "strip 0.5 mA/cm2 to 20 mAh/cm2"),
    ("ccd to 3 mA/cm2", "ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 3 mA/cm2 every 0.5 h"),
    ("rest 1 h;cycle 1 mA/cm2 1 mAh/cm2 x 2 ;", "rest 1 h; cycle 1 mA/cm2 1 mAh/cm2 x 2"),
    ("rest 1 h THEN strip 1 mA/cm2", "rest 1 h; strip 1 mA/cm2"),
])
def test_parse_is_flexible(text, expected):
    assert parse_protocol(text) == parse_protocol(expected)


@pytest.mark.parametrize("text", STRINGS)
def test_parse_round_trips_through_to_string_and_dict(text):
    p = parse_protocol(text)
    assert parse_protocol(p.to_string()) == p
    assert Protocol.from_dict(json.loads(json.dumps(p.to_dict()))) == p
    assert isinstance(p.describe(), str) and p.describe()


def test_sequences_from_semicolon_and_then():
    p = parse_protocol("rest 10 h; cycle 0.5 mA/cm2 2 mAh/cm2 x 3 then strip 0.5 mA/cm2")
    assert isinstance(p, Sequence)
    assert [type(q) for q in p.protocols] == [Rest, GalvanostaticCycling, StripToFailure]
    assert p.duration == 36000.0 + 6 * 14400.0 + DEFAULT_STRIP_TIME


# --------------------------------------------------------------------------- dicts, make_protocol

@pytest.mark.parametrize("p", PROTOCOLS, ids=lambda p: p.kind)
def test_to_dict_from_dict_json_round_trip(p):
    d = p.to_dict()
    assert d["kind"] == p.kind
    again = json.loads(json.dumps(d))
    assert Protocol.from_dict(again) == p
    assert type(p).from_dict(again) == p
    assert make_protocol(again) == p
    assert make_protocol(json.dumps(d)) == p
    assert make_protocol(p) is p


def test_from_dict_accepts_unit_strings():
    p = Protocol.from_dict({"kind": "cycle", "current_density": "0.5 mA/cm2",
                            "capacity": "2 mAh/cm2", "cycles": 10})
    assert p == GalvanostaticCycling(5.0, 72000.0, cycles=10)


def test_from_dict_errors():
    with pytest.raises(ProtocolError, match="unknown protocol kind"):
        Protocol.from_dict({"kind": "pulse"})
    with pytest.raises(ProtocolError, match="unknown field"):
        Protocol.from_dict({"kind": "rest", "duration": 10.0, "current": 1.0})
    with pytest.raises(ProtocolError, match=r"Rest\.from_dict got a 'strip'"):
        Rest.from_dict({"kind": "strip", "current_density": 1.0})
    with pytest.raises(ProtocolError, match="expected a dict"):
        Protocol.from_dict(["rest 1 h"])


def test_make_protocol_list_and_bad_input():
    assert make_protocol(["rest 1 h", {"kind": "rest", "duration": 3600.0}]) == \
        Sequence([Rest(3600.0), Rest(3600.0)])
    with pytest.raises(ProtocolError, match="cannot make a protocol"):
        make_protocol(42)
    with pytest.raises(ProtocolError, match="JSON"):
        make_protocol("{not json")


# --------------------------------------------------------------------------- steps

def _half_cycle_charges(p):
    return [abs(i) * t for i, t in p.steps() if i != 0]


def test_cycling_charge_per_half_cycle_is_the_capacity():
    p = parse_protocol("cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h")
    steps = p.steps()
    assert len(steps) == 1500
    assert steps[0] == (5.0, 14400.0) and steps[1] == (-5.0, 14400.0)  # strip, then plate
    assert np.allclose(_half_cycle_charges(p), 2 * MAH_CM2, rtol=1e-12)
    assert math.isclose(sum(i * t for i, t in steps), 0.0, abs_tol=1e-6)  # net charge zero
    assert math.isclose(p.duration, 6000 * 3600.0)


def test_total_time_floors_to_whole_cycles():
    p = GalvanostaticCycling("1 mA/cm2", "1 mAh/cm2", total_time="5 h")  # 2 h cycles
    assert p.n_cycles == 2 and p.duration == 4 * 3600.0
    with pytest.raises(ProtocolError, match="shorter than one cycle"):  # not a silent 2 h
        GalvanostaticCycling("1 mA/cm2", "1 mAh/cm2", total_time="1 h")
    assert GalvanostaticCycling("1 mA/cm2", "1 mAh/cm2", total_time="2 h").n_cycles == 1


@pytest.mark.parametrize(("text", "words"), [
    ("cycle 1 MA/CM2 1 mAh/cm2 x 2", "mega"),  # pint's mega-ampere, not a re-cased mA
    ("cycle 1 MA/cm2 1 mAh/cm2 x 2", "above 1000 mA/cm2"),
    ("strip 1 mA/cm2 to 2 Ah/cm2", "above 1000 mAh/cm2"),
    ("ccd from 1 mA/cm2 step 1 A/cm2 to 5 A/cm2", "above 1000 mA/cm2"),
])
def test_unit_slips_are_refused_not_guessed(text, words):
    with pytest.raises(ProtocolError, match=words):
        make_protocol(text)
    assert make_protocol("cycle 0.5 ma/cm2 2 MAH/CM2 x 3").capacity == pytest.approx(72000)


def test_ccd_ramp_defaults_and_steps():
    r = CCDRamp()
    i = r.current_densities()
    assert len(i) == 100 and i[0] == 1.0 and i[-1] == 100.0
    assert np.allclose(np.diff(i), 1.0)
    steps = r.steps()
    assert len(steps) == 200 and r.n_half_cycles == 200
    assert steps[:4] == [(1.0, 1800.0), (-1.0, 1800.0), (2.0, 1800.0), (-2.0, 1800.0)]
    assert r.duration == 100 * 3600.0


def test_ccd_ramp_with_capacity_per_half_cycle():
    r = parse_protocol("ccd from 0.1 mA/cm2 step 0.1 mA/cm2 to 8 mA/cm2 every 1 mAh/cm2")
    assert r.n_half_cycles == 160
    assert np.allclose(_half_cycle_charges(r), MAH_CM2, rtol=1e-12)
    assert r.steps()[0] == (1.0, 36000.0)


def test_ccd_ramp_stop_not_on_grid_and_single_step():
    assert list(CCDRamp(1.0, 2.0, 6.0).current_densities()) == [1.0, 3.0, 5.0]
    assert list(CCDRamp("0.3 mA/cm2", "0.1 mA/cm2", "0.6 mA/cm2").current_densities()) == \
        [3.0, 4.0, 5.0, 6.0]
    assert list(CCDRamp(5.0, 1.0, 5.0).current_densities()) == [5.0]


def test_strip_and_rest_steps():
    s = StripToFailure("0.5 mA/cm2", "20 mAh/cm2")
    assert s.steps() == [(5.0, 144000.0)] and s.n_half_cycles == 1
    assert np.allclose(_half_cycle_charges(s), 20 * MAH_CM2)
    assert StripToFailure("0.5 mA/cm2").steps() == [(5.0, DEFAULT_STRIP_TIME)]
    r = Rest("10 h")
    assert r.steps() == [(0.0, 36000.0)] and r.n_half_cycles == 0 and r.duration == 36000.0


def test_sequence_concatenates_steps():
    seq = Sequence(["rest 1 h", "cycle 1 mA/cm2 1 mAh/cm2 x 2"])
    assert seq.steps() == [(0.0, 3600.0)] + [(10.0, 3600.0), (-10.0, 3600.0)] * 2
    assert seq.n_half_cycles == 4 and seq.duration == 5 * 3600.0


# --------------------------------------------------------------------------- experiments

def test_experiment_currents_in_amps_for_10_mm_electrode():
    pybamm = pytest.importorskip("pybamm")
    p = parse_protocol("rest 1 h; cycle 0.5 mA/cm2 2 mAh/cm2 x 3")
    exp = p.to_experiment(AREA_10MM, points_per_step=10)
    assert isinstance(exp, pybamm.Experiment)
    assert len(exp.steps) == 7
    assert exp.cycle_lengths == [1, 2, 2, 2]
    i = 5.0 * AREA_10MM  # 0.393 mA
    assert math.isclose(i, 3.927e-4, rel_tol=1e-3)
    assert exp.steps[0].value == 0 and exp.steps[0].duration == 3600.0
    for k, step in enumerate(exp.steps[1:]):
        assert math.isclose(step.value, i if k % 2 == 0 else -i, rel_tol=1e-12)
        assert step.direction == ("discharge" if k % 2 == 0 else "charge")
        assert step.duration == 14400.0 and step.period == 1440.0
    # charge per half-cycle, in A·s, is capacity × area
    assert math.isclose(abs(exp.steps[1].value) * exp.steps[1].duration,
                        2 * MAH_CM2 * AREA_10MM, rel_tol=1e-12)


def test_experiment_temperature_and_area_as_strings():
    pytest.importorskip("pybamm")
    exp = Rest("1 h").to_experiment("0.785 cm2", temperature="60 degC")
    assert math.isclose(exp.temperature, 333.15)
    assert exp.steps[0].temperature == pytest.approx(333.15)
    exp = StripToFailure("1 mA/cm2", "1 mAh/cm2").to_experiment("1 cm2")
    assert math.isclose(exp.steps[0].value, 1e-3)


def test_6000_h_experiment_builds_quickly():
    pytest.importorskip("pybamm")
    p = parse_protocol("cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h")
    t0 = time.perf_counter()
    exp = p.to_experiment(AREA_10MM)
    elapsed = time.perf_counter() - t0
    assert len(exp.steps) == 1500 and len(exp.cycles) == 750
    assert elapsed < 5.0, f"building 1500 steps took {elapsed:.2f} s"


@pytest.mark.parametrize("kwargs, match", [
    ({"area_m2": 0.0}, "area_m2"),
    ({"area_m2": "1 mA"}, "area"),
    ({"area_m2": 1e-4, "points_per_step": 0}, "points_per_step"),
    ({"area_m2": 1e-4, "temperature": "20 MPa"}, "temperature"),
])
def test_experiment_argument_errors(kwargs, match):
    pytest.importorskip("pybamm")
    with pytest.raises(ProtocolError, match=match):
        Rest("1 h").to_experiment(**kwargs)


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("make, field", [
    (lambda: GalvanostaticCycling("-0.5 mA/cm2", "2 mAh/cm2", cycles=3), "current_density"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "0 mAh/cm2", cycles=3), "capacity"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", total_time="-1 h"), "total_time"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", cycles=0), "cycles"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", cycles=2.5), "cycles"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", cycles=True), "cycles"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2"), "exactly one"),
    (lambda: GalvanostaticCycling("0.5 mA/cm2", "2 mAh/cm2", total_time="1 h", cycles=1),
     "exactly one"),
    (lambda: GalvanostaticCycling(float("nan"), 1.0, cycles=1), "current_density"),
    (lambda: GalvanostaticCycling(None, 1.0, cycles=1), "current_density"),
    (lambda: StripToFailure(float("inf")), "current_density"),
    (lambda: StripToFailure("0.5 mA/cm2", "2 mA/cm2"), "capacity"),
    (lambda: Rest(0.0), "duration"),
    (lambda: Rest("10 mAh/cm2"), "duration"),
    (lambda: CCDRamp(start="1 mA/cm2", stop="0.5 mA/cm2"), "stop"),
    (lambda: CCDRamp(step=0.0), "step"),
    (lambda: CCDRamp(step=1e-6), "steps"),
    (lambda: CCDRamp(half_cycle_time="1 h", half_cycle_capacity="1 mAh/cm2"), "not both"),
    (lambda: Sequence([]), "empty"),
    (lambda: Sequence("rest 1 h"), "list"),
])
def test_invalid_protocols_raise_protocol_error_naming_the_field(make, field):
    with pytest.raises(ProtocolError, match=field) as info:
        make()
    assert isinstance(info.value, ValueError)
    assert "e.g." in str(info.value) or "such as" in str(info.value) \
        or "for example" in str(info.value) or "at least" in str(info.value)


@pytest.mark.parametrize("text, match", [
    ("pulse 1 mA/cm2", "accepted forms"),
    ("", "empty"),
    ("cycle 0.5 mA/cm2 2 mAh/cm2", "cycle 4 mA/cm2 1 mAh/cm2 x 100"),  # no time or count
    ("rest", "rest 10 h"),
    ("cycle -0.5 mA/cm2 2 mAh/cm2 x 3", "current_density must be a positive"),
    ("cycle 0.5 mA/cm2 2 mAh/cm2 x 0", "cycles must be at least 1"),
    ("rest 10 mA", "expected a time"),
    ("ccd from 1 mA/cm2 to 0.5 mA/cm2", "stop"),
    ("strip 0.5 mA/cm2 to 3 V", "capacity"),
    ("rest 1 h; bogus", "bogus"),
])
def test_bad_strings(text, match):
    with pytest.raises(ProtocolError, match=match):
        parse_protocol(text)


def test_unknown_string_lists_accepted_forms():
    with pytest.raises(ProtocolError) as info:
        parse_protocol("do something")
    msg = str(info.value)
    for form in ("cycle 0.5 mA/cm2 2 mAh/cm2 for 6000 h", "ccd", "strip 0.5 mA/cm2", "rest 10 h"):
        assert form in msg


def test_protocols_are_frozen_and_hashable():
    p = CCDRamp()
    with pytest.raises(AttributeError):
        p.start = 2.0  # type: ignore[misc]
    assert len({p, CCDRamp(), Rest(1.0)}) == 2
