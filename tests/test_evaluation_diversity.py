"""Diversity: precision/recall/density/coverage, category and tail coverage, the mode-collapse alarm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.evaluation.diversity import category_coverage, diversity_metrics, prdc, tail_coverage

KINDS = {"x": "numerical", "y": "numerical", "c": "categorical"}


def _table(rng, n, shift=0.0):
    return pd.DataFrame({"x": rng.standard_normal(n) + shift, "y": rng.standard_normal(n),
                         "c": rng.choice(["a", "b", "c", "d"], size=n, p=[0.4, 0.3, 0.2, 0.1])})


def test_prdc_of_a_copy_is_perfect_and_of_one_point_is_collapsed():
    rng = np.random.default_rng(0)
    real = rng.standard_normal((800, 4)).astype(np.float32)
    same = prdc(real, real.copy())
    # A copy sits in its own ball and in the k balls of its neighbours: density (k + 1) / k.
    assert same == pytest.approx({"precision": 1.0, "recall": 1.0, "density": 1.2, "coverage": 1.0}, abs=0.02)
    collapsed = prdc(real, np.repeat(real[:1], 800, axis=0))
    assert collapsed["recall"] < 0.01 and collapsed["coverage"] < 0.02
    fresh = prdc(real, rng.standard_normal((800, 4)).astype(np.float32))
    assert 0.9 < fresh["coverage"] <= 1.0 and 0.8 < fresh["precision"] <= 1.0
    shifted = prdc(real, rng.standard_normal((800, 4)).astype(np.float32) + 3.0)
    assert shifted["precision"] < 0.3 and shifted["coverage"] < 0.3


def test_category_and_tail_coverage():
    rng = np.random.default_rng(1)
    real = _table(rng, 2000)
    synth = real.copy()
    synth.loc[synth["c"] == "d", "c"] = "a"  # the rarest category vanishes
    synth["x"] = synth["x"].clip(-1, 1)        # tails cut off
    value, details = category_coverage(real, synth, KINDS)
    assert value == pytest.approx(0.75)
    assert list(details["missing_categories"]["c"]) == ["d"]
    assert details["missing_categories"]["c"]["d"] == pytest.approx((real["c"] == "d").mean())
    tails, tail_details = tail_coverage(real, synth, KINDS)
    assert tail_details["columns"]["x"]["synthetic_share"] == 0.0
    assert tails == pytest.approx(0.5, abs=0.01)  # x has no tails left, y keeps all of its own


def test_mode_collapse_alarm_speaks_plainly():
    rng = np.random.default_rng(2)
    real = _table(rng, 1500)
    healthy = diversity_metrics(real, _table(rng, 1500), KINDS, seed=0)
    assert healthy["mode_collapse"]["value"] == 0.0
    assert healthy["mode_collapse"]["details"]["message"].startswith("No sign of mode collapse")
    assert healthy["duplicate_rate"]["value"] == 0.0
    collapsed = diversity_metrics(real, pd.concat([real.iloc[:10]] * 150, ignore_index=True), KINDS, seed=0)
    assert collapsed["mode_collapse"]["value"] == 1.0
    message = collapsed["mode_collapse"]["details"]["message"]
    assert message.startswith("Possible mode collapse") and "duplicates" in message
    assert collapsed["duplicate_rate"]["value"] == pytest.approx(1 - 10 / 1500)
    assert collapsed["recall"]["value"] < 0.1
