"""Serialisation shared by the run configurations (symmetric and full cells)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any, ClassVar, Self

from tfalab.errors import ParameterError

#: most output points per protocol step (memory grows with points x steps)
MAX_POINTS_PER_STEP = 10_000


def check_points(points_per_step: object) -> int:
    """``points_per_step``, an integer in 2..:data:`MAX_POINTS_PER_STEP`, or a
    :class:`~tfalab.errors.ParameterError`."""
    if isinstance(points_per_step, bool) or not isinstance(points_per_step, int) \
            or not 2 <= points_per_step <= MAX_POINTS_PER_STEP:
        raise ParameterError(f"points_per_step must be an integer in 2-{MAX_POINTS_PER_STEP}, "
                             f"got {points_per_step!r}")
    return points_per_step


class SerialisableConfig:
    """Mixin for frozen dataclass configurations: JSON round trip and a stable cache key."""

    #: the :mod:`tfalab.schema` function giving the schema of this configuration's dict
    schema: ClassVar[str | None] = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Rebuild a configuration from :meth:`to_dict` output; its shape (field names,
        types, finite numbers, the protocol and build inside) is checked first
        (:mod:`tfalab.schema`), a :class:`~tfalab.errors.ParameterError` if it is wrong."""
        what = f"{cls.__name__} dict"
        if cls.schema is not None:
            from tfalab import schema

            schema.validate(getattr(schema, cls.schema)(), d, what, ParameterError)
        try:
            return cls(**d)
        except TypeError as exc:  # a config without a schema, given the wrong fields
            raise ParameterError(f"{what}: {exc}") from None

    def key(self) -> str:
        """A stable hash of the configuration (for caching)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]
