"""Serialisation shared by the run configurations (symmetric and full cells)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any, Self


class SerialisableConfig:
    """Mixin for frozen dataclass configurations: JSON round trip and a stable cache key."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        return cls(**d)

    def key(self) -> str:
        """A stable hash of the configuration (for caching)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]
