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
    """

    def __init__(self, encoder, model) -> None:
        self.encoder = encoder
        self.model = model

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
        return ConditionPlan(values=values, native=native, kinds={c: schema[c] for c in values})

    def _decode(self, n: int, rng: np.random.Generator, native: tuple[int, int] | None, keys: KeyCursor) -> pd.DataFrame:
        model_seed, decode_seed = (int(s) for s in rng.integers(0, 2**62, size=2))
        encoded = self.model.sample(n, seed=model_seed, condition=native)
        one_hot = self.model.capabilities.one_hot_samples
        return self.encoder.inverse_transform(encoded, seed=decode_seed, id_offset=keys.take(n), one_hot=one_hot)

    def generate(self, n: int, plan: ConditionPlan, rng: np.random.Generator, keys: KeyCursor) -> pd.DataFrame:
        """Exactly ``n`` decoded rows meeting ``plan``; ``keys`` keeps regenerated keys unique across calls."""
        if not plan.values:
            return self._decode(n, rng, None, keys)
        kept: list[pd.DataFrame] = []
        have, drawn = 0, 0
        rate = 1.0 if plan.native is not None else 0.5
        while have < n:
            need = n - have
            batch = int(np.clip(np.ceil(need / max(rate, 1e-3) * 1.2), _MIN_BATCH, _MAX_BATCH))
            frame = self._decode(batch, rng, plan.native, keys)
            mask = np.ones(len(frame), dtype=bool)
            for column, value in plan.values.items():
                mask &= matches(frame[column], value, plan.kinds.get(column))
            accepted = frame.loc[mask].iloc[:need]
            kept.append(accepted)
            have += len(accepted)
            drawn += batch
            rate = max(have / drawn, 1.0 / drawn)
            if have < n and drawn >= max(_MIN_DRAWS_BEFORE_GIVING_UP, 200 * n):
                shown = ", ".join(f"{c}={v!r}" for c, v in plan.values.items())
                raise ConditionError(
                    f"the model produced only {have} of {n} rows with {shown} in {drawn:,} draws; "
                    "this combination is too rare for it: relax the conditions or use a conditional model "
                    f"({', '.join(models_with('table', conditional=True))})"
                )
        out = pd.concat(kept, ignore_index=True) if len(kept) > 1 else kept[0].reset_index(drop=True)
        return out
