"""Fidelity metrics and column kinds: hand-computed values on tiny tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluation import infer_kinds
from synthgan.evaluation._prep import infer_kind
from synthgan.evaluation.fidelity import (
    column_pair_trends,
    column_shape_scores,
    column_shapes,
    fidelity_metrics,
    pair_trend_scores,
)


def test_kinds_follow_sdv_detection_rules():
    n = 40
    frame = pd.DataFrame({
        "flag": np.tile([0, 1], n // 2),                     # whole, >= 0, 2 values -> categorical
        "count": np.arange(n) % 12,                           # 12 values > min(round(40/10), 10) = 4 -> numerical
        "negative": np.tile([-1, 1], n // 2),                 # negative codes stay numerical
        "score": np.linspace(0, 1, n),
        "user_id": np.arange(n),                              # unique, complete, named like an id
        "token": [f"t{i}" for i in range(n)],                 # unique text
        "city": ["a", "b"] * (n // 2),
        "when": pd.date_range("2020-01-01", periods=n, freq="D"),
        "when_text": pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
        "ok": [True, False] * (n // 2),
    })
    assert infer_kinds(frame) == {
        "flag": "categorical", "count": "numerical", "negative": "numerical", "score": "numerical",
        "user_id": "id", "token": "id", "city": "categorical", "when": "datetime", "when_text": "datetime",
        "ok": "categorical",
    }
    assert infer_kind(pd.Series([1, 2, 3], name="x")) == "numerical"  # too few rows to call it categorical


def test_column_shapes_match_hand_computed_ks_and_tvd():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    synth = pd.DataFrame({"x": [3.0, 4.0, 5.0, 6.0], "c": ["a", "b", "b", "b"]})
    kinds = {"x": "numerical", "c": "categorical"}
    scores = column_shape_scores(real, synth, kinds)
    assert scores["x"]["metric"] == "KSComplement"
    assert scores["x"]["score"] == pytest.approx(0.5)  # KS D = 0.5 at x = 4
    assert scores["c"]["metric"] == "TVComplement"
    assert scores["c"]["score"] == pytest.approx(0.75)  # TVD = (|.5-.25| + |.5-.75|) / 2
    assert column_shapes(real, synth, kinds=kinds) == pytest.approx(0.625)


def test_synthetic_only_category_counts_and_missing_values_are_left_out():
    real = pd.DataFrame({"c": ["a", "a", None, "b"]})
    synth = pd.DataFrame({"c": ["a", "z", np.nan, np.nan]})
    score = column_shape_scores(real, synth, {"c": "categorical"})["c"]["score"]
    # non-missing shares: real a 2/3, b 1/3; synthetic a 1/2, z 1/2 -> TVD = (1/6 + 1/3 + 1/2) / 2
    assert score == pytest.approx(1 - 0.5)


def test_all_missing_column_gets_a_reason_not_a_silent_drop():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "y": [1.0, 3.0, 2.0, 5.0, 4.0, 6.0]})
    synth = real.assign(x=np.nan)
    entries = fidelity_metrics(real, synth, {"x": "numerical", "y": "numerical"})
    shapes = entries["column_shapes"]
    assert shapes["details"]["columns"]["x"]["score"] is None
    assert "synthetic column has no values" in shapes["details"]["not_scored"]["x"]
    assert shapes["value"] == pytest.approx(1.0)  # y alone
    pair = entries["column_pair_trends"]["details"]["pairs"][0]
    assert pair["score"] is None and "constant" in pair["reason"]
    assert entries["column_pair_trends"]["value"] is None
    assert "fewer than two columns" in entries["column_pair_trends"]["reason"]
    assert entries["missing_values"]["value"] == pytest.approx(0.5)


def test_pair_trends_correlation_and_contingency():
    x = np.arange(10, dtype=float)
    real = pd.DataFrame({"a": x, "b": x, "c": list("pqpqpqpqpq"), "d": list("pqpqpqpqpq"), "e": list("rrssrrssrr")})
    synth = pd.DataFrame({"a": x, "b": -x, "c": list("pqpqpqpqpq"), "d": list("qpqpqpqpqp"), "e": list("rrssrrssrr")})
    kinds = {"a": "numerical", "b": "numerical", "c": "categorical", "d": "categorical", "e": "categorical"}
    pairs = {tuple(p["columns"]): p for p in pair_trend_scores(real, synth, kinds)}
    assert len(pairs) == 10
    assert pairs[("a", "b")]["metric"] == "CorrelationSimilarity"
    assert pairs[("a", "b")]["score"] == pytest.approx(0.0)  # r = 1 vs r = -1
    assert pairs[("a", "b")]["real_correlation"] == pytest.approx(1.0)
    assert pairs[("c", "d")]["metric"] == "ContingencySimilarity"
    assert pairs[("c", "d")]["score"] == pytest.approx(0.0)  # joint cells (p,p),(q,q) vs (p,q),(q,p)
    assert pairs[("a", "c")]["metric"] == "ContingencySimilarity"
    assert pairs[("a", "c")]["score"] == pytest.approx(1.0)
    assert pairs[("c", "d")]["real_association"] == pytest.approx(1.0)  # Cramér's V of a perfect relation
    assert pairs[("c", "e")]["real_association"] < 0.3 and not pairs[("c", "e")]["meets_threshold"]
    associated = [p["score"] for p in pairs.values() if p["meets_threshold"]]
    assert ("c", "e") not in [k for k, p in pairs.items() if p["meets_threshold"]]
    assert column_pair_trends(real, synth, kinds=kinds, associated_only=True) == pytest.approx(np.mean(associated))
    assert column_pair_trends(real, synth, kinds=kinds) == pytest.approx(np.mean([p["score"] for p in pairs.values()]))


def test_fidelity_on_adult_sample_is_high_for_a_copy_and_low_for_noise(adult):
    kinds = infer_kinds(adult)
    same = fidelity_metrics(adult, adult.copy(), kinds)
    assert same["column_shapes"]["value"] == pytest.approx(1.0)
    assert same["column_pair_trends"]["value"] == pytest.approx(1.0)
    assert same["quality_score"]["value"] == pytest.approx(1.0)
    noisy = adult.copy()
    noisy["age"] = noisy["age"] + 60
    noisy["sex"] = "Female"
    shapes = fidelity_metrics(adult, noisy, kinds)["column_shapes"]["details"]["columns"]
    assert shapes["age"]["score"] < 0.2
    assert shapes["sex"]["score"] == pytest.approx((adult["sex"] == "Female").mean())
    n = len(kinds)
    matrices = fidelity_metrics(adult, noisy, kinds)["column_pair_trends"]["details"]["matrices"]
    assert np.array(matrices["real"]).shape == (n, n)
