"""A differentially private table fit, end to end: what the rows may influence, and only through noise.

``Synthesizer(model, epsilon=..., delta=...).fit(df)`` comes here. Everything that is
learned from the rows goes through a mechanism the budget accounts for:

1. **Schema** from the column dtypes only (numbers, booleans, text, dates), never from the
   values: no kind inference by counting levels, no identifier detection by content (a
   user's schema may name kinds instead; ``id`` and ``pii`` columns are refused, drop them
   or fit without DP).
2. **Statistics**: one Gaussian release of every column's histogram
   (:func:`synthgan.dp.statistics.release_histograms`): category lists (rare categories
   dropped below a noisy threshold: neither emitted nor stored), "missing" and the numeric
   bins. The encoder (:func:`private_encoder`) is built from that release alone; rows with
   a category that was not released are learned as the most frequent released one.
3. **Training**: DP-SGD on the networks the model declares (``capabilities.private``),
   with the noise :meth:`synthgan.dp.sgd.SGDPlan.solve` finds for the planned steps.

What a non-private fit adds from the data is left out: dependencies and ties between
columns, rules, value calibration, the validation hold-out and early stopping, collapse
diagnostics, fair cells. The training loss is not kept in the history (it is computed on
real rows without noise). The number of rows is public, as in DP-SGD everywhere: it sets the
sampling rate.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from synthgan._random import child_seed, numpy_rng
from synthgan.core.registry import get_model_class
from synthgan.dp.accounting import PrivacyBudget
from synthgan.dp.sgd import DPSGD, SGDPlan
from synthgan.dp.statistics import NUMERIC_BAR, HistogramRelease, release_histograms
from synthgan.errors import ConfigError
from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.encoder_state import EncoderParts
from synthgan.tabular.placement import build_layout
from synthgan.tabular.schema import ColumnSchema, Schema, complete_schema
from synthgan.tabular.transforms.binned import BinnedNumeric
from synthgan.tabular.transforms.levels import CategoryLevels
from synthgan.tabular.transforms.onehot import OneHotEncoder
from synthgan.tabular.validate import validate_frame

__all__ = ["DEFAULT_DELTA", "dtype_schema", "fit_private", "private_encoder"]

DEFAULT_DELTA = 1e-5
DP_EPOCHS = 20  # DP-SGD's default length: more steps need more noise per step, so fewer pay off
_NUMERIC_KINDS = ("continuous", "integer", "datetime")


def dtype_schema(df: pd.DataFrame) -> Schema:
    """Column kinds from the dtypes alone (what a DP fit may know without spending budget)."""
    columns = []
    for name in df.columns:
        s = df[name]
        if pd.api.types.is_bool_dtype(s.dtype):
            kind = "boolean"
        elif pd.api.types.is_integer_dtype(s.dtype):
            kind = "integer"
        elif pd.api.types.is_float_dtype(s.dtype):
            kind = "continuous"
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            kind = "datetime"
        else:
            kind = "categorical"
        columns.append(ColumnSchema(str(name), kind, str(s.dtype)))
    return Schema(columns)


def private_schema(df: pd.DataFrame, given: Schema | None) -> Schema:
    """The schema of a DP fit: the user's (checked) or :func:`dtype_schema`; no identifier columns."""
    schema = dtype_schema(df) if given is None else given
    validate_frame(df, schema, min_rows=2)
    refused = [c.name for c in schema if c.kind in ("id", "pii")]
    if refused:
        raise ConfigError(f"a DP fit cannot keep identifier columns ({', '.join(refused)}): their formats and fakes are "
                          "learned from the values; drop them, or fit without --epsilon")
    schema = complete_schema(schema, df)
    return Schema([replace(c, categories=None) for c in schema])  # a category dtype's list may name rare values


def private_encoder(schema: Schema, release: HistogramRelease, seed: int) -> TableEncoder:
    """A fitted ``"binned"`` TableEncoder built from the release alone (no row is read)."""
    encoder = TableEncoder("binned", seed=seed, detect_dependencies=False)
    transformers = {}
    for col in schema:
        histogram = release.columns[col.name]
        has_missing = histogram.missing > NUMERIC_BAR * release.sigma  # a public slot: post-processing, as numeric bins
        if col.kind in _NUMERIC_KINDS:
            transformers[col.name] = BinnedNumeric.from_release(col, histogram, has_missing)
        else:
            order = np.argsort(-histogram.counts, kind="stable")
            t = OneHotEncoder(col)
            levels = [histogram.levels[i] for i in order]
            t.levels_ = CategoryLevels(kept=levels, has_missing=has_missing or not levels)
            transformers[col.name] = t
    encoder._set_fitted(EncoderParts(encoder.get_params(), schema, build_layout(transformers, "binned"), transformers, [], []))
    return encoder


def check_private_fit(syn: Any, model_cls: type) -> PrivacyBudget:
    """Refuse what a DP fit cannot do, before any row is read; returns the checked budget."""
    if not model_cls.capabilities.private:
        able = _private_models()
        raise ConfigError(f"{syn.model} cannot be trained with differential privacy; use --model "
                          f"{' or '.join(able)} with --epsilon, or drop --epsilon")
    delta = DEFAULT_DELTA if syn.delta is None else syn.delta
    budget = PrivacyBudget(syn.epsilon, delta).check()
    if syn.fair_target is not None or syn.fair_sensitive is not None:
        raise ConfigError("fair generation learns its cells from the rows without noise: drop --fair-target/--fair-sensitive "
                          "for a DP fit")
    if not (syn.rules == "auto" or syn.rules == []):
        raise ConfigError("a DP fit keeps no rules (their repairs are learned from the rows); drop --rules")
    asked = [name for name in ("patience", "max_time", "validation_every", "checkpoint_every", "checkpoint")
             if getattr(syn, name) is not None]
    if asked:
        raise ConfigError(f"a DP fit trains for its planned steps, without a hold-out or checkpoints: drop {', '.join(asked)}")
    return budget


def _private_models() -> list[str]:
    from synthgan.core.registry import available_models, capabilities

    return [name for name in available_models("table") if capabilities(name).private]


def fit_private(syn: Any, data: pd.DataFrame, *, callbacks: list | None = None) -> Any:
    """Fit ``syn`` (a Synthesizer with ``epsilon`` set) on ``data`` under differential privacy; returns ``syn``."""
    model_cls = get_model_class(syn.model)
    budget = check_private_fit(syn, model_cls)
    _, _, seed = syn._begin_fit(False)  # the seed's checks, resolved once as in any fit
    started = time.perf_counter()
    schema = private_schema(data, syn._resolve_schema(data) if syn.schema is not None else None)
    numeric = {c.name: c.kind in _NUMERIC_KINDS for c in schema}
    release = release_histograms(data, numeric, budget, numpy_rng(seed, "dp", "statistics"))
    encoder = private_encoder(schema, release, child_seed(seed, "encoder"))
    encoded = encoder.transform(data)
    n = len(encoded)
    kwargs = {**model_cls.capabilities.extras.get("private_defaults", {}), **syn._model_kwargs()}
    batch = int(kwargs.pop("batch_size", None) or min(max(256, n // 25), 4096, n))
    epochs = int(kwargs.pop("epochs", None) or DP_EPOCHS)
    steps = epochs * max(n // batch, 1)
    plan = SGDPlan.solve(budget, release.rdp, n, batch, steps)
    model = model_cls(epochs=epochs, batch_size=batch, **kwargs)
    hooks = DPSGD(model_cls.capabilities.private, plan, child_seed(seed, "dp", "sgd"))
    preprocess_seconds = time.perf_counter() - started
    with warnings.catch_warnings():  # opacus' backward hooks on the input layer: expected, not the caller's concern
        warnings.filterwarnings("ignore", message="Full backward hook is firing", category=UserWarning)
        model.fit(encoded, encoder.layout_, seed=child_seed(seed, "model"), callbacks=syn._callbacks(callbacks), hooks=[hooks])
    taken = hooks.steps_taken
    spent = budget.spent(release.rdp, plan.sample_rate, plan.noise_multiplier, taken)
    model.history_ = [{"epoch": h["epoch"], "seconds": h["seconds"]} for h in model.history_]  # the loss saw real rows
    syn.calibration_ = None
    syn.privacy_ = {
        "epsilon": float(budget.epsilon), "delta": float(budget.delta), "epsilon_spent": round(float(spent), 6),
        "accountant": "rdp (opacus)", "statistics_share": budget.statistics_share,
        "statistics_sigma": round(release.sigma, 6), "category_threshold": round(release.threshold, 3),
        "sgd": {**plan.to_dict(), "steps_taken": int(taken)},
    }
    rules = _no_rules(data, encoder.schema_)
    return syn._end_fit(seed, encoder, rules, model, _NoDiagnostics(), n, preprocess_seconds, started)._with_fairness(None)


def _no_rules(data: pd.DataFrame, schema: Schema) -> Any:
    from synthgan.tabular.rules_apply import RuleSet

    return RuleSet.fit(data.iloc[:0], [], schema)


class _NoDiagnostics:
    """A DP fit keeps no collapse diagnostics (they compare samples with the real rows)."""

    @staticmethod
    def diagnostics(history: list) -> dict:
        return {}
