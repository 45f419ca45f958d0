"""Checks for constructor arguments, run at ``fit`` time (the constructor only stores).

Each checker takes the model name, the argument name and the value, returns the
normalised value and raises :class:`~synthgan.errors.ConfigError` naming the
argument and an example of a valid value.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any, ClassVar

from synthgan.errors import ConfigError

Checker = Callable[[str, str, Any], Any]


def _fail(model: str, arg: str, value: Any, expected: str, example: str) -> ConfigError:
    return ConfigError(f"{model}: '{arg}' must be {expected}, got {value!r}; pass e.g. {arg}={example}")


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))


def positive_int(model: str, arg: str, value: Any) -> int:
    if not _is_int(value) or value <= 0:
        raise _fail(model, arg, value, "a positive integer", "10")
    return int(value)


def optional_positive_int(model: str, arg: str, value: Any) -> int | None:
    return None if value is None else positive_int(model, arg, value)


def positive_float(model: str, arg: str, value: Any) -> float:
    if not _is_real(value) or value <= 0:
        raise _fail(model, arg, value, "a positive number", "0.0002")
    return float(value)


def non_negative_float(model: str, arg: str, value: Any) -> float:
    if not _is_real(value) or value < 0:
        raise _fail(model, arg, value, "a number >= 0", "0.0")
    return float(value)


def unit_interval(model: str, arg: str, value: Any) -> float:
    """A float in [0, 1)."""
    if not _is_real(value) or not 0.0 <= value < 1.0:
        raise _fail(model, arg, value, "a number in [0, 1)", "0.5")
    return float(value)


def optional_unit_interval(model: str, arg: str, value: Any) -> float | None:
    return None if value is None else unit_interval(model, arg, value)


def layer_sizes(model: str, arg: str, value: Any) -> tuple[int, ...]:
    """A non-empty sequence of positive layer widths."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise _fail(model, arg, value, "a list of positive layer widths", "(256, 256)")
    sizes = tuple(value)
    if not sizes or not all(_is_int(v) and v > 0 for v in sizes):
        raise _fail(model, arg, value, "a non-empty list of positive layer widths", "(256, 256)")
    return tuple(int(v) for v in sizes)


def adam_betas(model: str, arg: str, value: Any) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise _fail(model, arg, value, "two numbers in [0, 1)", "(0.5, 0.9)")
    betas = tuple(value)
    if len(betas) != 2 or not all(_is_real(b) and 0.0 <= b < 1.0 for b in betas):
        raise _fail(model, arg, value, "two numbers in [0, 1)", "(0.5, 0.9)")
    return float(betas[0]), float(betas[1])


def boolean(model: str, arg: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(model, arg, value, "True or False", "True")
    return value


def device_name(model: str, arg: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(model, arg, value, "'auto', 'cpu' or 'cuda'", "'auto'")
    return value


def one_of(*choices: str) -> Checker:
    """A checker that accepts exactly one of ``choices`` (strings)."""
    def check(model: str, arg: str, value: Any) -> str:
        if value not in choices:
            raise _fail(model, arg, value, "one of " + ", ".join(repr(c) for c in choices), repr(choices[0]))
        return value
    return check


def check_config(model: str, values: dict[str, Any], checkers: dict[str, Checker]) -> dict[str, Any]:
    """Run every checker; returns the normalised values keyed like ``checkers``."""
    return {arg: check(model, arg, values[arg]) for arg, check in checkers.items()}


def json_safe(value: Any) -> Any:
    """Tuples become lists (JSON has no tuples); numpy scalars become Python numbers."""
    if isinstance(value, (tuple, list)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


class ConfigMixin:
    """scikit-learn style configuration: ``__init__`` stores, ``fit`` checks with ``checkers``."""

    name: ClassVar[str]
    checkers: ClassVar[dict[str, Checker]] = {}

    def _store(self, values: dict[str, Any]) -> None:
        """Store the constructor arguments as they are (checked at ``fit``)."""
        for name in self._param_names():
            setattr(self, name, values[name])

    @classmethod
    def _param_names(cls) -> list[str]:
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as JSON-safe values (tuples become lists)."""
        return {name: json_safe(getattr(self, name)) for name in self._param_names()}

    def _checked_config(self) -> dict[str, Any]:
        return check_config(self.name, {n: getattr(self, n) for n in self._param_names()}, self.checkers)
