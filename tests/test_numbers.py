"""Numbers over the full range of every integer dtype and of float64: learned exactly or refused clearly."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from synthgan import load
from synthgan.errors import DataValidationError, DataWarning
from synthgan.tabular.synthesizer import Synthesizer

MODELS = [pytest.param("copula", {}, id="copula"), pytest.param("ctgan", {"epochs": 2}, id="ctgan")]
INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
NULLABLE = ["Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64"]
N = 40


def fit_sample(df: pd.DataFrame, model: str, params: dict, n: int = 80) -> tuple[Synthesizer, pd.DataFrame]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        syn = Synthesizer(model, seed=0, **params).fit(df)
        out = syn.sample(n)
    foreign = [f"{w.category.__name__}: {w.message}" for w in caught
               if not issubclass(w.category, DataWarning) and "torch" not in w.filename]
    assert not foreign, foreign
    return syn, out


def _full_range(dtype: str) -> np.ndarray:
    """The dtype's minimum and maximum, their neighbours, and values spread over the whole range."""
    info = np.iinfo(np.dtype(dtype.lower()))
    spread = np.random.default_rng(0).integers(info.min, info.max, size=N - 4, dtype=np.dtype(dtype.lower()), endpoint=True)
    edges = np.array([info.min, info.min + 1, info.max - 1, info.max], dtype=np.dtype(dtype.lower()))
    return np.concatenate([edges, spread])


def _assert_within(out: pd.Series, original: pd.Series) -> None:
    present = out.dropna()
    assert len(present)
    low, high = int(original.min()), int(original.max())
    assert all(low <= int(v) <= high for v in present)


@pytest.mark.parametrize(("model", "params"), MODELS)
@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_dtypes_over_their_full_range(dtype, model, params):
    df = pd.DataFrame({"n": _full_range(dtype), "few": np.resize(_full_range(dtype)[:4], N)})  # wide, and 4 levels
    syn, out = fit_sample(df, model, params)
    for name in df:
        assert out[name].dtype == df[name].dtype
        _assert_within(out[name], df[name])
    if model == "ctgan":  # one-hot levels come back exactly (the copula interpolates numbers)
        assert set(out["few"].tolist()) <= set(df["few"].tolist())


@pytest.mark.parametrize(("model", "params"), MODELS)
@pytest.mark.parametrize("dtype", NULLABLE)
def test_nullable_integer_dtypes_over_their_full_range(dtype, model, params):
    values = pd.array(_full_range(dtype), dtype=dtype)
    values[[5, 6, 7]] = pd.NA
    df = pd.DataFrame({"n": values})
    syn, out = fit_sample(df, model, params)
    assert out["n"].dtype == df["n"].dtype
    _assert_within(out["n"], df["n"])


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_uint64_near_two_to_the_64(model, params):
    df = pd.DataFrame({"u": np.array([2**64 - 1 - 1000 * i for i in range(N)], dtype=np.uint64)})
    syn, out = fit_sample(df, model, params)
    assert out["u"].dtype == np.uint64
    _assert_within(out["u"], df["u"])
    assert (out["u"] > 2**63).all()  # not wrapped to 0


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_int64_at_both_ends(model, params):
    values = [2**63 - 1 - 977 * i for i in range(N // 2)] + [-(2**63) + 977 * i for i in range(N // 2)]
    df = pd.DataFrame({"i": np.array(values, dtype=np.int64)})
    _, out = fit_sample(df, model, params)
    assert out["i"].dtype == np.int64
    _assert_within(out["i"], df["i"])


def test_constant_uint64_max_is_exact():
    df = pd.DataFrame({"u": np.full(N, 2**64 - 1, dtype=np.uint64), "x": np.arange(N, dtype=np.float64)})
    _, out = fit_sample(df, "copula", {})
    assert out["u"].dtype == np.uint64 and (out["u"] == 2**64 - 1).all()


def test_uint64_model_file_round_trip(tmp_path):
    df = pd.DataFrame({"u": np.array([2**64 - 1 - 1000 * i for i in range(N)], dtype=np.uint64)})
    syn, _ = fit_sample(df, "copula", {})
    syn.save(tmp_path / "m.synthgan")
    out = load(tmp_path / "m.synthgan").sample(50)
    assert out["u"].dtype == np.uint64
    _assert_within(out["u"], df["u"])


@pytest.mark.parametrize(("model", "params"), MODELS)
@pytest.mark.parametrize("scale", [1e300, np.finfo(np.float64).max])
def test_floats_near_the_float64_limit(scale, model, params):
    f = np.random.default_rng(0).uniform(-1.0, 1.0, N) * scale
    f[:2] = (-scale, scale)
    df = pd.DataFrame({"f": f, "small": np.random.default_rng(1).normal(size=N)})
    syn, out = fit_sample(df, model, params)
    assert syn.schema_["f"].kind == "continuous"  # whole as floats, but not a count
    assert out["f"].dtype == np.float64 and np.isfinite(out["f"]).all()
    assert out["f"].min() >= f.min() and out["f"].max() <= f.max()
    assert out["small"].between(df["small"].min(), df["small"].max()).all()


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_tiny_and_subnormal_floats(model, params):
    f = np.random.default_rng(0).uniform(1e-310, 1e-300, N)
    _, out = fit_sample(pd.DataFrame({"f": f}), model, params)
    assert out["f"].dtype == np.float64 and out["f"].between(f.min(), f.max()).all()


def test_infinite_values_are_refused_naming_the_column():
    df = pd.DataFrame({"f": np.r_[np.inf, np.arange(N - 1, dtype=np.float64)]})
    with pytest.raises(DataValidationError, match=r"Column 'f' has 1 infinite value") as info:
        Synthesizer("copula", seed=0).fit(df)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("model", "params"), MODELS)
def test_integers_stay_integral_and_in_range(model, params):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"age": rng.integers(18, 90, N).astype("int16"), "big": rng.integers(0, 10**15, N)})
    _, out = fit_sample(df, model, params)
    for name in df:
        assert out[name].dtype == df[name].dtype
        assert out[name].between(df[name].min(), df[name].max()).all()
