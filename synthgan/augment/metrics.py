"""Test-set metrics for the minority class, and the decision threshold tuned on validation rows.

Ranking metrics (PR AUC, ROC AUC) and the Brier score need no threshold. F1,
recall and balanced accuracy are taken at the threshold that maximises F1 on the
validation rows, so every arm is judged at its best operating point; the
``*_decision`` variants use the arm's own decision rule (0.5, or the tuned
threshold for the threshold-tuning arm) to show what an untuned deployment gets.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    brier_score_loss,
    f1_score,
    precision_recall_curve,
    recall_score,
    roc_auc_score,
)

DEFAULT_THRESHOLD = 0.5

#: metric -> (label, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "pr_auc": ("PR AUC", True),
    "roc_auc": ("ROC AUC", True),
    "f1": ("minority F1 (tuned threshold)", True),
    "recall": ("minority recall (tuned threshold)", True),
    "balanced_accuracy": ("balanced accuracy (tuned threshold)", True),
    "brier": ("Brier score", False),
    "f1_decision": ("minority F1 (arm's decision rule)", True),
    "recall_decision": ("minority recall (arm's decision rule)", True),
    "balanced_accuracy_decision": ("balanced accuracy (arm's decision rule)", True),
}
PRIMARY_METRIC = "pr_auc"


def tune_threshold(y_val: np.ndarray, p_val: np.ndarray) -> float:
    """The probability threshold that maximises minority F1 on validation rows (0.5 if they hold no minority)."""
    y_val = np.asarray(y_val)
    if y_val.sum() == 0 or y_val.sum() == len(y_val):
        return DEFAULT_THRESHOLD
    precision, recall, thresholds = precision_recall_curve(y_val, p_val)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)[:-1]
    return float(thresholds[int(np.argmax(f1))])


def _at(y: np.ndarray, p: np.ndarray, threshold: float) -> tuple[float, float, float]:
    predicted = (p >= threshold).astype(int)
    return (
        float(f1_score(y, predicted, zero_division=0.0)),
        float(recall_score(y, predicted, zero_division=0.0)),
        float(balanced_accuracy_score(y, predicted)),
    )


def score(y_test: np.ndarray, p_test: np.ndarray, *, tuned_threshold: float, decision_threshold: float) -> dict[str, float]:
    """All :data:`METRICS` for 0/1 labels ``y_test`` and minority probabilities ``p_test``."""
    y_test = np.asarray(y_test).astype(int)
    p_test = np.clip(np.asarray(p_test, dtype="float64"), 0.0, 1.0)
    both = 0 < y_test.sum() < len(y_test)
    f1, recall, balanced = _at(y_test, p_test, tuned_threshold)
    f1_d, recall_d, balanced_d = _at(y_test, p_test, decision_threshold)
    return {
        "pr_auc": float(average_precision_score(y_test, p_test)) if both else float("nan"),
        "roc_auc": float(roc_auc_score(y_test, p_test)) if both else float("nan"),
        "f1": f1,
        "recall": recall,
        "balanced_accuracy": balanced,
        "brier": float(brier_score_loss(y_test, p_test)),
        "f1_decision": f1_d,
        "recall_decision": recall_d,
        "balanced_accuracy_decision": balanced_d,
    }
