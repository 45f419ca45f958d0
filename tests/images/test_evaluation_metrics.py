"""Image metrics as pure functions: Frechet distance, PRDC, class-conditional scores, memorisation."""

from __future__ import annotations

import numpy as np
import pytest

from synthgan.errors import DataValidationError
from synthgan.images.evaluation import (
    class_coverage,
    conditional_accuracy,
    coverage,
    frechet_distance,
    kth_neighbour_radii,
    memorization_scores,
    near_copy_test,
    prdc,
)


def cloud(n: int, d: int = 8, shift: float = 0.0, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d)) + shift


# ----------------------------------------------------------------------------------------- Frechet
def test_frechet_of_identical_sets_is_zero():
    a = cloud(500)
    assert frechet_distance(a, a.copy()) == pytest.approx(0.0, abs=1e-8)


def test_frechet_grows_with_a_shift_and_matches_the_mean_term():
    a, b = cloud(4000, d=4, seed=1), cloud(4000, d=4, seed=2)
    same = frechet_distance(a, b)
    shifted = frechet_distance(a, b + 1.0)  # the mean term grows by |1|^2 * 4 = 4, the covariance term stays
    assert same < 0.05
    mean_term = float(np.sum((a.mean(0) - b.mean(0) - 1.0) ** 2) - np.sum((a.mean(0) - b.mean(0)) ** 2))
    assert shifted - same == pytest.approx(mean_term, rel=1e-6)
    assert shifted == pytest.approx(4.0, abs=0.5)
    assert frechet_distance(a, b + 3.0) > shifted


def test_frechet_one_dimension_closed_form():
    a, b = cloud(300, d=1, seed=3), cloud(200, d=1, seed=4) * 2.0 + 0.5
    expected = (a.mean() - b.mean()) ** 2 + (a.std(ddof=1) - b.std(ddof=1)) ** 2
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_with_singular_covariances_is_finite():
    base = cloud(50, d=3)
    a = np.hstack([base, base, np.zeros((50, 2))])  # rank 3 of 8
    b = np.hstack([base + 0.1, base, np.zeros((50, 2))])
    value = frechet_distance(a, b)
    assert np.isfinite(value) and value == pytest.approx(3 * 0.01, abs=1e-4)


# ----------------------------------------------------------------------------------------- PRDC
def test_prdc_hand_computed_one_dimension():
    real = np.array([[0.0], [1.0], [3.0]])  # radii with k=1: 1, 1, 2
    synth = np.array([[0.5], [10.0], [10.5]])  # radii: 9.5, 0.5, 0.5
    out = prdc(real, synth, k=1)
    assert out["precision"] == pytest.approx(1 / 3)  # only 0.5 lies in a real ball
    assert out["density"] == pytest.approx(2 / 3)  # 0.5 lies in the balls of 0 and 1
    assert out["recall"] == pytest.approx(1.0)  # every real point lies in the ball of 0.5
    assert out["coverage"] == pytest.approx(2 / 3)  # 3's nearest synthetic point is 2.5 away, radius 2
    np.testing.assert_allclose(kth_neighbour_radii(real, 1), [1.0, 1.0, 2.0])


def test_prdc_identical_sets_score_one_and_far_sets_zero():
    a = cloud(300)
    same = prdc(a, a.copy(), k=5)
    # each real ball (strict radius) holds the point itself and its 4 nearer neighbours: density exactly 1
    assert same["precision"] == same["recall"] == same["coverage"] == 1.0
    assert same["density"] == pytest.approx(1.0)
    far = prdc(a, cloud(300, seed=9, shift=100.0), k=5)
    assert far["precision"] == far["recall"] == far["density"] == far["coverage"] == 0.0


def test_prdc_detects_collapse_and_blocks_change_nothing():
    real, fresh = cloud(400, seed=1), cloud(400, seed=2)
    collapsed = np.repeat(cloud(4, seed=3) * 0.2, 100, axis=0) + cloud(400, seed=4) * 0.01
    good, bad = prdc(real, fresh), prdc(real, collapsed)
    assert good["recall"] > 0.5 and good["coverage"] > 0.8
    assert bad["recall"] < 0.1 and bad["coverage"] < 0.2
    blocked = prdc(real, fresh, max_block_elements=7)
    for key in ("precision", "recall", "density", "coverage"):
        assert blocked[key] == pytest.approx(good[key], abs=1e-12)
    assert coverage(real, fresh) == pytest.approx(good["coverage"])
    assert coverage(real, fresh[:0]) == 0.0


def test_prdc_refuses_too_few_rows():
    with pytest.raises(DataValidationError, match="k"):
        prdc(cloud(5), cloud(50), k=5)


# ----------------------------------------------------------------------------------------- classes
def test_conditional_accuracy_per_class():
    out = conditional_accuracy(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), np.array([0, 1, 2]))
    assert out["accuracy"] == pytest.approx(4 / 6)
    assert out["per_class"] == {"0": 0.5, "1": 0.5, "2": 1.0}


def test_class_coverage_drops_for_a_missing_class():
    feats = np.vstack([cloud(60, seed=1), cloud(60, seed=2, shift=20.0)])
    labels = np.repeat(np.array(["a", "b"]), 60)
    synth = np.vstack([cloud(60, seed=3), cloud(60, seed=4)])  # everything looks like class a
    out = class_coverage(feats, labels, synth, np.repeat(np.array(["a", "b"]), 60), np.array(["a", "b"]))
    assert out["a"] > 0.8 and out["b"] == 0.0


# ----------------------------------------------------------------------------------------- memorisation
def test_near_copy_test_threshold_and_verdict():
    hold = np.linspace(1.0, 2.0, 101)  # 1st percentile: 1.01
    out = near_copy_test(np.full(100, 1.5), hold)
    assert out["threshold"] == pytest.approx(1.01)
    assert out["holdout_count"] == 1 and out["synthetic_count"] == 0 and out["passed"]
    copies = near_copy_test(np.r_[np.zeros(30), np.full(70, 1.5)], hold)
    assert copies["synthetic_share"] == pytest.approx(0.3) and not copies["passed"]
    assert copies["median_ratio"] == pytest.approx(1.0)


def test_near_copy_expectation_follows_the_synthetic_class_mix():
    # class "a" holdout images sit close to training images (half below the threshold), class "b" far away
    hold = np.r_[np.linspace(0.0, 1.0, 20), np.full(180, 5.0)]
    groups = np.r_[np.full(20, "a"), np.full(180, "b")]
    threshold_share = (hold < np.quantile(hold, 0.01)).mean()
    synth = np.r_[np.zeros(2), np.full(18, 0.9)]  # 20 images of class "a", 2 of them below the threshold
    plain = near_copy_test(synth, hold)
    matched = near_copy_test(synth, hold, synthetic_groups=np.full(20, "a"), holdout_groups=groups)
    assert plain["expected_share"] == pytest.approx(threshold_share) and not plain["passed"]
    assert matched["class_matched"] and matched["expected_share"] == pytest.approx(threshold_share * 200 / 20)
    assert matched["passed"]


def test_memorization_flags_copies_of_training_images():
    rng = np.random.default_rng(0)
    train, hold, fresh = rng.random((400, 64)), rng.random((200, 64)), rng.random((200, 64))
    copies = train[rng.choice(400, 200, replace=False)]
    ok = memorization_scores(train, fresh, hold, train, fresh, hold)
    assert ok["passed"] and ok["exact_copies"] == 0 and ok["pixel"]["synthetic_share"] < 0.05
    bad = memorization_scores(train, copies, hold, train, copies, hold)
    assert not bad["passed"] and bad["exact_copies"] == 200
    assert bad["pixel"]["synthetic_share"] == 1.0 and bad["feature"]["synthetic_share"] == 1.0
    assert [c["distance"] for c in bad["closest"]] == [0.0] * 8
    first = bad["closest"][0]
    np.testing.assert_array_equal(copies[first["synthetic"]], train[first["train"]])
