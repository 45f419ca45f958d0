"""Dates and times from raw input to synthetic output: offsets, ``Z``, day-first formats, objects, NaT."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import DataWarning, SchemaError
from synthgan.tabular.schema import infer_schema
from synthgan.tabular.synthesizer import Synthesizer

MODELS = [pytest.param("copula", {}, id="copula"), pytest.param("ctgan", {"epochs": 2}, id="ctgan")]
N = 40


def _foreign(w: warnings.WarningMessage) -> bool:
    """A warning that is not synthgan's own (numpy, pandas: raw warnings must not reach users)."""
    return not issubclass(w.category, DataWarning) and "torch" not in w.filename


def fit_sample(df: pd.DataFrame, model: str, params: dict, n: int = 60) -> tuple[Synthesizer, pd.DataFrame, list]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        syn = Synthesizer(model, seed=0, **params).fit(df)
        out = syn.sample(n)
    foreign = [f"{w.category.__name__}: {w.message}" for w in caught if _foreign(w)]
    assert not foreign, foreign
    return syn, out, [w for w in caught if issubclass(w.category, DataWarning)]


def _frame(values) -> pd.DataFrame:
    return pd.DataFrame({"t": values, "x": np.random.default_rng(0).normal(size=len(values))})


def _in_range(parsed: pd.Series, original: pd.Series) -> None:
    assert parsed.notna().all()
    assert parsed.min() >= original.min() and parsed.max() <= original.max()


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_mixed_utc_offsets_are_normalised_to_utc(model, params):
    values = ["2021-03-27T12:00:00+01:00", "2021-03-28T12:00:00+02:00", "2021-03-26T08:30:00+01:00", "2021-03-29T18:00:00+02:00"]
    df = _frame(values * (N // 4))
    syn, out, data_warnings = fit_sample(df, model, params)
    col = syn.schema_["t"]
    assert (col.kind, col.dtype, col.timezone) == ("datetime", "str", "UTC")
    assert "UTC" in col.note and "+01:00" in col.note
    assert any("'t'" in str(w.message) and "UTC" in str(w.message) for w in data_warnings)
    assert out["t"].dtype == df["t"].dtype
    assert out["t"].str.endswith("+00:00").all()
    _in_range(pd.to_datetime(out["t"], format="%Y-%m-%dT%H:%M:%S%z", utc=True), pd.to_datetime(df["t"], utc=True))
    assert "timezone" in syn.schema_.to_dict()["columns"][0]  # `synthgan schema` shows it


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_z_suffix_round_trips(model, params):
    values = [f"2021-05-{d:02d}T10:{m:02d}:00Z" for d in range(1, 21) for m in (0, 30)]
    df = _frame(values)
    syn, out, _ = fit_sample(df, model, params)
    col = syn.schema_["t"]
    assert (col.kind, col.datetime_format, col.timezone) == ("datetime", "%Y-%m-%dT%H:%M:%SZ", "UTC")
    assert out["t"].dtype == df["t"].dtype and out["t"].str.endswith("Z").all()
    _in_range(pd.to_datetime(out["t"], format="%Y-%m-%dT%H:%M:%SZ"), pd.to_datetime(df["t"], format="%Y-%m-%dT%H:%M:%SZ"))


@pytest.mark.parametrize("offset", ["+05:30", "-0800"])
def test_one_offset_is_kept(offset):
    values = [f"2022-01-{d:02d}T{h:02d}:00:00{offset}" for d in range(1, 21) for h in (6, 18)]
    df = _frame(values)
    syn, out, _ = fit_sample(df, "copula", {})
    assert syn.schema_["t"].timezone == offset
    assert out["t"].str.endswith(offset).all()
    parsed = pd.to_datetime(out["t"], format="%Y-%m-%dT%H:%M:%S%z", utc=True)
    _in_range(parsed, pd.to_datetime(df["t"], format="%Y-%m-%dT%H:%M:%S%z", utc=True))
    assert set(pd.to_datetime(out["t"].str[:19]).dt.hour) <= set(range(24))


FORMATS = ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M"]


@pytest.mark.parametrize(("model", "params"), MODELS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_common_formats_are_dates_not_identifiers(fmt, model, params):
    stamps = pd.Series(pd.date_range("2020-01-01 06:00", periods=N, freq="7D3h"))  # unique, days up to 31
    df = _frame(stamps.dt.strftime(fmt))
    syn, out, data_warnings = fit_sample(df, model, params)
    col = syn.schema_["t"]
    assert (col.kind, col.datetime_format) == ("datetime", fmt)
    assert not data_warnings  # days above 12: nothing ambiguous
    assert out["t"].dtype == df["t"].dtype
    _in_range(pd.to_datetime(out["t"], format=fmt), pd.to_datetime(df["t"], format=fmt))
    assert not out["t"].str.startswith("syn-").any()


@pytest.mark.parametrize(("sep", "chosen", "other"), [("/", "%m/%d/%Y", "%d/%m/%Y"), (".", "%d.%m.%Y", "%m.%d.%Y")])
def test_ambiguous_dates_are_read_one_way_and_the_schema_says_which(sep, chosen, other):
    values = [f"{d:02d}{sep}{m:02d}{sep}2020" for d in range(1, 11) for m in range(1, 5)]
    df = _frame(values)
    with pytest.warns(DataWarning, match=r"Column 't'.*" + other.replace(".", r"\.")):
        schema = infer_schema(df)
    col = schema["t"]
    assert (col.kind, col.datetime_format) == ("datetime", chosen)
    assert chosen in col.note and other in col.note
    _, out, _ = fit_sample(df, "copula", {})
    assert pd.to_datetime(out["t"], format=chosen, errors="coerce").notna().all()


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_python_datetime_objects_are_learned(model, params):
    values = pd.Series([dt.datetime(2020, 1, 1, 12) + dt.timedelta(days=3 * i, hours=i) for i in range(N)], dtype=object)
    df = _frame(values)
    syn, out, _ = fit_sample(df, model, params)
    assert (syn.schema_["t"].kind, syn.schema_["t"].dtype) == ("datetime", "object")
    assert out["t"].dtype == object and all(type(v) is dt.datetime for v in out["t"])
    assert min(out["t"]) >= min(values) and max(out["t"]) <= max(values)


def test_aware_python_datetimes_with_several_offsets_come_back_in_utc():
    zones = [dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=2))]
    values = pd.Series([dt.datetime(2021, 3, 1 + i % 28, 12, tzinfo=zones[i % 2]) for i in range(N)], dtype=object)
    syn, out, _ = fit_sample(_frame(values), "copula", {})
    assert syn.schema_["t"].timezone == "UTC"
    assert all(v.utcoffset() == dt.timedelta(0) for v in out["t"])
    assert min(out["t"]) >= min(values) and max(out["t"]) <= max(values)


def test_aware_and_naive_datetimes_mixed_are_refused():
    values = pd.Series([dt.datetime(2021, 3, 1 + i % 28, tzinfo=dt.timezone.utc if i % 2 else None) for i in range(N)], dtype=object)
    with pytest.raises(SchemaError, match=r"Column 't' mixes time-zone aware and naive datetimes") as info:
        Synthesizer("copula", seed=0).fit(_frame(values))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_tz_aware_datetime64_keeps_its_zone(model, params):
    stamps = pd.Series(pd.date_range("2021-03-27", periods=N, freq="3h", tz="Europe/Paris"))  # crosses DST
    syn, out, _ = fit_sample(_frame(stamps), model, params)
    assert out["t"].dtype == stamps.dtype
    _in_range(out["t"], stamps)


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_datetime64_with_nat(model, params):
    stamps = pd.Series(pd.date_range("2020-01-01", periods=N, freq="D"))
    stamps[[3, 10, 17]] = pd.NaT
    syn, out, _ = fit_sample(_frame(stamps), model, params)
    assert out["t"].dtype == stamps.dtype
    present = out["t"].dropna()
    assert len(present) and present.min() >= stamps.min() and present.max() <= stamps.max()


def test_all_nat_column_is_constant():
    stamps = pd.Series(pd.NaT, index=range(N), dtype="datetime64[ns]")
    _, out, _ = fit_sample(_frame(stamps), "copula", {})
    assert out["t"].dtype == stamps.dtype and out["t"].isna().all()


def test_dates_outside_nanosecond_range():
    values = [f"{1500 + 10 * i:04d}-06-01" for i in range(N)] + ["9999-12-31"]
    df = _frame(values)
    syn, out, _ = fit_sample(df, "copula", {})
    assert syn.schema_["t"].datetime_format == "%Y-%m-%d"
    assert out["t"].min() >= "1500-06-01" and out["t"].max() <= "9999-12-31"
