"""TableEncoder: layouts, exact round trips on real tables, point masses, dependencies, state."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
import torch

from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.schema import ColumnSchema, Schema, infer_schema
from synthgan.errors import ConditionError, ConfigError, DataValidationError, DataWarning, NotFittedError

EXACT = {"min_category_share": 0.0}  # no rare-level bucket: categoricals must come back exactly


def assert_same_table(real: pd.DataFrame, back: pd.DataFrame, skip=(), rtol=0.0) -> None:
    assert list(back.columns) == list(real.columns)
    for name in real.columns:
        assert back[name].dtype == real[name].dtype, name
        if name in skip:
            continue
        a, b = real[name], back[name]
        assert (a.isna().to_numpy() == b.isna().to_numpy()).all(), name
        present = a.notna().to_numpy()
        if rtol and pd.api.types.is_float_dtype(a.dtype):
            want = a[present].to_numpy()
            atol = rtol * np.ptp(want)  # float32 value spans: error relative to the column's range
            np.testing.assert_allclose(b[present].to_numpy(), want, rtol=rtol, atol=atol, err_msg=name)
        else:
            assert (a[present].to_numpy() == b[present].to_numpy()).all(), name


def random_output(enc: TableEncoder, n: int, seed: int = 0) -> np.ndarray:
    """What an untrained model might emit: random tanh values and random softmax probabilities."""
    rng = np.random.default_rng(seed)
    X = np.empty((n, enc.layout_.width), dtype=np.float32)
    for span in enc.layout_.spans:
        if span.activation == "tanh":
            X[:, span.start] = rng.uniform(-1, 1, n)
        else:
            p = rng.random((n, span.width))
            X[:, span.start : span.end] = p / p.sum(axis=1, keepdims=True)
    return X


# ------------------------------------------------------------------- layout


def test_adult_layout_spans_and_conditions(adult):
    enc = TableEncoder(seed=0).fit(adult)
    layout = enc.layout_
    assert layout.encoding == "mode_specific"
    assert layout.spans[0].start == 0
    for prev, span in zip(layout.spans, layout.spans[1:]):
        assert span.start == prev.end
    roles = {}
    for span in layout.spans:
        roles.setdefault(span.column, []).append((span.role, span.activation))
        if span.activation == "softmax":
            assert span.n_categories == span.width
    for name in ("age", "fnlwgt", "capital_gain", "capital_loss", "hours_per_week"):
        assert roles[name] == [("value", "tanh"), ("component", "softmax")]
    for name in ("workclass", "education", "sex", "income", "native_country"):
        assert roles[name] == [("category", "softmax")]
    assert "education_num" not in roles  # derived from education
    sex = next(s for s in layout.spans if s.column == "sex")
    assert sex.width == 2
    workclass = next(s for s in layout.spans if s.column == "workclass")
    assert workclass.width == adult["workclass"].nunique() + 1  # + missing
    cond = [layout.spans[i].column for i in layout.condition_spans]
    assert cond == ["workclass", "education", "marital_status", "occupation", "relationship", "race", "sex",
                    "native_country", "income"]
    assert layout.condition_width == sum(layout.spans[i].width for i in layout.condition_spans)
    X = enc.transform(adult)
    assert X.shape == (len(adult), layout.width) and X.dtype == np.float32
    for span in layout.spans:
        block = X[:, span.start : span.end]
        if span.activation == "softmax":
            np.testing.assert_array_equal(block.sum(axis=1), 1.0)
        else:
            assert np.abs(block).max() <= 0.99 + 1e-6


# --------------------------------------------------------------- round trips


def test_adult_round_trip_is_exact(adult):
    enc = TableEncoder(seed=0, **EXACT).fit(adult)
    back = enc.inverse_transform(enc.transform(adult), seed=1)
    assert_same_table(adult, back)


@pytest.mark.parametrize(
    "name, n_rows, skip, rtol",
    [
        ("california_housing", 4000, (), 0.0),
        ("stroke_prediction", None, ("id",), 0.0),
        ("diabetes_health_indicators", 5000, (), 0.0),
        ("bank_marketing", 4000, (), 0.0),
        ("anomaly_cardio", None, (), 1e-6),
    ],
)
def test_round_trip_on_shared_tables(load_table, name, n_rows, skip, rtol):
    df = load_table(name, n_rows)
    enc = TableEncoder(seed=0, **EXACT).fit(df)
    back = enc.inverse_transform(enc.transform(df), seed=3)
    assert_same_table(df, back, skip=skip, rtol=rtol)


def test_ordinal_encoding_round_trip(load_table):
    df = load_table("stroke_prediction")
    enc = TableEncoder("ordinal", seed=0, **EXACT).fit(df)
    layout = enc.layout_
    assert layout.encoding == "ordinal"
    # Categorical ordinal spans are condition spans (values are checked; sampling rejects).
    assert all(layout.spans[i].n_categories > 0 for i in layout.condition_spans) and layout.condition_spans
    assert all(s.width == 1 and s.role == "ordinal" and s.activation == "identity" for s in layout.spans)
    codes = {s.column: s.n_categories for s in layout.spans}
    assert codes["gender"] == 3 and codes["smoking_status"] == 4 and codes["bmi"] == 0
    assert "id" not in codes
    X = enc.transform(df)
    assert np.isnan(X[:, [s.column for s in layout.spans].index("bmi")]).sum() == df["bmi"].isna().sum()
    assert_same_table(df, enc.inverse_transform(X, seed=0), skip=("id",))


def test_inverse_accepts_probabilities_and_clips_values(adult):
    enc = TableEncoder(seed=0).fit(adult)
    X = random_output(enc, 3000)
    for span in enc.layout_.spans:
        if span.activation == "tanh":
            X[:, span.start] *= 3.0  # outside [-1, 1]: must be clipped, not extrapolated
    out = enc.inverse_transform(X, seed=0)
    assert (out.dtypes == adult.dtypes).all()
    for name in ("age", "fnlwgt", "hours_per_week", "capital_gain"):
        assert out[name].min() >= adult[name].min() and out[name].max() <= adult[name].max()
    for name in ("workclass", "occupation", "native_country", "income"):
        assert set(out[name].dropna()) <= set(adult[name].dropna())


def test_transform_new_data_and_non_finite_model_output(load_table, adult):
    enc = TableEncoder(seed=0).fit(adult)
    test = load_table("adult_test", 2000)
    test.loc[:5, "workclass"] = "Astronaut"  # never seen in training
    X = enc.transform(test)
    assert X.shape == (len(test), enc.layout_.width) and np.isfinite(X).all()
    out = enc.inverse_transform(X, seed=0)
    assert set(out["workclass"].dropna()) <= set(adult["workclass"].dropna())
    X[:10] = np.nan
    X[10:20] = np.inf
    out = enc.inverse_transform(X, seed=0)
    assert (out.dtypes == adult.dtypes).all() and out["age"].between(adult["age"].min(), adult["age"].max()).all()


# ------------------------------------------------------------- point masses


def test_point_masses_are_exact_and_do_not_smear(load_table):
    df = load_table("adult")
    enc = TableEncoder(seed=0).fit(df)
    X = enc.transform(df)
    back = enc.inverse_transform(X, seed=0)
    assert (back["capital_gain"] == 0).mean() == pytest.approx((df["capital_gain"] == 0).mean(), abs=1e-12)
    assert (back["hours_per_week"] == 40).mean() == pytest.approx((df["hours_per_week"] == 40).mean(), abs=1e-12)
    # Any value the model emits inside a Gaussian mode stays inside that mode's range.
    rng = np.random.default_rng(1)
    for span in enc.layout_.spans:
        if span.role == "value":
            X[:, span.start] = rng.uniform(-1, 1, len(X))
    noisy = enc.inverse_transform(X, seed=0)
    gain = noisy["capital_gain"]
    assert not gain.between(1, 113).any()
    assert gain.min() >= 0 and gain.max() <= df["capital_gain"].max()
    assert (noisy["capital_gain"] == 0).mean() == pytest.approx(0.917, abs=0.002)
    # Gaussian modes around 40 may also round to 40, never less often than the point mass alone.
    assert (noisy["hours_per_week"] == 40).mean() >= (df["hours_per_week"] == 40).mean()


def test_mode_assignment_uses_encoder_stream_and_decodes_identically(adult):
    enc = TableEncoder(seed=5).fit(adult)
    X1, X2 = enc.transform(adult), enc.transform(adult)
    same = TableEncoder(seed=5).fit(adult)
    np.testing.assert_array_equal(X1, same.transform(adult))  # same seed, same stream
    assert not np.array_equal(X1, X2)  # the stream moves on
    pd.testing.assert_frame_equal(enc.inverse_transform(X1, seed=0), enc.inverse_transform(X2, seed=0))


# ------------------------------------------------------------- dependencies


def test_education_num_is_derived_from_education(adult):
    enc = TableEncoder(seed=0).fit(adult)
    assert [(d.child, d.parent) for d in enc.dependencies_] == [("education_num", "education")]
    out = enc.inverse_transform(random_output(enc, 2000), seed=0)
    mapping = adult.groupby("education")["education_num"].first()
    np.testing.assert_array_equal(out["education_num"].to_numpy(), mapping[out["education"]].to_numpy())
    assert out["education_num"].dtype == np.int64


def test_dependencies_can_be_turned_off(adult):
    enc = TableEncoder(seed=0, detect_dependencies=False).fit(adult)
    assert enc.dependencies_ == []
    assert "education_num" in {s.column for s in enc.layout_.spans}


def test_no_dependency_from_sparse_many_level_column():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.integers(0, 25, 60).astype(str), "b": rng.integers(0, 2, 60)})
    assert TableEncoder(seed=0).fit(df).dependencies_ == []


# ------------------------------------------------------------ odd columns


def test_high_cardinality_is_bucketed():
    rng = np.random.default_rng(0)
    n = 60_000
    levels = np.array([f"level{i}" for i in range(50_000)], dtype=object)
    codes = np.concatenate([np.arange(50_000), rng.integers(0, 5, n - 50_000)])
    df = pd.DataFrame({"big": pd.array(levels[codes], dtype="str"), "x": rng.normal(size=n)})
    schema = Schema([ColumnSchema("big", "categorical", "str"), ColumnSchema("x", "continuous", "float64")])
    default = TableEncoder(seed=0).fit(df, schema)  # levels under 0.1 % share go to "other"
    assert next(s for s in default.layout_.spans if s.column == "big").width == 6
    enc = TableEncoder(seed=0, max_categories=50, min_category_share=0.0).fit(df, schema)
    span = next(s for s in enc.layout_.spans if s.column == "big")
    assert span.width == 51
    out = enc.inverse_transform(enc.transform(df), seed=0)
    assert set(out["big"]) <= set(df["big"])
    assert out["big"].nunique() > 1000  # "other" draws from the bucketed levels
    assert out["big"].dtype == df["big"].dtype
    k, j = enc.condition_index("big", "level49999")
    assert j == 50  # the "other" category


def test_constant_all_missing_and_mixed_columns():
    n = 200
    df = pd.DataFrame({
        "const": np.full(n, 7, dtype=np.int64),
        "const_text": pd.array(["a"] * n, dtype="str"),
        "empty": np.full(n, np.nan),
        "mixed": pd.Series([1, "a", 2.5, "b"] * (n // 4), dtype=object),
        "x": np.linspace(0, 1, n),
    })
    with pytest.warns(DataWarning, match="'mixed'"):
        schema = infer_schema(df)
    enc = TableEncoder(seed=0).fit(df, schema)
    assert {s.column for s in enc.layout_.spans} == {"mixed", "x"}
    out = enc.inverse_transform(random_output(enc, 100), seed=0)
    assert (out["const"] == 7).all() and out["const"].dtype == np.int64
    assert (out["const_text"] == "a").all() and out["const_text"].dtype == df["const_text"].dtype
    assert out["empty"].isna().all() and out["empty"].dtype == np.float64
    assert set(out["mixed"]) <= {1, "a", 2.5, "b"} and out["mixed"].dtype == object


def test_id_columns_are_fresh_unique_and_disjoint(load_table):
    df = load_table("stroke_prediction")
    df["code"] = pd.array([f"P{i:05d}" for i in range(len(df))], dtype="str")
    schema = infer_schema(df)
    assert schema["id"].kind == "id" and schema["code"].kind == "id"
    enc = TableEncoder(seed=0).fit(df, schema)
    assert not {"id", "code"} & {s.column for s in enc.layout_.spans}
    out = enc.inverse_transform(enc.transform(df), seed=0)
    for name in ("id", "code"):
        assert out[name].is_unique and out[name].notna().all()
        assert not set(out[name]) & set(df[name])
        assert out[name].dtype == df[name].dtype
    X = enc.transform(df.head(100))
    batches = [enc.inverse_transform(X, seed=s, id_offset=off) for s, off in ((0, 0), (1, 100), (2, 200))]
    for name in ("id", "code"):
        keys = pd.concat([b[name] for b in batches])
        assert keys.is_unique and not set(keys) & set(df[name])


def test_boolean_columns_keep_their_dtype():
    rng = np.random.default_rng(0)
    flags = rng.random(300) < 0.3
    nullable = pd.array(np.where(rng.random(300) < 0.1, None, flags), dtype="boolean")
    df = pd.DataFrame({"flag": flags, "maybe": nullable, "x": rng.normal(size=300)})
    enc = TableEncoder(seed=0).fit(df)
    assert enc.schema_["flag"].kind == "boolean" and enc.schema_["maybe"].kind == "boolean"
    assert_same_table(df, enc.inverse_transform(enc.transform(df), seed=0), rtol=1e-6)
    assert enc.condition_index("flag", True)[1] in (0, 1)


def test_pandas_dtypes_are_restored_exactly():
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({
        "cat": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"], ordered=True),
        "obj": pd.Series(rng.choice(["x", "y", None], n), dtype=object),
        "nint": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 1000, n)), dtype="Int64"),
        "f32": rng.normal(size=n).astype(np.float32),
        "i32": rng.integers(0, 500, n).astype(np.int32),
        "u8": rng.integers(0, 5, n).astype(np.uint8),
        "float_codes": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 4, n)).astype(float),
    })
    enc = TableEncoder(seed=0, **EXACT).fit(df)
    assert enc.schema_["float_codes"].kind == "integer" and enc.schema_["nint"].kind == "integer"
    assert_same_table(df, enc.inverse_transform(enc.transform(df), seed=0), rtol=1e-6)
    out = enc.inverse_transform(random_output(enc, 300), seed=0)
    assert (out.dtypes == df.dtypes).all()
    assert out["float_codes"].isna().any() and set(out["float_codes"].dropna()) <= {0.0, 1.0, 2.0, 3.0}


def test_datetime_columns_round_trip(load_table):
    df = load_table("occupancy_detection", 3000)[["timestamp", "Light", "Occupancy"]]
    df["as_dt"] = pd.to_datetime(df["timestamp"])
    df["as_utc"] = df["as_dt"].dt.tz_localize("Europe/Paris", nonexistent="shift_forward", ambiguous="NaT")
    df.loc[::50, "as_dt"] = pd.NaT
    schema = infer_schema(df)
    assert [schema[c].kind for c in ("timestamp", "as_dt", "as_utc")] == ["datetime"] * 3
    enc = TableEncoder(seed=0).fit(df, schema)
    back = enc.inverse_transform(enc.transform(df), seed=0)
    assert_same_table(df, back, rtol=1e-6)
    out = enc.inverse_transform(random_output(enc, 500), seed=0)
    parsed = pd.to_datetime(out["timestamp"], format="%Y-%m-%d %H:%M:%S")
    assert parsed.min() >= pd.Timestamp(df["timestamp"].min()) and parsed.max() <= pd.Timestamp(df["timestamp"].max())


# ------------------------------------------------------------- conditions


def test_condition_index(adult):
    enc = TableEncoder(seed=0).fit(adult)
    assert "income" in enc.condition_columns and "age" not in enc.condition_columns
    k, j = enc.condition_index("income", ">50K")
    span = enc.layout_.spans[enc.layout_.condition_spans[k]]
    assert span.column == "income"
    X = enc.transform(adult)
    rows = (adult["income"] == ">50K").to_numpy()
    assert (X[rows, span.start + j] == 1).all() and (X[~rows, span.start + j] == 0).all()
    assert enc.condition_index("education_num", 13) == enc.condition_index("education", "Bachelors")
    assert enc.condition_index("workclass", None)[1] == span_width(enc, "workclass") - 1  # missing
    with pytest.raises(ConditionError, match="'nope'"):
        enc.condition_index("nope", 1)
    with pytest.raises(ConditionError, match="'age'"):
        enc.condition_index("age", 30)
    with pytest.raises(ConditionError, match="income"):
        enc.condition_index("income", "lots")


def test_low_cardinality_integer_target_is_a_condition_column(load_table):
    df = load_table("diabetes_health_indicators", 3000)
    enc = TableEncoder(seed=0).fit(df)
    assert "Diabetes_binary" in enc.condition_columns
    k, j = enc.condition_index("Diabetes_binary", 1)
    assert enc.layout_.spans[enc.layout_.condition_spans[k]].column == "Diabetes_binary"
    assert enc.condition_index("Diabetes_binary", "1") == (k, j)


def span_width(enc: TableEncoder, column: str) -> int:
    return next(s.width for s in enc.layout_.spans if s.column == column and s.role == "category")


# ------------------------------------------------------------------ state


def test_state_round_trip_gives_identical_output(load_table):
    df = load_table("stroke_prediction")
    enc = TableEncoder(seed=0).fit(df)
    state, arrays = enc.to_state()
    state = json.loads(json.dumps(state))  # must be JSON-safe
    assert all(isinstance(a, np.ndarray) and a.dtype.kind in "fiub" for a in arrays.values())
    enc2 = TableEncoder.from_state(state, arrays)
    assert enc2.layout_ == enc.layout_ and enc2.schema_ == enc.schema_
    X = random_output(enc, 1000)
    pd.testing.assert_frame_equal(enc.inverse_transform(X, seed=7), enc2.inverse_transform(X, seed=7))
    X_real = enc.transform(df)
    pd.testing.assert_frame_equal(enc.inverse_transform(X_real, seed=1), enc2.inverse_transform(X_real, seed=1))


def test_ordinal_state_round_trip(adult):
    enc = TableEncoder("ordinal", seed=0).fit(adult)
    state, arrays = enc.to_state()
    enc2 = TableEncoder.from_state(json.loads(json.dumps(state)), arrays)
    X = enc.transform(adult)
    pd.testing.assert_frame_equal(enc.inverse_transform(X, seed=2), enc2.inverse_transform(X, seed=2))


# ---------------------------------------------------------- contract


def test_global_random_state_is_untouched(adult):
    np_state, torch_state, py_state = np.random.get_state(), torch.get_rng_state(), random.getstate()
    enc = TableEncoder(seed=0).fit(adult)
    enc.inverse_transform(enc.transform(adult))
    enc.inverse_transform(random_output(enc, 500), seed=3)
    TableEncoder("ordinal", seed=0).fit(adult).transform(adult)
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(np_state, after))
    assert torch.equal(torch_state, torch.get_rng_state())
    assert py_state == random.getstate()


def test_errors_before_fit_and_for_bad_config(adult):
    enc = TableEncoder()
    with pytest.raises(NotFittedError):
        enc.transform(adult)
    with pytest.raises(NotFittedError):
        enc.condition_index("income", ">50K")
    with pytest.raises(ConfigError, match="encoding"):
        TableEncoder(encoding="onehot").fit(adult)
    with pytest.raises(ConfigError, match="max_categories"):
        TableEncoder(max_categories=0).fit(adult)
    fitted = TableEncoder(seed=0).fit(adult)
    with pytest.raises(DataValidationError, match=str(fitted.layout_.width)):
        fitted.inverse_transform(np.zeros((3, 5)))


# ------------------------------------------------------------ one-hot fast decode


def test_one_hot_decoding_matches_the_argmax_path(load_table, adult):
    """``one_hot=True`` reads categories with one matrix product and builds str columns with an
    arrow take; on one-hot input it must give the very same table (values and dtypes)."""
    for df in (adult, load_table("bank_marketing", 3000), load_table("stroke_prediction", None)):
        enc = TableEncoder(seed=0).fit(df)
        X = enc.transform(df)
        fast = enc.inverse_transform(X, seed=4, one_hot=True)
        slow = enc.inverse_transform(X, seed=4)
        pd.testing.assert_frame_equal(fast, slow)
        assert (fast.dtypes == df.dtypes).all()
    # high-cardinality: "other" draws and missing values go through the same table
    rng = np.random.default_rng(1)
    big = pd.Series(np.where(rng.random(5000) < 0.1, None, rng.integers(0, 400, 5000).astype(str)), dtype="str")
    frame = pd.DataFrame({"big": big, "x": rng.normal(size=5000)})
    enc = TableEncoder(seed=0, max_categories=20).fit(frame)
    X = enc.transform(frame)
    pd.testing.assert_frame_equal(enc.inverse_transform(X, seed=2, one_hot=True), enc.inverse_transform(X, seed=2))


def test_derived_column_lookup_is_the_same_through_arrow(adult):
    from synthgan.tabular.dependencies import _positions

    dep = TableEncoder(seed=0).fit(adult).dependencies_[0]
    parent = pd.concat([adult[dep.parent].iloc[:500], pd.Series(["unseen", None], dtype="str")], ignore_index=True)
    fast = _positions(dep.parent_levels, parent)
    slow = pd.Index(dep.parent_levels, dtype=object).get_indexer(parent.to_numpy(dtype=object, na_value=None))
    np.testing.assert_array_equal(fast, slow)
    assert fast.dtype == np.int64 and (fast[-2:] == -1).all()


# ------------------------------------------------------------------- tied events


def _tied_frame(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    status = rng.choice(["new", "old", "lost"], n, p=[0.6, 0.3, 0.1])
    new = status == "new"
    visits = np.where(new, 0, rng.integers(1, 40, n))  # 0 exactly for new customers
    gap = np.where(new, -1.0, rng.gamma(2.0, 30.0, n)).round(1)
    gap[np.flatnonzero(~new)[:1]] = -1.0  # one disagreement in 2,000 rows: still tied (<= 0.1 %)
    noisy = np.where(new, "none", rng.choice(["a", "b"], n))
    noisy[np.flatnonzero(~new)[:10]] = "none"  # ten disagreements: not tied
    return pd.DataFrame({"gap": gap, "visits": visits, "status": pd.array(status, dtype="str"),
                         "noisy": pd.array(noisy, dtype="str"), "x": rng.normal(size=n)})


def test_tied_events_are_found_and_every_decoded_row_keeps_them():
    from synthgan.tabular.ties import event_mask

    df = _tied_frame()
    enc = TableEncoder(seed=0).fit(df)
    found = {(t.child, t.child_value, t.parent, t.parent_value) for t in enc.ties_}
    assert found == {("gap", -1.0, "status", "new"), ("visits", 0, "status", "new")}  # categorical parent, not "noisy"
    # the children are learned without their event value: no point mass -1 / 0 is left to produce on their own
    for name, value in (("gap", -1.0), ("visits", 0)):
        t = enc.transformers_[name]
        assert value not in t.point_masses_ and t.low_.min() > value
    for X in (enc.transform(df), random_output(enc, 3000, seed=3)):
        out = enc.inverse_transform(X, seed=1)
        assert (out.dtypes == df.dtypes).all()
        new = (out["status"] == "new").to_numpy()
        assert new.any() and (~new).any()
        np.testing.assert_array_equal(event_mask(out["visits"], 0), new)
        np.testing.assert_array_equal(event_mask(out["gap"], -1.0), new)
    back = enc.inverse_transform(enc.transform(df), seed=1)
    exact = df["gap"].to_numpy() != -1.0
    exact[np.flatnonzero(df["status"] != "new")[0]] = False  # the one disagreeing row is made consistent
    np.testing.assert_array_equal(back["gap"].to_numpy()[exact], df["gap"].to_numpy()[exact])
    assert (back["visits"] == df["visits"]).all()


def test_tied_events_survive_saving_and_route_conditions_to_the_parent():
    df = _tied_frame()
    enc = TableEncoder(seed=0).fit(df)
    state, arrays = enc.to_state()
    assert state["ties"] == [t.to_dict() for t in enc.ties_]
    again = TableEncoder.from_state(json.loads(json.dumps(state)), arrays)
    assert again.ties_ == enc.ties_
    X = enc.transform(df)
    pd.testing.assert_frame_equal(again.inverse_transform(X, seed=2), enc.inverse_transform(X, seed=2))
    assert TableEncoder(seed=0, detect_dependencies=False).fit(df).ties_ == []


def test_adult_missing_occupation_follows_missing_workclass(adult):
    enc = TableEncoder(seed=0).fit(adult)
    assert [(t.child, t.child_value, t.parent, t.parent_value) for t in enc.ties_] == [("occupation", None, "workclass", None)]
    assert enc.condition_index("occupation", None) == enc.condition_index("workclass", None)
    out = enc.inverse_transform(random_output(enc, 5000, seed=1), seed=0)
    np.testing.assert_array_equal(out["occupation"].isna().to_numpy(), out["workclass"].isna().to_numpy())
