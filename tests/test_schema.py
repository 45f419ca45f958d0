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
    assert COLUMN_KINDS == ("continuous", "integer", "categorical", "boolean", "datetime", "id")


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
