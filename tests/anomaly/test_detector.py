"""AnomalyDetector: thresholds, explanations, mixed types, bad input, files, seeds and a sanity AUC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from synthgan import load
from synthgan.anomaly import AnomalyDetector, detector_names
from synthgan.anomaly.run import score_table
from synthgan.errors import ConfigError, DataValidationError, NotFittedError, SchemaError

FAST = {"epochs": 5, "batch_size": 100, "device": "cpu"}


def table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Mixed types: two correlated numbers, a skewed one with gaps, a category, an integer code, a flag."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    frame = pd.DataFrame({
        "a": a,
        "b": 2 * a + rng.normal(scale=0.3, size=n),
        "amount": rng.lognormal(3, 1, size=n).round(2),
        "shop": rng.choice(["north", "south", "east"], size=n, p=[0.5, 0.3, 0.2]),
        "code": rng.integers(0, 4, size=n),
        "online": rng.random(n) < 0.3,
    })
    frame.loc[rng.choice(n, n // 10, replace=False), "amount"] = np.nan
    return frame


@pytest.fixture(scope="module")
def fitted() -> tuple[AnomalyDetector, pd.DataFrame]:
    # the table holds no anomalies: fit as documented for known-normal rows (trim=0). With the default trim the
    # fit leaves out the 15 % of rows most extreme in their columns, so a normal value beyond the kept rows' range
    # may outrank a planted one in explain (trimming is tested in test_trim_* below)
    frame = table()
    return AnomalyDetector(seed=0, trim=0.0, **FAST).fit(frame), frame


def planted(frame: pd.DataFrame, rows: int = 20, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """``frame`` with ``rows`` rows made obviously anomalous, each in one column; returns the labels and the columns."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    where = rng.choice(len(out), rows, replace=False)
    columns = []
    for k, i in enumerate(where):
        column = ("a", "amount", "shop")[k % 3]
        out.loc[i, column] = {"a": 40.0, "amount": 1e7, "shop": "moon"}[column]
        columns.append(column)
    labels = np.zeros(len(out), dtype=bool)
    labels[where] = True
    return out, labels, [c for _, c in sorted(zip(where, columns))]


@pytest.mark.parametrize("threshold", [0.8, 0.95])
def test_quantile_threshold_flags_that_share_of_training_rows(fitted, threshold):
    det, frame = fitted
    share = det.predict(frame, threshold=threshold).mean()
    assert abs(share - (1 - threshold)) <= 0.01


@pytest.mark.parametrize("contamination", [0.02, 0.1])
def test_contamination_flags_that_share_of_training_rows(fitted, contamination):
    det, frame = fitted
    assert abs(det.predict(frame, contamination=contamination).mean() - contamination) <= 0.01
    assert det.threshold_score(contamination=contamination) == det.threshold_score(threshold=1 - contamination)


def test_score_frame_keeps_every_row_and_adds_two_columns(fitted):
    det, frame = fitted
    out = det.score_frame(frame, contamination=0.05)
    assert list(out.columns) == list(frame.columns) + ["anomaly_score", "is_anomaly"]
    assert len(out) == len(frame) and out["is_anomaly"].dtype == bool
    assert np.array_equal(out["anomaly_score"].to_numpy(), det.score(frame))


def test_explain_names_the_planted_column(fitted):
    det, frame = fitted
    bad, labels, columns = planted(frame)
    why = det.explain(bad, top=2)
    assert list(why.columns) == ["anomaly_score", "column_1", "contribution_1", "share_1", "column_2", "contribution_2", "share_2"]
    assert why.index.equals(bad.index) and len(why) == len(bad)
    assert why.loc[labels, "column_1"].tolist() == columns
    assert (why.loc[labels, "share_1"] > 0.3).all()
    assert ((why["share_1"] >= why["share_2"]) & (why["share_1"] + why["share_2"] <= 1 + 1e-9)).all()
    assert det.explain(bad, top=99).shape[1] == 1 + 3 * len(det.columns_)  # capped at the learned columns


def test_mixed_types_missing_values_and_unseen_levels(fitted):
    det, frame = fitted
    scores = det.score(frame)
    assert scores.dtype == np.float64 and np.isfinite(scores).all()
    new = frame.head(3).copy()
    new["amount"] = np.nan  # missing was seen in training: ordinary
    new.loc[1, "shop"] = "moon"  # a level never seen
    new.loc[2, "code"] = np.nan  # missing where training had none
    got = det.score(new)
    base = det.score(frame.head(3).assign(amount=np.nan))
    assert got[0] == pytest.approx(base[0])
    assert got[1] > base[1] + 1 and got[2] > base[2] + 1
    assert np.isfinite(det.score(new.assign(extra="ignored")[["extra", *frame.columns]])).all()  # other columns ignored


def test_obvious_anomalies_get_a_high_roc_auc(fitted):
    from sklearn.metrics import roc_auc_score

    det, frame = fitted
    bad, labels, _ = planted(table(300, seed=5), rows=30)
    assert roc_auc_score(labels, det.score(bad)) > 0.9


@pytest.mark.parametrize("model", detector_names())
def test_save_load_round_trip_gives_identical_scores(model, tmp_path):
    frame = table(200)
    det = AnomalyDetector(model, seed=3, epochs=2, batch_size=50, device="cpu").fit(frame)
    det.save(tmp_path / "det.synthgan")
    again = load(tmp_path / "det.synthgan")
    assert isinstance(again, AnomalyDetector) and again.columns_ == det.columns_
    assert np.array_equal(again.score(frame), det.score(frame))
    assert again.threshold_score(contamination=0.1) == det.threshold_score(contamination=0.1)
    pd.testing.assert_frame_equal(again.explain(frame, top=2), det.explain(frame, top=2))


def test_same_seed_same_scores_and_global_rng_untouched():
    frame = table(200)
    np_state, torch_state = np.random.get_state()[1].copy(), torch.random.get_rng_state().clone()
    first = AnomalyDetector(seed=7, epochs=2, batch_size=50, device="cpu").fit(frame).score(frame)
    second = AnomalyDetector(seed=7, epochs=2, batch_size=50, device="cpu").fit(frame).score(frame)
    other = AnomalyDetector(seed=8, epochs=2, batch_size=50, device="cpu").fit(frame).score(frame)
    assert np.array_equal(first, second) and not np.array_equal(first, other)
    assert np.array_equal(np.random.get_state()[1], np_state) and torch.equal(torch.random.get_rng_state(), torch_state)


def test_scores_do_not_depend_on_chunking(fitted):
    det, frame = fitted
    whole = score_table(det, frame)
    chunked = score_table(det, frame, chunk_rows=37)
    # the same encoding per row; matrix products of other sizes may round the last float32 bit differently
    np.testing.assert_allclose(whole["anomaly_score"].to_numpy(), chunked["anomaly_score"].to_numpy(), rtol=1e-6)


def test_bad_input_is_refused(fitted):
    det, frame = fitted
    with pytest.raises(ConfigError, match="not both"):
        det.predict(frame, threshold=0.9, contamination=0.1)
    for bad in (0.0, 1.0, 1.5, -0.2, float("nan"), "0.9", True):
        with pytest.raises(ConfigError, match="threshold"):
            det.predict(frame, threshold=bad)
    for bad in (0.0, 0.6, -0.1):
        with pytest.raises(ConfigError, match="contamination"):
            det.predict(frame, contamination=bad)
    with pytest.raises(SchemaError, match="'shop'"):
        det.score(frame.drop(columns=["shop"]))
    with pytest.raises(DataValidationError, match="no rows"):
        det.score(frame.iloc[:0])
    with pytest.raises(ConfigError, match="top"):
        det.explain(frame, top=0)
    with pytest.raises(DataValidationError, match="at least 2 rows"):
        AnomalyDetector(**FAST).fit(frame.iloc[:0])
    with pytest.raises(ConfigError, match="unknown anomaly detector"):
        AnomalyDetector("nope").fit(frame)
    with pytest.raises(ConfigError, match="ignore"):
        AnomalyDetector(ignore=["label"], **FAST).fit(frame)
    with pytest.raises(NotFittedError):
        AnomalyDetector().score(frame)


def test_ignored_columns_are_not_learned_and_pass_through():
    frame = table(200).assign(label=0)
    det = AnomalyDetector(ignore="label", epochs=2, batch_size=50, device="cpu").fit(frame)
    assert "label" not in det.columns_
    assert "label" in det.score_frame(frame).columns
    assert np.array_equal(det.score(frame), det.score(frame.drop(columns=["label"])))


def test_trim_refits_without_the_highest_scoring_rows(tmp_path):
    frame = table(200)
    det = AnomalyDetector(trim=0.1, seed=1, epochs=2, batch_size=50, device="cpu").fit(frame)
    plain = AnomalyDetector(trim=0.0, seed=1, epochs=2, batch_size=50, device="cpu").fit(frame)
    assert not np.array_equal(det.score(frame), plain.score(frame))
    det.save(tmp_path / "trim.synthgan")
    again = load(tmp_path / "trim.synthgan")
    assert again.trim == 0.1 and np.array_equal(again.score(frame), det.score(frame))
    for bad in (0.5, -0.1, True):
        with pytest.raises(ConfigError, match="trim"):
            AnomalyDetector(trim=bad, **FAST).fit(frame)
