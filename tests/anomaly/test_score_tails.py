"""Column tails: exact per-cell surprises, their place in the ``vae`` score, trimming by them, and model files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from synthgan import load
from synthgan.anomaly import AnomalyDetector
from synthgan.anomaly.encoding import RowEncoder
from synthgan.anomaly.marginal import MAX_KNOTS
from synthgan.anomaly.threshold import tail_surprise
from synthgan.core.files import read_model_file
from synthgan.errors import ModelFileError
from synthgan.io.serialization import save_model_file

FAST = {"epochs": 2, "batch_size": 50, "device": "cpu"}


def nats(count: float, n: int) -> float:
    """What a cell costs whose tail holds ``count`` of ``n`` training rows."""
    return math.log(n + 1) - math.log(count + 1)


def surprise(train: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    encoder = RowEncoder(0).fit(train)
    return pd.DataFrame(encoder.transform(rows).tails, columns=encoder.columns_)


def test_numbers_cost_their_two_sided_tail():
    train = pd.DataFrame({"x": np.arange(1.0, 101.0)})  # 1..100, each once
    got = surprise(train, pd.DataFrame({"x": [1.0, 50.0, 100.0, 10.5, 0.0, 1e9]}))["x"].to_numpy()
    expected = [nats(1, 100), nats(50, 100), nats(1, 100), nats(10, 100), nats(0, 100), nats(0, 100)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_repeated_values_count_every_row():
    train = pd.DataFrame({"x": [0.0] * 90 + [1.0] * 7 + [5.0] * 3})
    got = surprise(train, pd.DataFrame({"x": [0.0, 1.0, 5.0, 3.0]}))["x"].to_numpy()
    # 0: #{X <= 0} = 90, #{X >= 0} = 100; 1: 97 and 10; 5: 100 and 3; 3 (between seen values): 97 and 3
    np.testing.assert_allclose(got, [nats(90, 100), nats(10, 100), nats(3, 100), nats(3, 100)], rtol=1e-12)


def test_levels_cost_the_rows_of_levels_no_more_frequent():
    train = pd.DataFrame({"shop": ["a"] * 50 + ["b"] * 30 + ["c"] * 15 + ["d"] * 5})
    got = surprise(train, pd.DataFrame({"shop": ["a", "b", "c", "d", "moon"]}))["shop"].to_numpy()
    np.testing.assert_allclose(got, [nats(100, 100), nats(50, 100), nats(20, 100), nats(5, 100), nats(0, 100)], rtol=1e-12)


def test_missing_cells_count_as_a_level():
    x = np.arange(100.0)
    x[:10] = np.nan
    train = pd.DataFrame({"x": x, "shop": ["a"] * 80 + [None] * 20})
    got = surprise(train, pd.DataFrame({"x": [np.nan], "shop": [None]}))
    assert got.loc[0, "x"] == pytest.approx(nats(10, 100))
    assert got.loc[0, "shop"] == pytest.approx(nats(20, 100))  # missing (20 rows) is the rarer of the two levels


def test_many_distinct_values_keep_exact_ends():
    rng = np.random.default_rng(0)
    values = rng.normal(size=4 * MAX_KNOTS)
    train = pd.DataFrame({"x": values})
    n = values.size
    probe = [values.min(), values.max(), values.min() - 1, float(np.median(values))]
    got = surprise(train, pd.DataFrame({"x": probe}))["x"].to_numpy()
    assert got[0] == pytest.approx(nats(1, n)) and got[1] == pytest.approx(nats(1, n))
    assert got[2] == pytest.approx(nats(0, n))
    assert abs(got[3] - math.log(2)) < 0.01  # the median: half the rows on each side, to the knots' resolution


def test_constant_columns_cost_nothing_here():
    train = pd.DataFrame({"x": np.arange(50.0), "c": 7})
    encoder = RowEncoder(0).fit(train)
    tails = encoder.transform(pd.DataFrame({"x": [3.0], "c": [8]})).tails
    assert tails[0, encoder.columns_.index("c")] == 0.0  # novelty nats score the other value


def test_tails_survive_the_encoder_state():
    train = pd.DataFrame({"x": np.r_[np.arange(200.0), [np.nan] * 5], "shop": ["a", "b", "c", "d", "e"] * 41})
    encoder = RowEncoder(0).fit(train)
    state, arrays = encoder.to_state()
    again = RowEncoder.from_state(state, arrays)
    rows = pd.DataFrame({"x": [-1.0, 5.0, np.nan], "shop": ["a", "zzz", None]})
    np.testing.assert_array_equal(again.transform(rows).tails, encoder.transform(rows).tails)


# --------------------------------------------------------------------------- in the detector
def table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": a + rng.normal(scale=0.5, size=n), "shop": rng.choice(["n", "s", "e"], size=n)})


@pytest.fixture(scope="module")
def semi() -> tuple[AnomalyDetector, pd.DataFrame]:
    frame = table()
    return AnomalyDetector(seed=0, trim=0.0, **FAST).fit(frame), frame


def test_vae_score_adds_the_tails_tail_surprise(semi):
    det, frame = semi
    encoded = det.rows_.transform(frame)
    column_terms, row_term = det.scorer_.terms(encoded)
    model_only = det.scorer_.combine(column_terms, row_term)
    evidence = tail_surprise(det.scorer_.references["tails"], encoded.tails.sum(axis=1))
    np.testing.assert_allclose(det.score(frame), model_only + evidence, rtol=1e-12)
    assert evidence.min() >= 0 and evidence.max() > 1


def test_explain_names_a_column_extreme_on_its_own(semi):
    det, frame = semi
    row = frame.iloc[[0]].assign(shop=frame["shop"].iloc[0])
    row["b"] = frame["b"].max() + 0.01 * frame["b"].std()  # just beyond every training value, a and shop ordinary
    row["a"] = frame["a"].median()
    why = det.explain(row, top=1)
    assert why["column_1"].iloc[0] == "b"


def test_unsupervised_fit_leaves_out_the_rows_most_extreme_in_their_columns():
    frame = table(400)
    far = (40.0 + np.arange(8)) * np.array([1, -1] * 4)  # 2 % anomalies, far out on both sides, against the correlation
    frame.loc[:7, "a"], frame.loc[:7, "b"] = far, -far
    det = AnomalyDetector(seed=1, trim=0.1, **FAST).fit(frame)
    ranks = RowEncoder(0).fit(frame).transform(frame).tails.sum(axis=1)
    kept = ranks <= np.quantile(ranks, 0.9)
    assert det.rows_.n_fit_ == kept.sum() < len(frame)
    assert not kept[:8].any() and det.n_rows_fit_ == len(frame)
    a = det.columns_.index("a")
    assert np.abs(det.rows_.tails_.columns_[a].values).max() < 40.0  # the encoder and model never saw them
    scores = det.score(frame)
    assert scores[:8].min() > np.quantile(scores[8:], 0.99)


# --------------------------------------------------------------------------- model files
def rewrite(path, out, edit) -> None:
    """``path``'s model file with ``edit(manifest, arrays)`` applied, written to ``out`` (a valid checksum)."""
    manifest, arrays = read_model_file(path)
    edit(manifest, arrays)
    manifest = {k: v for k, v in manifest.items() if k not in ("format", "format_version")}
    save_model_file(out, manifest, arrays)


def test_files_say_how_they_score(semi, tmp_path):
    det, frame = semi
    det.save(tmp_path / "new.synthgan")
    manifest, arrays = read_model_file(tmp_path / "new.synthgan")
    assert manifest["scoring"] == 2 and "tails" in manifest["rows"]
    assert any(k.startswith("encoder/tails/") for k in arrays) and "anomaly/reference/tails" in arrays
    again = load(tmp_path / "new.synthgan")
    np.testing.assert_array_equal(again.score(frame), det.score(frame))


def test_a_file_written_before_the_tails_loads_and_scores_as_then(semi, tmp_path):
    det, frame = semi

    def strip(manifest, arrays):  # what the detector wrote before the column tails
        del manifest["scoring"], manifest["rows"]["tails"], arrays["anomaly/reference/tails"]
        for key in [k for k in arrays if k.startswith("encoder/tails/")]:
            del arrays[key]

    det.save(tmp_path / "new.synthgan")
    rewrite(tmp_path / "new.synthgan", tmp_path / "old.synthgan", strip)
    old = load(tmp_path / "old.synthgan")
    assert old.rows_.tails_ is None and "tails" not in old.scorer_.references
    encoded = det.rows_.transform(frame)
    np.testing.assert_allclose(old.score(frame), det.scorer_.combine(*det.scorer_.terms(encoded)), rtol=1e-12)
    assert old.explain(frame, top=1).shape == (len(frame), 4)


@pytest.mark.parametrize("case", ["newer", "tails_missing", "tails_unannounced", "tails_damaged"])
def test_files_that_do_not_fit_their_scoring_are_refused(semi, tmp_path, case):
    det, _ = semi
    det.save(tmp_path / "new.synthgan")

    def edit(manifest, arrays):
        if case == "newer":
            manifest["scoring"] = 3
        elif case == "tails_missing":
            del manifest["rows"]["tails"]
        elif case == "tails_unannounced":
            del manifest["scoring"]
        else:
            del arrays["encoder/tails/0.counts"]

    rewrite(tmp_path / "new.synthgan", tmp_path / "bad.synthgan", edit)
    match = {"newer": "newer synthgan"}.get(case, "fit the detector again")
    with pytest.raises(ModelFileError, match=match):
        load(tmp_path / "bad.synthgan")
