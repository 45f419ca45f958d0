"""Cells that cannot be learned are refused the same way on every path, naming the column and the fix."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import synthgan
from synthgan import verbs
from synthgan.cli.main import app
from synthgan.errors import DataValidationError
from synthgan.evaluation import evaluate
from synthgan.io.tables import read_table
from synthgan.tabular.synthesizer import Synthesizer
from synthgan.tabular.validate import check_cells, validate_frame

runner = CliRunner()
N = 40


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def frame_with(column) -> pd.DataFrame:
    df = pd.DataFrame({"a": np.arange(N), "b": ["x", "y"] * (N // 2)})
    df["c"] = column
    return df


# column values -> words the one-line message must hold (kind, and the fix)
BAD_CELLS = {
    "list": ([[1, 2]] * N, r"Column 'c' holds lists \(e\.g\. \[1, 2\]\), but each cell must hold one value; .*map\(str\)"),
    "tuple": ([(1, 2)] * N, r"Column 'c' holds lists \(e\.g\. \(1, 2\)\)"),
    "array": ([np.arange(3)] * N, r"Column 'c' holds lists"),
    "dict": ([{"k": 1}] * N, r"Column 'c' holds dicts \(e\.g\. \{'k': 1\}\).*json_normalize"),
    "set": ([{1, 2}] * N, r"Column 'c' holds sets \(e\.g\. \{1, 2\}\)"),
    "mixed_list_text": ([[1], "x"] * (N // 2), r"Column 'c' holds lists \(e\.g\. \[1\]\)"),
    "timedelta": (pd.to_timedelta(np.arange(N), unit="s"), r"Column 'c' holds durations .*dt\.total_seconds\(\)"),
    "timedelta_objects": (pd.Series(pd.to_timedelta(np.arange(N), unit="s"), dtype=object), r"Column 'c' holds durations"),
    "complex": (np.arange(N) * (1 + 1j), r"Column 'c' holds complex numbers .*np\.real\(df\['c'\]\)"),
    "bytes": ([b"ab", b"cd"] * (N // 2), r"Column 'c' holds bytes \(e\.g\. b'ab'\); decode them to text"),
    "decimal": ([decimal.Decimal("1.5")] * N, r"Column 'c' holds Decimal numbers .*astype\(float\)"),
    "time_of_day": ([dt.time(1, 2)] * N, r"Column 'c' holds times of day"),
    "period": (pd.period_range("2020-01", periods=N, freq="M"), r"Column 'c' holds periods .*to_timestamp"),
    "interval": (pd.interval_range(0, N), r"Column 'c' holds intervals"),
    "object": ([object()] * N, r"Column 'c' holds object objects .*neither numbers, text nor dates"),
    "categorical_of_tuples": (pd.Categorical([(1, 2), (3, 4)] * (N // 2)), r"Column 'c' holds lists"),
}


@pytest.mark.parametrize("case", sorted(BAD_CELLS))
def test_fit_refuses_unlearnable_cells_with_one_line(case):
    column, message = BAD_CELLS[case]
    df = frame_with(column)
    with pytest.raises(DataValidationError, match=message) as info:
        Synthesizer("copula").fit(df)
    assert "\n" not in str(info.value)
    with pytest.raises(DataValidationError, match=message):
        validate_frame(df)


@pytest.mark.parametrize("case", ["list", "dict", "timedelta", "complex", "bytes"])
def test_evaluate_refuses_them_naming_the_table(case):
    column, message = BAD_CELLS[case]
    good, bad = frame_with(["p", "q"] * (N // 2)), frame_with(column)
    with pytest.raises(DataValidationError, match=message.replace("Column 'c' holds", "Column 'c' in the synthetic table holds")):
        evaluate(good, bad, metrics="fidelity")
    with pytest.raises(DataValidationError, match=message.replace("Column 'c' holds", "Column 'c' in the real table holds")):
        verbs.evaluate(bad, good, metrics="fidelity")


def test_augment_refuses_them_before_any_training():
    df = frame_with([[1, 2]] * N)
    with pytest.raises(DataValidationError, match=r"Column 'c' holds lists"):
        verbs.augment(df, add=["b=x:5"], model="copula")


def test_duplicate_column_names_are_refused_everywhere():
    df = pd.DataFrame(np.arange(3 * N).reshape(N, 3), columns=["a", "a", "b"])
    with pytest.raises(DataValidationError, match=r"Column 'a' appears 2 times; give every column a unique name"):
        Synthesizer("copula").fit(df)
    with pytest.raises(DataValidationError, match=r"column 'a' appears twice in the real table"):
        evaluate(df, df)
    with pytest.raises(DataValidationError, match=r"Column 'a' appears 2 times"):
        verbs.augment(df, add=["b=2:4"], model="copula")


def test_plain_cells_pass_and_learn():
    df = pd.DataFrame({
        "int": np.arange(N), "float": np.linspace(0, 1, N), "text": ["u", "v"] * (N // 2),
        "mixed": [1, "a"] * (N // 2), "missing": [None, "k"] * (N // 2), "flag": [True, False] * (N // 2),
        "cat": pd.Categorical(["p", "q"] * (N // 2)), "nullable": pd.array([1, None] * (N // 2), dtype="Int64"),
    })
    check_cells(df)
    syn = Synthesizer("copula", seed=0).fit(df)
    assert syn.sample(5, seed=0).shape == (5, df.shape[1])


def test_fitted_model_with_checked_cells_saves(tmp_path):
    # the old failure: fit succeeded, then save() raised a TypeError on bytes/Decimal values
    df = frame_with(["p", "q"] * (N // 2))
    path = Synthesizer("copula", seed=0).fit(df).save(tmp_path / "m.synthgan")
    assert synthgan.load(path).sample(3, seed=0).shape == (3, 3)


PARQUET_COLUMNS = {
    "list": (pa.array([[1, 2]] * N), r"Column 'c' in '.*' holds lists \(Parquet type list<.*int64>\)"),
    "struct": (pa.array([{"k": 1}] * N), r"holds structs or maps \(Parquet type struct<k: int64>\)"),
    "map": (pa.array([[("k", 1)]] * N, type=pa.map_(pa.string(), pa.int64())), r"holds structs or maps \(Parquet type map<"),
    "binary": (pa.array([b"ab"] * N), r"holds bytes \(Parquet type binary\).*store it as text"),
    "duration": (pa.array(list(range(N)), type=pa.duration("s")), r"holds durations \(Parquet type duration\[s\]\)"),
}


@pytest.mark.parametrize("case", sorted(PARQUET_COLUMNS))
def test_parquet_nested_columns_are_refused_by_every_command(tmp_path, case):
    array, message = PARQUET_COLUMNS[case]
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"a": list(range(N)), "b": ["x", "y"] * (N // 2), "c": array}), bad)
    with pytest.raises(DataValidationError, match=message):
        read_table(bad)
    good = tmp_path / "good.csv"
    frame_with(["p", "q"] * (N // 2)).to_csv(good, index=False)
    before = sorted(p.name for p in tmp_path.iterdir())
    for args in (["fit", bad, "-o", tmp_path / "m.synthgan", "--model", "copula", "--quiet"],
                 ["evaluate", good, bad, "--json", tmp_path / "m.json", "--quiet"],
                 ["evaluate", bad, good, "--json", tmp_path / "m.json", "--quiet"],
                 ["augment", bad, "-o", tmp_path / "aug.csv", "--add", "b=x:3", "--model", "copula", "--quiet"]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: Column 'c' in "), result.output
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_parquet_decimals_are_read_as_numbers(tmp_path):
    path = tmp_path / "d.parquet"
    values = [decimal.Decimal("1.25"), decimal.Decimal("-3.50")] * (N // 2)
    pq.write_table(pa.table({"a": list(range(N)), "d": pa.array(values, type=pa.decimal128(6, 2))}), path)
    frame = read_table(path)
    assert frame["d"].dtype == np.float64
    assert frame["d"].tolist()[:2] == [1.25, -3.5]
    syn = Synthesizer("copula", seed=0).fit(frame)
    assert syn.sample(4, seed=0)["d"].between(-3.5, 1.25).all()
