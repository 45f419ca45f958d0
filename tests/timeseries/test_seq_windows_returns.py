"""Windows and padding of series; returns <-> levels; OHLC bars <-> unconstrained features."""

from __future__ import annotations

import numpy as np
import pytest

from synthgan.errors import ConfigError, DataValidationError
from synthgan.timeseries.returns import (
    OHLCGroup, check_positive, decode_ohlc, encode_ohlc, find_ohlc, from_returns, returns_within, to_returns,
)
from synthgan.timeseries.windows import pad_items, series_windows, sliding_windows, unpad, valid_mask, window_starts

# ------------------------------------------------------------------ windows


def test_sliding_windows_values_shape_and_stride():
    series = np.arange(20, dtype=np.float32).reshape(10, 2)
    w = sliding_windows(series, 4, stride=3)
    assert w.shape == (3, 4, 2) and w.dtype == np.float32
    np.testing.assert_array_equal(w[1], series[3:7])
    np.testing.assert_array_equal(w[2], series[6:10])
    one = sliding_windows(np.arange(5.0), 5)
    assert one.shape == (1, 5, 1)
    np.testing.assert_array_equal(one[0, :, 0], np.arange(5.0))


def test_sliding_windows_refuses_short_series_and_bad_lengths():
    with pytest.raises(DataValidationError, match="3 steps, fewer than one window of 4"):
        sliding_windows(np.zeros(3), 4)
    with pytest.raises(ConfigError, match="length must be a positive integer"):
        sliding_windows(np.zeros(3), 0)
    with pytest.raises(ConfigError, match="stride"):
        sliding_windows(np.zeros(3), 2, stride=True)


def test_window_starts_respect_each_series_length():
    items, starts = window_starts(np.array([5, 3, 1]), 3)
    np.testing.assert_array_equal(items, [0, 0, 0, 1])
    np.testing.assert_array_equal(starts, [0, 1, 2, 0])
    items, starts = window_starts(np.array([7, 2]), 3, stride=2, keep_short=True)
    np.testing.assert_array_equal(items, [0, 0, 0, 1])
    np.testing.assert_array_equal(starts, [0, 2, 4, 0])


def test_series_windows_never_cross_into_padding_or_another_series():
    lengths = np.array([6, 4, 2])
    rows = np.arange(12, dtype=np.float32)
    padded, got_lengths = pad_items(rows, np.repeat([0, 1, 2], lengths))
    np.testing.assert_array_equal(got_lengths, lengths)
    w = series_windows(padded, lengths, 3, stride=1)
    assert w.values.shape == (6, 3, 1)
    np.testing.assert_array_equal(w.items, [0, 0, 0, 0, 1, 1])
    np.testing.assert_array_equal(w.values[3, :, 0], [3, 4, 5])  # last window of series 0
    np.testing.assert_array_equal(w.values[4, :, 0], [6, 7, 8])  # series 1 starts at row 6
    np.testing.assert_array_equal(w.lengths, [3] * 6)
    short = series_windows(padded, lengths, 5, keep_short=True)
    np.testing.assert_array_equal(short.items, [0, 0, 1, 2])
    np.testing.assert_array_equal(short.lengths, [5, 5, 4, 2])
    np.testing.assert_array_equal(short.values[3, :, 0], [10, 11, 0, 0, 0])
    with pytest.raises(DataValidationError, match="no series has 7 steps"):
        series_windows(padded, lengths, 7)


def test_pad_items_and_unpad_round_trip():
    values = np.arange(14, dtype=np.float64).reshape(7, 2)
    item = np.array([0, 0, 0, 1, 2, 2, 2])
    padded, lengths = pad_items(values, item)
    assert padded.shape == (3, 3, 2) and padded.dtype == np.float32
    np.testing.assert_array_equal(lengths, [3, 1, 3])
    assert (padded[1, 1:] == 0).all()
    flat, got_item, step = unpad(padded, lengths)
    np.testing.assert_array_equal(flat, values)
    np.testing.assert_array_equal(got_item, item)
    np.testing.assert_array_equal(step, [0, 1, 2, 0, 0, 1, 2])
    np.testing.assert_array_equal(valid_mask(lengths, 3).sum(axis=1), lengths)
    with pytest.raises(DataValidationError, match="non-decreasing"):
        pad_items(values, item[::-1])


# ------------------------------------------------------------------ returns


@pytest.mark.parametrize("kind", ["log", "simple"])
def test_levels_returns_levels_round_trip_is_exact(kind):
    rng = np.random.default_rng(0)
    levels = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, size=(3, 2500)), axis=1))
    r = to_returns(levels, kind)
    assert r.shape == (3, 2499)
    back = from_returns(r, levels[:, 0], kind)
    np.testing.assert_allclose(back, levels[:, 1:], rtol=1e-9, atol=0)
    one = from_returns(r[0], levels[0, 0], kind)
    np.testing.assert_allclose(one, levels[0, 1:], rtol=1e-9, atol=0)


def test_returns_within_series_are_nan_at_each_series_start():
    levels = np.array([1.0, 2.0, 4.0, 10.0, 5.0])
    first = np.array([True, False, False, True, False])
    r = returns_within(levels, first, "simple")
    np.testing.assert_array_equal(np.isnan(r), first)
    np.testing.assert_allclose(r[~first], [1.0, 1.0, -0.5])
    with pytest.raises(ConfigError, match="returns must be one of"):
        to_returns(levels, "pct")


def test_check_positive_names_column_and_place():
    check_positive(np.array([1.0, np.nan, 2.0]), "Close")
    with pytest.raises(DataValidationError) as err:
        check_positive(np.array([1.0, 0.0, -2.0]), "Close", lambda i: f"Date=day{i}")
    msg = str(err.value)
    assert "Column 'Close'" in msg and "Date=day1" in msg and "2 values <= 0" in msg and "--returns none" in msg


def test_find_ohlc_matches_names_in_any_case_and_needs_high_low_and_a_body():
    g = find_ohlc(["date", "OPEN", "high", "Low", "Close", "Volume"])
    assert g == OHLCGroup(high="high", low="Low", open="OPEN", close="Close")
    assert g.anchor == "Close" and g.features == ("anchor", "gap", "up", "down")
    no_open = find_ohlc(["High", "Low", "Close"])
    assert no_open.open is None and no_open.features == ("anchor", "up", "down")
    assert find_ohlc(["High", "Low", "Open"]).anchor == "Open"
    assert find_ohlc(["Open", "High", "Close"]) is None
    assert find_ohlc(["High", "Low"]) is None
    assert OHLCGroup.from_dict(g.to_dict()) == g


def _bars(rng, n):
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[50.0, close[:-1]] * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.005, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.005, n)))
    high[:5] = low[:5] = open_[:5] = close[:5]  # bars with no range (close-only days)
    return {"Open": open_, "High": high, "Low": low, "Close": close}


@pytest.mark.parametrize("returns", [True, False])
def test_ohlc_encode_decode_round_trip(returns):
    rng = np.random.default_rng(1)
    group = find_ohlc(["Open", "High", "Low", "Close"])
    prices = _bars(rng, 300)
    first = np.zeros(300, dtype=bool)
    first[0] = True
    feats = encode_ohlc(group, prices, first, returns=returns)
    assert set(feats) == {"anchor", "gap", "up", "down"}
    assert np.isnan(feats["anchor"][0]) == returns
    keep = slice(1, None) if returns else slice(None)
    out = decode_ohlc(group, {k: v[keep][None, :] for k, v in feats.items()}, np.array([prices["Close"][0]]), returns=returns)
    for name, want in prices.items():
        np.testing.assert_allclose(out[name][0], want[keep], rtol=1e-9, atol=1e-6 * want.max(), err_msg=name)


@pytest.mark.parametrize("columns", [["Open", "High", "Low", "Close"], ["High", "Low", "Close"], ["Open", "High", "Low"]])
@pytest.mark.parametrize("returns", [True, False])
def test_any_ohlc_features_decode_to_ordered_positive_bars(columns, returns):
    group = find_ohlc(columns)
    rng = np.random.default_rng(2)
    feats = {k: rng.normal(0, 1, (64, 200)) * rng.choice([0.1, 3.0, 40.0], (64, 1)) for k in group.features}
    feats["up"][:3] = -1e6  # spreads of exactly nothing
    feats["down"][3:6] = 1e6  # and absurdly large ones
    out = decode_ohlc(group, feats, np.full(64, 20.0), returns=returns)
    prices = np.stack([out[c] for c in group.columns])
    assert np.isfinite(prices).all() and (prices > 0).all()
    body = [out[c] for c in (group.open, group.close) if c is not None]
    assert (out[group.low] <= np.minimum.reduce(body)).all()
    assert (np.maximum.reduce(body) <= out[group.high]).all()
