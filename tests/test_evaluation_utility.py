"""Utility (TSTR vs TRTR) and fairness (group shares, parity and equalised-odds gaps)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluation import tstr_auc
from synthgan.evaluation.fairness import fairness_metrics
from synthgan.evaluation.utility import run_utility, utility_metrics

KINDS = {"x": "numerical", "z": "numerical", "group": "categorical", "label": "categorical"}


def _table(rng, n, p_a=0.5, rate_a=0.8, rate_b=0.2):
    group = np.where(rng.random(n) < p_a, "A", "B")
    rate = np.where(group == "A", rate_a, rate_b)
    label = np.where(rng.random(n) < rate, "yes", "no")
    x = np.where(label == "yes", 1.0, -1.0) + rng.standard_normal(n)
    return pd.DataFrame({"x": x, "z": rng.standard_normal(n), "group": group, "label": label})


def test_tstr_matches_trtr_for_real_rows_and_collapses_for_a_broken_target():
    rng = np.random.default_rng(0)
    train, holdout = _table(rng, 2000), _table(rng, 1000)
    run = run_utility(train, _table(rng, 2000), KINDS, "label", holdout=holdout, seed=0)
    good = utility_metrics(run)
    assert good["tstr_roc_auc"]["value"] > 0.85
    assert good["utility_ratio"]["value"] == pytest.approx(1.0, abs=0.05)
    assert good["importance_rank_agreement"]["details"]["tstr"]["x"] > 0.5
    assert run.notes["positive_class"] == "no" or run.notes["positive_class"] == "yes"
    broken = _table(rng, 2000)
    broken["label"] = broken["label"].to_numpy()[rng.permutation(2000)]
    bad = utility_metrics(run_utility(train, broken, KINDS, "label", holdout=holdout, seed=0))
    assert bad["tstr_roc_auc"]["value"] < 0.65
    assert bad["utility_ratio"]["value"] < 0.75
    assert tstr_auc(broken, train, "label", holdout=holdout, kinds=KINDS) == pytest.approx(
        bad["tstr_roc_auc"]["value"])


def test_single_class_synthetic_target_and_regression():
    rng = np.random.default_rng(1)
    train, holdout = _table(rng, 1000), _table(rng, 500)
    one_class = _table(rng, 500).assign(label="no")
    metrics = utility_metrics(run_utility(train, one_class, KINDS, "label", holdout=holdout, seed=0))
    assert metrics["tstr_roc_auc"]["value"] is None
    assert "synthetic target 'label' has a single class" in metrics["tstr_roc_auc"]["reason"]
    assert metrics["trtr_roc_auc"]["value"] > 0.8
    assert metrics["utility_ratio"]["value"] is None
    reg = utility_metrics(run_utility(train, _table(rng, 1000), KINDS, "x", holdout=holdout, seed=0))
    assert set(reg) >= {"tstr_r2", "trtr_r2", "tstr_rmse", "trtr_rmse"}
    assert reg["tstr_r2"]["value"] > 0.3 and reg["tstr_rmse"]["value"] > 0
    assert reg["utility_ratio"]["details"]["primary"] == "r2"


def test_fairness_measures_group_shares_and_parity_gaps():
    rng = np.random.default_rng(2)
    train, holdout = _table(rng, 3000), _table(rng, 1500)
    fair_synth = _table(rng, 3000, p_a=0.8, rate_a=0.5, rate_b=0.5)  # groups reshuffled, gap erased
    run = run_utility(train, fair_synth, KINDS, "label", holdout=holdout, seed=0)
    out = fairness_metrics(train, fair_synth, KINDS, ["group"], run)
    assert out["group_shares:group"]["value"] == pytest.approx(0.3, abs=0.04)
    parity = out["demographic_parity_gap:group"]
    assert parity["details"]["gap_real"] == pytest.approx(0.6, abs=0.05)
    assert parity["details"]["gap_synthetic"] == pytest.approx(0.0, abs=0.06)
    assert parity["value"] == pytest.approx(0.6, abs=0.08)
    odds = out["equalized_odds_gap:group"]
    assert odds["value"] is not None and set(odds["details"]["rates_tstr"]["tpr"]) == {"A", "B"}
    faithful = fairness_metrics(train, _table(rng, 3000), KINDS, ["group"],
                                run_utility(train, _table(rng, 3000), KINDS, "label", holdout=holdout, seed=0))
    assert faithful["demographic_parity_gap:group"]["value"] < 0.06
    none = fairness_metrics(train, fair_synth, KINDS, ["group"], None)
    assert none["equalized_odds_gap:group"]["value"] is None
    assert "no target" in none["demographic_parity_gap:group"]["reason"]
    assert none["group_shares:group"]["value"] is not None
