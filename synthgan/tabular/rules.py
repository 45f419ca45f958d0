"""Rules between columns: relations that hold in every real row and must hold in every synthetic one.

Four kinds, each a small frozen dataclass with the same interface:

=========================  ==========================================================  ===========================
kind                       JSON entry of a schema's ``"rules"`` list                   meaning
=========================  ==========================================================  ===========================
``le``                     ``{"kind": "le", "left": "households",                     left <= right wherever both
                           "right": "population"}``                                    are known
``sum``                    ``{"kind": "sum", "terms": ["a", "b"], "total": "c"}``       a + b = c (float tolerance)
``range_by_category``      ``{"kind": "range_by_category", "column": "age",            where by == level,
                           "by": "ever_married", "level": "Yes", "low": 18}``          low <= column <= high
``forbidden_combination``  ``{"kind": "forbidden_combination", "columns":              these two values never
                           ["work_type", "ever_married"], "values": ["children",      appear in one row
                           "Yes"]}``
=========================  ==========================================================  ===========================

Besides what it names, a rule carries what the fit measured in the real table:
``violations`` (the share of the rows it could be checked on that break it) and
``checked`` (how many rows those were); ``note`` says it in words. These are shown,
never required: a declared rule needs only its kind and what it names.
:mod:`synthgan.tabular.rules_detect` finds rules in a table and
:mod:`synthgan.tabular.rules_apply` keeps them in sampled rows. Every check here
is one vectorised mask over a decoded frame.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, Union

import numpy as np
import pandas as pd

from synthgan.errors import ConditionError, ConfigError
from synthgan.tabular.condition_values import matches, typed_value
from synthgan.tabular.transforms.values import json_value, to_float

if TYPE_CHECKING:  # pragma: no cover
    from synthgan.tabular.schema import ColumnSchema, Schema

NUMERIC_KINDS = ("continuous", "integer", "datetime")
LEVEL_KINDS = ("categorical", "boolean", "integer")
SUM_RTOL = 1e-9  # a + b = c holds when |a + b - c| <= SUM_RTOL * (|a| + |b| + |c|) + SUM_ATOL
SUM_ATOL = 1e-12
_LEARNED = ("violations", "checked")  # measured on the real table, never required


@dataclass(frozen=True)
class _Rule:
    """What every rule shares: the learned fields, the JSON form, masks over a frame."""

    kind: ClassVar[str] = ""
    example: ClassVar[str] = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Columns the rule names, in its own order."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe entry: kind, named columns and values, then the measured fields and a note."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _LEARNED and value is None:
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        if self.checked is not None:
            out["note"] = self.note()
        return out

    def note(self) -> str:
        """The rule in words, with how often the real rows break it."""
        text = self.describe()
        if self.checked is None:
            return text
        broken = int(round((self.violations or 0.0) * self.checked))
        return f"{text}: real rows break it in {broken:,} of {self.checked:,}"

    def describe(self) -> str:
        raise NotImplementedError

    def broken(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        """Boolean mask of the rows of ``frame`` that break the rule."""
        raise NotImplementedError

    def applies(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        """Boolean mask of the rows the rule can be checked on (its values known, its level present)."""
        raise NotImplementedError

    def check(self, schema: "Schema") -> None:
        """Raise :class:`~synthgan.errors.ConfigError` unless the rule fits the schema's columns and kinds."""
        for name in self.names:
            if name not in schema:
                raise ConfigError(f"rule {self.describe()!r} names column {name!r}, which the table does not have; "
                                  f"known columns: {', '.join(schema.names)}")
        if len(set(self.names)) != len(self.names):
            raise ConfigError(f"rule {self.describe()!r} names one column twice; name distinct columns, e.g. {self.example}")

    def measured(self, frame: pd.DataFrame, schema: "Schema") -> "_Rule":
        """A copy with ``violations`` and ``checked`` measured on ``frame`` (the real table)."""
        applies = self.applies(frame, schema)
        checked = int(applies.sum())
        share = float(self.broken(frame, schema).sum() / checked) if checked else 0.0
        return _replace(self, violations=share, checked=checked)


def _replace(rule: _Rule, **changes: Any) -> _Rule:
    values = {f.name: getattr(rule, f.name) for f in fields(rule)}
    values.update(changes)
    return type(rule)(**values)


class FrameView:
    """A decoded frame seen by many rule checks at once: each column is read once.

    A table's rules name the same few columns over and over (a range per level of a
    category: one string comparison of the whole column per level). The view converts a
    column to numbers once, and factorises a level column once so that each level's mask
    is an integer comparison. Only valid while ``frame`` is unchanged: make one per check,
    never across a repair.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self._numbers: dict[str, np.ndarray] = {}
        self._factorized: dict[str, tuple[np.ndarray, pd.Series]] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def numbers(self, name: str, schema: "Schema") -> np.ndarray:
        if name not in self._numbers:
            self._numbers[name] = to_float(self.frame[name], schema[name])
        return self._numbers[name]

    def level_mask(self, name: str, value: Any, schema: "Schema") -> np.ndarray:
        col = schema[name]
        if value is None or col.kind == "datetime":
            return matches(self.frame[name], value, col)
        if name not in self._factorized:
            codes, uniques = pd.factorize(self.frame[name], use_na_sentinel=True)
            self._factorized[name] = (codes, pd.Series(uniques))
        codes, uniques = self._factorized[name]
        hits = np.flatnonzero(matches(uniques, value, col))  # the same equality as on the column, on its distinct values
        if hits.size == 1:
            return codes == hits[0]
        return np.isin(codes, hits)


def numbers(frame: pd.DataFrame | FrameView, name: str, schema: "Schema") -> np.ndarray:
    """Column ``name`` of ``frame`` as float64 (NaN where missing; datetimes as seconds)."""
    if isinstance(frame, FrameView):
        return frame.numbers(name, schema)
    return to_float(frame[name], schema[name])


def level_mask(frame: pd.DataFrame | FrameView, name: str, value: Any, schema: "Schema") -> np.ndarray:
    """Boolean mask of the rows where column ``name`` holds ``value`` (None: missing)."""
    if isinstance(frame, FrameView):
        return frame.level_mask(name, value, schema)
    return matches(frame[name], value, schema[name])


def _require_kinds(rule: _Rule, schema: "Schema", names: tuple[str, ...], kinds: tuple[str, ...], what: str) -> None:
    for name in names:
        if schema[name].kind not in kinds:
            raise ConfigError(f"rule {rule.describe()!r}: column {name!r} is {schema[name].kind}, but {what} "
                              f"({', '.join(kinds)}); drop the rule or fix the column's kind in the schema")


@dataclass(frozen=True)
class LessEqual(_Rule):
    """``left <= right`` in every row where both are known (two numeric, or two datetime, columns)."""

    left: str
    right: str
    violations: float | None = None
    checked: int | None = None
    kind: ClassVar[str] = "le"
    example: ClassVar[str] = '{"kind": "le", "left": "households", "right": "population"}'

    @property
    def names(self) -> tuple[str, ...]:
        return (self.left, self.right)

    def describe(self) -> str:
        return f"{self.left} <= {self.right}"

    def check(self, schema: "Schema") -> None:
        super().check(schema)
        _require_kinds(self, schema, self.names, NUMERIC_KINDS, "'le' compares numbers or dates")
        if (schema[self.left].kind == "datetime") != (schema[self.right].kind == "datetime"):
            raise ConfigError(f"rule {self.describe()!r} compares a date with a number; compare two dates or two numbers")

    def applies(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        return ~np.isnan(numbers(frame, self.left, schema)) & ~np.isnan(numbers(frame, self.right, schema))

    def broken(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return numbers(frame, self.left, schema) > numbers(frame, self.right, schema)  # False where either is NaN


@dataclass(frozen=True)
class SumOf(_Rule):
    """``terms[0] + terms[1] + ... = total`` in every row where all are known (numbers, not dates)."""

    terms: tuple[str, ...]
    total: str
    violations: float | None = None
    checked: int | None = None
    kind: ClassVar[str] = "sum"
    example: ClassVar[str] = '{"kind": "sum", "terms": ["a", "b"], "total": "c"}'

    def __post_init__(self) -> None:
        object.__setattr__(self, "terms", tuple(self.terms))

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.terms, self.total)

    def describe(self) -> str:
        return f"{' + '.join(self.terms)} = {self.total}"

    def check(self, schema: "Schema") -> None:
        super().check(schema)
        _require_kinds(self, schema, self.names, ("continuous", "integer"), "'sum' adds numbers")

    def applies(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        known = np.ones(len(frame), dtype=bool)
        for name in self.names:
            known &= ~np.isnan(numbers(frame, name, schema))
        return known

    def broken(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        parts = [numbers(frame, name, schema) for name in self.terms]
        total = numbers(frame, self.total, schema)
        scale = sum(np.abs(p) for p in parts) + np.abs(total)
        with np.errstate(invalid="ignore"):
            return np.abs(sum(parts) - total) > SUM_RTOL * scale + SUM_ATOL  # False where any is NaN


@dataclass(frozen=True)
class RangeByCategory(_Rule):
    """Where ``by == level``, ``low <= column <= high`` (either bound may be None: no bound on that side)."""

    column: str
    by: str
    level: Any
    low: float | None = None
    high: float | None = None
    violations: float | None = None
    checked: int | None = None
    kind: ClassVar[str] = "range_by_category"
    example: ClassVar[str] = '{"kind": "range_by_category", "column": "age", "by": "ever_married", "level": "Yes", "low": 18}'

    @property
    def names(self) -> tuple[str, ...]:
        return (self.by, self.column)

    def describe(self) -> str:
        bounds = " and ".join(b for b in (f"{self.column} >= {self.low:g}" if self.low is not None else "",
                                          f"{self.column} <= {self.high:g}" if self.high is not None else "") if b)
        return f"{self.by} = {self.level!r} -> {bounds or self.column + ' unbounded'}"

    def check(self, schema: "Schema") -> None:
        super().check(schema)
        _require_kinds(self, schema, (self.column,), ("continuous", "integer"), "a range bounds a number")
        _require_kinds(self, schema, (self.by,), LEVEL_KINDS, "a range is per level of a categorical, boolean or integer column")
        if self.low is None and self.high is None:
            raise ConfigError(f"rule {self.describe()!r} has neither 'low' nor 'high'; give at least one bound, e.g. {self.example}")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ConfigError(f"rule {self.describe()!r} has low {self.low:g} above high {self.high:g}; swap them")

    def applies(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        return level_mask(frame, self.by, self.level, schema) & ~np.isnan(numbers(frame, self.column, schema))

    def broken(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        x = numbers(frame, self.column, schema)
        with np.errstate(invalid="ignore"):
            outside = (x < self.low if self.low is not None else False) | (x > self.high if self.high is not None else False)
        return level_mask(frame, self.by, self.level, schema) & np.asarray(outside, dtype=bool)


@dataclass(frozen=True)
class ForbiddenCombination(_Rule):
    """``columns[0] == values[0]`` and ``columns[1] == values[1]`` never in one row."""

    columns: tuple[str, str]
    values: tuple[Any, Any]
    violations: float | None = None
    checked: int | None = None
    kind: ClassVar[str] = "forbidden_combination"
    example: ClassVar[str] = '{"kind": "forbidden_combination", "columns": ["work_type", "ever_married"], "values": ["children", "Yes"]}'

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "values", tuple(self.values))

    @property
    def names(self) -> tuple[str, ...]:
        return self.columns

    def describe(self) -> str:
        (a, b), (va, vb) = self.columns, self.values
        return f"never {a} = {va!r} with {b} = {vb!r}"

    def check(self, schema: "Schema") -> None:
        super().check(schema)
        _require_kinds(self, schema, self.columns, LEVEL_KINDS, "a combination names levels of categorical, boolean or integer columns")

    def applies(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        return np.ones(len(frame), dtype=bool)

    def broken(self, frame: pd.DataFrame, schema: "Schema") -> np.ndarray:
        (a, b), (va, vb) = self.columns, self.values
        return level_mask(frame, a, va, schema) & level_mask(frame, b, vb, schema)


Rule = Union[LessEqual, SumOf, RangeByCategory, ForbiddenCombination]
RULE_TYPES: dict[str, type] = {cls.kind: cls for cls in (LessEqual, SumOf, RangeByCategory, ForbiddenCombination)}
RULE_KINDS = tuple(RULE_TYPES)


# ------------------------------------------------------------------------ parsing and checking
def _names(value: Any, count: int | None, where: str, field: str, example: str) -> tuple[str, ...]:
    ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    if not ok or (count is not None and len(value) != count) or (count is None and len(value) < 2):
        size = f"{count}" if count is not None else "2 or more"
        raise ConfigError(f"{where}: '{field}' must be a list of {size} column names, not {value!r}; e.g. {example}")
    return tuple(value)


def _scalar(value: Any, where: str, field: str) -> Any:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise ConfigError(f"{where}: '{field}' must be a plain value (text, number, true/false or null), not {value!r}")
    return value


def _bound(value: Any, where: str, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ConfigError(f"{where}: '{field}' must be a finite number or null, not {value!r}")
    return float(value)


def rule_from_dict(entry: Any, where: str = "rule") -> Rule:
    """A rule from its JSON entry (see the module docstring); ``where`` names it in errors.

    Raises
    ------
    ConfigError
        Not an object, an unknown kind, a missing or unknown field, or a field of the wrong type;
        the message shows an example entry of the kind.
    """
    if isinstance(entry, _Rule):
        return entry  # type: ignore[return-value]
    if not isinstance(entry, dict) or entry.get("kind") not in RULE_TYPES:
        got = entry.get("kind") if isinstance(entry, dict) else entry
        raise ConfigError(f"{where} must be an object whose 'kind' is one of {', '.join(RULE_KINDS)}, not {got!r}; "
                          f'e.g. {LessEqual.example}')
    cls = RULE_TYPES[entry["kind"]]
    own = [f.name for f in fields(cls)]
    required = [name for name in own if name not in _LEARNED and name not in ("low", "high")]
    unknown = sorted(set(entry) - set(own) - {"kind", "note"})
    missing = [name for name in required if name not in entry]
    if unknown or missing:
        problem = f"unknown field(s) {unknown}" if unknown else f"no {missing[0]!r}"
        raise ConfigError(f"{where} ({entry['kind']}) has {problem}; write it as {cls.example}")
    values: dict[str, Any] = {}
    for name in own:
        value = entry.get(name)
        if name in ("left", "right", "total", "column", "by") and not isinstance(value, str):
            raise ConfigError(f"{where}: '{name}' must be a column name, not {value!r}; e.g. {cls.example}")
        if name == "terms":
            value = _names(value, None, where, name, cls.example)
        elif name == "columns":
            value = _names(value, 2, where, name, cls.example)
        elif name == "values":
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise ConfigError(f"{where}: 'values' must be a list of 2 values, one per column, not {value!r}; e.g. {cls.example}")
            value = tuple(_scalar(v, where, name) for v in value)
        elif name == "level":
            value = _scalar(value, where, name)
        elif name in ("low", "high", "violations"):
            value = _bound(value, where, name)
        elif name == "checked" and value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ConfigError(f"{where}: 'checked' must be a row count, not {value!r}")
        values[name] = value
    return cls(**values)


def parse_rules(data: Any, where: str = "rules") -> list[Rule]:
    """A list of rules from JSON entries or rule objects (see :func:`rule_from_dict`)."""
    if not isinstance(data, (list, tuple)):
        raise ConfigError(f"{where} must be a list of rule objects (or 'auto'), not {type(data).__name__}; "
                          f"e.g. [{LessEqual.example}]")
    return [rule_from_dict(entry, f"{where}[{i}]") for i, entry in enumerate(data)]


def typed_rule(rule: Rule, schema: "Schema") -> Rule:
    """``rule`` checked against ``schema`` (:meth:`_Rule.check`), its levels read by their column's type.

    ``"1"`` and ``1`` name the same level of an integer column, ``"yes"`` and ``True``
    the same boolean (as for sampling conditions).

    Raises
    ------
    ConfigError
        See :meth:`_Rule.check`; or a level the column's type cannot hold.
    """
    rule.check(schema)
    try:
        if isinstance(rule, RangeByCategory):
            return _replace(rule, level=_level(schema[rule.by], rule.level))
        if isinstance(rule, ForbiddenCombination):
            return _replace(rule, values=tuple(_level(schema[c], v) for c, v in zip(rule.columns, rule.values)))
    except ConditionError as exc:
        raise ConfigError(f"rule {rule.describe()!r}: {str(exc).split(';')[0].replace('Cannot condition on', 'cannot read')}; "
                          "write the level as the data holds it") from None
    return rule


def _level(col: "ColumnSchema", value: Any) -> Any:
    return json_value(typed_value(col, value))
