"""Schema inference on real tables, odd columns, and the JSON round trip with clear errors."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from synthgan.tabular.schema import COLUMN_KINDS, ColumnSchema, Schema, complete_schema, infer_schema
from synthgan.errors import DataWarning, SchemaError


def kinds(schema: Schema) -> dict[str, str]:
    return {c.name: c.kind for c in schema}


def test_column_kinds_constant():
    """Every declared kind is what inference gives some hand-built column, with the column's other fields."""
    n = 24
    rows = np.arange(n)
    df = pd.DataFrame({
        "price": pd.Series(rows * 0.25 + 0.1, dtype="float64"),
        "rooms": pd.Series(rows % 5, dtype="int64"),
        "floors": pd.Series(np.where(rows % 4 == 0, np.nan, rows % 3), dtype="float64"),  # whole numbers + NaN
        "colour": pd.Series(["red", "green", "blue"] * (n // 3), dtype="str"),
        "size": pd.Categorical(["S", "M", "L"] * (n // 3), categories=["S", "M", "L"], ordered=True),
        "member": pd.Series(rows % 2 == 0, dtype="bool"),
        "opted_in": pd.Series([True, False, None] * (n // 3), dtype="boolean"),
        "verified": pd.Categorical([True, False] * (n // 2)),
        "joined": pd.Series([f"2021-03-{d:02d}" for d in rows + 1], dtype="str"),
        "seen_at": pd.Series(pd.date_range("2022-01-01", periods=n, freq="h")).astype("datetime64[s]"),
        "customer_id": pd.Series(rows + 1000, dtype="int64"),
        "token": pd.Series([f"tk{i:03d}" for i in rows[::-1]], dtype="str"),
        "contact": pd.Series([f"person{i}@mail{i % 3}.org" for i in rows], dtype="str"),
    })
    expected = {  # name: (kind, dtype, datetime_format, categories, ordered)
        "price": ("continuous", "float64", None, None, False),
        "rooms": ("integer", "int64", None, None, False),
        "floors": ("integer", "float64", None, None, False),
        "colour": ("categorical", "str", None, None, False),
        "size": ("categorical", "category", None, ["S", "M", "L"], True),
        "member": ("boolean", "bool", None, None, False),
        "opted_in": ("boolean", "boolean", None, None, False),
        "verified": ("boolean", "category", None, [False, True], False),
        "joined": ("datetime", "str", "%Y-%m-%d", None, False),
        "seen_at": ("datetime", "datetime64[s]", None, None, False),
        "customer_id": ("id", "int64", None, None, False),
        "token": ("id", "str", None, None, False),
        "contact": ("pii", "str", None, None, False),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no column here is ambiguous
        schema = infer_schema(df)
    assert schema.names == list(expected)
    assert {c.name: (c.kind, c.dtype, c.datetime_format, c.categories, c.ordered) for c in schema} == expected
    assert [c.name for c in schema if c.is_numeric] == ["price", "rooms", "floors", "joined", "seen_at"]
    # the declared kinds are exactly the ones inference can reach: none missing, none extra
    assert sorted({kind for kind, *_ in expected.values()}) == sorted(COLUMN_KINDS)
    # near misses land on the neighbouring kind
    near = infer_schema(pd.DataFrame({
        "price": [0.5] + [1.0] * (n - 1),                   # one fraction: continuous, not integer
        "rooms_id": list(rows[:-1]) + [0],                  # key-like name, but a repeat: integer, not id
        "token": [f"tk{i:03d}" for i in rows[:-1]] + ["tk000"],  # a repeat: categorical, not id
    }))
    assert kinds(near) == {"price": "continuous", "rooms_id": "integer", "token": "categorical"}
    assert kinds(infer_schema(df.iloc[:19][["token"]])) == {"token": "categorical"}  # too few rows to call it an id
    with pytest.raises(SchemaError, match="^Column 'x' has unknown kind 'constant'; use one of continuous, integer, "):
        ColumnSchema("x", "constant", "int64")


def test_infer_adult(adult):
    schema = infer_schema(adult)
    assert schema.names == list(adult.columns)
    k = kinds(schema)
    assert k["age"] == "integer" and k["capital_gain"] == "integer"
    assert k["workclass"] == "categorical" and k["income"] == "categorical"
    assert schema["workclass"].dtype == "str" and schema["age"].dtype == "int64"


def test_infer_stroke_and_housing(load_table):
    stroke = kinds(infer_schema(load_table("stroke_prediction")))
    assert stroke["id"] == "id" and stroke["age"] == "continuous" and stroke["bmi"] == "continuous"
    assert stroke["stroke"] == "integer" and stroke["gender"] == "categorical"
    housing = infer_schema(load_table("california_housing", 2000))
    # whole-number floats (an int column with missing values reads as float64) stay integers
    assert housing["total_bedrooms"].kind == "integer" and housing["total_bedrooms"].dtype == "float64"
    assert housing["median_income"].kind == "continuous"


def test_infer_datetime_strings_and_dtypes(load_table):
    df = load_table("occupancy_detection", 500)
    df["stamp"] = pd.to_datetime(df["timestamp"])
    schema = infer_schema(df)
    assert schema["timestamp"].kind == "datetime"
    assert schema["timestamp"].datetime_format == "%Y-%m-%d %H:%M:%S"
    assert schema["stamp"].kind == "datetime" and schema["stamp"].dtype.startswith("datetime64")


def test_infer_odd_columns():
    n = 40
    df = pd.DataFrame({
        "flag": np.arange(n) % 2 == 0,
        "cat": pd.Categorical(["b", "a"] * (n // 2), categories=["b", "a"], ordered=True),
        "user_id": np.arange(100, 100 + n),
        "count": np.arange(n) * 3,  # unique ints without a key-like name: a measurement
        "Unnamed: 0": np.arange(n)[::-1],  # a saved row index
        "orderId": np.arange(n) * 7,
        "paid": np.arange(n) * 5,  # ends in "id" but is not a key
        "token": [f"t{i}" for i in range(n)],
        "numbers_as_text": [str(i % 3) for i in range(n)],
        "empty": np.full(n, np.nan),
    })
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing here is "mixed"
        schema = infer_schema(df)
    assert kinds(schema) == {
        "flag": "boolean", "cat": "categorical", "user_id": "id", "count": "integer", "Unnamed: 0": "id",
        "orderId": "id", "paid": "integer", "token": "id",
        "numbers_as_text": "categorical", "empty": "continuous",
    }
    assert schema["cat"].categories == ["b", "a"] and schema["cat"].ordered


@pytest.mark.parametrize("values", [["1", "2", "x", "3"] * 5, pd.Series([1, "a", 2.5, "b"] * 5, dtype=object)])
def test_mixed_numbers_and_strings_warn(values):
    with pytest.warns(DataWarning, match="'size'.*categorical"):
        schema = infer_schema(pd.DataFrame({"size": values}))
    assert schema["size"].kind == "categorical"


def test_json_round_trip(tmp_path, load_table):
    df = load_table("occupancy_detection", 200)
    schema = infer_schema(df)
    path = tmp_path / "schema.json"
    text = schema.to_json(path)
    assert json.loads(path.read_text()) == json.loads(text)
    assert Schema.from_json(path) == schema
    assert Schema.from_json(text) == schema
    assert Schema.from_dict(schema.to_dict()) == schema
    assert "categories" not in text  # optional fields at their defaults are left out


@pytest.mark.parametrize(
    "text, match",
    [
        ('{"columns": [{"name": "a", "kind": "number"}]}', "'a'.*unknown kind 'number'"),
        ('{"columns": [{"name": "a"}]}', '"name" and "kind"'),
        ('{"columns": [{"name": "a", "kind": "integer", "min": 3}]}', "'a'.*unknown field"),
        ('{"columns": [{"name": "a", "kind": "integer"}, {"name": "a", "kind": "integer"}]}', "'a' appears twice"),
        ('{"cols": []}', '"columns" list'),
        ('{"columns": [', "not valid JSON"),
    ],
)
def test_from_json_errors(text, match):
    with pytest.raises(SchemaError, match=match):
        Schema.from_json(text)


def test_from_json_missing_file(tmp_path):
    with pytest.raises(SchemaError, match="does not exist"):
        Schema.from_json(tmp_path / "nope.json")


def test_getitem_unknown_column_names_it():
    schema = Schema([ColumnSchema("a", "integer", "int64")])
    assert "a" in schema and "b" not in schema and len(schema) == 1
    with pytest.raises(SchemaError, match="'b'"):
        schema["b"]


def test_complete_schema_fills_dtype_and_date_format():
    df = pd.DataFrame({"when": ["2020-01-02", "2021-03-04"], "n": [1, 2]})
    partial = Schema.from_json('{"columns": [{"name": "when", "kind": "datetime"}, {"name": "n", "kind": "continuous"}]}')
    full = complete_schema(partial, df)
    assert full["when"].dtype == "str" and full["when"].datetime_format == "%Y-%m-%d"
    assert full["n"].dtype == "int64" and full["n"].kind == "continuous"
