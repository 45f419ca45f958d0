"""Detection: can a classifier tell real rows from synthetic ones? (classifier two-sample test)

Equal-sized samples of real and synthetic rows (at most ``n_max`` each) are
labelled 0/1; LightGBM (on raw values and category codes) and a logistic
regression (on the standardised one-hot embedding) are scored by 5-fold
cross-validated ROC AUC. 0.5 means indistinguishable, 1.0 trivially separable.
The columns LightGBM gains most from are what gives the synthetic data away.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from synthgan._random import child_seed, numpy_rng
from synthgan.evaluation._embed import Embedding
from synthgan.evaluation._learners import feature_frames, fit_lgbm, gain_importance, single_threaded_blas
from synthgan.evaluation._prep import infer_kinds, scored_columns, subsample
from synthgan.evaluation.base import Unavailable, compute, metric

DETECTION = metric(
    "detection", "detection_auc", "target", (0.0, 1.0),
    "The higher of the two detectors' cross-validated ROC AUC at telling real from synthetic rows "
    "(0.5 = indistinguishable, 1 = trivially separable); details list the columns that give it away.",
    ideal=0.5,
)
DETECTION_LGBM = metric(
    "detection", "detection_auc_lightgbm", "target", (0.0, 1.0),
    "5-fold cross-validated ROC AUC of a LightGBM classifier (150 trees) trained to tell real from synthetic rows.",
    ideal=0.5,
)
DETECTION_LOGISTIC = metric(
    "detection", "detection_auc_logistic", "target", (0.0, 1.0),
    "5-fold cross-validated ROC AUC of a logistic regression on the standardised one-hot embedding "
    "trained to tell real from synthetic rows (sees only linear differences).",
    ideal=0.5,
)

N_FOLDS = 5
N_MAX = 10_000


def _labelled_sample(real: pd.DataFrame, synthetic: pd.DataFrame, n_max: int, seed: int):
    rng = numpy_rng(seed, "evaluation", "detection", "sample")
    n = min(len(real), len(synthetic), n_max)
    if n < N_FOLDS * 2:
        raise Unavailable(f"needs at least {N_FOLDS * 2} rows in each table, got {n}")
    real_s, synth_s = subsample(real, n, rng), subsample(synthetic, n, rng)
    labels = np.r_[np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.int64)]
    return real_s, synth_s, labels


def _folds(labels: np.ndarray, seed: int):
    splitter = StratifiedKFold(N_FOLDS, shuffle=True, random_state=child_seed(seed, "detection", "folds") % 2**32)
    return list(splitter.split(np.zeros(len(labels)), labels))


def _lgbm_auc(real_s, synth_s, labels, kinds, columns, seed) -> tuple[float, dict[str, Any]]:
    (xr, xs), categorical = feature_frames([real_s, synth_s], kinds, columns)
    x = pd.concat([xr, xs], ignore_index=True)
    aucs, gains = [], np.zeros(len(columns))
    for i, (train, test) in enumerate(_folds(labels, seed)):
        model = fit_lgbm(x.iloc[train], labels[train], categorical, task="classification",
                         seed=child_seed(seed, "detection", "lightgbm", str(i)) % 2**31)
        aucs.append(roc_auc_score(labels[test], model.predict_proba(x.iloc[test])[:, 1]))
        gains += np.array(list(gain_importance(model, columns).values()))
    shares = gains / max(gains.sum(), 1e-12)
    top = sorted(zip(columns, shares), key=lambda t: -t[1])
    return float(np.mean(aucs)), {"fold_aucs": aucs, "feature_importance": dict(top)}


def _logistic_auc(real_s, synth_s, labels, kinds, columns, seed) -> tuple[float, dict[str, Any]]:
    embedding = Embedding(real_s, kinds, columns)
    x = np.vstack([embedding.transform(real_s), embedding.transform(synth_s)])
    aucs = []
    for train, test in _folds(labels, seed):
        model = LogisticRegression(max_iter=300)
        with warnings.catch_warnings(), single_threaded_blas():
            warnings.simplefilter("ignore")  # ConvergenceWarning: 300 lbfgs steps are plenty for an AUC
            model.fit(x[train], labels[train])
        aucs.append(roc_auc_score(labels[test], model.predict_proba(x[test])[:, 1]))
    return float(np.mean(aucs)), {"fold_aucs": aucs}


def detection_auc(real: pd.DataFrame, synthetic: pd.DataFrame, *, kinds: dict[str, str] | None = None,
                  seed: int = 0, model: str = "lightgbm", n_max: int = N_MAX) -> float:
    """Cross-validated ROC AUC of a classifier telling real from synthetic rows.

    Parameters
    ----------
    real, synthetic : DataFrame
        Tables with the same columns.
    kinds : dict, optional
        Column kinds; inferred from ``real`` when omitted.
    seed : int, default=0
        Seeds the subsample, the folds and the model.
    model : {"lightgbm", "logistic"}, default="lightgbm"
        The detector.
    n_max : int, default=10000
        Rows drawn from each table.

    Returns
    -------
    float
        Mean ROC AUC over 5 folds (0.5 = indistinguishable).
    """
    kinds = kinds or infer_kinds(real)
    columns = scored_columns(kinds)
    real_s, synth_s, labels = _labelled_sample(real, synthetic, n_max, seed)
    scorer = _lgbm_auc if model == "lightgbm" else _logistic_auc
    return scorer(real_s, synth_s, labels, kinds, columns, seed)[0]


def detection_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], *,
                      seed: int = 0, n_max: int = N_MAX) -> dict[str, dict]:
    """All detection entries (LightGBM, logistic regression and the stronger of the two)."""
    columns = scored_columns(kinds)
    try:
        real_s, synth_s, labels = _labelled_sample(real, synthetic, n_max, seed)
    except Unavailable as exc:
        return {spec.name: spec.unavailable(str(exc)) for spec in (DETECTION, DETECTION_LGBM, DETECTION_LOGISTIC)}
    lgbm = _lgbm_auc(real_s, synth_s, labels, kinds, columns, seed)
    logistic = _logistic_auc(real_s, synth_s, labels, kinds, columns, seed)
    top = dict(list(lgbm[1]["feature_importance"].items())[:5])

    def strongest():
        return max(lgbm[0], logistic[0]), {"n_rows_per_table": len(real_s), "top_features": top,
                                           "detector": "lightgbm" if lgbm[0] >= logistic[0] else "logistic"}

    return {
        "detection_auc": compute(DETECTION, strongest),
        "detection_auc_lightgbm": compute(DETECTION_LGBM, lambda: lgbm),
        "detection_auc_logistic": compute(DETECTION_LOGISTIC, lambda: logistic),
    }
