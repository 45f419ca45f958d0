"""SequenceEncoder: EncodedData shapes and spans, round trips, returns, continuation, conditions, state."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthgan.core.encoded import EncodedData
from synthgan.errors import ConditionError, ConfigError, DataValidationError, DataWarning, NotFittedError
from synthgan.io.serialization import load_model_file, save_model_file
from synthgan.timeseries.encoder import FeatureLayout, SequenceEncoder
from synthgan.timeseries.sequences import SequenceSpec

from .test_sequences import shared


def sensors() -> pd.DataFrame:
    """Three stations of different lengths, hourly; missing numbers and categories; static columns."""
    rng = np.random.default_rng(0)
    parts = []
    for name, n, city, height in [("Dongsi", 30, "north", 10.5), ("Tiantan", 20, "south", 3.0), ("Huairou", 25, "north", 7.25)]:
        parts.append(pd.DataFrame({
            "station": name,
            "timestamp": pd.date_range("2016-03-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
            "PM2.5": rng.gamma(2.0, 30.0, n).round(),
            "TEMP": rng.normal(5, 3, n),
            "wd": rng.choice(["N", "NE", "S"], n).astype(object),
            "city": city,
            "height": height,
            "alarm": rng.integers(0, 2, n),
        }))
    df = pd.concat(parts, ignore_index=True)
    df.loc[[3, 4, 40], "PM2.5"] = np.nan
    df.loc[[7, 60], "wd"] = None
    return df


def prices(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0, 0.002, n))
    return pd.DataFrame({
        "Date": pd.bdate_range("2019-01-01", periods=n).strftime("%Y-%m-%d"),
        "Open": open_, "High": np.maximum(open_, close) * 1.004, "Low": np.minimum(open_, close) * 0.995,
        "Close": close, "Volume": rng.integers(1_000, 9_000, n) * 10_000,
    })


def sort_like(df: pd.DataFrame, back: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["station", "timestamp"]).reset_index(drop=True)[back.columns.drop(["timestamp"])]


def assert_frames_match(real: pd.DataFrame, back: pd.DataFrame, rtol: float = 1e-5) -> None:
    for c in real.columns:
        a, b = real[c], back[c]
        np.testing.assert_array_equal(a.isna().to_numpy(), b.isna().to_numpy(), err_msg=c)
        if pd.api.types.is_numeric_dtype(a.dtype) and not pd.api.types.is_bool_dtype(a.dtype) and a.nunique() > 10:
            np.testing.assert_allclose(b.to_numpy()[a.notna()], a.to_numpy()[a.notna()], rtol=rtol, atol=rtol * np.nanmax(np.abs(a)), err_msg=c)
        else:
            assert (a[a.notna()].to_numpy() == b[a.notna()].to_numpy()).all(), c


def test_transform_shapes_dtypes_and_spans():
    enc = SequenceEncoder(time="timestamp", entity="station")
    data = enc.fit_transform(sensors())
    assert isinstance(data, EncodedData)
    assert data.temporal.dtype == np.float32 and data.temporal.shape == (3, 30, data.temporal_spec.width)
    np.testing.assert_array_equal(data.lengths, [30, 25, 20])  # Dongsi, Huairou, Tiantan (sorted)
    assert (data.temporal[2, 20:] == 0).all()  # padding after Tiantan's 20 steps
    names = [(s.name, s.kind, s.width, s.activation) for s in data.temporal_spec.spans]
    assert names == [
        ("PM2.5", "numeric", 1, "identity"), ("TEMP", "numeric", 1, "identity"), ("wd", "categorical", 4, "softmax"),
        ("alarm", "categorical", 2, "softmax"), ("PM2.5:missing", "missing", 1, "sigmoid"),
    ]
    assert data.temporal_spec.spans[2].categories == ("N", "NE", "S", None)
    assert [s.start for s in data.temporal_spec.spans] == [0, 1, 2, 6, 8] and data.temporal_spec.width == 9
    assert enc.static_columns_ == ("city", "height") and enc.temporal_columns_ == ("PM2.5", "TEMP", "wd", "alarm")
    static = [(s.column, s.kind, s.width) for s in data.static_spec.spans]
    assert static == [("station", "categorical", 3), ("city", "categorical", 2), ("height", "categorical", 3)]
    assert data.static.dtype == np.float32 and data.static.shape == (3, 8)
    np.testing.assert_array_equal(data.static[:, :3], np.eye(3))
    valid = data.temporal[0, :30]
    assert np.isfinite(data.temporal).all()
    assert abs(valid[:, 1].mean()) < 0.5 and valid[:, 8].sum() == 2  # two missing PM2.5 at Dongsi


def test_round_trip_entities_static_missing_and_variable_lengths():
    df = sensors()
    enc = SequenceEncoder(time="timestamp", entity="station")
    back = enc.inverse_transform(enc.fit_transform(df), start_time="2016-03-01 00:00:00")
    assert list(back.columns) == ["station", "timestamp", "PM2.5", "TEMP", "wd", "city", "height", "alarm"]
    assert back.timestamp.dtype == np.dtype("datetime64[ns]")
    assert back.alarm.dtype == np.int64 and back.height.dtype == np.float64 and back["PM2.5"].dtype == np.float64
    assert back.groupby("station").size().to_dict() == {"Dongsi": 30, "Huairou": 25, "Tiantan": 20}
    real = df.sort_values(["station", "timestamp"]).reset_index(drop=True)
    assert (back.timestamp.to_numpy() == pd.to_datetime(real.timestamp).to_numpy()).all()
    assert_frames_match(real.drop(columns="timestamp"), back.drop(columns="timestamp"))
    assert back["PM2.5"].isna().sum() == 3 and back.wd.isna().sum() == 2


def test_sampled_times_continue_hourly_after_the_training_data():
    enc = SequenceEncoder(time="timestamp", entity="station").fit(sensors())
    rng = np.random.default_rng(3)
    fake = EncodedData(static=rng.random((4, 8)), temporal=rng.normal(size=(4, 5, 9)).astype(np.float32), lengths=[5, 5, 2, 5])
    out = enc.inverse_transform(fake)
    assert len(out) == 17
    first = out.groupby("station", sort=False).timestamp.first()
    assert (first == pd.Timestamp("2016-03-02 06:00")).all()  # one hour after Dongsi's last hour, 05:00 on day 2
    assert (out.groupby("station").timestamp.diff().dropna() == pd.Timedelta("1h")).all()
    assert set(out.wd.dropna()) <= {"N", "NE", "S"} and set(out.alarm) <= {0, 1}
    assert set(out.city) <= {"north", "south"} and set(out.height) <= {10.5, 3.0, 7.25}


def test_path_ids_are_entity_labels_numbered_when_shared_or_given():
    enc = SequenceEncoder(time="timestamp", entity="station").fit(sensors())
    static = np.zeros((3, 8))
    static[:, 1] = 1  # every path: Huairou
    static[2, 1], static[2, 0] = 0, 1  # but the last: Dongsi
    fake = EncodedData(static=static, temporal=np.zeros((3, 2, 9), dtype=np.float32))
    assert list(enc.inverse_transform(fake).station.unique()) == ["Huairou#1", "Huairou#2", "Dongsi"]
    assert list(enc.inverse_transform(fake, entity_ids=["a", "b", "c"]).station.unique()) == ["a", "b", "c"]
    with pytest.raises(ConfigError, match=r"entity_ids must give one id per path \(3\)"):
        enc.inverse_transform(fake, entity_ids=["a"])
    with pytest.raises(DataValidationError, match=r"need a static part of shape \(3, 8\)"):
        enc.inverse_transform(EncodedData(temporal=fake.temporal))


def test_condition_vector_fills_other_attributes_from_the_training_series():
    enc = SequenceEncoder(time="timestamp", entity="station").fit(sensors())
    vec = enc.condition_vector({"station": "Tiantan"})
    assert vec.dtype == np.float32 and vec.shape == (8,)
    np.testing.assert_array_equal(vec, enc.transform(sensors()).static[2])
    np.testing.assert_array_equal(enc.condition_vector({"height": "10.5"}), vec * 0 + enc.condition_vector({"station": "Dongsi"}))
    with pytest.raises(ConditionError, match="Column 'station' has no value 'Haidian'.*known values: Dongsi, Huairou, Tiantan"):
        enc.condition_vector({"station": "Haidian"})
    with pytest.raises(ConditionError, match="cannot condition on 'TEMP'"):
        enc.condition_vector({"TEMP": 3})
    with pytest.raises(ConditionError, match="no training series has all of"):
        enc.condition_vector({"station": "Dongsi", "city": "south"})
    plain = SequenceEncoder(time="Date", columns="Close").fit(prices(30))
    with pytest.raises(ConditionError, match="learned no attributes"):
        plain.condition_vector({"Close": 1})


def test_log_returns_rebuild_prices_from_the_start_level():
    df = prices(500).iloc[:, [0, 4, 5]]  # Date, Close, Volume
    enc = SequenceEncoder(time="Date", columns="Close", returns="log")
    data = enc.fit_transform(df)
    assert data.temporal.shape == (1, 499, 1) and data.static is None
    span = data.temporal_spec.spans[0]
    assert (span.name, span.transform) == ("Close:log_return", "log_return")
    assert span.std == pytest.approx(np.diff(np.log(df.Close)).std(), rel=1e-9)
    back = enc.inverse_transform(data, start_time=df.Date[1], start_levels={"Close": df.Close[0]})
    assert list(back.columns) == ["path", "Date", "Close"]
    np.testing.assert_allclose(back.Close, df.Close[1:], rtol=1e-5)
    assert (back.Date.dt.strftime("%Y-%m-%d").to_numpy() == df.Date[1:].to_numpy()).all()
    cont = enc.inverse_transform(EncodedData(temporal=np.zeros((2, 3, 1), dtype=np.float32) - span.mean / span.std))
    np.testing.assert_allclose(cont.Close, df.Close.iloc[-1], rtol=1e-6)  # zero returns: flat at the last close
    last = pd.Timestamp(df.Date.iloc[-1])
    assert cont.Date.iloc[0] == last + pd.offsets.BDay() and (cont.Date.dt.day_of_week < 5).all()


def test_simple_returns_with_missing_prices_keep_the_gap():
    df = prices(60).iloc[:, [0, 4]].copy()
    df.loc[[10, 11, 30], "Close"] = np.nan
    enc = SequenceEncoder(time="Date", returns="simple")
    data = enc.fit_transform(df)
    assert [s.name for s in data.temporal_spec.spans] == ["Close:simple_return", "Close:missing"]
    back = enc.inverse_transform(data, start_time=df.Date[1], start_levels={"Close": df.Close[0]})
    assert_frames_match(df.iloc[1:].reset_index(drop=True)[["Close"]], back[["Close"]], rtol=1e-5)
    df.loc[40, "Close"] = 0.0
    with pytest.raises(DataValidationError, match=r"Column 'Close' is 0 at Date=2019-02-26 00:00:00 \(input row 40\): simple returns"):
        SequenceEncoder(time="Date", returns="simple").fit(df)


def test_ohlc_prices_come_back_and_any_output_gives_ordered_bars():
    df = prices(300)
    enc = SequenceEncoder(time="Date", returns="log")
    data = enc.fit_transform(df)
    assert [s.name for s in data.temporal_spec.spans] == [
        "Close:return", "Open:gap", "High:upper_spread", "Low:lower_spread", "Volume"]
    assert enc.ohlc_.columns == ("Open", "High", "Low", "Close") and enc.price_columns_ == ()
    back = enc.inverse_transform(data, start_time=df.Date[1], start_levels={"Close": df.Close[0]})
    assert_frames_match(df.iloc[1:].reset_index(drop=True).drop(columns="Date"), back.drop(columns=["path", "Date"]), rtol=1e-5)
    assert back.Volume.dtype == np.int64
    noise = np.random.default_rng(4).normal(0, 4, (16, 250, 5)).astype(np.float32)
    out = enc.inverse_transform(EncodedData(temporal=noise))
    body_lo, body_hi = np.minimum(out.Open, out.Close), np.maximum(out.Open, out.Close)
    assert ((out.Low <= body_lo) & (body_hi <= out.High) & (out.Low > 0)).all()
    assert np.isfinite(out[["Open", "High", "Low", "Close"]].to_numpy()).all()


def test_ohlc_without_returns_is_still_ordered_and_bad_prices_are_refused():
    df = prices(100)
    enc = SequenceEncoder(time="Date", columns=("Open", "High", "Low", "Close"))
    data = enc.fit_transform(df)
    assert data.temporal.shape == (1, 100, 4) and data.temporal_spec.spans[0].name == "Close:log_level"
    out = enc.inverse_transform(EncodedData(temporal=np.random.default_rng(5).normal(0, 3, (4, 50, 4)).astype(np.float32)))
    assert ((out.Low <= np.minimum(out.Open, out.Close)) & (np.maximum(out.Open, out.Close) <= out.High)).all()
    df.loc[17, "Close"] = -1.0
    with pytest.raises(DataValidationError, match=r"Column 'Close' holds -1 at Date=2019-01-24 00:00:00 \(input row 17\)"):
        SequenceEncoder(time="Date", returns="log").fit(df)
    with pytest.warns(DataWarning, match="look like OHLC prices but hold values <= 0"):
        SequenceEncoder(time="Date").fit(df)


def test_price_columns_must_be_numeric_temporal_columns():
    with pytest.raises(DataValidationError, match="Column 'Date' in price_columns is not a numeric column"):
        SequenceEncoder(time="Date", returns="log", price_columns=("Close", "Date")).fit(prices(30))
    enc = SequenceEncoder(time="Date", returns="log", price_columns="Close,Volume").fit(prices(30))
    assert enc.ohlc_ is None and enc.price_columns_ == ("Close", "Volume")
    assert enc.temporal_layout_.spans[0].name == "Open"


def test_not_fitted_bad_options_and_unseen_categories():
    with pytest.raises(NotFittedError):
        SequenceEncoder(time="t").inverse_transform(EncodedData(temporal=np.zeros((1, 2, 1))))
    with pytest.raises(ConfigError, match="a spec or keyword options, not both"):
        SequenceEncoder(SequenceSpec(time="t"), time="t").fit(prices(10))
    with pytest.raises(ConfigError, match="unexpected keyword argument 'tme'"):
        SequenceEncoder(tme="t").fit(prices(10))
    enc = SequenceEncoder(time="timestamp", entity="station").fit(sensors())
    other = sensors()
    other.loc[5, "wd"] = "WSW"
    with pytest.raises(DataValidationError, match="Column 'wd' holds 'WSW', a value not seen in fit"):
        enc.transform(other)
    with pytest.raises(DataValidationError, match="have 3 features; this encoder's layout has 9"):
        enc.inverse_transform(EncodedData(temporal=np.zeros((1, 2, 3))))


def test_state_round_trip_through_json_and_a_model_file_gives_identical_output(tmp_path):
    df = sensors()
    enc = SequenceEncoder(time="timestamp", entity="station").fit(df)
    rng = np.random.default_rng(6)
    fake = EncodedData(static=rng.random((5, 8)), temporal=rng.normal(size=(5, 7, 9)).astype(np.float32), lengths=[7, 3, 7, 1, 7])
    state, arrays = enc.to_state()
    path = save_model_file(tmp_path / "enc.synthgan", {"encoder": json.loads(json.dumps(state, allow_nan=False))}, arrays)
    manifest, loaded = load_model_file(path)
    again = SequenceEncoder.from_state(manifest["encoder"], loaded)
    pd.testing.assert_frame_equal(again.inverse_transform(fake), enc.inverse_transform(fake))
    assert FeatureLayout.from_dict(state["temporal_layout"]) == enc.temporal_layout_
    np.testing.assert_array_equal(again.transform(df).temporal, enc.transform(df).temporal)
    np.testing.assert_array_equal(again.condition_vector({"station": "Dongsi"}), enc.condition_vector({"station": "Dongsi"}))

    ohlc = SequenceEncoder(time="Date", returns="log").fit(prices(50))
    state, arrays = ohlc.to_state()
    back = SequenceEncoder.from_state(json.loads(json.dumps(state)), arrays)
    noise = EncodedData(temporal=rng.normal(size=(2, 9, 5)).astype(np.float32))
    pd.testing.assert_frame_equal(back.inverse_transform(noise), ohlc.inverse_transform(noise))


# ------------------------------------------------------------- real datasets


def test_sp500_ohlc_round_trip_and_random_paths():
    df = shared("sp500_daily").iloc[-1500:].reset_index(drop=True)
    enc = SequenceEncoder(time="Date", columns="Open,High,Low,Close", returns="log")
    data = enc.fit_transform(df)
    assert enc.calendar_.kind == "business_day" and data.temporal.shape == (1, 1499, 4)
    back = enc.inverse_transform(data, start_time=df.Date[1], start_levels={"Close": df.Close[0]})
    assert_frames_match(df.iloc[1:, 1:5].reset_index(drop=True), back[["Open", "High", "Low", "Close"]], rtol=1e-5)
    paths = enc.inverse_transform(EncodedData(temporal=np.random.default_rng(7).normal(size=(20, 252, 4)).astype(np.float32)))
    assert paths.Date.min() == pd.Timestamp("2020-11-05") and len(paths) == 20 * 252
    assert ((paths.Low <= np.minimum(paths.Open, paths.Close)) & (np.maximum(paths.Open, paths.Close) <= paths.High)).all()


def test_beijing_two_stations_round_trip_with_missing_values():
    df = shared("sequences_beijing_air_quality", nrows=2 * 8760).groupby("station").head(1000)
    enc = SequenceEncoder(time="timestamp", entity="station")
    data = enc.fit_transform(df)
    assert data.temporal.shape[:2] == (2, 1000)
    assert enc.static_columns_ == ("RAIN",)  # no rain in these 1000 hours at either station: constant
    assert [(s.column, s.width) for s in data.static_spec.spans] == [("station", 2), ("RAIN", 1)]
    missing = [s.column for s in data.temporal_spec.spans if s.kind == "missing"]
    assert missing == [c for c in df.columns[2:] if c != "wd" and df[c].isna().any()]
    back = enc.inverse_transform(data, start_time="2016-03-01")
    assert_frames_match(df.reset_index(drop=True).drop(columns="timestamp"), back.drop(columns="timestamp"), rtol=1e-5)
    assert enc.condition_vector({"station": "Changping"}).tolist() == [0.0, 1.0, 1.0]


def test_integer_entities_numeric_time_and_entities_not_learned():
    df = pd.DataFrame({"ticker": np.repeat([7, 3], 5), "step": np.tile(np.arange(0, 10, 2), 2), "x": np.arange(10.0)})
    enc = SequenceEncoder(time="step", entity="ticker")
    data = enc.fit_transform(df)
    back = enc.inverse_transform(data)
    assert back.ticker.dtype == np.int64 and list(back.ticker.unique()) == [3, 7]
    assert back.step.dtype == np.int64 and back.step.tolist()[:5] == [10, 12, 14, 16, 18]  # continues after step 8
    np.testing.assert_allclose(back.x, np.r_[np.arange(5.0, 10), np.arange(5.0)], atol=1e-5)
    hidden = SequenceEncoder(time="step", entity="ticker", entity_attribute=False)
    data = hidden.fit_transform(df)
    assert data.static is None and data.static_spec is None
    assert hidden.inverse_transform(data, start_time=0).ticker.tolist() == [0] * 5 + [1] * 5


def test_encoded_series_cut_into_training_windows():
    from synthgan.timeseries.windows import series_windows

    data = SequenceEncoder(time="timestamp", entity="station").fit_transform(sensors())
    w = series_windows(data.temporal, data.lengths, 12, stride=4)
    assert w.values.shape == (5 + 4 + 3, 12, 9) and w.values.dtype == np.float32
    np.testing.assert_array_equal(w.values[5], data.temporal[1, 0:12])  # Huairou's first window
    assert (w.starts[w.items == 2] + 12 <= 20).all()
