"""Conditional sampling: exact rows for ``{column: value}`` conditions, vectorised.

Every value is first parsed by its column's own type (:mod:`synthgan.tabular.condition_values`'
:func:`~synthgan.tabular.condition_values.typed_value`): ``"1"`` from the command line
and ``1`` from Python both mean the integer 1 of an integer column, ``"yes"`` the
boolean True, ``"2020-01-05"`` that day. The same columns can be conditioned on
with every model: categorical, boolean, integer and date columns (not continuous or
id ones). Models with a conditional vector (``ctgan``) are asked for the first
condition natively when its column has a condition span; every condition is then
enforced by rejection on whole decoded batches (a boolean mask, no per-row loop).
Other models use rejection alone, with batch sizes scaled by the acceptance rate seen
so far. A value outside what the column held in training is refused at once; one the
model practically never produces gets a clear
:class:`~synthgan.errors.ConditionError` instead of an endless loop.

Rules between columns (:class:`~synthgan.tabular.rules_apply.RuleSet`) are kept in
every batch: sums derived and ``le`` rules repaired, rows that break a range or a
forbidden combination redrawn from their own level for :data:`RESAMPLE_ROUNDS`
rounds, then repaired (never changing a conditioned column); rows still breaking a
rule are rejected. Conditions that break a rule on their own are refused when planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgan.core.registry import models_with
from synthgan.errors import ConditionError
from synthgan.tabular.condition_values import REJECTION_KINDS, check_seen, matches, typed_value

_MIN_BATCH = 1_024
_MAX_BATCH = 200_000
_MIN_DRAWS_BEFORE_GIVING_UP = 1_000_000
RESAMPLE_ROUNDS = 2  # rounds of redrawing the rows that break a level rule, before repairing them
_MIN_REDRAW = 64


class KeyCursor:
    """Hands out disjoint ranges of row numbers, so regenerated keys stay unique across batches."""

    def __init__(self) -> None:
        self.position = 0

    def take(self, count: int) -> int:
        start = self.position
        self.position += count
        return start


@dataclass(frozen=True)
class ConditionPlan:
    """Resolved conditions: values as the decoded column holds them, and the native one."""

    values: dict[str, Any] = field(default_factory=dict)
    native: tuple[int, int] | None = None
    kinds: dict[str, Any] = field(default_factory=dict)  # column -> ColumnSchema, for matching decoded values


class ConditionedRowSampler:
    """Draws decoded rows from a fitted ``(encoder, model)`` pair that meet ``{column: value}`` conditions.

    Works on decoded table rows; not to be confused with the model-level sampler of
    conditional vectors that CTGAN trains with. Resolving a value to its encoded
    category is :mod:`synthgan.tabular.condition_values`' job (through
    ``encoder.condition_index``).

    Parameters
    ----------
    encoder : TableEncoder
        Fitted encoder of the table.
    model : BaseModel
        Fitted model on the encoder's layout; its ``capabilities.conditional`` says
        whether the first condition is asked for natively.
    rules : RuleSet or None, default=None
        Rules every returned row keeps (see :mod:`synthgan.tabular.rules_apply`).
    calibration : ValueCalibration or None, default=None
        Applied to the model's samples before decoding (see :mod:`synthgan.tabular.transforms.calibration`).
    """

    def __init__(self, encoder, model, rules=None, calibration=None) -> None:
        self.encoder = encoder
        self.model = model
        self.rules = rules if rules is not None and len(rules) else None
        self.calibration = calibration

    def conditionable(self) -> list[str]:
        """Columns usable in conditions, in table order: the same kinds for every model."""
        direct = set(self.encoder.condition_columns)
        return [c.name for c in self.encoder.schema_.columns if c.name in direct or c.kind in REJECTION_KINDS]

    def plan(self, conditions: dict[str, Any]) -> ConditionPlan:
        """Check, parse and resolve ``conditions``; raises ConditionError naming the column or value."""
        if not isinstance(conditions, dict):
            raise ConditionError(f"conditions must be a dict of column -> value, got {type(conditions).__name__}")
        schema = self.encoder.schema_
        usable = self.conditionable()
        direct = set(self.encoder.condition_columns)
        values: dict[str, Any] = {}
        native = None
        for column, value in conditions.items():
            if column not in usable:
                known = isinstance(column, str) and column in schema
                reason = (f"it is a {schema[column].kind} column (conditions need categorical, boolean, integer or date columns)"
                          if known else "unknown column")
                raise ConditionError(
                    f"cannot condition on {column!r}: {reason}; conditions work on these columns: {', '.join(usable) or '(none)'}"
                )
            col = schema[column]
            typed = typed_value(col, value)
            if column in direct:
                index = self.encoder.condition_index(column, typed)
                if native is None and self.model.capabilities.conditional:
                    native = index
            else:
                check_seen(col, typed, self.encoder.transformers_.get(column))
            values[column] = typed
        if self.rules is not None:
            self.rules.check_conditions(values)
        return ConditionPlan(values=values, native=native, kinds={c: schema[c] for c in values})

    def _decode(self, n: int, rng: np.random.Generator, native: tuple[int, int] | None, keys: KeyCursor) -> pd.DataFrame:
        model_seed, decode_seed = (int(s) for s in rng.integers(0, 2**62, size=2))
        if native is None and self.calibration is None and self.model.capabilities.code_samples:
            codes = self.model.sample_codes(n, seed=model_seed)  # the same rows, without a one-hot matrix
            return self.encoder.inverse_codes(codes, seed=decode_seed, id_offset=keys.take(n))
        encoded = self.model.sample(n, seed=model_seed, condition=native)
        if self.calibration is not None:
            encoded = self.calibration.apply(encoded)
        one_hot = self.model.capabilities.one_hot_samples
        return self.encoder.inverse_transform(encoded, seed=decode_seed, id_offset=keys.take(n), one_hot=one_hot)

    @staticmethod
    def _meets(frame: pd.DataFrame, plan: ConditionPlan) -> np.ndarray:
        mask = np.ones(len(frame), dtype=bool)
        for column, value in plan.values.items():
            mask &= matches(frame[column], value, plan.kinds.get(column))
        return mask

    def _keep_rules(self, frame: pd.DataFrame, wanted: np.ndarray, plan: ConditionPlan, rng: np.random.Generator,
                    keys: KeyCursor) -> pd.DataFrame:
        """``frame`` with the rows meeting ``plan`` made to keep the rules (see the module docstring)."""
        frozen = set(plan.values)
        frame = self.rules.prepare(frame, frozen, rng)
        for _ in range(RESAMPLE_ROUNDS):
            bad = wanted & self.rules.broken(frame)
            if not bad.any():
                return frame
            dropped, fresh, places = np.zeros(len(frame), dtype=bool), [], []
            for column, level, rows in self.rules.strata(frame, bad):
                found = self._redraw(frame, column, level, rows.size, plan, rng, keys).iloc[: rows.size]
                dropped[rows[: len(found)]] = True
                fresh.append(found)
                places.append(rows[: len(found)])
            # each redrawn row takes the place of the row it replaces: the caller keeps the first rows it needs
            order = np.argsort(np.concatenate([np.flatnonzero(~dropped), *places]), kind="stable")
            frame = pd.concat([frame.loc[~dropped], *fresh], ignore_index=True).take(order).reset_index(drop=True)
            wanted = self._meets(frame, plan)
        return self.rules.repair(frame, wanted & self.rules.broken(frame), frozen, rng)

    def _redraw(self, frame: pd.DataFrame, column: str, level: Any, count: int, plan: ConditionPlan,
                rng: np.random.Generator, keys: KeyCursor) -> pd.DataFrame:
        """Rows with ``column == level`` that meet ``plan`` and keep every rule (fewer than ``count`` when rare)."""
        col = self.encoder.schema_[column]
        native = plan.native
        if native is None and self.model.capabilities.conditional and column in self.encoder.condition_columns:
            try:
                native = self.encoder.condition_index(column, level)  # the model is asked for the level itself
            except ConditionError:  # e.g. a level only a tie sets: draw without, keep the rows that have it
                pass
        share = 1.0 if native is not None and native != plan.native else max(float(matches(frame[column], level, col).mean()), 1e-3)
        size = int(np.clip(np.ceil(count * 1.5 / share), _MIN_REDRAW, _MAX_BATCH))
        rows = self.rules.prepare(self._decode(size, rng, native, keys), set(plan.values), rng)
        keep = matches(rows[column], level, col) & self._meets(rows, plan) & ~self.rules.broken(rows)
        return rows.loc[keep]

    def generate(self, n: int, plan: ConditionPlan, rng: np.random.Generator, keys: KeyCursor) -> pd.DataFrame:
        """Exactly ``n`` decoded rows meeting ``plan``; ``keys`` keeps regenerated keys unique across calls."""
        if not plan.values and self.rules is None:
            return self._decode(n, rng, None, keys)
        kept: list[pd.DataFrame] = []
        have, drawn = 0, 0
        rate = 1.0 if plan.native is not None or not plan.values else 0.5
        while have < n:
            need = n - have
            batch = int(np.clip(np.ceil(need / max(rate, 1e-3) * 1.2), _MIN_BATCH, _MAX_BATCH))
            frame = self._decode(batch, rng, plan.native, keys)
            mask = self._meets(frame, plan)
            if self.rules is not None:
                frame = self._keep_rules(frame, mask, plan, rng, keys)
                mask = self._meets(frame, plan) & ~self.rules.broken(frame)
            accepted = frame.loc[mask].iloc[:need]
            kept.append(accepted)
            have += len(accepted)
            drawn += batch
            rate = max(have / drawn, 1.0 / drawn)
            if have < n and drawn >= max(_MIN_DRAWS_BEFORE_GIVING_UP, 200 * n):
                shown = ", ".join(f"{c}={v!r}" for c, v in plan.values.items())
                if not plan.values:
                    raise ConditionError(f"only {have} of {drawn:,} rows drawn keep the table's rules, even repaired; "
                                         "drop the rules that cannot hold together (Synthesizer(rules=...) or the schema's \"rules\")")
                raise ConditionError(
                    f"the model produced only {have} of {n} rows with {shown} in {drawn:,} draws; "
                    "this combination is too rare for it: relax the conditions or use a conditional model "
                    f"({', '.join(models_with('table', conditional=True))})"
                )
        out = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0].reset_index(drop=True)
        return out
