"""validate_frame: one clear error per problem, naming the column and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.tabular.schema import ColumnSchema, Schema, infer_schema
from synthgan.tabular.validate import validate_frame
from synthgan.errors import DataValidationError, SchemaError


def frame(n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"age": np.arange(n), "city": pd.array(["a", "b"] * (n // 2), dtype="str"),
                         "score": np.linspace(0, 1, n)})


def test_valid_frame_passes_unchanged_and_one_bad_cell_fails(adult):
    before = adult.copy(deep=True)
    schema = infer_schema(adult)
    assert validate_frame(adult) is None
    assert validate_frame(adult, schema) is None
    pd.testing.assert_frame_equal(adult, before)  # validation reads the table, never edits it
    # the same table with one cell made infinite, or one column gone, is refused: the pass above was a check
    bad = adult.assign(age=adult["age"].astype(float).mask(adult.index == 7, np.inf))
    with pytest.raises(DataValidationError, match="^Column 'age' has 1 infinite value"):
        validate_frame(bad)
    with pytest.raises(SchemaError, match="^Column 'income' is in the schema but not in the data"):
        validate_frame(adult.drop(columns="income"), schema)


@pytest.mark.parametrize(
    "df, match",
    [
        (pd.DataFrame(), "no columns"),
        (pd.DataFrame({"a": pd.Series([], dtype=float)}), "header but no rows"),
        (frame(4), "4 rows; at least 10"),
        (frame().rename(columns={"city": 3}), "Column name 3 is a int"),
        (frame().rename(columns={"city": "age"}), "'age' appears 2 times"),
        (frame().assign(score=[np.inf] + [0.0] * 19), "'score' has 1 infinite"),
        (frame().assign(score=[-np.inf] * 2 + [0.0] * 18), "'score' has 2 infinite"),
    ],
)
def test_data_errors(df, match):
    with pytest.raises(DataValidationError, match=match) as info:
        validate_frame(df)
    assert "\n" not in str(info.value)


def test_not_a_frame():
    with pytest.raises(DataValidationError, match="DataFrame, got list"):
        validate_frame([[1, 2]])


def test_min_rows_is_configurable():
    df = frame(4)
    before = df.copy(deep=True)
    assert validate_frame(df, min_rows=4) is None  # the bound is inclusive
    assert validate_frame(df, min_rows=2) is None
    pd.testing.assert_frame_equal(df, before)
    with pytest.raises(DataValidationError, match=r"^The table has 4 rows; at least 5 are needed\. Add rows\.$"):
        validate_frame(df, min_rows=5)


def schema_with(**overrides) -> Schema:
    base = {"age": ("integer", "int64"), "city": ("categorical", "str"), "score": ("continuous", "float64")}
    base.update(overrides)
    return Schema([ColumnSchema(name, kind, dtype) for name, (kind, dtype) in base.items()])


@pytest.mark.parametrize(
    "df, schema, match",
    [
        (frame().drop(columns="score"), schema_with(), "'score' is in the schema but not in the data"),
        (frame().assign(extra=1), schema_with(), "'extra' is in the data but not in the schema"),
        (frame(), schema_with(city=("continuous", "str")), "'city' has kind 'continuous' but holds str"),
        (frame(), schema_with(score=("integer", "float64")), "'score' has kind 'integer' but holds non-whole"),
        (frame(), schema_with(city=("datetime", "str")), "'city' has kind 'datetime' but 20 value"),
        (frame(), schema_with(age=("datetime", "int64")), "'age' has kind 'datetime' but holds numbers"),
        (frame(), schema_with(age=("boolean", "int64")), "'age' has kind 'boolean' but 20 distinct"),
    ],
)
def test_schema_errors(df, schema, match):
    with pytest.raises(SchemaError, match=match) as info:
        validate_frame(df, schema)
    assert "\n" not in str(info.value)


def test_datetime_kind_accepts_parseable_strings():
    dates = ["2020-01-01", "2020-02-01"] * 9 + [None, "2020-03-01"]  # a missing value is not a bad date
    df = frame().assign(city=pd.array(dates, dtype="str"))
    before = df.copy(deep=True)
    assert validate_frame(df, schema_with(city=("datetime", "str"))) is None
    pd.testing.assert_frame_equal(df, before)  # the strings are checked, not converted
    assert df["city"].dtype == "str"

    def with_format(fmt: str) -> Schema:
        return Schema([col if col.name != "city" else ColumnSchema("city", "datetime", "str", datetime_format=fmt)
                       for col in schema_with()])

    assert validate_frame(df, with_format("%Y-%m-%d")) is None
    # one value that is no date is refused and named; so are dates that do not follow the schema's format
    typo = df.assign(city=df["city"].mask(df.index == 3, "2020-13-45"))
    with pytest.raises(SchemaError, match=r"^Column 'city' has kind 'datetime' but 1 value\(s\) do not parse as dates "
                                          r"\(e\.g\. '2020-13-45'\)"):
        validate_frame(typo, with_format("%Y-%m-%d"))
    with pytest.raises(SchemaError, match=r"^Column 'city' has kind 'datetime' but \d+ value\(s\) do not parse"):
        validate_frame(typo, schema_with(city=("datetime", "str")))
    with pytest.raises(SchemaError, match=r"^Column 'city' has kind 'datetime' but 19 value\(s\) do not parse"):
        validate_frame(df, with_format("%d/%m/%Y"))  # all 19 present values, the missing one is not counted
