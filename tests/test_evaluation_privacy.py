"""Privacy building blocks: exact neighbour search, row hashing, the size-balanced share, attacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluation import dcr_closer_to_train_share
from synthgan.evaluation._neighbors import nearest
from synthgan.evaluation.privacy import closer_to_train_share, privacy_metrics, row_keys


def test_nearest_matches_brute_force_and_gives_exact_zero_for_copies():
    rng = np.random.default_rng(0)
    reference = rng.standard_normal((300, 7)).astype(np.float32)
    query = np.vstack([reference[:5], rng.standard_normal((50, 7)).astype(np.float32)])
    dist, idx = nearest(query, reference, k=3)
    brute = np.linalg.norm(query[:, None, :].astype(float) - reference[None, :, :].astype(float), axis=2)
    assert np.allclose(dist, np.sort(brute, axis=1)[:, :3], atol=1e-9)
    assert np.array_equal(idx[:5, 0], np.arange(5))
    assert np.all(dist[:5, 0] == 0.0)  # exact, not float32 round-off
    self_dist, self_idx = nearest(reference, reference, k=1, exclude_self=True)
    assert not np.any(self_idx[:, 0] == np.arange(300))
    assert np.allclose(self_dist[:, 0], np.sort(np.where(np.eye(300, dtype=bool), np.inf,
                                                          np.linalg.norm(reference[:, None] - reference[None], axis=2)),
                                                 axis=1)[:, 0], atol=1e-5)


def test_row_keys_match_equal_rows_across_dtypes():
    kinds = {"n": "numerical", "c": "categorical"}
    a = pd.DataFrame({"n": [1, 2, 3], "c": ["x", "y", None]})
    b = pd.DataFrame({"n": [1.0, 2.0, 3.5], "c": ["x", "z", None]})
    ka, kb = row_keys(a, kinds, ["n", "c"]), row_keys(b, kinds, ["n", "c"])
    assert ka[0] == kb[0]
    assert ka[1] != kb[1] and ka[2] != kb[2]


def test_size_balanced_share_is_one_half_at_chance_and_one_for_copies():
    n_train, n_holdout = 3000, 1000
    # At chance a row is closer to the larger table 3 times out of 4.
    d_train = np.r_[np.zeros(750), np.ones(250)]
    d_holdout = np.r_[np.ones(750), np.zeros(250)]
    share = closer_to_train_share(d_train, d_holdout, n_train, n_holdout)
    assert share["raw"] == pytest.approx(0.75)
    assert share["expected_raw"] == pytest.approx(0.75)
    assert share["balanced"] == pytest.approx(0.5)
    ties = closer_to_train_share(np.zeros(10), np.zeros(10), 10, 10)
    assert ties["raw"] == pytest.approx(0.5)
    copies = closer_to_train_share(np.zeros(10), np.ones(10), n_train, n_holdout)
    assert copies["balanced"] == pytest.approx(1.0)


def _gaussian_table(rng, n):
    x = rng.standard_normal((n, 3))
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
                         "g": np.where(x[:, 0] + rng.standard_normal(n) > 0, "p", "q")})


def test_helper_share_near_half_for_fresh_rows_and_one_for_copies():
    rng = np.random.default_rng(1)
    train, holdout, fresh = (_gaussian_table(rng, n) for n in (1500, 600, 1000))
    assert dcr_closer_to_train_share(fresh, train, holdout, seed=0) == pytest.approx(0.5, abs=0.06)
    assert dcr_closer_to_train_share(train.iloc[:1000], train, holdout, seed=0) == pytest.approx(1.0, abs=1e-9)


def test_attribute_inference_flags_copies_and_is_null_without_holdout():
    rng = np.random.default_rng(2)
    train, holdout = _gaussian_table(rng, 1200), _gaussian_table(rng, 1200)
    kinds = {"a": "numerical", "b": "numerical", "c": "numerical", "g": "categorical"}
    copied = privacy_metrics(train, train.copy(), kinds, holdout=holdout, sensitive=["g", "a"], seed=0)
    assert copied["attribute_inference:g"]["value"] > 0.1
    assert copied["attribute_inference:g"]["details"]["accuracy_train"] == pytest.approx(1.0)
    assert copied["attribute_inference:a"]["details"]["binned"] is True
    assert copied["nndr"]["value"] == pytest.approx(0.0)
    assert copied["dcr_ratio"]["value"] == pytest.approx(0.0)
    fresh = privacy_metrics(train, _gaussian_table(rng, 1200), kinds, holdout=holdout, sensitive=["g"], seed=0)
    assert abs(fresh["attribute_inference:g"]["value"]) < 0.05
    assert fresh["privacy_alarm"]["value"] == 0.0
    alone = privacy_metrics(train, train.copy(), kinds, sensitive=["g"], seed=0)
    assert alone["attribute_inference:g"]["value"] is None
    assert "needs a holdout" in alone["attribute_inference:g"]["reason"]
    assert alone["exact_copies"]["value"] == pytest.approx(1.0)
    assert alone["privacy_alarm"]["value"] == 1.0  # copies alone are enough to raise it
