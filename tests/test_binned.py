"""The "binned" encoding: numbers as a bin (or exact point) plus a position, from data or from a DP release."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.schema import ColumnSchema
from synthgan.tabular.transforms.binned import BinnedNumeric


def _roundtrip(t: BinnedNumeric, s: pd.Series, seed: int = 0) -> pd.Series:
    block = t.transform(s, np.random.default_rng(seed))
    return t.inverse(block, np.random.default_rng(seed + 1), pd.RangeIndex(len(s)))


def test_integers_with_a_point_mass_and_missing_cells_come_back_exactly():
    rng = np.random.default_rng(0)
    values = np.where(rng.random(5000) < 0.6, 0, rng.integers(1, 5000, 5000)).astype(float)
    values[rng.random(5000) < 0.05] = np.nan
    s = pd.Series(pd.array(values.round(), dtype="Int64"), name="gain")
    t = BinnedNumeric(ColumnSchema("gain", "integer", "Int64")).fit(s, rng)
    assert 0.0 in t.points_ and t.has_missing_
    back = _roundtrip(t, s)
    assert back.dtype == "Int64"
    assert back.isna().equals(s.isna())
    width = (t.high_ - t.low_).max() / t.sub_bins
    err = (back.astype("float64") - s.astype("float64")).abs().dropna()
    assert err.max() <= width + 0.5
    assert (back[s == 0] == 0).all()  # a point is exact


def test_small_integers_round_trip_exactly_and_floats_within_a_position():
    rng = np.random.default_rng(1)
    age = pd.Series(rng.integers(17, 91, 4000), name="age")
    t = BinnedNumeric(ColumnSchema("age", "integer", "int64")).fit(age, rng)
    assert _roundtrip(t, age).equals(age)
    x = pd.Series(rng.lognormal(3, 1, 4000), name="x")
    tx = BinnedNumeric(ColumnSchema("x", "continuous", "float64")).fit(x, rng)
    back = _roundtrip(tx, x)
    bins, _ = tx.codes(x)
    k = bins - tx.points_.size
    assert np.all(np.abs(back - x) <= (tx.high_[k] - tx.low_[k]) / tx.sub_bins + 1e-9)
    assert back.between(x.min(), x.max()).all()


def test_spans_and_saved_state_through_the_encoder():
    frame = pd.DataFrame({"n": np.arange(300) % 37 * 1.5, "c": ["a", "b", "c"] * 100})
    enc = TableEncoder("binned", seed=0).fit(frame)
    spans = enc.layout_.spans
    assert [s.column for s in spans] == ["n", "n", "c"] and all(s.activation == "softmax" for s in spans)
    state, arrays = enc.to_state()
    again = TableEncoder.from_state(state, arrays)
    x = enc.transform(frame)
    assert np.array_equal(x, again.transform(frame))
    assert enc.inverse_transform(x, seed=3).equals(again.inverse_transform(x, seed=3))


def test_a_release_gives_the_bins_and_far_values_go_to_the_nearest_one():
    from synthgan.dp.statistics import ColumnHistogram, numeric_edges

    edges = numeric_edges()
    counts = np.zeros(len(edges) - 1)
    low = int(np.searchsorted(edges, 10.0, side="right") - 1)
    counts[[low, low + 1, low + 5]] = [500.0, 400.0, 300.0]  # a gap between the second and third bin
    hist = ColumnHistogram("v", True, counts, missing=0.0, zero=200.0)
    t = BinnedNumeric.from_release(ColumnSchema("v", "continuous", "float64"), hist, has_missing=False)
    assert list(t.points_) == [0.0] and t.low_.size == 3 and not t.has_missing_
    far = pd.Series([0.0, 1e6, -5.0, float(t.high_[1]) + 1e-6])
    bins, _ = t.codes(far)
    assert list(bins) == [0, 3, 1, 2]  # zero point; past the last bin; below the first; just past bin 1
    back = _roundtrip(t, far)
    assert back.notna().all() and back.between(0.0, t.high_.max()).all()


@pytest.mark.parametrize("bad", [[np.nan] * 5])
def test_an_all_missing_column_still_decodes(bad):
    s = pd.Series(bad + [1.0, 2.0], name="v")
    t = BinnedNumeric(ColumnSchema("v", "continuous", "float64")).fit(s, np.random.default_rng(0))
    back = _roundtrip(t, s)
    assert back.isna().sum() == 5 and back.dropna().between(1.0, 2.0).all()


def _mixed_frame(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    x = rng.lognormal(2, 1, n)
    x[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"x": x, "k": rng.integers(0, 4, n), "c": rng.choice(["a", "b", "c"], n),
                         "same": ["only"] * n, "flag": rng.random(n) < 0.3})


def test_codes_decode_to_the_same_table_as_their_one_hot_rows():
    from synthgan import Synthesizer

    syn = Synthesizer("autoregressive", epochs=2, seed=0, verbose=False).fit(_mixed_frame())
    model, encoder = syn.model_, syn.encoder_
    assert model.capabilities.code_samples
    codes, x = model.sample_codes(700, seed=5), model.sample(700, seed=5)
    assert codes.dtype == np.int64 and codes.shape == (700, len(encoder.layout_.spans))
    starts = np.array([s.start for s in encoder.layout_.spans])
    assert np.array_equal(x[np.arange(700)[:, None], starts + codes], np.ones_like(codes, dtype=np.float32))
    assert x.sum() == codes.size  # one 1 per span, nothing else
    one_hot = encoder.inverse_transform(x, seed=3, one_hot=True)
    pd.testing.assert_frame_equal(encoder.inverse_codes(codes, seed=3), one_hot)
    assert one_hot["same"].eq("only").all() and one_hot["x"].isna().any()


def test_inverse_codes_refuses_the_wrong_shape_and_a_non_binned_layout():
    from synthgan.errors import DataValidationError

    frame = _mixed_frame(200)
    enc = TableEncoder("binned", seed=0).fit(frame)
    with pytest.raises(DataValidationError, match=r"expected integers of shape \(n_rows, "):
        enc.inverse_codes(np.zeros((5, 2), dtype=np.int64))
    with pytest.raises(DataValidationError, match="expected integers"):
        enc.inverse_codes(np.zeros((5, len(enc.layout_.spans)), dtype=np.float32))
    mode = TableEncoder("mode_specific", seed=0).fit(frame)
    with pytest.raises(DataValidationError, match="softmax spans only"):
        mode.inverse_codes(np.zeros((5, len(mode.layout_.spans)), dtype=np.int64))
