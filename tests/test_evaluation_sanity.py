"""The issue's sanity checks on Adult, which no metric can fake.

Fidelity and detection run on the full train split (a 16k/16k half split: the
pair-trend noise floor of smaller samples sits below the 0.97 threshold); the
privacy check uses 4,000 rows. Full-size figures over several seeds are recorded
by bench/evaluation_sanity.py in bench/results/.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluation import evaluate


@pytest.fixture(scope="module")
def adult_halves(shared_datasets):
    full = pd.read_csv(shared_datasets / "adult.csv.gz").sample(frac=1.0, random_state=0).reset_index(drop=True)
    half = len(full) // 2
    return full.iloc[:half].reset_index(drop=True), full.iloc[half:].reset_index(drop=True)


@pytest.fixture(scope="module")
def half_result(adult_halves):
    a, b = adult_halves
    return evaluate(a, b, metrics=["fidelity", "detection"], seed=0)


def test_random_half_scores_like_the_real_data(half_result):
    assert half_result.value("fidelity", "column_shapes") >= 0.97
    assert half_result.value("fidelity", "column_pair_trends") >= 0.97
    assert half_result.value("detection", "detection_auc") <= 0.55


def test_independently_shuffled_columns_keep_shapes_but_lose_trends(adult_halves, half_result):
    a, b = adult_halves
    rng = np.random.default_rng(0)
    shuffled = pd.DataFrame({c: b[c].to_numpy()[rng.permutation(len(b))] for c in b.columns})
    result = evaluate(a, shuffled, metrics=["fidelity", "detection"], seed=0)
    assert result.value("fidelity", "column_shapes") >= 0.97
    trends = result.value("fidelity", "column_pair_trends")
    assert trends < half_result.value("fidelity", "column_pair_trends") - 0.04
    assert result.value("fidelity", "column_pair_trends_associated") < 0.85
    assert result.value("detection", "detection_auc") >= 0.9
    giveaway = result.to_dict()["detection"]["detection_auc"]["details"]["top_features"]
    assert len(giveaway) == 5 and abs(sum(giveaway.values()) - 1) < 0.5


def test_a_copy_of_the_training_rows_raises_the_privacy_alarm(load_table):
    rows = load_table("adult", 4000)
    train, holdout = rows.iloc[:2000].reset_index(drop=True), rows.iloc[2000:].reset_index(drop=True)
    result = evaluate(train, train.copy(), holdout=holdout, metrics=["privacy"], seed=0)
    privacy = result.to_dict()["privacy"]
    assert privacy["closer_to_train_share"]["value"] >= 0.95
    assert privacy["exact_copies"]["value"] == pytest.approx(1.0)
    assert privacy["exact_copies"]["details"]["n_copies"] == 2000
    assert privacy["exact_copies"]["details"]["holdout_rate"] < 0.01
    assert privacy["membership_inference_auc"]["value"] > 0.9
    assert privacy["privacy_alarm"]["value"] == 1.0
    assert "exact copies" in privacy["privacy_alarm"]["details"]["message"]
    assert result.summary()["alarms"] == [privacy["privacy_alarm"]["details"]["message"]]


def test_fresh_real_rows_raise_no_privacy_alarm(load_table):
    rows = load_table("adult", 6000)
    train, holdout, fresh = rows.iloc[:2000], rows.iloc[2000:4000], rows.iloc[4000:]
    privacy = evaluate(train, fresh, holdout=holdout, metrics=["privacy"], seed=0).to_dict()["privacy"]
    assert 0.4 <= privacy["closer_to_train_share"]["value"] <= 0.6
    assert 0.45 <= privacy["membership_inference_auc"]["value"] <= 0.55
    assert 0.8 <= privacy["dcr_ratio"]["value"] <= 1.25
    assert privacy["privacy_alarm"]["value"] == 0.0
