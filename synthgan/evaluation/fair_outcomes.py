"""What a model trained on a table does to groups: ROC AUC and fairlearn's gaps on real test rows.

:func:`fair_outcomes` trains one LightGBM classifier per training table (the real training
rows, fair synthetic rows, plain synthetic rows ...) to predict a binary target, and scores
each on the same real test rows: ROC AUC, accuracy, and fairlearn's
``demographic_parity_difference`` (the largest gap between groups of the sensitive column in
the share predicted positive) and ``equalized_odds_difference`` (the largest gap in true- or
false-positive rate). With ``mitigation=True`` it adds fairlearn's own post-processing,
``ThresholdOptimizer`` under a demographic-parity constraint, on the real-trained model, as
the reference a fair generator should be compared with. Needs fairlearn (the ``fairness``
extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError, DataValidationError
from synthgan.evaluation._learners import feature_frames, fit_lgbm
from synthgan.evaluation._prep import infer_kinds

__all__ = ["fair_outcomes"]


def _fairlearn():
    try:
        import fairlearn.metrics as metrics
        from fairlearn.postprocessing import ThresholdOptimizer
    except ImportError:
        raise ConfigError("fairness outcomes need fairlearn: pip install 'synthgan[fairness]'") from None
    return metrics, ThresholdOptimizer


def _positive(real: pd.Series) -> Any:
    """The rarer class of a binary target (the outcome whose rate is compared between groups)."""
    counts = real.value_counts()
    if len(counts) != 2:
        raise DataValidationError(f"fair outcomes need a binary target; '{real.name}' has {len(counts)} values")
    return counts.index[-1]


def _scores(y: np.ndarray, proba: np.ndarray | None, pred: np.ndarray, groups: pd.Series, metrics) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    out = {"accuracy": float(accuracy_score(y, pred)),
           "roc_auc": float(roc_auc_score(y, proba)) if proba is not None else None,
           "positive_rate": float(pred.mean()),
           "demographic_parity_difference": float(metrics.demographic_parity_difference(y, pred, sensitive_features=groups)),
           "equalized_odds_difference": float(metrics.equalized_odds_difference(y, pred, sensitive_features=groups))}
    rates = pd.Series(pred, index=groups.index).groupby(groups.to_numpy()).mean()
    out["positive_rate_by_group"] = {str(k): float(v) for k, v in rates.items()}
    return out


def fair_outcomes(train_sets: dict[str, pd.DataFrame], test: pd.DataFrame, *, target: str, sensitive: str,
                  seed: int = 0, mitigation: bool = True, real_name: str = "real") -> dict[str, dict[str, Any]]:
    """Scores on ``test`` of a LightGBM classifier trained on each table of ``train_sets``.

    Parameters
    ----------
    train_sets : dict of str to DataFrame
        Training tables by name; each holds ``target``, ``sensitive`` and the features.
    test : DataFrame
        Real test rows, never trained on.
    target, sensitive : str
        The binary target and the sensitive column (a feature too, as in practice).
    seed : int, default=0
        Seed of the classifiers and of ThresholdOptimizer's randomised thresholds.
    mitigation : bool, default=True
        Add ``"threshold_optimizer"``: fairlearn's ThresholdOptimizer (demographic parity)
        on the model trained on ``train_sets[real_name]``, fitted on those rows.
    real_name : str, default="real"
        The entry of ``train_sets`` that holds the real training rows.

    Returns
    -------
    dict
        ``{"positive_class", "target", "sensitive", "results": {name: {"roc_auc", "accuracy",
        "positive_rate", "demographic_parity_difference", "equalized_odds_difference",
        "positive_rate_by_group"}}}`` (``roc_auc`` is None for the thresholded predictions
        of ThresholdOptimizer).
    """
    metrics, ThresholdOptimizer = _fairlearn()
    for name, frame in {**train_sets, "test": test}.items():
        missing = [c for c in (target, sensitive) if c not in frame.columns]
        if missing:
            raise DataValidationError(f"table '{name}' has no column {missing[0]!r}")
    positive = _positive(test[target])
    features = [c for c in test.columns if c != target]
    names = list(train_sets)
    kinds = infer_kinds(test[features])
    frames, categorical = feature_frames([train_sets[n][features] for n in names] + [test[features]], kinds, features)
    x_test = frames[-1]
    y_test = (test[target] == positive).to_numpy().astype(int)
    groups = test[sensitive].astype(str).reset_index(drop=True)
    out: dict[str, dict[str, Any]] = {}
    models = {}
    for name, x in zip(names, frames[:-1]):
        y = (train_sets[name][target] == positive).to_numpy().astype(int)
        if len(np.unique(y)) < 2:
            raise DataValidationError(f"table '{name}' holds one class of '{target}' only; a classifier needs both")
        models[name] = fit_lgbm(x, y, categorical, task="classification", seed=seed)
        proba = models[name].predict_proba(x_test)[:, 1]
        out[name] = _scores(y_test, proba, (proba >= 0.5).astype(int), groups, metrics)
    if mitigation and real_name in models:
        real_x = frames[names.index(real_name)]
        real_y = (train_sets[real_name][target] == positive).to_numpy().astype(int)
        optimizer = ThresholdOptimizer(estimator=models[real_name], constraints="demographic_parity",
                                       predict_method="predict_proba", prefit=True, objective="accuracy_score")
        optimizer.fit(real_x, real_y, sensitive_features=train_sets[real_name][sensitive].astype(str).to_numpy())
        pred = np.asarray(optimizer.predict(x_test, sensitive_features=groups.to_numpy(), random_state=seed)).astype(int)
        out["threshold_optimizer"] = _scores(y_test, None, pred, groups, metrics)
    return {"positive_class": str(positive), "target": target, "sensitive": sensitive, "results": out}
