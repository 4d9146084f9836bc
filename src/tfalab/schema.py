"""The shape of every dict and file tfalab reads, checked before anything is built (issue 20).

Protocols (:meth:`tfalab.protocols.Protocol.from_dict`), run configurations
(``SymmetricConfig``/``FullConfig.from_dict``), sweep and optimisation specs
(``SweepSpec``/``OptimizeSpec.from_dict`` and their TOML files) and cell builds
(:meth:`tfalab.cell.builds.Build.from_dict` and build TOML files) are validated here by
pydantic v2 models, then handed to their checked constructors.

The schema checks the *shape*: field names (unknown and missing fields), types (a number or a
string with a unit, whole-number counts, lists, tables) and that plain numbers are finite.
Units and physical ranges stay with the constructors, which convert with pint
(:mod:`tfalab.units`). :func:`validate` turns pydantic's report into the tfalab error of the
edge, one line naming the field, the value and what is allowed:

>>> from tfalab.errors import ProtocolError
>>> validate(CCDSchema, {"step": "abc"}, "ccd protocol", ProtocolError)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tfalab.errors.ProtocolError: ccd protocol: field 'step': got 'abc'; expected a number or ...
>>> validate(RestSchema, {"duration": "1 h", "current": 1}, "rest protocol", ProtocolError)
... # doctest: +ELLIPSIS
Traceback (most recent call last):
...
tfalab.errors.ProtocolError: rest protocol: unknown field(s) ['current']; allowed: ...

Models whose field names come from elsewhere (the sweep's point fields, the build fields) are
made on first use by the ``*_schema()`` functions, so that importing this module imports
nothing but pydantic.
"""

import math
import numbers
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    PlainValidator,
    Tag,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from tfalab.errors import ParameterError, TfalabError

__all__ = [
    "PROTOCOL_SCHEMAS",
    "CCDSchema",
    "CycleSchema",
    "FullProtocolSchema",
    "ProtocolDict",
    "RestSchema",
    "SequenceSchema",
    "StepsSchema",
    "StripSchema",
    "build_dict_schema",
    "build_file_schema",
    "full_config_schema",
    "optimize_spec_schema",
    "sweep_spec_schema",
    "symmetric_config_schema",
    "validate",
]


# --------------------------------------------------------------------------- value types
#: the start of a quantity string: a number (tfalab.units reads the unit after it)
_NUMBER_TEXT = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _fail(expected: str) -> PydanticCustomError:
    # the message is passed as context so that braces in it are never read as placeholders
    return PydanticCustomError("tfalab", "{expected}", {"expected": expected})


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (OverflowError, ValueError, TypeError):
        return False


def _checked(test: Callable[[Any], bool], expected: str) -> Any:
    """A type whose values pass ``test``; anything else is an error saying ``expected``."""

    def check(v: Any) -> Any:
        try:
            ok = test(v)
        except Exception:  # a test never raises for odd input; treat a failure as "no"
            ok = False
        if not ok:
            raise _fail(expected)
        return v

    return Annotated[Any, PlainValidator(check)]


def _number_ok(v: Any) -> bool:
    return _is_number(v) and _finite(v)


def _quantity_ok(v: Any) -> bool:
    if _is_number(v):
        return _finite(v)
    if isinstance(v, str):
        return bool(_NUMBER_TEXT.match(v))
    return hasattr(v, "magnitude") and hasattr(v, "units")  # a pint Quantity


def _count_ok(v: Any) -> bool:
    if isinstance(v, str):
        int(v)  # a digit string, as protocols accept ("100")
        return True
    return _is_number(v) and _finite(v) and float(v).is_integer()


def _int_ok(v: Any) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _plain_ok(v: Any) -> bool:
    """A TOML/JSON value: text, a finite number, a boolean, None, or a list/table of these."""
    if v is None or isinstance(v, str | bool):
        return True
    if _is_number(v):
        return _finite(v)
    if isinstance(v, list | tuple):
        return all(_plain_ok(x) for x in v)
    if isinstance(v, Mapping):
        return all(isinstance(k, str) and _plain_ok(x) for k, x in v.items())
    return False


def quantity(example: str) -> Any:
    """A number (SI) or a string with a unit such as ``example``; the constructor converts."""
    expected = f"expected a number or a quantity string such as {example!r}"

    def check(v: Any) -> Any:
        if _is_number(v) and not _finite(v):
            raise _fail(expected.replace("a number", "a finite number", 1))
        if not _quantity_ok(v):
            raise _fail(expected)
        return v

    return Annotated[Any, PlainValidator(check)]


if TYPE_CHECKING:  # to a type checker these are plain values; pydantic checks them
    Number = Any
    Int = Any
    Count = Any
    Text = Any
    Bool = Any
    PlainValue = Any
    CurrentDensity = Any
    Capacity = Any
    Time = Any
else:
    #: a finite plain number (SI)
    Number = _checked(_number_ok, "expected a finite number")
    #: an integer (not a boolean)
    Int = _checked(_int_ok, "expected an integer")
    #: a whole number: an integer, an integral float or a digit string
    Count = _checked(_count_ok, "expected a whole number such as 100")
    #: a string
    Text = _checked(lambda v: isinstance(v, str), "expected a string")
    #: true or false
    Bool = _checked(lambda v: isinstance(v, bool), "expected true or false")
    #: a value a sweep point may hold
    PlainValue = _checked(_plain_ok, "expected a string, a finite number, true/false, or a "
                                     "list or table of these")
    CurrentDensity = quantity("0.5 mA/cm2")
    Capacity = quantity("2 mAh/cm2")
    Time = quantity("30 min")


def _pair(first: Any, second: Any, expected: str) -> Any:
    """A two-item list or tuple (its items checked as ``first`` and ``second``)."""

    def shape(v: Any) -> Any:
        if hasattr(v, "tolist") and not isinstance(v, str):  # a numpy row
            v = v.tolist()
        if not isinstance(v, list | tuple) or len(v) != 2:
            raise _fail(expected)
        return tuple(v)

    return Annotated[tuple[first, second], BeforeValidator(shape)]


def _as_list(v: Any) -> Any:
    """A list (or a tuple, or a numpy array); not a string, a table, a set or an iterator,
    which validation would use up before the constructor sees it."""
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    if not isinstance(v, list | tuple):
        raise _fail("expected a list")
    return v


# --------------------------------------------------------------------------- base model
class _Schema(BaseModel):
    """Base of the schemas: frozen, no unknown fields; unknown and missing fields are
    reported all at once, with the fields allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: what the model's keys are called in messages ("field", "section", "point field")
    noun: ClassVar[str] = "field"

    @model_validator(mode="before")
    @classmethod
    def _names(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data  # pydantic reports "expected a table"
        fields = cls.model_fields
        unknown = [k for k in data if k not in fields]
        if unknown:
            raise PydanticCustomError("unknown_fields", "unknown {noun}(s)",
                                      {"noun": cls.noun, "names": unknown,
                                       "allowed": sorted(fields)})
        missing = [n for n, f in fields.items() if f.is_required() and n not in data]
        if missing:
            raise PydanticCustomError("missing_fields", "missing {noun}(s)",
                                      {"noun": cls.noun, "names": missing,
                                       "required": sorted(n for n, f in fields.items()
                                                          if f.is_required())})
        return dict(data)


# --------------------------------------------------------------------------- protocols
class _ProtocolSchema(_Schema):
    kind: Text | None = None


class CCDSchema(_ProtocolSchema):
    """``{"kind": "ccd", ...}``: :class:`tfalab.protocols.CCDRamp`."""

    start: CurrentDensity = 1.0
    step: CurrentDensity = 1.0
    stop: CurrentDensity = 100.0
    half_cycle_time: Time | None = None
    half_cycle_capacity: Capacity | None = None


class CycleSchema(_ProtocolSchema):
    """``{"kind": "cycle", ...}``: :class:`tfalab.protocols.GalvanostaticCycling`."""

    current_density: CurrentDensity
    capacity: Capacity
    total_time: Time | None = None
    cycles: Count | None = None


class StripSchema(_ProtocolSchema):
    """``{"kind": "strip", ...}``: :class:`tfalab.protocols.StripToFailure`."""

    current_density: CurrentDensity
    capacity: Capacity | None = None


class RestSchema(_ProtocolSchema):
    """``{"kind": "rest", ...}``: :class:`tfalab.protocols.Rest`."""

    duration: Time


_STEP = _pair(CurrentDensity, Time, "expected a (current density, duration) pair such as "
                                    "['0.5 mA/cm2', '1 h']")


class StepsSchema(_ProtocolSchema):
    """``{"kind": "steps", ...}``: :class:`tfalab.protocols.StepList`."""

    step_list: Annotated[list[_STEP],  # type: ignore[valid-type]  # a run-time type
                         BeforeValidator(_as_list)]


class SequenceSchema(_ProtocolSchema):
    """``{"kind": "sequence", ...}``: :class:`tfalab.protocols.Sequence`."""

    protocols: Annotated[list["_ProtocolItem"],  # type: ignore[valid-type]  # a run-time type
                         BeforeValidator(_as_list)]


#: protocol kind → schema of its dict (the kinds of :class:`tfalab.protocols.Protocol`)
PROTOCOL_SCHEMAS: dict[str, type[_ProtocolSchema]] = {
    "ccd": CCDSchema, "cycle": CycleSchema, "strip": StripSchema, "rest": RestSchema,
    "sequence": SequenceSchema, "steps": StepsSchema}
_KINDS_TEXT = ", ".join(sorted(PROTOCOL_SCHEMAS))


def _kind_tag(v: Any) -> str | None:
    kind = v.get("kind") if isinstance(v, Mapping) else None
    tag = None if kind is None else str(kind).lower()
    return f"@{tag}" if tag in PROTOCOL_SCHEMAS else None


def _item_tag(v: Any) -> str | None:
    if isinstance(v, str):
        return "@text"
    if isinstance(v, Mapping):
        return _kind_tag(v)
    return "@object"


def _protocol_object_ok(v: Any) -> bool:
    from tfalab.protocols import Protocol

    return isinstance(v, Protocol | list | tuple)


_PROTOCOL_MEMBERS = tuple(Annotated[m, Tag(f"@{k}")] for k, m in PROTOCOL_SCHEMAS.items())

#: a protocol's dict (:meth:`~tfalab.protocols.Protocol.to_dict`), by its ``kind``
ProtocolDict = Annotated[
    Union[_PROTOCOL_MEMBERS],  # type: ignore[valid-type]  # noqa: UP007 - built from a tuple
    Discriminator(_kind_tag, custom_error_type="protocol_kind",
                  custom_error_message="{expected}",
                  custom_error_context={"expected": "expected a protocol dict whose 'kind' "
                                                    f"is one of {_KINDS_TEXT}"})]

#: an item of a sequence: a protocol dict, a protocol string, a Protocol or a list of these
_ProtocolItem = Annotated[  # type: ignore[valid-type]  # a run-time type
    Union[(*_PROTOCOL_MEMBERS,
           Annotated[Text, Tag("@text")],
           Annotated[_checked(_protocol_object_ok, "expected a protocol dict, a protocol "
                                                   "string or a Protocol"), Tag("@object")])],
    Discriminator(_item_tag, custom_error_type="protocol_kind",
                  custom_error_message="{expected}",
                  custom_error_context={"expected": "expected a protocol string or a dict "
                                                    f"whose 'kind' is one of {_KINDS_TEXT}"})]
SequenceSchema.model_rebuild()


class FullProtocolSchema(_Schema):
    """:meth:`tfalab.protocols.FullProtocol.to_dict`: ``{"blocks": [[C-rate, cycles], ...]}``."""

    blocks: Annotated[list[_pair(  # type: ignore[valid-type]  # a run-time type
        Number, Count, "expected a (C-rate, cycles) pair such as [1.0, 10]")],
                      BeforeValidator(_as_list)]


# --------------------------------------------------------------------------- run configs
class AnodeSchema(_Schema):
    """:meth:`tfalab.anode.CompositeAnode.to_config`."""

    skeleton: Text | None = None
    free_li: quantity("60 wt%") = 0.6  # type: ignore[valid-type]  # a run-time type
    thickness: quantity("100 um") = 1e-4  # type: ignore[valid-type]  # a run-time type
    porosity: quantity("6.6 %") = 0.066  # type: ignore[valid-type]  # a run-time type
    collapse_fraction: _checked(  # type: ignore[valid-type]  # a run-time type
        lambda v: isinstance(v, str) or _number_ok(v),
        "expected a number, 'fitted', 'rigid' or 'collapse'") | None = None


@cache
def build_dict_schema() -> type[_Schema]:
    """Schema of :meth:`tfalab.cell.builds.Build.to_dict` (SI values with their sources)."""
    from tfalab.cell.builds import FIELDS

    class BuildValueSchema(_Schema):
        value: Number
        source: Text
        note: Text
        fitted_to: Annotated[list[Text], BeforeValidator(_as_list)]
        text: Text

    fields: dict[str, Any] = {name: (BuildValueSchema | None, None) for name in FIELDS}
    value_table = create_model("BuildValuesSchema", __base__=_Schema, **fields)

    class BuildDictSchema(_Schema):
        name: Text
        values: value_table  # type: ignore[valid-type]
        description: Text = ""
        reference: Text = ""
        doi: Text = ""
        path: Text = ""
        overrides: dict[str, Number] = {}

    return BuildDictSchema


def _config_fields() -> dict[str, Any]:
    return {"anode": (AnodeSchema, ...), "pressure": (Number, None),
            "temperature": (Number, None), "area": (Number | None, None),
            "points_per_step": (Int, None), "overrides": (dict[str, Number], None),
            "build": (build_dict_schema(), None)}


@cache
def symmetric_config_schema() -> type[_Schema]:
    """Schema of ``SymmetricConfig.to_dict`` (:mod:`tfalab.cell.simulate`; SI values)."""
    return create_model("SymmetricConfigSchema", __base__=_Schema,
                        protocol=(ProtocolDict, ...), relative_density=(Number | None, None),
                        **_config_fields())


@cache
def full_config_schema() -> type[_Schema]:
    """Schema of ``FullConfig.to_dict`` (:mod:`tfalab.cell.full_simulate`; SI values)."""
    return create_model("FullConfigSchema", __base__=_Schema, cathode=(Text, ...),
                        loading=(Number, ...), protocol=(FullProtocolSchema, ...),
                        **_config_fields())


# --------------------------------------------------------------------------- sweeps
class _Sections(_Schema):
    noun: ClassVar[str] = "section"


class _PointFields(_Schema):
    noun: ClassVar[str] = "point field"


class _Range(_Schema):
    low: quantity("20 um")  # type: ignore[valid-type]  # a run-time type
    high: quantity("150 um")  # type: ignore[valid-type]  # a run-time type
    log: Bool = False


class _SpaceRange(_Range):
    step: quantity("1 um") | None = None  # type: ignore[valid-type]  # a run-time type


def _axis(range_model: type[_Schema], expected: str) -> Any:
    def tag(v: Any) -> str | None:
        if isinstance(v, list | tuple):
            return "@choices"
        return "@range" if isinstance(v, Mapping) else None

    return Annotated[
        Union[Annotated[list[PlainValue], Tag("@choices")],  # noqa: UP007
              Annotated[range_model, Tag("@range")]],
        Discriminator(tag, custom_error_type="axis", custom_error_message="{expected}",
                      custom_error_context={"expected": expected})]


def _point_model(name: str, base: type[_Schema], value: Any) -> type[_Schema]:
    from tfalab.sweep.spec import FIELDS

    fields: dict[str, Any] = {f: (value, None) for f in FIELDS}
    return create_model(name, __base__=base, **fields)


@cache
def sweep_spec_schema() -> type[_Schema]:
    """Schema of a sweep spec (:class:`tfalab.sweep.spec.SweepSpec`, TOML or dict)."""
    from tfalab.sweep.spec import KINDS, SAMPLINGS

    point_table = _point_model("PointSchema", _PointFields, PlainValue)
    axes_table = _point_model("AxesSchema", _PointFields, _axis(
        _Range, "expected a non-empty list of values, or {low = ..., high = ...} (lhs)"))

    class SweepHead(_Schema):
        kind: Literal[KINDS]  # type: ignore[valid-type]
        sampling: Literal[SAMPLINGS] = "grid"  # type: ignore[valid-type]
        samples: Int = 20
        seed: Int = 0
        timeout: Time | None = None

    class SweepSpecSchema(_Sections):
        sweep: SweepHead
        fixed: point_table = {}  # type: ignore[valid-type]
        axes: axes_table = {}  # type: ignore[valid-type]
        points: Annotated[list[point_table], BeforeValidator(  # type: ignore[valid-type]
            _as_list)] = []

    return SweepSpecSchema


@cache
def optimize_spec_schema() -> type[_Schema]:
    """Schema of an optimisation spec (:class:`tfalab.sweep.optimize.OptimizeSpec`)."""
    from tfalab.sweep.spec import KINDS

    point_table = _point_model("PointSchema", _PointFields, PlainValue)
    space_table = _point_model("SpaceSchema", _PointFields, _axis(
        _SpaceRange, "expected a list of choices or {low = ..., high = ...}"))

    class OptimizeHead(_Schema):
        kind: Literal[KINDS]  # type: ignore[valid-type]
        objectives: dict[str, Text]
        trials: Int = 50
        sampler: Text = "nsga2"
        population: Int | None = None
        seed: Int = 0
        constraints: Annotated[list[Text], BeforeValidator(
            _as_list)] = []

    class OptimizeSpecSchema(_Sections):
        optimize: OptimizeHead
        space: space_table  # type: ignore[valid-type]
        fixed: point_table = {}  # type: ignore[valid-type]
        reference: point_table | None = None  # type: ignore[valid-type]

    return OptimizeSpecSchema


# --------------------------------------------------------------------------- build files
@cache
def build_file_schema() -> type[_Schema]:
    """Schema of a build TOML file (``data/builds/NAME.toml``, a user's build or a
    ``tfalab fit`` parameter file): values in friendly units, each plain, with its source
    (``{value = ..., source = ..., note = ...}``) or ``{fitted = "name"}``."""
    from tfalab.cell.builds import FIELDS

    class FittedEntry(_Schema):
        fitted: Text
        note: Text = ""

    class ValueEntry(_Schema):
        value: quantity("100 um")  # type: ignore[valid-type]  # a run-time type
        source: Text = "reported"
        note: Text = ""
        citation: Text = ""
        fitted_to: Annotated[list[Text], BeforeValidator(_as_list)] = []

    def tag(v: Any) -> str | None:
        if isinstance(v, Mapping):
            return "@fitted" if "fitted" in v else "@table"
        return "@plain"

    entry = Annotated[  # type: ignore[valid-type]  # a run-time type
        Union[Annotated[FittedEntry, Tag("@fitted")],  # noqa: UP007
              Annotated[ValueEntry, Tag("@table")],
              Annotated[quantity("100 um"), Tag("@plain")]],
        Discriminator(tag)]
    fields: dict[str, Any] = {name: (entry, None) for name in FIELDS}
    value_table = create_model("BuildValuesSchema", __base__=_Schema, **fields)

    class BuildFileSchema(_Schema):
        name: Text = ""
        base: Text = ""
        description: Text = ""
        reference: Text = ""
        doi: Text = ""
        values: value_table = {}  # type: ignore[valid-type]
        overrides: dict[str, Number] = {}
        fit: dict[str, Any] = {}

    return BuildFileSchema


# --------------------------------------------------------------------------- validation
_EXPECTED = {
    "string_type": "expected a string",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "dict_type": "expected a table (a dict)",
    "model_type": "expected a table (a dict)",
    "model_attributes_type": "expected a table (a dict)",
}


_ADAPTERS: dict[int, tuple[Any, TypeAdapter]] = {}


def _adapter(model: Any) -> TypeAdapter:
    """A cached TypeAdapter of ``model`` (keyed by identity: Annotated types with dict
    metadata do not hash)."""
    hit = _ADAPTERS.get(id(model))
    if hit is None or hit[0] is not model:
        hit = _ADAPTERS[id(model)] = (model, TypeAdapter(model))
    return hit[1]


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, str) and (part.startswith("@") or part == "[key]"):
            continue  # a union tag or pydantic's marker of a dict key
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _join(parent: str, name: Any) -> str:
    return f"{parent}.{name}" if parent else str(name)


def _describe(err: ErrorDetails) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    path = _path(err["loc"])
    if kind in ("unknown_fields", "missing_fields"):
        names = [_join(path, n) for n in ctx["names"]]
        if kind == "unknown_fields":
            return (f"unknown {ctx['noun']}(s) {names}; allowed: "
                    f"{', '.join(map(str, ctx['allowed']))}")
        return f"missing {ctx['noun']}(s) {names}; required: {', '.join(ctx['required'])}"
    if kind in ("tfalab", "protocol_kind", "axis"):
        expected = ctx.get("expected", err["msg"])
    elif kind == "literal_error":
        leaf = next((p for p in reversed(err["loc"]) if isinstance(p, str)), "value")
        expected = f"{leaf} must be one of {ctx.get('expected', '')}"
    elif kind in _EXPECTED:
        expected = _EXPECTED[kind]
    else:
        msg = str(err["msg"]).splitlines()[0] if err["msg"] else kind
        expected = msg[:1].lower() + msg[1:]
    got = f"got {_show(err.get('input'))}; {expected}"
    return f"field {path!r}: {got}" if path else got


def validate(model: Any, data: Any, what: str,
             error: type[TfalabError] = ParameterError) -> Any:
    """``data`` validated against ``model`` (a schema class, or a type such as
    :data:`ProtocolDict`); ``error`` (the edge's tfalab error) otherwise, with a one-line
    message that starts with ``what`` and names the field, the value and what is allowed.

    >>> validate(FullProtocolSchema, {"blocks": [[1.0, "ten"]]}, "full-cell protocol")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tfalab.errors.ParameterError: full-cell protocol: field 'blocks[0][1]': got 'ten'; ...
    """
    if isinstance(data, Mapping) and not isinstance(data, dict):
        data = dict(data)
    try:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model.model_validate(data)
        return _adapter(model).validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        message = f"{what}: {_describe(errors[0])}"
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
        raise error(message) from None
