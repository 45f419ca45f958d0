"""Statistics of the augmentation experiment: t intervals, paired differences and verdicts on known cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synthgan.augment.metrics import score, tune_threshold
from synthgan.augment.stats import HELPED, HURT, NO_DIFFERENCE, UNDETERMINED, mean_ci, paired_differences, summarize, verdict


def test_mean_ci_matches_the_t_interval():
    mean, low, high = mean_ci([1, 2, 3, 4, 5])
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)  # t(0.975, 4) * sd / sqrt(n)
    assert mean == 3.0
    assert low == pytest.approx(3.0 - half) and high == pytest.approx(3.0 + half)
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    single = mean_ci([0.7, float("nan")])
    assert single[0] == 0.7 and math.isnan(single[1]) and math.isnan(single[2])
    assert all(math.isnan(v) for v in mean_ci([]))


@pytest.mark.parametrize("low, high, higher, expected", [
    (0.01, 0.05, True, HELPED), (-0.05, -0.01, True, HURT), (-0.01, 0.02, True, NO_DIFFERENCE),
    (0.0, 0.0, True, NO_DIFFERENCE), (0.01, 0.05, False, HURT), (-0.05, -0.01, False, HELPED),
    (float("nan"), float("nan"), True, UNDETERMINED),
])
def test_verdict_follows_the_interval_and_direction(low, high, higher, expected):
    assert verdict(low, high, higher_is_better=higher) == expected


def _records(values: dict[str, list[float]], metric: str = "pr_auc") -> pd.DataFrame:
    return pd.DataFrame([{"seed": s, "classifier": "logreg", "arm": arm, "metric": metric, "value": v}
                         for arm, vs in values.items() for s, v in enumerate(vs)])


def test_paired_differences_use_the_per_seed_pairing():
    base = [0.20, 0.40, 0.30, 0.50, 0.25]  # seeds differ a lot ...
    records = _records({
        "none": base,
        "better": [b + 0.02 + e for b, e in zip(base, [0.001, -0.001, 0.002, 0.0, -0.002])],  # ... the gain does not
        "worse": [b - 0.03 for b in base],
        "noise": [b + e for b, e in zip(base, [0.02, -0.02, 0.01, -0.01, 0.0])],
    })
    paired = paired_differences(records).set_index("arm")
    assert paired.loc["better", "verdict"] == HELPED
    assert paired.loc["better", "mean_diff"] == pytest.approx(0.02)
    assert paired.loc["worse", "verdict"] == HURT
    assert paired.loc["worse", "ci_low"] == pytest.approx(-0.03) and paired.loc["worse", "ci_high"] == pytest.approx(-0.03)
    assert paired.loc["noise", "verdict"] == NO_DIFFERENCE
    assert set(paired.index) == {"better", "worse", "noise"}
    # Unpaired intervals overlap completely, which is why the pairing matters.
    summary = summarize(records).set_index("arm")
    assert summary.loc["better", "ci_low"] < summary.loc["none", "mean"]


def test_lower_is_better_metrics_flip_the_verdict():
    records = _records({"none": [0.10, 0.12, 0.11], "calibrated": [0.08, 0.10, 0.09]}, metric="brier")
    paired = paired_differences(records, higher_is_better={"brier": False})
    assert paired.iloc[0]["verdict"] == HELPED


def test_missing_seeds_are_dropped_from_the_pair():
    records = _records({"none": [0.1, 0.2, 0.3], "arm": [0.2, float("nan"), 0.4]})
    row = paired_differences(records).iloc[0]
    assert row["n"] == 2 and row["mean_diff"] == pytest.approx(0.1)


def test_threshold_tuning_maximises_validation_f1():
    y = np.array([0, 0, 0, 0, 1, 1, 0, 1])
    p = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.65, 0.9])
    assert tune_threshold(y, p) == pytest.approx(0.4)  # predicts 4 positives, catches all 3: F1 = 6/7
    assert tune_threshold(np.zeros(4, int), p[:4]) == 0.5


def test_scores_on_a_known_case():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.6, 0.4, 0.9])
    s = score(y, p, tuned_threshold=0.35, decision_threshold=0.5)
    assert s["roc_auc"] == pytest.approx(0.75)
    assert s["recall"] == 1.0 and s["f1"] == pytest.approx(0.8)
    assert s["recall_decision"] == 0.5 and s["balanced_accuracy_decision"] == 0.5
    assert s["brier"] == pytest.approx((0.01 + 0.36 + 0.36 + 0.01) / 4)
