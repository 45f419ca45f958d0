"""Reading long-format series: sorting, items, static vs temporal columns, calendars, gaps, bad input."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import ConfigError, DataValidationError, DataWarning
from synthgan.timeseries.sequences import Calendar, SequenceSpec, detect_calendar, read_sequences

DATASETS = Path("/work/shared/datasets")


def shared(name: str, **kw) -> pd.DataFrame:
    path = DATASETS / f"{name}.csv.gz"
    if not path.is_file():
        pytest.skip(f"shared dataset {path} not found")
    return pd.read_csv(path, **kw)


def stations(hours: int = 6) -> pd.DataFrame:
    """Two stations, hourly, rows shuffled; 'city' is constant per station, 'wd' categorical."""
    t = pd.date_range("2021-03-01", periods=hours, freq="h").strftime("%Y-%m-%d %H:%M:%S")
    df = pd.DataFrame({
        "station": np.repeat(["B", "A"], hours),
        "time": np.tile(t, 2),
        "pm": np.arange(2 * hours, dtype=float),
        "wd": np.tile(["N", "S", "E"], 2 * hours // 3 + 1)[: 2 * hours],
        "city": np.repeat(["north", "south"], hours),
        "count": np.repeat([3, 4], hours).astype(np.int64),
    })
    return df.sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_sorts_by_entity_then_time_and_finds_static_columns():
    df = stations()
    sf = read_sequences(df, SequenceSpec(time="time", entity="station"))
    assert list(sf.frame["station"]) == ["A"] * 6 + ["B"] * 6
    assert (np.diff(sf.times[:6]) == np.timedelta64(3600, "s")).all()
    assert sf.times.dtype == np.dtype("datetime64[ns]")
    np.testing.assert_array_equal(sf.item, np.repeat([0, 1], 6))
    np.testing.assert_array_equal(sf.first, np.r_[True, [False] * 5, True, [False] * 5])
    assert list(sf.item_entity) == ["A", "B"]
    assert sf.static == ("city", "count") and sf.numeric == ("pm",) and sf.categorical == ("wd",)
    np.testing.assert_array_equal(sf.frame["pm"].to_numpy(), np.r_[np.arange(6, 12), np.arange(6)].astype(float))
    assert sf.calendar == Calendar("fixed", 3600e9)
    # the input row of each sorted row, for messages
    assert (df.loc[sf.rows, "pm"].to_numpy() == sf.frame["pm"].to_numpy()).all()
    assert "station='A'" in sf.where(0) and "time=2021-03-01 00:00:00" in sf.where(0)


def test_columns_pick_value_columns_and_small_integer_columns_are_categorical():
    df = stations()
    sf = read_sequences(df, SequenceSpec(time="time", entity="station", columns="pm, wd"))
    assert list(sf.frame.columns) == ["station", "pm", "wd"]
    one = df.drop(columns="station").groupby("time", as_index=False).first()
    one["flag"] = np.arange(len(one)) % 2
    sf = read_sequences(one, SequenceSpec(time="time"))
    assert sf.categorical == ("wd", "city", "count", "flag") and sf.static == () and sf.n_items == 1


def test_variable_lengths_per_entity():
    df = stations(6).sort_values(["station", "time"]).iloc[3:]  # station A loses 3 rows
    sf = read_sequences(df, SequenceSpec(time="time", entity="station"))
    np.testing.assert_array_equal(sf.lengths, [3, 6])


# ------------------------------------------------------------------ calendars


def test_hourly_calendar_continues_hourly():
    t = pd.date_range("2021-01-01", periods=48, freq="h").to_numpy()
    cal = detect_calendar(t.astype("datetime64[ns]"), np.zeros(48, dtype=np.int64))
    assert cal.kind == "fixed" and cal.step == 3600e9 and cal.describe() == "every 0 days 01:00:00"
    nxt = cal.after(t[-1])
    assert pd.Timestamp(nxt) == pd.Timestamp("2021-01-03 00:00")
    times = cal.times(nxt, 3)
    assert list(pd.DatetimeIndex(times).hour) == [0, 1, 2] and times.dtype == np.dtype("datetime64[ns]")


def test_trading_days_continue_on_business_days():
    days = pd.bdate_range("2020-11-02", "2020-12-31")
    days = days[~days.isin(pd.to_datetime(["2020-11-26", "2020-12-25"]))]  # market holidays
    cal = detect_calendar(days.to_numpy().astype("datetime64[ns]"), np.zeros(len(days), dtype=np.int64))
    assert cal.kind == "business_day"
    after = pd.Timestamp(cal.after(np.datetime64("2020-12-31")))
    assert after == pd.Timestamp("2021-01-01")  # a Friday; holidays are not skipped
    nxt = cal.times(np.datetime64("2021-01-01"), 4)
    assert list(pd.DatetimeIndex(nxt).strftime("%a %d")) == ["Fri 01", "Mon 04", "Tue 05", "Wed 06"]
    assert cal.steps_between(np.array(["2020-12-24"], dtype="datetime64[ns]"), np.array(["2020-12-28"], dtype="datetime64[ns]"))[0] == 2


def test_daily_data_with_weekends_is_not_a_business_calendar_and_months_are_months():
    days = pd.date_range("2020-01-01", periods=30, freq="D").to_numpy().astype("datetime64[ns]")
    assert detect_calendar(days, np.zeros(30, dtype=np.int64)) == Calendar("fixed", 86400e9)
    months = pd.date_range("2019-01-31", periods=14, freq=pd.offsets.MonthEnd()).to_numpy().astype("datetime64[ns]")
    cal = detect_calendar(months, np.zeros(14, dtype=np.int64))
    assert cal.kind == "month_end"
    assert pd.Timestamp(cal.after(months[-1])) == pd.Timestamp("2020-03-31")
    starts = pd.date_range("2019-01-01", periods=5, freq=pd.offsets.MonthBegin()).to_numpy().astype("datetime64[ns]")
    assert detect_calendar(starts, np.zeros(5, dtype=np.int64)).kind == "month_start"


def test_numeric_time_column_steps_by_its_modal_difference():
    df = pd.DataFrame({"t": [0, 2, 4, 6, 10], "x": [1.0, 2, 3, 4, 5]})
    sf = read_sequences(df, SequenceSpec(time="t"))
    assert sf.calendar == Calendar("number", 2.0) and sf.times.dtype == np.float64
    np.testing.assert_array_equal(sf.calendar.times(12.0, 3), [12.0, 14.0, 16.0])


def test_long_gaps_split_sensor_series_into_segments():
    t = pd.date_range("2015-02-02 14:00", periods=30, freq="min")
    t = t.append(pd.date_range(t[-1] + pd.Timedelta("7h"), periods=20, freq="min"))
    t = t + pd.to_timedelta(np.resize([0, 0, -1, 0], 50), unit="s")  # jittered 59/61 s steps, as in the data
    df = pd.DataFrame({"ts": t.astype(str), "temp": np.linspace(20, 21, 50)})
    sf = read_sequences(df, SequenceSpec(time="ts"))
    assert sf.calendar.step == 60e9
    np.testing.assert_array_equal(sf.lengths, [30, 20])
    assert sf.first[30] and sf.item[29] == 0 and sf.item[30] == 1
    assert read_sequences(df, SequenceSpec(time="ts", max_gap=None)).n_items == 1
    jitter = pd.to_timedelta(np.random.default_rng(0).integers(-3, 4, 200), unit="s")  # no step covers half the steps
    noisy = pd.DataFrame({"ts": pd.date_range("2015-02-02", periods=200, freq="min") + jitter, "temp": 1.0})
    assert read_sequences(noisy, SequenceSpec(time="ts")).calendar.step == 60e9
    with pytest.warns(DataWarning, match="1 segments shorter than 25 steps"):
        short = read_sequences(df, SequenceSpec(time="ts"), min_length=25)
    np.testing.assert_array_equal(short.lengths, [30])


def test_trading_holidays_do_not_split_but_a_long_closure_does():
    days = pd.bdate_range("2001-08-01", "2001-10-31")
    closed = days[(days > "2001-09-10") & (days < "2001-09-17")]
    days = days.difference(closed)
    df = pd.DataFrame({"Date": days.strftime("%Y-%m-%d"), "Close": np.linspace(1000, 1100, len(days))})
    assert read_sequences(df, SequenceSpec(time="Date")).n_items == 1  # 5 business days: not longer than max_gap
    assert read_sequences(df, SequenceSpec(time="Date", max_gap=3)).n_items == 2


# ----------------------------------------------------------------- bad input


def test_duplicate_timestamp_names_entity_and_time():
    df = stations()
    df.loc[len(df)] = df.loc[df.station == "B"].iloc[0]
    with pytest.raises(DataValidationError) as err:
        read_sequences(df, SequenceSpec(time="time", entity="station"))
    msg = str(err.value)
    assert "Column 'time'" in msg and "appears 2 times of station 'B'" in msg and "Drop or aggregate" in msg
    assert "2021-03-01" in msg
    single = df.drop(columns="station")
    with pytest.raises(DataValidationError, match=r"name the entity column \(--entity\)"):
        read_sequences(single, SequenceSpec(time="time"))


def test_entity_with_a_single_row_is_refused():
    df = stations()
    df.loc[len(df)] = ["C", "2021-03-01 00:00:00", 1.0, "N", "x", 1]
    with pytest.raises(DataValidationError, match=r"entity 'C' has a single row.*Drop those entities' rows"):
        read_sequences(df, SequenceSpec(time="time", entity="station"))


@pytest.mark.parametrize(("spec", "pattern"), [
    (SequenceSpec(time="tme", entity="station"), r"Column 'tme' \(the time column\) is not in the data. Did you mean 'time'\?"),
    (SequenceSpec(time="time", entity="stations"), r"Column 'stations' \(the entity column\).*Did you mean 'station'\?"),
    (SequenceSpec(time="time", entity="station", columns=("pm", "PM25")), r"Column 'PM25' \(in --columns\) is not in the data"),
    (SequenceSpec(time="time", entity="station", columns=("time",)), r"no value column to learn"),
])
def test_unknown_columns_are_named(spec, pattern):
    with pytest.raises(DataValidationError, match=pattern):
        read_sequences(stations(), spec)


def test_time_column_that_does_not_parse_or_is_empty():
    df = stations()
    df.loc[3, "time"] = "yesterday"
    with pytest.raises(DataValidationError, match=r"Column 'time' \(the time column\) does not parse: 'yesterday' does not read"):
        read_sequences(df, SequenceSpec(time="time", entity="station"))
    df.loc[3, "time"] = None
    with pytest.raises(DataValidationError, match=r"Column 'time' \(the time column\) is empty in 1 rows"):
        read_sequences(df, SequenceSpec(time="time", entity="station"))
    with pytest.raises(DataValidationError, match="holds booleans"):
        read_sequences(pd.DataFrame({"t": [True, False], "x": [1.0, 2.0]}), SequenceSpec(time="t"))


def test_missing_entity_empty_column_and_too_many_categories():
    df = stations()
    df.loc[2, "station"] = None
    with pytest.raises(DataValidationError, match=r"Column 'station' \(the entity column\) is empty in 1 rows"):
        read_sequences(df, SequenceSpec(time="time", entity="station"))
    df = stations()
    df["blank"] = np.nan
    with pytest.raises(DataValidationError, match="Column 'blank' is empty"):
        read_sequences(df, SequenceSpec(time="time", entity="station"))
    df = stations().drop(columns="station").groupby("time", as_index=False).first()
    df["code"] = [f"c{i}" for i in range(len(df))]
    with pytest.raises(DataValidationError, match=r"Column 'code' has 6 distinct values, too many.*at most 5"):
        read_sequences(df, SequenceSpec(time="time", max_categories=5))


@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"time": ""}, "time must name the time column"),
    ({"time": "t", "entity": "t"}, "entity must name a column other than the time column"),
    ({"time": "t", "returns": "pct"}, "returns must be 'log', 'simple' or None"),
    ({"time": "t", "max_gap": 0.5}, "max_gap must be"),
    ({"time": "t", "price_columns": "Close"}, "price_columns needs returns"),
    ({"time": "t", "max_categories": 0}, "max_categories must be a positive integer"),
])
def test_bad_spec_is_a_config_error(kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        SequenceSpec(**kwargs).check()


def test_spec_round_trips_through_a_dict():
    spec = SequenceSpec(time="Date", columns="Open,Close", returns="None")
    assert spec.columns == ("Open", "Close") and spec.returns is None
    assert SequenceSpec.from_dict(spec.to_dict()) == spec


# ------------------------------------------------------------- real datasets


def test_sp500_reads_as_business_days_in_one_series():
    df = shared("sp500_daily", nrows=2000)
    sf = read_sequences(df, SequenceSpec(time="Date", columns=("Close",)))
    assert sf.calendar.kind == "business_day" and sf.n_items == 1 and len(sf.frame) == 2000
    assert sf.numeric == ("Close",) and sf.static == ()


def test_occupancy_gaps_split_into_three_segments():
    df = shared("occupancy_detection")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on clean data
        sf = read_sequences(df, SequenceSpec(time="timestamp"))
    assert sf.calendar == Calendar("fixed", 60e9)
    assert sf.n_items == 3 and sf.lengths.sum() == len(df)
    assert sf.categorical == ("Occupancy",) and "Light" in sf.numeric


def test_beijing_two_stations_hourly_with_categorical_wind():
    df = shared("sequences_beijing_air_quality", nrows=8760 + 500)
    sf = read_sequences(df, SequenceSpec(time="timestamp", entity="station"))
    assert sf.calendar == Calendar("fixed", 3600e9)
    np.testing.assert_array_equal(sf.lengths, [8760, 500])
    assert list(sf.item_entity) == ["Aotizhongxin", "Changping"]
    assert sf.categorical == ("wd",) and len(sf.numeric) == 11 and sf.static == ()
