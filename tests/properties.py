"""Random mixed tables (hypothesis strategies) and the properties every table model must keep.

Shared by tests/test_properties.py (a fixed, small example budget in CI) and
bench/property_budget.py (a larger budget whose figures are committed).
"""

from __future__ import annotations

import string
import warnings

import numpy as np
import pandas as pd
from hypothesis import strategies as st

INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
NAME_ALPHABET = string.ascii_letters + string.digits + " _-.é€中"
KINDS = ("float", "int", "edge_int", "huge_float", "nullable_int", "category", "boolean", "datetime", "datetime_utc", "constant", "unique_text")


@st.composite
def column_names(draw, count: int) -> list[str]:
    """``count`` distinct, odd but printable names (spaces, unicode, digits first)."""
    names = draw(st.lists(st.text(NAME_ALPHABET, min_size=1, max_size=12).filter(lambda s: s.strip() == s and s),
                          min_size=count, max_size=count, unique_by=str.lower))
    return names


def _missing(draw, rng: np.random.Generator, n: int) -> np.ndarray:
    share = draw(st.sampled_from((0.0, 0.0, 0.1, 0.3)))
    mask = rng.random(n) < share
    if share and not mask.any():
        mask[0] = True
    return mask


@st.composite
def mixed_tables(draw, min_rows: int = 30, max_rows: int = 80, max_columns: int = 5) -> pd.DataFrame:
    """A DataFrame of 1..``max_columns`` columns of random kinds, widths, ranges and missing shares."""
    n = draw(st.integers(min_rows, max_rows))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=max_columns))
    names = draw(column_names(len(kinds)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    data = {}
    for name, kind in zip(names, kinds):
        if kind == "float":
            scale = draw(st.sampled_from((1e-6, 1.0, 1e3, 1e12)))
            values = rng.normal(0.0, scale, n)
            values[_missing(draw, rng, n)] = np.nan
            data[name] = values
        elif kind == "int":
            dtype = np.dtype(draw(st.sampled_from(INT_DTYPES)))
            info = np.iinfo(dtype)
            wide = draw(st.booleans())  # the dtype's whole range, or a small one
            low, high = (info.min, info.max) if wide else (max(info.min, -50), min(info.max, 50))
            values = rng.integers(low, high, n, dtype=dtype, endpoint=True)
            data[name] = values
        elif kind == "edge_int":  # a narrow range at the top or bottom of the dtype (e.g. near 2**64)
            dtype = np.dtype(draw(st.sampled_from(INT_DTYPES)))
            info = np.iinfo(dtype)
            top = draw(st.booleans())
            span = int(min(1000, (int(info.max) - int(info.min)) // 4))
            low, high = (int(info.max) - span, int(info.max)) if top else (int(info.min), int(info.min) + span)
            data[name] = rng.integers(low, high, n, dtype=dtype, endpoint=True)
        elif kind == "huge_float":  # finite values near the float64 limits
            data[name] = rng.uniform(-1.0, 1.0, n) * draw(st.sampled_from((1e300, 1e-300, 1.7e308)))
        elif kind == "nullable_int":
            values = pd.array(rng.integers(0, 1000, n), dtype="Int64")
            values[_missing(draw, rng, n)] = pd.NA
            data[name] = values
        elif kind == "category":
            levels = draw(st.lists(st.text(NAME_ALPHABET, min_size=1, max_size=6), min_size=1, max_size=5, unique=True))
            values = np.asarray(levels, dtype=object)[rng.integers(0, len(levels), n)]
            values[_missing(draw, rng, n)] = None
            data[name] = values
        elif kind == "boolean":
            data[name] = rng.random(n) < draw(st.sampled_from((0.1, 0.5, 0.9)))
        elif kind in ("datetime", "datetime_utc"):
            start = pd.Timestamp("2001-01-01") + pd.Timedelta(days=int(rng.integers(0, 7000)))
            seconds = rng.integers(0, 3 * 365 * 86400, n)
            values = pd.Series(start + pd.to_timedelta(seconds, unit="s"))
            if kind == "datetime_utc":
                values = values.dt.tz_localize("UTC")
            values[_missing(draw, rng, n)] = pd.NaT
            data[name] = values.to_numpy() if kind == "datetime" else values.array
        elif kind == "constant":
            data[name] = np.full(n, draw(st.sampled_from((7, 2.5, "same"))))
        else:  # unique_text: an identifier-like column
            data[name] = [f"key-{i:05d}-{rng.integers(0, 10**6)}" for i in range(n)]
    return pd.DataFrame(data)


def check_sample(real: pd.DataFrame, synth: pd.DataFrame, n: int) -> None:
    """The properties a sample of any table model must have, as assertions with readable messages."""
    assert list(synth.columns) == list(real.columns), f"columns {list(synth.columns)} != {list(real.columns)}"
    assert len(synth) == n, f"{len(synth)} rows, asked for {n}"
    for name in real.columns:
        r, s = real[name], synth[name]
        assert s.dtype == r.dtype, f"column {name!r}: dtype {s.dtype} != {r.dtype}"
        if r.isna().all():
            continue
        if not r.isna().any():
            assert not s.isna().any(), f"column {name!r}: {int(s.isna().sum())} missing values, the real column has none"
        present = s.dropna()
        if pd.api.types.is_bool_dtype(r) or pd.api.types.is_object_dtype(r) or isinstance(r.dtype, pd.CategoricalDtype):
            if r.nunique() < len(r):  # identifiers are regenerated, categories are kept
                extra = set(present.astype(str)) - set(r.dropna().astype(str))
                assert not extra, f"column {name!r}: values {sorted(extra)[:3]} not in the real column"
        elif pd.api.types.is_numeric_dtype(r) or pd.api.types.is_datetime64_any_dtype(r):
            low, high = r.min(), r.max()
            assert present.empty or (present.min() >= low and present.max() <= high), \
                f"column {name!r}: synthetic range [{present.min()}, {present.max()}] outside [{low}, {high}]"
            if pd.api.types.is_integer_dtype(r):
                assert pd.api.types.is_integer_dtype(s), f"column {name!r} is no longer integer"


def quietly(function, *args, **kwargs):
    """Call ``function``, failing if NumPy, pandas or scikit-learn let a warning reach the user."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = function(*args, **kwargs)
    raw = [w for w in caught if w.category.__module__.split(".")[0] in ("numpy", "pandas", "sklearn", "builtins")
           and not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))
           and "synthgan" not in str(w.filename)]
    assert not raw, f"raw library warnings reached the user: {[f'{w.message} ({w.filename}:{w.lineno})' for w in raw][:3]}"
    return out
