"""Utility: is a model trained on synthetic rows as good on real rows as one trained on real rows?

Train-synthetic-test-real (TSTR) against train-real-test-real (TRTR), both with the
same LightGBM settings, tested on the holdout. Without a holdout, a seeded 25 % of
the real table is held back as the test set and TRTR trains on the rest; the
generator saw those rows, so TSTR is then optimistic (the details say so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import average_precision_score, f1_score, mean_squared_error, r2_score, roc_auc_score

from synthgan._random import child_seed, numpy_rng
from synthgan.evaluation._learners import feature_frames, fit_lgbm, gain_importance
from synthgan.evaluation._prep import CATEGORICAL, comparable_values, numeric_values, scored_columns, subsample
from synthgan.evaluation.base import Unavailable, compute, metric

N_TRAIN_MAX = 50_000
_CLASSIFICATION = ("roc_auc", "pr_auc", "f1")
_REGRESSION = ("r2", "rmse")
_DEFINITIONS = {
    "roc_auc": ("maximize", (0.0, 1.0), "ROC AUC (macro one-vs-rest for more than two classes)"),
    "pr_auc": ("maximize", (0.0, 1.0), "average precision of the positive (minority) class, macro over classes "
               "for more than two"),
    "f1": ("maximize", (0.0, 1.0), "F1 of the positive (minority) class at the model's default decision, "
           "macro over classes for more than two"),
    "r2": ("maximize", (None, 1.0), "coefficient of determination R2"),
    "rmse": ("minimize", (0.0, None), "root mean squared error, in the target's units"),
}
SPECS = {
    f"{scheme}_{name}": metric("utility", f"{scheme}_{name}", direction, bounds,
                               f"{'Trained on synthetic' if scheme == 'tstr' else 'Trained on real'} rows, "
                               f"tested on real holdout rows (LightGBM, 150 trees): {text}.",
                               ideal=bounds[1] if direction == "maximize" else 0.0)
    for name, (direction, bounds, text) in _DEFINITIONS.items() for scheme in ("tstr", "trtr")
}
RATIO = metric("utility", "utility_ratio", "target", (None, None),
               "TSTR / TRTR of the primary score (ROC AUC for classification, R2 for regression): "
               "1 means the synthetic data trains models as good as the real data does.", ideal=1.0)
RANK_AGREEMENT = metric("utility", "importance_rank_agreement", "maximize", (-1.0, 1.0),
                        "Spearman rank correlation between the TSTR and TRTR models' per-column gain importances: "
                        "1 when both models rely on the columns in the same order.", ideal=1.0)


@dataclass
class UtilityRun:
    """Both models' predictions on the real test rows, shared with the fairness metrics."""

    target: str
    task: str
    test: pd.DataFrame
    y_test: np.ndarray
    classes: list = field(default_factory=list)
    positive: int = 0
    predictions: dict[str, np.ndarray] = field(default_factory=dict)  # scheme -> labels (clf) or values (reg)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    importances: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def error_text(self) -> str:
        """Why a model is missing, each distinct reason once."""
        if len(set(self.errors.values())) == 1:
            return next(iter(self.errors.values()))
        return "; ".join(f"{k.upper()}: {v}" for k, v in self.errors.items())


def _encode_target(col: pd.Series, task: str, classes: pd.Index | None) -> np.ndarray:
    if task == "regression":
        return numeric_values(col)
    codes = classes.get_indexer(comparable_values(col)).astype(np.float64)
    codes[codes < 0] = np.nan  # unseen label or missing: excluded and counted
    return codes


def _class_scores(y: np.ndarray, proba: np.ndarray, labels: np.ndarray, positive: int, n_classes: int) -> dict:
    present = [c for c in range(n_classes) if 0 < np.sum(y == c) < len(y)]
    if n_classes == 2:
        return {"roc_auc": roc_auc_score(y == positive, proba[:, positive]),
                "pr_auc": average_precision_score(y == positive, proba[:, positive]),
                "f1": f1_score(y == positive, labels == positive)}
    return {"roc_auc": float(np.mean([roc_auc_score(y == c, proba[:, c]) for c in present])),
            "pr_auc": float(np.mean([average_precision_score(y == c, proba[:, c]) for c in present])),
            "f1": f1_score(y, labels, labels=present, average="macro")}


def _fit_and_score(run: UtilityRun, scheme: str, x: pd.DataFrame, y: np.ndarray, x_test: pd.DataFrame,
                   categorical: list[str], columns: list[str], seed: int) -> None:
    n_classes = len(run.classes)
    if run.task == "classification" and np.unique(y).size < 2:
        who = "synthetic" if scheme == "tstr" else "real training"
        raise Unavailable(f"the {who} target '{run.target}' has a single class, so no classifier can be trained")
    model = fit_lgbm(x, y.astype(np.int64) if run.task == "classification" else y, categorical, task=run.task,
                     seed=child_seed(seed, "utility", scheme) % 2**31)
    run.importances[scheme] = gain_importance(model, columns)
    if run.task == "regression":
        pred = model.predict(x_test)
        run.predictions[scheme] = pred
        run.scores[scheme] = {"r2": r2_score(run.y_test, pred), "rmse": mean_squared_error(run.y_test, pred) ** 0.5}
        return
    proba = np.zeros((len(x_test), n_classes))
    proba[:, model.classes_.astype(np.int64)] = model.predict_proba(x_test)
    labels = np.argmax(proba, axis=1)
    run.predictions[scheme] = labels
    run.scores[scheme] = _class_scores(run.y_test, proba, labels, run.positive, n_classes)


def run_utility(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], target: str, *,
                holdout: pd.DataFrame | None = None, seed: int = 0) -> UtilityRun:
    """Fit the TSTR and TRTR models and score both on the real test rows."""
    rng = numpy_rng(seed, "evaluation", "utility", "split")
    task = "classification" if kinds[target] == CATEGORICAL else "regression"
    notes: dict[str, Any] = {"test_set": "holdout"}
    if holdout is None:
        order = rng.permutation(len(real))
        cut = len(real) // 4
        holdout, real = real.iloc[order[:cut]], real.iloc[order[cut:]]
        notes["test_set"] = "25% of the real table (no holdout given): optimistic, the generator saw these rows"
    real, synthetic = subsample(real, N_TRAIN_MAX, rng), subsample(synthetic, N_TRAIN_MAX, rng)
    classes = None
    if task == "classification":
        counts = comparable_values(real[target]).value_counts()
        classes = pd.Index(counts.index)
    y = {name: _encode_target(frame[target], task, classes)
         for name, frame in (("real", real), ("synthetic", synthetic), ("test", holdout))}
    keep = {name: ~np.isnan(values) for name, values in y.items()}
    notes["excluded_rows"] = {name: int((~k).sum()) for name, k in keep.items()}
    columns = [c for c in scored_columns(kinds) if c != target]
    if not columns:  # e.g. a one-column table: nothing to predict the target from
        run = UtilityRun(target=target, task=task, test=holdout.iloc[:0], y_test=np.empty(0),
                         classes=list(classes) if classes is not None else [], notes=notes)
        reason = (f"not applicable: '{target}' is the only column (besides identifiers), "
                  "so no model can predict it from the others")
        run.errors = {s: reason for s in ("tstr", "trtr")}
        return run
    frames, categorical = feature_frames([real, synthetic, holdout], kinds, columns)
    x = {name: f[keep[name]] for name, f in zip(("real", "synthetic", "test"), frames)}
    run = UtilityRun(target=target, task=task, test=holdout[keep["test"]], y_test=y["test"][keep["test"]],
                     classes=list(classes) if classes is not None else [],
                     positive=len(classes) - 1 if classes is not None else 0, notes=notes)  # least frequent class
    if task == "classification":
        notes["positive_class"] = str(run.classes[run.positive]) if run.classes else None
    problem = None
    if len(run.y_test) == 0 or not columns:
        problem = "no usable test rows or feature columns"
    elif task == "classification" and np.unique(run.y_test).size < 2:
        problem = f"the real test rows hold a single class of '{target}', so ROC AUC is undefined"
    if problem:
        run.errors = {s: problem for s in ("tstr", "trtr")}
        return run
    for scheme, source in (("tstr", "synthetic"), ("trtr", "real")):
        try:
            if len(x[source]) == 0:
                raise Unavailable(f"every {source} row has a missing or unknown '{target}' value")
            _fit_and_score(run, scheme, x[source], y[source][keep[source]], x["test"], categorical, columns, seed)
        except Unavailable as exc:
            run.errors[scheme] = str(exc)
    return run


def tstr_auc(synthetic: pd.DataFrame, real: pd.DataFrame, target: str, *, holdout: pd.DataFrame | None = None,
             kinds: dict[str, str] | None = None, seed: int = 0) -> float:
    """ROC AUC on real test rows of a LightGBM classifier trained on ``synthetic`` (NaN if impossible).

    Parameters
    ----------
    synthetic : DataFrame
        Training rows for the model.
    real : DataFrame
        The real training table (defines the classes; its rows are the test set when no holdout).
    target : str
        Categorical target column.
    holdout : DataFrame, optional
        Real test rows; without it a seeded 25 % of ``real`` is used.
    kinds : dict, optional
        Column kinds; inferred from ``real`` when omitted.
    seed : int, default=0
        Seeds the split and the model.
    """
    from synthgan.evaluation._prep import infer_kinds

    kinds = kinds or infer_kinds(real)
    run = run_utility(real, synthetic, kinds, target, holdout=holdout, seed=seed)
    return float(run.scores.get("tstr", {}).get("roc_auc", float("nan")))


def utility_metrics(run: UtilityRun) -> dict[str, dict]:
    """Entries for the TSTR and TRTR scores, their ratio and the importance-rank agreement."""
    names = _CLASSIFICATION if run.task == "classification" else _REGRESSION
    common = {"task": run.task, "target": run.target, "n_test": len(run.y_test), **run.notes}
    out = {}
    for scheme in ("tstr", "trtr"):
        for name in names:
            spec = SPECS[f"{scheme}_{name}"]
            out[spec.name] = spec.unavailable(run.errors[scheme]) if scheme in run.errors else \
                spec.entry(run.scores[scheme][name], **common)
    primary = names[0] if run.task == "classification" else "r2"

    def ratio():
        if run.errors:
            raise Unavailable(run.error_text())
        tstr, trtr = run.scores["tstr"][primary], run.scores["trtr"][primary]
        if trtr <= 0:
            raise Unavailable(f"the real-data model's {primary} is {trtr:.3f} (<= 0), so a ratio means nothing")
        return tstr / trtr, {"primary": primary, "tstr": tstr, "trtr": trtr}

    def ranks():
        if run.errors:
            raise Unavailable(run.error_text())
        a, b = (np.array(list(run.importances[s].values())) for s in ("tstr", "trtr"))
        if np.ptp(a) == 0 or np.ptp(b) == 0:
            raise Unavailable("one model gives every column the same importance")
        return float(spearmanr(a, b).statistic), {"tstr": run.importances["tstr"], "trtr": run.importances["trtr"]}

    out["utility_ratio"] = compute(RATIO, ratio)
    out["importance_rank_agreement"] = compute(RANK_AGREEMENT, ranks)
    return out


def utility_unavailable(reason: str) -> dict[str, dict]:
    """Every utility entry with the reason it could not be computed (e.g. no target)."""
    specs = [SPECS[f"{s}_{n}"] for s in ("tstr", "trtr") for n in _CLASSIFICATION] + [RATIO, RANK_AGREEMENT]
    return {spec.name: spec.unavailable(reason) for spec in specs}
