"""``evaluate``: run the metric families on a real and a synthetic table, return one result."""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synthgan.errors import ConfigError, DataValidationError
from synthgan.evaluation._prep import ID, infer_kinds, validate_tables
from synthgan.evaluation.base import FAMILIES, json_safe
from synthgan.evaluation.verdicts import summarize


@dataclass
class EvaluationResult:
    """The metrics of one evaluation.

    Attributes
    ----------
    metrics : dict
        ``{family: {metric: entry}}``; each entry is ``{value, direction, range, ideal,
        definition, reason, details}`` (``value`` is None when ``reason`` says why).
    meta : dict
        Table sizes, column kinds, target, sensitive columns, seed and timings.
    """

    metrics: dict[str, dict[str, dict[str, Any]]]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The JSON-safe nested dict ``{family: {metric: entry}}`` (a copy)."""
        return copy.deepcopy(self.metrics)

    def value(self, family: str, name: str) -> float | None:
        """The value of one metric (None if absent or not computable)."""
        return self.metrics.get(family, {}).get(name, {}).get("value")

    def summary(self) -> dict[str, Any]:
        """Headline scores, one plain-language verdict per family and the raised alarms, as a dict.

        It returns and prints nothing; ``print(result)`` prints the same as text
        (:meth:`summary_text`).
        """
        return summarize(self.metrics)

    def summary_text(self) -> str:
        """:meth:`summary` as lines of text: headline scores, then one verdict per family."""
        summary = self.summary()
        lines = ["headline scores:"]
        for name, value in summary.get("headline", {}).items():
            lines.append(f"  {name:28s} {'n/a' if value is None else f'{value:.3f}'}")
        lines.extend(f"{family}: {text}" for family, text in summary.get("verdicts", {}).items())
        lines.extend(f"alarm: {alarm}" for alarm in summary.get("alarms", []) or [])
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary_text()

    def to_json(self, path: str | os.PathLike) -> Path:
        """Write ``{"meta", "summary", "metrics"}`` as JSON, atomically; returns the path."""
        from synthgan.io.atomic import atomic_path

        payload = {"meta": self.meta, "summary": self.summary(), "metrics": self.metrics}
        with atomic_path(path, what="metrics JSON") as tmp:
            tmp.write_text(json.dumps(json_safe(payload), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        return Path(path)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> "EvaluationResult":
        """Rebuild a result from the JSON written by :meth:`to_json`."""
        return cls(metrics=payload["metrics"], meta=payload.get("meta", {}))


def _as_list(names: str | Iterable[str] | None) -> list[str]:
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


def _families(metrics: str | Iterable[str] | None) -> list[str]:
    chosen = _as_list(metrics) or list(FAMILIES)
    unknown = [m for m in chosen if m not in FAMILIES]
    if unknown:
        raise ConfigError(f"unknown metric family '{unknown[0]}'; choose from {', '.join(FAMILIES)}")
    return [f for f in FAMILIES if f in chosen]


def evaluate(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    *,
    holdout: pd.DataFrame | None = None,
    target: str | None = None,
    sensitive: str | Iterable[str] | None = None,
    seed: int = 0,
    metrics: str | Iterable[str] | None = None,
) -> EvaluationResult:
    """Judge ``synthetic`` against ``real``: fidelity, detection, diversity, privacy, utility, fairness.

    Parameters
    ----------
    real : DataFrame
        The real table the synthetic data imitates (the generator's training rows).
    synthetic : DataFrame
        The synthetic table, with the same columns.
    holdout : DataFrame, optional
        Real rows the generator never saw. Needed to judge privacy, and the test set of utility
        (without it, 25 % of ``real`` is held back and utility is optimistic).
    target : str, optional
        Column to predict for utility and fairness (categorical: classification, else regression).
    sensitive : str or list of str, optional
        Columns for fairness groups and attribute-inference risk.
    seed : int, default=0
        Seeds every subsample, fold and model (no global random state is touched).
    metrics : str or list of str, optional
        Families to run (default all): ``"fidelity"``, ``"detection"``, ``"diversity"``,
        ``"privacy"``, ``"utility"``, ``"fairness"``.

    Returns
    -------
    EvaluationResult

    Raises
    ------
    DataValidationError
        Mismatched columns or types, an empty table, or a target/sensitive column missing from a table.
    ConfigError
        An unknown metric family.

    Examples
    --------
    >>> result = evaluate(train, synth, holdout=test, target="income", sensitive="sex")  # doctest: +SKIP
    >>> result.summary()["verdicts"]["privacy"]  # doctest: +SKIP
    """
    families = _families(metrics)
    sensitive_cols = _as_list(sensitive)
    validate_tables(real, synthetic, holdout=holdout, target=target, sensitive=sensitive_cols)
    synthetic = synthetic[list(real.columns)]
    holdout = holdout[list(real.columns)] if holdout is not None else None
    kinds = infer_kinds(real)
    for role, name in [("target", target)] + [("sensitive", s) for s in sensitive_cols]:
        if name is not None and kinds[name] == ID:
            raise DataValidationError(f"{role} column '{name}' holds a unique value per row (an identifier); "
                                      "choose a column with repeated values")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    results: dict[str, dict[str, dict[str, Any]]] = {}
    utility_run = None
    for family in families:
        t0 = time.perf_counter()
        results[family], utility_run = _run_family(family, real, synthetic, holdout, kinds, target,
                                                   sensitive_cols, seed, utility_run)
        timings[family] = round(time.perf_counter() - t0, 3)
    meta = {
        "n_rows": {"real": len(real), "synthetic": len(synthetic), "holdout": None if holdout is None else len(holdout)},
        "columns": kinds, "target": target, "sensitive": sensitive_cols, "seed": seed,
        "families": families, "seconds": {**timings, "total": round(time.perf_counter() - started, 3)},
    }
    return EvaluationResult(metrics=json_safe(results), meta=json_safe(meta))


def _run_family(family, real, synthetic, holdout, kinds, target, sensitive, seed, utility_run):
    # Imported lazily: each family pulls in its own heavy dependencies (LightGBM, torch).
    if family == "fidelity":
        from synthgan.evaluation.fidelity import fidelity_metrics
        return fidelity_metrics(real, synthetic, kinds), utility_run
    if family == "detection":
        from synthgan.evaluation.detection import detection_metrics
        return detection_metrics(real, synthetic, kinds, seed=seed), utility_run
    if family == "diversity":
        from synthgan.evaluation.diversity import diversity_metrics
        return diversity_metrics(real, synthetic, kinds, seed=seed), utility_run
    if family == "privacy":
        from synthgan.evaluation.privacy import privacy_metrics
        return privacy_metrics(real, synthetic, kinds, holdout=holdout, sensitive=sensitive, seed=seed), utility_run
    from synthgan.evaluation.utility import run_utility, utility_metrics, utility_unavailable
    if target is not None and utility_run is None:
        utility_run = run_utility(real, synthetic, kinds, target, holdout=holdout, seed=seed)
    if family == "utility":
        if utility_run is None:
            return utility_unavailable("no target column given (pass target= / --target)"), utility_run
        return utility_metrics(utility_run), utility_run
    from synthgan.evaluation.fairness import fairness_metrics
    return fairness_metrics(real, synthetic, kinds, sensitive, utility_run), utility_run
