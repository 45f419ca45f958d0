"""Keep rules between columns in every sampled row: derive, repair or resample, then repair.

:class:`RuleSet` holds a fitted table's rules (:mod:`synthgan.tabular.rules`) and
what the fit learned from the real rows to repair them. The row sampler
(:class:`~synthgan.tabular.conditions.ConditionedRowSampler`) uses it on every
decoded batch:

1. **derive**: the total of a ``sum`` rule is set to the sum of its terms;
2. **repair** ``le`` at once: the larger side is kept and the smaller one set from
   it with a ratio (or, for dates and columns with negative values, a gap) drawn from
   the real rows' ratios, rounded to the column's resolution. Rejecting those rows
   instead biases whatever goes with breaking the rule: on california, dropping
   the 9 % of rows with more households than people moved the 1 % quantile of
   population from 135 to 264 (real: 88); repairing kept it at 139;
3. **resample** rows that break a range or a forbidden combination *from their own
   level* (:meth:`RuleSet.strata`; the model's native condition when it has one),
   for a few rounds: the level keeps its share of rows and the model's joint
   distribution within it (plain rejection thinned california's ``NEAR BAY`` rows
   from 2,256 to 1,350, real 2,290);
4. **repair** what is left by the cheapest change that keeps the real rows' shape,
   never a clip onto a bound (which would pile values up there):

   * ``forbidden_combination``: the second column takes the level real rows with
     the first column's value hold most often (the first column, when the second
     is fixed by a condition);
   * ``range_by_category``: the number is drawn from the real values of its level
     (within the bounds); if the number is fixed by a condition, the level becomes
     the one real rows with such numbers hold most often;
   * ``le``: as in step 2, or the larger side set from the smaller one where the
     smaller is fixed by a condition or cannot go below its observed minimum;

   a row still breaking a rule after :data:`REPAIR_PASSES` passes is dropped.

Columns named in sampling conditions are never changed. Everything is one mask or
one draw per rule over the whole batch; no loop over rows.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from synthgan.errors import ConditionError, ConfigError, DataWarning
from synthgan.io.manifest import JSON_SCALAR, ListOf, Opt, one_line, problem
from synthgan.tabular.condition_values import same_value
from synthgan.tabular.rules import (
    ForbiddenCombination, FrameView, LessEqual, RangeByCategory, Rule, SumOf, level_mask, numbers, parse_rules, typed_rule,
)
from synthgan.tabular.rules_detect import detect_rules
from synthgan.tabular.transforms.numeric import NumericFormat
from synthgan.tabular.transforms.values import json_value, restore_series

if TYPE_CHECKING:  # pragma: no cover
    from synthgan.tabular.schema import Schema

REPAIR_PASSES = 3
QUANTILES = 101  # real values (or ratios) kept per rule to draw repairs from
WARN_SHARE = 0.01  # a declared rule broken by more real rows than this gets a DataWarning
_FORMAT = {"low": float, "high": float, "step": float, "decimals": int, "int_low?": Opt(int), "int_high?": Opt(int)}
#: declared structure of each kind's saved repair state
REPAIR_STATES = {
    "le": {"mode": str, "quantiles": ListOf(float), "left_format": _FORMAT, "right_format": _FORMAT},
    "sum": {},
    "range_by_category": {"values": ListOf(float), "format": _FORMAT, "other_level": JSON_SCALAR,
                          "other_known": bool},
    "forbidden_combination": {"replace": ListOf(JSON_SCALAR), "known": ListOf(bool)},
}


class RuleSet:
    """A table's rules, with what the real rows taught about repairing them.

    Build it with :meth:`fit` (from the real table) or :meth:`from_state` (from a
    model file); an empty set changes nothing.

    Parameters
    ----------
    rules : list of Rule
        Checked against ``schema``, levels typed, violations measured.
    schema : Schema
        The fitted table's schema (kinds and dtypes of the columns).
    repairs : list of dict
        One repair state per rule (see :data:`REPAIR_STATES`).
    """

    def __init__(self, rules: list[Rule], schema: "Schema", repairs: list[dict[str, Any]]) -> None:
        self.rules = list(rules)
        self.schema = schema
        self.repairs = list(repairs)

    def __len__(self) -> int:
        return len(self.rules)

    # ------------------------------------------------------------------ fitting and state
    @classmethod
    def fit(cls, df: pd.DataFrame, rules: list[Rule], schema: "Schema") -> "RuleSet":
        """Check ``rules`` against the real table ``df`` and learn how to repair them.

        Raises
        ------
        ConfigError
            A rule names a missing column, a column of the wrong kind, or a level the
            column never holds (the message lists some it does hold).
        """
        fitted, repairs = [], []
        for rule in rules:
            rule = typed_rule(rule, schema)
            _check_levels(rule, df, schema)
            rule = rule.measured(df, schema)
            if rule.violations and rule.violations > WARN_SHARE:
                warnings.warn(f"rule {rule.describe()!r} is broken by {rule.violations:.1%} of the real rows; every synthetic "
                              "row will keep it (drop it from the rules if that is not what you want)", DataWarning, stacklevel=3)
            fitted.append(rule)
            repairs.append(_learn_repair(rule, df, schema))
        return cls(fitted, schema, repairs)

    def to_state(self) -> list[dict[str, Any]]:
        """The repair states, JSON-safe, in the order of :attr:`rules` (the rules themselves live in the schema)."""
        return [dict(r) for r in self.repairs]

    @classmethod
    def from_state(cls, rules: list[Rule], state: list[dict[str, Any]], schema: "Schema") -> "RuleSet":
        """Rebuild from a schema's rules and :meth:`to_state` output; raises ValueError when they disagree."""
        found = state_problem(rules, state)
        if found:
            raise ValueError(found)
        return cls([typed_rule(r, schema) for r in rules], schema, state)

    # ------------------------------------------------------------------ sampling
    def check_conditions(self, values: dict[str, Any]) -> None:
        """Refuse conditions that break a rule on their own (a row meeting them could never keep it).

        Raises
        ------
        ConditionError
        """
        for rule in self.rules:
            if not all(name in values for name in rule.names) or isinstance(rule, SumOf):
                continue
            if isinstance(rule, ForbiddenCombination):
                broken = all(same_value(values[c], v) for c, v in zip(rule.columns, rule.values))
            elif isinstance(rule, RangeByCategory):
                x = values[rule.column]
                broken = same_value(values[rule.by], rule.level) and x is not None and (
                    (rule.low is not None and x < rule.low) or (rule.high is not None and x > rule.high))
            else:
                row = pd.DataFrame({name: pd.Series([values[name]], dtype=object) for name in rule.names})
                broken = bool(rule.broken(row, self.schema)[0])
            if broken:
                shown = ", ".join(f"{name}={values[name]!r}" for name in rule.names)
                raise ConditionError(f"the conditions {shown} break the rule {rule.describe()!r} that every sampled row keeps; "
                                     "drop a condition, or drop the rule (Synthesizer(rules=...) or the schema's \"rules\")")

    def prepare(self, frame: pd.DataFrame, frozen: set[str], rng: np.random.Generator) -> pd.DataFrame:
        """A copy of decoded ``frame`` with sums derived and ``le`` rules repaired (steps 1 and 2 of the module docstring)."""
        frame = frame.copy()  # the one copy: derivations and repairs change its columns in place
        self._derive(frame)
        self._repair(frame, np.ones(len(frame), dtype=bool), frozen, rng, kinds=("le",))
        return frame

    def strata(self, frame: pd.DataFrame, rows: np.ndarray) -> list[tuple[str, Any, np.ndarray]]:
        """``(column, level, positions)``: the ``rows`` breaking a level rule, grouped by the level each should keep.

        A row's level is that of the first range or forbidden combination it breaks: the
        range's ``by`` level, or the combination's first value. Resampling a row from its
        own level keeps the level's share of rows (rejecting it would thin the level out).
        """
        left = rows.copy()
        groups = []
        view = FrameView(frame)
        for rule in self.rules:
            if not left.any():
                break
            if isinstance(rule, (RangeByCategory, ForbiddenCombination)):
                hit = left & rule.broken(view, self.schema)
                if hit.any():
                    column, level = (rule.by, rule.level) if isinstance(rule, RangeByCategory) else (rule.columns[0], rule.values[0])
                    groups.append((column, level, np.flatnonzero(hit)))
                    left &= ~hit
        return groups

    def repair(self, frame: pd.DataFrame, rows: np.ndarray, frozen: set[str], rng: np.random.Generator) -> pd.DataFrame:
        """A copy of ``frame`` whose ``rows`` are repaired (step 3 of the module docstring)."""
        frame = frame.copy()
        self._repair(frame, rows, frozen, rng)
        return frame

    def enforce(self, frame: pd.DataFrame, frozen: set[str], rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
        """:meth:`prepare` and :meth:`repair` without resampling; the frame and the mask of rows keeping every rule."""
        if not self.rules:
            return frame, np.ones(len(frame), dtype=bool)
        frame = self.prepare(frame, frozen, rng)
        self._repair(frame, self.broken(frame), frozen, rng)
        return frame, ~self.broken(frame)

    def _repair(self, frame: pd.DataFrame, rows: np.ndarray, frozen: set[str], rng: np.random.Generator,
                kinds: tuple[str, ...] = ("forbidden_combination", "range_by_category", "le")) -> None:
        """Repair the broken ones of ``rows`` in place: rules of ``kinds``, in that order, for a few passes."""
        view = FrameView(frame)
        for _ in range(REPAIR_PASSES):
            changed = False
            for kind in kinds:
                for rule, state in zip(self.rules, self.repairs):
                    if rule.kind == kind:
                        hit = rows & rule.broken(view, self.schema)
                        if hit.any():
                            _REPAIRS[kind](self, rule, state, frame, hit, frozen, rng)
                            view = FrameView(frame)  # the repair changed the frame
                            changed = True
            if not changed:
                return

    def broken(self, frame: pd.DataFrame) -> np.ndarray:
        """Mask of the rows of ``frame`` that break at least one rule."""
        bad = np.zeros(len(frame), dtype=bool)
        view = FrameView(frame)
        for rule in self.rules:
            bad |= rule.broken(view, self.schema)
        return bad

    def _derive(self, frame: pd.DataFrame) -> None:
        for rule in self.rules:  # in order: a total may be a later rule's term
            if isinstance(rule, SumOf):
                total = sum(numbers(frame, name, self.schema) for name in rule.terms)
                self._write(frame, rule.total, total, ~np.isnan(total))

    def _write(self, frame: pd.DataFrame, name: str, values: np.ndarray, rows: np.ndarray,
               fmt: NumericFormat | None = None) -> None:
        """Set column ``name`` of ``frame`` to ``values`` (float64; seconds for dates) on ``rows``, in place."""
        if not rows.any():
            return
        x = numbers(frame, name, self.schema).copy()
        x[rows] = values[rows]
        new = restore_series(x, self.schema[name], frame.index, bounds=fmt.bounds if fmt is not None else None)
        frame[name] = frame[name].where(~pd.Series(rows, index=frame.index), new)

    def _set_level(self, frame: pd.DataFrame, name: str, value: Any, rows: np.ndarray) -> None:
        """Set column ``name`` of ``frame`` to the level ``value`` (None: missing) on ``rows``, in place."""
        out = frame[name].mask(pd.Series(rows, index=frame.index), np.nan if value is None else value)
        frame[name] = out if out.dtype == frame[name].dtype else out.astype(frame[name].dtype)


# ---------------------------------------------------------------------------- which rules, and files
def declared_rules(argument: Any) -> list[Rule] | None:
    """A synthesizer's ``rules`` argument checked: None for ``"auto"``, else the rules it lists.

    Raises
    ------
    ConfigError
        Neither ``"auto"`` nor a list of well-formed rules.
    """
    if isinstance(argument, str) and argument == "auto":
        return None
    if argument is None or isinstance(argument, str):
        raise ConfigError(f"rules must be 'auto' or a list of rules ([] for none), not {argument!r}")
    return parse_rules(argument, "rules")


def fit_rules(argument: Any, stated: list[Rule] | None, df: pd.DataFrame, schema: "Schema") -> RuleSet:
    """The rules a fit keeps: the ``rules`` argument when a list, else the schema's ``stated`` ones, else those found in ``df``."""
    rules = declared_rules(argument)
    if rules is None:
        rules = stated if stated is not None else detect_rules(df, schema)
    return RuleSet.fit(df, rules, schema)


def manifest_rules_problem(manifest: dict[str, Any]) -> str | None:
    """The first problem of a model file's rules (its schema's ``rules``) and their repair states (``rules``), or None."""
    try:
        rules = parse_rules(manifest["schema"].get("rules") or [], "schema.rules")
    except ConfigError as exc:
        return one_line(exc)
    if not rules and "rules" not in manifest:
        return None  # a file written before rules existed
    return state_problem(rules, manifest.get("rules"))


# ---------------------------------------------------------------------------- learning repairs
def _check_levels(rule: Rule, df: pd.DataFrame, schema: "Schema") -> None:
    pairs = [(rule.by, rule.level)] if isinstance(rule, RangeByCategory) else (
        list(zip(rule.columns, rule.values)) if isinstance(rule, ForbiddenCombination) else [])
    for name, value in pairs:
        if not level_mask(df, name, value, schema).any():
            seen = ", ".join(repr(json_value(v)) for v in df[name].drop_duplicates().iloc[:8])
            raise ConfigError(f"rule {rule.describe()!r}: column {name!r} never holds {value!r} in the data; "
                              f"its values include {seen}")


def _format(df: pd.DataFrame, name: str, schema: "Schema") -> NumericFormat:
    x = numbers(df, name, schema)
    return NumericFormat.learn(x[~np.isnan(x)], schema[name].kind, df[name])


def _quantiles(x: np.ndarray) -> list[float]:
    x = x[np.isfinite(x)]
    if x.size == 0:
        return []
    return [float(v) for v in np.quantile(x, np.linspace(0, 1, QUANTILES), method="inverted_cdf")]


def _most_frequent(s: pd.Series) -> Any:
    counts = s.value_counts(dropna=False)
    return json_value(counts.index[0]) if len(counts) else None


def _learn_repair(rule: Rule, df: pd.DataFrame, schema: "Schema") -> dict[str, Any]:
    if isinstance(rule, LessEqual):
        a, b = numbers(df, rule.left, schema), numbers(df, rule.right, schema)
        keep = ~np.isnan(a) & ~np.isnan(b) & (a <= b)
        positive = schema[rule.left].kind != "datetime" and keep.any() and a[keep].min() >= 0 and b[keep].min() > 0
        mode = "ratio" if positive else "gap"
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = a[keep] / b[keep] if positive else b[keep] - a[keep]
        return {"mode": mode, "quantiles": _quantiles(spread), "left_format": _format(df, rule.left, schema).to_dict(),
                "right_format": _format(df, rule.right, schema).to_dict()}
    if isinstance(rule, RangeByCategory):
        x = numbers(df, rule.column, schema)
        inside = level_mask(df, rule.by, rule.level, schema) & ~np.isnan(x)
        inside &= ~rule.broken(df, schema)
        with np.errstate(invalid="ignore"):
            outside = ((x < rule.low) if rule.low is not None else False) | ((x > rule.high) if rule.high is not None else False)
        others = df[rule.by][np.asarray(outside, dtype=bool) & ~level_mask(df, rule.by, rule.level, schema)]
        return {"values": _quantiles(x[inside]), "format": _format(df, rule.column, schema).to_dict(),
                "other_level": _most_frequent(others), "other_known": bool(len(others))}
    if isinstance(rule, ForbiddenCombination):
        (a, b), (va, vb) = rule.columns, rule.values
        with_a = level_mask(df, a, va, schema) & ~level_mask(df, b, vb, schema)
        with_b = level_mask(df, b, vb, schema) & ~level_mask(df, a, va, schema)
        return {"replace": [_most_frequent(df[a][with_b]), _most_frequent(df[b][with_a])],
                "known": [bool(with_b.any()), bool(with_a.any())]}
    return {}


def state_problem(rules: list[Rule], state: Any) -> str | None:
    """``None`` if ``state`` is a repair state per rule of the declared structure, else the problem in words."""
    if not isinstance(state, list) or len(state) != len(rules):
        return f"rules should hold one repair state per rule ({len(rules)}), not {type(state).__name__}"
    for i, (rule, entry) in enumerate(zip(rules, state)):
        found = problem(entry, REPAIR_STATES[rule.kind], f"rules[{i}]")
        if found:
            return found
    return None


# ---------------------------------------------------------------------------- repairs
def _draw(quantiles: list[float], size: int, rng: np.random.Generator) -> np.ndarray:
    return np.asarray(quantiles, dtype=np.float64)[rng.integers(0, len(quantiles), size)]


def _repair_le(rs: RuleSet, rule: LessEqual, state: dict, frame: pd.DataFrame, rows: np.ndarray,
               frozen: set[str], rng: np.random.Generator) -> None:
    """The smaller side follows the larger one; where it cannot (fixed, or bounded by its range), the larger follows."""
    if not state["quantiles"]:
        return
    spread = np.zeros(len(frame))
    spread[rows] = _draw(state["quantiles"], int(rows.sum()), rng)
    ratio = state["mode"] == "ratio"
    if rule.left not in frozen:
        b = numbers(frame, rule.right, rs.schema)
        fmt = NumericFormat(**state["left_format"])
        with np.errstate(invalid="ignore"):
            value = fmt.apply(b * spread if ratio else b - spread)
            rs._write(frame, rule.left, value, rows & (value <= b), fmt)
        rows = rows & rule.broken(frame, rs.schema)
    if rule.right not in frozen and rows.any():
        a = numbers(frame, rule.left, rs.schema)
        fmt = NumericFormat(**state["right_format"])
        with np.errstate(divide="ignore", invalid="ignore"):
            value = fmt.apply(np.where(spread > 0, a / np.where(spread > 0, spread, 1.0), a) if ratio else a + spread)
            rs._write(frame, rule.right, value, rows & (value >= a), fmt)


def _repair_range(rs: RuleSet, rule: RangeByCategory, state: dict, frame: pd.DataFrame, rows: np.ndarray,
                  frozen: set[str], rng: np.random.Generator) -> None:
    if rule.column not in frozen and state["values"]:
        fmt = NumericFormat(**state["format"])
        low = rule.low if rule.low is not None else -np.inf
        high = rule.high if rule.high is not None else np.inf
        value = np.zeros(len(frame))
        value[rows] = np.clip(_draw(state["values"], int(rows.sum()), rng), low, high)
        rs._write(frame, rule.column, value, rows, fmt)
    elif rule.by not in frozen and state["other_known"]:
        rs._set_level(frame, rule.by, state["other_level"], rows)


def _repair_forbidden(rs: RuleSet, rule: ForbiddenCombination, state: dict, frame: pd.DataFrame, rows: np.ndarray,
                      frozen: set[str], rng: np.random.Generator) -> None:
    for position in (1, 0):  # change the second column, else the first
        name = rule.columns[position]
        if name not in frozen and state["known"][position]:
            rs._set_level(frame, name, state["replace"][position], rows)
            return


def _repair_sum(rs: RuleSet, rule: SumOf, state: dict, frame: pd.DataFrame, rows: np.ndarray,
                frozen: set[str], rng: np.random.Generator) -> None:
    """Nothing to do: totals are derived before every check."""


_REPAIRS = {"le": _repair_le, "range_by_category": _repair_range, "forbidden_combination": _repair_forbidden,
            "sum": _repair_sum}
