"""Fit a synthesizer on a table and draw exact row counts per class value by conditional sampling.

Class columns are handed to the synthesizer as text, so that a 0/1 integer
target is always learned as a category (and can be conditioned on), then the
sampled values are mapped back to the caller's original values and dtypes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from synthgan._random import child_seed
from synthgan.core.budget import Budget

#: A factory ``(model, seed=..., n_rows=...) -> unfitted synthesizer`` with ``fit(df)`` and
#: ``sample(n, conditions=..., seed=...)``; tests pass small stand-ins.
GeneratorFactory = Callable[..., Any]

# Training budget used by the experiment (documented in the report): about this many
# optimiser steps per fit, whatever the data size, so a 5-seed run stays within minutes.
EXPERIMENT_BUDGET = Budget(target_steps=1500, min_epochs=5, max_epochs=300)
MIN_BATCH, MAX_BATCH = 100, 300


def _trains(model: str) -> bool:
    """Whether ``model`` is a registered model that learns over epochs (stand-ins in tests are not)."""
    from synthgan.core.registry import available_models, capabilities

    return model in available_models("table") and capabilities(model).trainable


def experiment_budget(model: str, n_rows: int) -> tuple[int | None, int | None]:
    """``(epochs, batch_size)`` for fitting ``model`` on ``n_rows`` rows inside the experiment.

    Batches are a tenth of the data, clipped to 100..300 rows and a multiple of 10
    (CTGAN's pac); epochs come from :data:`EXPERIMENT_BUDGET` through the one rule
    every default fit uses, :meth:`synthgan.core.budget.Budget.epochs`: about 1,500
    optimiser steps, within 5..300 epochs, so a fit costs about the same on 3,000 or
    30,000 rows. An epoch is the trainer's ``floor(rows / batch)`` steps (before this
    rule was shared, the experiment counted ``ceil(rows / batch)``, so a few fits now
    get one epoch more). Models that do not train over epochs (the copula, per its
    capabilities) get ``(None, None)``.
    """
    if not _trains(model):
        return None, None
    batch = int(min(MAX_BATCH, max(MIN_BATCH, round(n_rows / 10 / 10) * 10)))
    return EXPERIMENT_BUDGET.epochs(n_rows, batch), batch


def training_budget(model: str, n_rows: int, epochs: int | None = None, batch_size: int | None = None) -> tuple[int | None, int | None]:
    """The ``(epochs, batch_size)`` a generator is fitted with: the caller's, or :func:`experiment_budget`'s."""
    if not _trains(model) or (epochs is None and batch_size is None):
        return experiment_budget(model, n_rows)
    return epochs, batch_size


def synthesizer_factory(model: str, *, seed: int, n_rows: int, epochs: int | None = None,
                        batch_size: int | None = None) -> Any:
    """A quiet :class:`~synthgan.Synthesizer` trained with :func:`training_budget`."""
    from synthgan import Synthesizer

    epochs, batch_size = training_budget(model, n_rows, epochs, batch_size)
    return Synthesizer(model, epochs=epochs, batch_size=batch_size, seed=seed, verbose=False)


class ConditionalGenerator:
    """A synthesizer plus the class columns it learned as text.

    Parameters
    ----------
    generator : object
        Unfitted (``fit`` is called by :meth:`fit`) or already fitted synthesizer.
    class_columns : list of str
        Columns to learn as categories and condition on.
    on_fit : callable, optional
        Called with the exact frame handed to the generator's ``fit`` (the experiment's
        leakage guard).
    """

    def __init__(self, generator: Any, class_columns: list[str], *, on_fit: Callable[[pd.DataFrame], None] | None = None) -> None:
        self.generator = generator
        self.class_columns = list(class_columns)
        self.on_fit = on_fit
        self.cast_columns_: list[str] = []
        self.dtypes_: dict[str, Any] = {}

    def fit(self, data: pd.DataFrame) -> "ConditionalGenerator":
        """Fit the wrapped generator on ``data`` with the class columns as text."""
        if self.on_fit is not None:
            self.on_fit(data)
        frame = data.copy()
        for column in self.class_columns:
            frame[column] = frame[column].astype("string").astype(object).where(frame[column].notna(), None)
        self.cast_columns_ = list(self.class_columns)
        self.dtypes_ = data.dtypes.to_dict()
        self.generator.fit(frame)
        return self

    def sample_counts(self, plan: dict[str, dict[Any, int]], *, seed: int | None = None) -> pd.DataFrame:
        """Exactly ``n`` rows for every ``{column: {value: n}}`` entry, conditioned on that value.

        Raises ConditionError (from the synthesizer) for a value it does not know.
        """
        parts = []
        for column, per_value in plan.items():
            for value, n in per_value.items():
                asked = str(value) if column in self.cast_columns_ else value
                part_seed = None if seed is None else child_seed(seed, "augment", column, str(value))
                rows = self.generator.sample(int(n), conditions={column: asked}, seed=part_seed)
                rows[column] = value  # the caller's own value and type, not the text the model saw
                parts.append(rows)
        if not parts:
            return pd.DataFrame(columns=list(self.dtypes_))
        return restore_dtypes(pd.concat(parts, ignore_index=True), self.dtypes_)


def restore_dtypes(frame: pd.DataFrame, dtypes: dict[str, Any]) -> pd.DataFrame:
    """Cast ``frame``'s columns to ``dtypes`` where the values allow it (so real and synthetic rows concatenate cleanly)."""
    out = frame.copy()
    for column, dtype in dtypes.items():
        if column not in out.columns or out[column].dtype == dtype:
            continue
        try:
            if pd.api.types.is_integer_dtype(dtype) and out[column].isna().any():
                out[column] = out[column].astype("Int64")
            else:
                out[column] = out[column].astype(dtype)
        except (TypeError, ValueError):
            pass  # leave it as the model returned it rather than corrupt values
    return out
