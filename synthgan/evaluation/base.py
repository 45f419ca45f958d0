"""Metric entries: one JSON-safe record per metric, carrying its own definition.

Every metric the suite reports is declared once as a :class:`MetricSpec` (name,
family, direction, range, definition). Computing it yields an *entry*, a plain
dict ``{value, direction, range, ideal, definition, reason, details}``. A metric
that cannot be computed is never dropped: its value is ``None`` and ``reason``
says why (raise :class:`Unavailable` inside the computation to get that).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Direction = Literal["maximize", "minimize", "target"]

FAMILIES = ("fidelity", "detection", "diversity", "privacy", "utility", "fairness")

#: Every declared metric, keyed by ``(family, name)``; docs/metrics.md is checked against it.
METRIC_SPECS: dict[tuple[str, str], "MetricSpec"] = {}


class Unavailable(Exception):
    """Raised inside a metric computation when the metric cannot be computed; the message says why.

    Keyword arguments are kept as the entry's details (e.g. the per-pair scores that exist).
    """

    def __init__(self, reason: str, **details: Any):
        super().__init__(reason)
        self.details = details


@dataclass(frozen=True)
class MetricSpec:
    """The definition of one metric.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    name : str
        Key of the metric in its family (``"column_shapes"``).
    direction : {"maximize", "minimize", "target"}
        Whether higher or lower is better, or closeness to ``ideal``.
    range : tuple of (float or None, float or None)
        Bounds of the value; ``None`` means unbounded.
    definition : str
        One or two sentences: what is measured and how.
    ideal : float or None, default=None
        The best value (for ``"target"`` metrics the value to be close to).
    """

    family: str
    name: str
    direction: Direction
    range: tuple[float | None, float | None]
    definition: str
    ideal: float | None = None

    def entry(self, value: Any, *, reason: str | None = None, **details: Any) -> dict[str, Any]:
        """Build the JSON-safe entry for ``value`` (``None``/NaN require a ``reason``)."""
        number = _to_float(value)
        if number is None and not reason:
            reason = "the value is undefined (NaN) for this data"
        return {
            "value": number,
            "direction": self.direction,
            "range": list(self.range),
            "ideal": self.ideal,
            "definition": self.definition,
            "reason": reason if number is None else None,
            "details": json_safe(details),
        }

    def unavailable(self, reason: str, **details: Any) -> dict[str, Any]:
        """The entry of a metric that could not be computed, saying why."""
        return self.entry(None, reason=reason, **details)


def metric(family: str, name: str, direction: Direction, range: tuple[float | None, float | None],
           definition: str, ideal: float | None = None) -> MetricSpec:
    """Declare a metric once, at import time of its family module."""
    spec = MetricSpec(family, name, direction, range, definition, ideal)
    METRIC_SPECS[(family, name)] = spec
    return spec


def compute(spec: MetricSpec, func: Callable[[], Any]) -> dict[str, Any]:
    """Run ``func`` and wrap its result as ``spec``'s entry.

    ``func`` returns either a value or a ``(value, details)`` pair; an
    :class:`Unavailable` it raises becomes a ``None`` value with the reason.
    """
    try:
        out = func()
    except Unavailable as exc:
        return spec.unavailable(str(exc), **exc.details)
    if isinstance(out, tuple):
        value, details = out
        return spec.entry(value, **details)
    return spec.entry(out)


def _to_float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


def json_safe(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and NaN into plain JSON values (NaN -> None)."""
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return _to_float(obj)
    if obj is None or isinstance(obj, str):
        return obj
    return str(obj)
