"""The schema layer (tfalab.schema, issue 20): every dict and file edge checks its shape with
pydantic before anything is built, and a bad shape is the edge's tfalab error, one line naming
the field, the value and what is allowed."""

from __future__ import annotations

import inspect
import json
import math
import subprocess
import sys
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_properties import currents
from test_properties import protocols as simple_protocols
from tfalab import schema
from tfalab.cell.builds import Build, BuildError, builds_folder, load_build
from tfalab.cell.full_simulate import FullConfig
from tfalab.cell.simulate import SymmetricConfig
from tfalab.errors import ParameterError, ProtocolError, TfalabError
from tfalab.protocols import (
    FullProtocol,
    Protocol,
    Sequence,
    StepList,
    make_protocol,
)
from tfalab.sweep.optimize import OptimizeSpec
from tfalab.sweep.spec import SweepSpec

ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- the edges, each with a good dict ---------------------------------------------------------
SYMMETRIC = SymmetricConfig.make("tfa", "rest 1 h; cycle 1 mA/cm2 1 mAh/cm2 x 2",
                                 build="Zhang2025").to_dict()
FULL = FullConfig.make("tfa", "fes2", "2.17 mg/cm2", "cycle 1C x 2").to_dict()
BUILD = load_build("Zhang2025").to_dict()
SWEEP = {"sweep": {"kind": "design", "sampling": "grid"}, "fixed": {"skeleton": "LiBx"},
         "axes": {"free_li": ["50 wt%", "60 wt%"]}}
OPTIMIZE = {"optimize": {"kind": "design", "objectives": {"np_ratio": "maximize"}},
            "space": {"thickness": {"low": "20 um", "high": "150 um"}}}


def _toml(data: dict[str, Any]) -> str:
    """TOML text of a test table: top-level values, then one [table] per dict (nested dicts
    inline); keys and strings quoted as JSON, which TOML reads the same."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)

    lines = [f"{json.dumps(k)} = {value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += [f"[{json.dumps(k)}]", *(f"{json.dumps(n)} = {value(x)}"
                                              for n, x in v.items())]
    return "\n".join(lines) + "\n"


EDGES = {
    "protocol": (Protocol.from_dict, ProtocolError),
    "make_protocol": (make_protocol, ProtocolError),
    "full_protocol": (FullProtocol.parse, ProtocolError),
    "symmetric": (SymmetricConfig.from_dict, ParameterError),
    "full": (FullConfig.from_dict, ParameterError),
    "sweep": (SweepSpec.from_dict, ParameterError),
    "optimize": (OptimizeSpec.from_dict, ParameterError),
    "build_dict": (Build.from_dict, BuildError),
    "build_file": (None, BuildError),
}


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with ``path`` ("a.b.c") set to ``value`` (or removed if
    ``value`` is ``...``)."""
    import copy

    out = copy.deepcopy(base)
    *parents, leaf = path.split(".")
    node = out
    for p in parents:
        node = node[p]
    if value is ...:
        del node[leaf]
    else:
        node[leaf] = value
    return out


NAN, INF = math.nan, math.inf
# (edge, bad data, text the message must hold: the field's path)
CASES: list[tuple[str, Any, str]] = [
    # protocols: unknown / missing fields, wrong types, non-finite numbers, bad kinds
    ("protocol", {"kind": "rest", "duration": "1 h", "current": 1.0}, "current"),
    ("protocol", {"kind": "cycle", "current_density": 1.0}, "capacity"),
    ("protocol", {"kind": "ccd", "step": "abc"}, "'step'"),
    ("protocol", {"kind": "ccd", "stop": NAN}, "'stop'"),
    ("protocol", {"kind": "rest", "duration": INF}, "'duration'"),
    ("protocol", {"kind": "rest", "duration": True}, "'duration'"),
    ("protocol", {"kind": "strip", "current_density": [1]}, "'current_density'"),
    ("protocol", {"kind": "cycle", "current_density": 1, "capacity": 1, "cycles": 2.5},
     "'cycles'"),
    ("protocol", {"kind": "cycle", "current_density": 1, "capacity": 1, "cycles": "many"},
     "'cycles'"),
    ("protocol", {"kind": "pulse"}, "kind"),
    ("protocol", {"duration": "1 h"}, "kind"),
    ("protocol", {"kind": "steps", "step_list": "1 mA/cm2 for 1 h"}, "'step_list'"),
    ("protocol", {"kind": "steps", "step_list": [["1 mA/cm2", "1 h"], [1.0]]},
     "'step_list[1]'"),
    ("protocol", {"kind": "steps", "step_list": [["1 mA/cm2", "1 h"], ["x", "1 h"]]},
     "'step_list[1][0]'"),
    ("protocol", {"kind": "steps", "step_list": [[NAN, "1 h"]]}, "'step_list[0][0]'"),
    ("protocol", {"kind": "sequence", "protocols": "rest 1 h"}, "'protocols'"),
    ("protocol", {"kind": "sequence", "protocols": ["rest 1 h", {"kind": "rest",
                                                                 "duration": "soon"}]},
     "'protocols[1].duration'"),
    ("protocol", {"kind": "sequence", "protocols": [{"kind": "rest"}]},
     "protocols[0].duration"),
    ("protocol", {"kind": "sequence", "protocols": [{"kind": "rest", "duration": 1,
                                                     "x": 2}]}, "protocols[0].x"),
    ("protocol", {"kind": "sequence", "protocols": [{"kind": "pulse"}]}, "'protocols[0]'"),
    ("protocol", {"kind": "sequence", "protocols": [42]}, "'protocols[0]'"),
    ("protocol", {"kind": "sequence", "protocols": [
        {"kind": "steps", "step_list": [["1 mA/cm2", INF]]}]},
     "'protocols[0].step_list[0][1]'"),
    ("make_protocol", '{"kind": "rest", "duration": null}', "'duration'"),
    ("make_protocol", ["rest 1 h", {"kind": "strip", "current_density": "fast"}],
     "'current_density'"),
    ("full_protocol", {"blocks": [[1.0, "ten"]]}, "'blocks[0][1]'"),
    ("full_protocol", {"blocks": [[NAN, 2]]}, "'blocks[0][0]'"),
    ("full_protocol", {"blocks": [1.0]}, "'blocks[0]'"),
    ("full_protocol", {}, "blocks"),
    ("full_protocol", {"blocks": [], "rate": 1}, "rate"),
    # run configurations
    ("symmetric", _with(SYMMETRIC, "colour", "red"), "colour"),
    ("symmetric", _with(SYMMETRIC, "anode", ...), "anode"),
    ("symmetric", _with(SYMMETRIC, "pressure", NAN), "'pressure'"),
    ("symmetric", _with(SYMMETRIC, "temperature", "80 degC"), "'temperature'"),
    ("symmetric", _with(SYMMETRIC, "points_per_step", 2.5), "'points_per_step'"),
    ("symmetric", _with(SYMMETRIC, "overrides", {"Creep length [m]": INF}),
     "'overrides.Creep length [m]'"),
    ("symmetric", _with(SYMMETRIC, "anode.thickness", -INF), "'anode.thickness'"),
    ("symmetric", _with(SYMMETRIC, "anode.colour", 1), "anode.colour"),
    ("symmetric", _with(SYMMETRIC, "protocol", {"kind": "pulse"}), "'protocol'"),
    ("symmetric", _with(SYMMETRIC, "protocol.protocols", [{"kind": "rest",
                                                           "duration": NAN}]),
     "'protocol.protocols[0].duration'"),
    ("symmetric", _with(SYMMETRIC, "build.values.flaw_depth.value", "2 um"),
     "'build.values.flaw_depth.value'"),
    ("symmetric", _with(SYMMETRIC, "build.values.flaw_dept", {}), "build.values.flaw_dept"),
    ("full", _with(FULL, "loading", INF), "'loading'"),
    ("full", _with(FULL, "cathode", ...), "cathode"),
    ("full", _with(FULL, "cathode", 7), "'cathode'"),
    ("full", _with(FULL, "protocol", {"blocks": [[1.0, 2.5]]}), "'protocol.blocks[0][1]'"),
    ("full", _with(FULL, "relative_density", 0.9), "relative_density"),
    # sweep specs
    ("sweep", _with(SWEEP, "extra", {}), "extra"),
    ("sweep", _with(SWEEP, "sweep", ...), "sweep"),
    ("sweep", _with(SWEEP, "sweep.kind", "magic"), "'sweep.kind'"),
    ("sweep", _with(SWEEP, "sweep.colour", 1), "sweep.colour"),
    ("sweep", _with(SWEEP, "sweep.samples", 2.5), "'sweep.samples'"),
    ("sweep", _with(SWEEP, "sweep.seed", True), "'sweep.seed'"),
    ("sweep", _with(SWEEP, "sweep.timeout", "soon"), "'sweep.timeout'"),
    ("sweep", _with(SWEEP, "axes.colour", ["red"]), "axes.colour"),
    ("sweep", _with(SWEEP, "axes.free_li", "50 wt%"), "'axes.free_li'"),
    ("sweep", _with(SWEEP, "axes.free_li", {"low": "40 wt%"}), "axes.free_li.high"),
    ("sweep", _with(SWEEP, "axes.free_li", {"low": NAN, "high": 0.8}), "'axes.free_li.low'"),
    ("sweep", _with(SWEEP, "axes.free_li", [0.5, INF]), "'axes.free_li[1]'"),
    ("sweep", _with(SWEEP, "fixed.thickness", NAN), "'fixed.thickness'"),
    ("sweep", _with(SWEEP, "points", [{"free_li": 0.5}, {"colour": 1}]), "points[1].colour"),
    ("sweep", _with(SWEEP, "points", {"free_li": 0.5}), "'points'"),
    # optimisation specs
    ("optimize", _with(OPTIMIZE, "optimize.objectives", ...), "optimize.objectives"),
    ("optimize", _with(OPTIMIZE, "optimize.kind", "magic"), "'optimize.kind'"),
    ("optimize", _with(OPTIMIZE, "optimize.trials", "many"), "'optimize.trials'"),
    ("optimize", _with(OPTIMIZE, "optimize.constraints", "np_ratio >= 1"),
     "'optimize.constraints'"),
    ("optimize", _with(OPTIMIZE, "optimize.constraints", [3]), "'optimize.constraints[0]'"),
    ("optimize", _with(OPTIMIZE, "optimize.objectives", {"np_ratio": 1}),
     "'optimize.objectives.np_ratio'"),
    ("optimize", _with(OPTIMIZE, "space.thickness", {"low": "20 um", "high": "150 um",
                                                     "steps": 3}), "space.thickness.steps"),
    ("optimize", _with(OPTIMIZE, "space.thickness", {"low": "20 um", "high": INF}),
     "'space.thickness.high'"),
    ("optimize", _with(OPTIMIZE, "space.thickness", "20 um"), "'space.thickness'"),
    ("optimize", _with(OPTIMIZE, "space.colour", ["red"]), "space.colour"),
    ("optimize", _with(OPTIMIZE, "space", ...), "space"),
    ("optimize", _with(OPTIMIZE, "reference", {"thickness": NAN}), "'reference.thickness'"),
    ("optimize", _with(OPTIMIZE, "results", {}), "results"),
    # builds: the to_dict form and TOML files
    ("build_dict", _with(BUILD, "name", ...), "name"),
    ("build_dict", _with(BUILD, "values.flaw_depth.value", NAN), "'values.flaw_depth.value'"),
    ("build_dict", _with(BUILD, "values.flaw_depth.source", ...), "values.flaw_depth.source"),
    ("build_dict", _with(BUILD, "values.colour", {}), "values.colour"),
    ("build_dict", _with(BUILD, "overrides", {"Creep length [m]": "1 um"}),
     "'overrides.Creep length [m]'"),
    ("build_dict", _with(BUILD, "values.flaw_depth.fitted_to", "Doux2020"),
     "'values.flaw_depth.fitted_to'"),
    ("build_file", {"base": "Generic", "values": {"flaw_dept": "2 um"}}, "values.flaw_dept"),
    ("build_file", {"base": "Generic", "colour": "red"}, "colour"),
    ("build_file", {"base": "Generic", "values": {"flaw_depth": {"vallue": "2 um"}}},
     "values.flaw_depth.vallue"),
    ("build_file", {"base": "Generic", "values": {"flaw_depth": {"source": "assumed"}}},
     "values.flaw_depth.value"),
    ("build_file", {"base": "Generic", "values": {"flaw_depth": True}},
     "'values.flaw_depth'"),
    ("build_file", {"base": "Generic", "values": {"flaw_depth": "deep"}},
     "'values.flaw_depth'"),
    ("build_file", {"base": "Generic", "values": {"flaw_depth": {"fitted": 3}}},
     "'values.flaw_depth.fitted'"),
    ("build_file", {"base": "Generic", "overrides": {"Creep length [m]": "1 um"}},
     "'overrides.Creep length [m]'"),
    ("build_file", {"base": ["Generic"]}, "'base'"),
]


def _call(edge: str, data: Any, tmp_path: Path) -> Any:
    if edge == "build_file":
        path = tmp_path / "build.toml"
        path.write_text(_toml(data))
        return load_build(str(path))
    return EDGES[edge][0](data)


@pytest.mark.parametrize(("edge", "data", "field"), CASES,
                         ids=[f"{e}-{k}" for k, (e, _, _) in enumerate(CASES)])
def test_bad_shapes_are_the_edges_error_naming_the_field(edge: str, data: Any, field: str,
                                                         tmp_path: Path) -> None:
    error = EDGES[edge][1]
    with pytest.raises(error) as info:
        _call(edge, data, tmp_path)
    message = str(info.value)
    assert isinstance(info.value, TfalabError)
    assert field in message, message
    assert "\n" not in message, message
    assert "pydantic" not in message.lower() and "validation error" not in message.lower()
    # no pydantic traceback shown above it: no cause, and any context suppressed
    exc = info.value
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def test_the_message_names_the_field_the_value_and_what_is_allowed() -> None:
    with pytest.raises(ProtocolError) as info:
        Protocol.from_dict({"kind": "ccd", "step": "abc"})
    assert str(info.value) == ("ccd protocol: field 'step': got 'abc'; expected a number or a "
                               "quantity string such as '0.5 mA/cm2'")
    with pytest.raises(ProtocolError, match=r"missing field\(s\) \['current_density', "
                                            r"'capacity'\]; required: capacity"):
        make_protocol({"kind": "cycle"})
    with pytest.raises(ProtocolError, match=r"unknown field\(s\) \['current'\]; allowed: "
                                            r"duration, kind"):
        make_protocol({"kind": "rest", "duration": 1.0, "current": 1.0})
    with pytest.raises(ParameterError, match=r"got nan; expected a finite number"):
        SymmetricConfig.from_dict(_with(SYMMETRIC, "pressure", NAN))


def test_ranges_stay_with_the_constructors() -> None:
    """The schema passes well-shaped values; units and physical ranges are the
    constructors' (pint), with their own messages."""
    with pytest.raises(ProtocolError, match="positive"):
        Protocol.from_dict({"kind": "rest", "duration": "-1 h"})
    with pytest.raises(ProtocolError, match="time"):
        Protocol.from_dict({"kind": "rest", "duration": "1 mA/cm2"})
    with pytest.raises(ParameterError, match="samples must be a positive integer"):
        SweepSpec.from_dict(_with(SWEEP, "sweep.samples", 0))
    with pytest.raises(ProtocolError, match=r"C-rate must lie in \[0.001, 100\]"):
        FullProtocol.parse({"blocks": [[500.0, 2]]})


def test_shapes_that_were_accepted_still_are() -> None:
    assert Protocol.from_dict({"kind": "REST", "duration": "2 h"}).duration == 7200.0
    from tfalab.protocols import Rest

    assert Rest.from_dict({"duration": "2 h"}).duration == 7200.0
    cycle = Protocol.from_dict({"kind": "cycle", "current_density": "0.5 mA/cm2",
                                "capacity": "2 mAh/cm2", "cycles": "10"})
    assert cycle.n_cycles == 10
    seq = Protocol.from_dict({"kind": "sequence",
                              "protocols": ["rest 1 h", Rest(60.0), ["rest 2 h"],
                                            {"kind": "rest", "duration": 1.0}]})
    assert isinstance(seq, Sequence) and len(seq.protocols) == 4
    import numpy as np

    steps = Protocol.from_dict({"kind": "steps", "step_list": np.array([[1.0, 10.0]])})
    assert steps == StepList([(1.0, 10.0)])
    assert FullProtocol.parse({"blocks": [[1, 10.0]]}).blocks == ((1.0, 10),)


def test_protocol_schemas_match_the_protocol_classes() -> None:
    assert set(schema.PROTOCOL_SCHEMAS) == set(Protocol._registry)
    for kind, cls in Protocol._registry.items():
        model = schema.PROTOCOL_SCHEMAS[kind]
        names = {f.name for f in fields(cls)}
        assert set(model.model_fields) - {"kind"} == names, kind
        params = inspect.signature(cls.__init__).parameters
        required = {n for n, p in params.items()
                    if n != "self" and p.default is inspect.Parameter.empty}
        assert {n for n, f in model.model_fields.items() if f.is_required()} == required, kind


def test_config_schemas_match_the_config_classes() -> None:
    for cls, model in ((SymmetricConfig, schema.symmetric_config_schema()),
                       (FullConfig, schema.full_config_schema())):
        names = {f.name for f in fields(cls)}
        assert set(model.model_fields) == names, cls
        required = {f.name for f in fields(cls) if f.default is f.default_factory}
        assert {n for n, f in model.model_fields.items() if f.is_required()} == required


def test_shipped_builds_and_examples_fit_the_schema() -> None:
    for res in builds_folder().iterdir():
        if res.name.endswith(".toml"):
            schema.validate(schema.build_file_schema(), tomllib.loads(res.read_text("utf-8")),
                            res.name, BuildError)
    SweepSpec.read(ROOT / "examples" / "sweep_ccd.toml")
    OptimizeSpec.read(ROOT / "examples" / "optimize_tfa.toml")


def test_spec_files_are_checked_and_named(tmp_path: Path) -> None:
    f = tmp_path / "spec.toml"
    f.write_text('[sweep]\nkind = "design"\n[axes]\nfree_li = ["50 wt%"]\ncolour = ["red"]\n')
    with pytest.raises(ParameterError, match=r"sweep spec '.*spec\.toml': unknown point "
                                             r"field\(s\) \['axes\.colour'\]"):
        SweepSpec.read(f)
    f.write_text('[optimize]\nkind = "design"\ntrials = "many"\n[optimize.objectives]\n'
                 'np_ratio = "max"\n[space]\nthickness = {low = "20 um", high = "150 um"}\n')
    with pytest.raises(ParameterError, match=r"optimize spec '.*spec\.toml': field "
                                             r"'optimize\.trials': got 'many'"):
        OptimizeSpec.read(f)


def test_importing_protocols_does_not_import_pydantic() -> None:
    code = "import sys, tfalab.protocols; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# --- round trips ------------------------------------------------------------------------------
durations = st.floats(min_value=0.01, max_value=100).map(lambda t: f"{t:.4g} h")
step_lists = st.lists(st.tuples(st.floats(min_value=-10, max_value=10,
                                          allow_nan=False).map(lambda i: f"{i:.4g} mA/cm2"),
                                durations), min_size=1, max_size=8).map(StepList)
all_protocols = st.recursive(
    st.one_of(simple_protocols, step_lists),
    lambda inner: st.lists(inner, min_size=1, max_size=3).map(Sequence), max_leaves=6)


@FAST
@given(protocol=all_protocols)
def test_protocol_dict_round_trips(protocol: Protocol) -> None:
    d = protocol.to_dict()
    schema.validate(schema.ProtocolDict, d, "protocol", ProtocolError)
    assert Protocol.from_dict(d) == protocol
    assert type(protocol).from_dict(json.loads(json.dumps(d))) == protocol


@settings(max_examples=15, deadline=None)
@given(protocol=all_protocols, pressure=st.floats(min_value=0, max_value=100),
       area=st.none() | st.floats(min_value=0.1, max_value=2).map(lambda a: f"{a} cm2"),
       points=st.integers(2, 50), anode=st.sampled_from(["tfa", "li"]))
def test_symmetric_config_dict_round_trips(protocol: Protocol, pressure: float, area: Any,
                                           points: int, anode: str) -> None:
    cfg = SymmetricConfig.make(anode, protocol, f"{pressure} MPa", area=area,
                               points_per_step=points, build="Zhang2025")
    again = SymmetricConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.key() == cfg.key()


@settings(max_examples=15, deadline=None)
@given(rates=st.lists(st.sampled_from([0.2, 0.5, 1, 2, 5]), min_size=1, max_size=4),
       cycles=st.integers(1, 20), pressure=st.floats(min_value=1, max_value=80),
       current=currents)
def test_full_config_dict_round_trips(rates: list[float], cycles: int, pressure: float,
                                      current: str) -> None:
    text = "rate " + ",".join(f"{r}C" for r in rates) + f" x {cycles}"
    cfg = FullConfig.make("tfa", "fes2", "2.17 mg/cm2", text, f"{pressure} MPa")
    again = FullConfig.from_dict(cfg.to_dict())
    assert again == cfg and again.key() == cfg.key()
    assert FullProtocol.parse(cfg.protocol) == FullProtocol.parse(text)
