"""Conditions are read by their column's own type, with the same rules for every model and path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.errors import ConditionError
from synthgan.io.tables import read_table
from synthgan.tabular.synthesizer import Synthesizer

runner = CliRunner()


def _stroke_like(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "gender": rng.choice(["Male", "Female"], n),
        "age": rng.integers(20, 80, n),
        "hypertension": rng.integers(0, 2, n),
        "glucose": rng.normal(100, 20, n).round(1),
        "smoker": rng.random(n) < 0.4,
        "visit": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 4, n), unit="D"),
        "stroke": (rng.random(n) < 0.3).astype(int),
    })


MODELS = {"copula": {}, "ctgan": {"epochs": 2, "batch_size": 100, "embedding_dim": 8, "generator_dim": (16,),
                                  "discriminator_dim": (16,)}}


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request, tmp_path_factory):
    syn = Synthesizer(request.param, seed=0, **MODELS[request.param]).fit(_stroke_like())
    return syn, syn.save(tmp_path_factory.mktemp("cond") / f"{request.param}.synthgan")


@pytest.mark.parametrize("conditions, column, expected", [
    ({"stroke": 1}, "stroke", 1),
    ({"stroke": "1"}, "stroke", 1),
    ({"stroke": " 0 "}, "stroke", 0),
    ({"stroke": 1.0}, "stroke", 1),
    ({"smoker": "yes"}, "smoker", True),
    ({"smoker": "false"}, "smoker", False),
    ({"smoker": True}, "smoker", True),
    ({"hypertension": "1", "gender": "Female"}, "hypertension", 1),
])
def test_python_values_and_text_mean_the_same_for_every_model(fitted, conditions, column, expected):
    syn, _ = fitted
    rows = syn.sample(200, conditions=conditions, seed=1)
    assert len(rows) == 200 and (rows[column] == expected).all()
    for name, value in conditions.items():
        assert rows[name].nunique() == 1


def test_dates_are_parsed_as_dates(fitted):
    syn, _ = fitted
    rows = syn.sample(100, conditions={"visit": "2020-01-03"}, seed=1)
    assert (rows["visit"] == pd.Timestamp("2020-01-03")).all()


def test_text_and_integer_give_identical_rows(fitted):
    syn, _ = fitted
    pd.testing.assert_frame_equal(syn.sample(150, conditions={"stroke": "1"}, seed=4),
                                  syn.sample(150, conditions={"stroke": 1}, seed=4))


@pytest.mark.parametrize("conditions, words", [
    ({"stroke": "abc"}, "'stroke' is an integer column"),
    ({"stroke": 1.5}, "not an integer"),
    ({"stroke": True}, "not an integer"),
    ({"stroke": 7}, "stroke=7"),
    ({"smoker": "maybe"}, "true or false"),
    ({"visit": "not a day"}, "not a date"),
    ({"glucose": 100.0}, "continuous column"),
    ({"nobody": 1}, "unknown column"),
    ({"gender": "Other"}, "gender='Other'"),
])
def test_bad_values_are_refused_at_once_naming_the_column(fitted, conditions, words):
    syn, _ = fitted
    with pytest.raises(ConditionError, match=words.replace("(", r"\(")) as info:
        syn.sample(10, conditions=conditions)
    assert "\n" not in str(info.value)


def test_cli_condition_uses_the_column_type(fitted, tmp_path):
    _, path = fitted
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["sample", str(path), "-n", "120", "-o", str(out), "--condition", "stroke=1",
                                 "-c", "smoker=true", "--seed", "2"])
    assert result.exit_code == 0, result.output
    rows = read_table(out)
    assert len(rows) == 120 and (rows["stroke"] == 1).all() and rows["smoker"].astype(str).str.lower().eq("true").all()


def test_cli_repeated_condition_for_one_column_is_refused(fitted, tmp_path):
    _, path = fitted
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["sample", str(path), "-n", "10", "-o", str(out), "-c", "stroke=1", "--condition", "stroke=0"])
    assert result.exit_code == 2 and "stroke" in result.output and "twice" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_cli_bad_condition_value_exits_2(fitted, tmp_path):
    _, path = fitted
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["sample", str(path), "-n", "10", "-o", str(out), "-c", "stroke=yes"])
    assert result.exit_code == 2 and "stroke" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_same_columns_are_conditionable_for_every_model(tmp_path):
    conditionable = {}
    for name, options in MODELS.items():
        syn = Synthesizer(name, seed=0, **options).fit(_stroke_like(200))
        conditionable[name] = syn._conditions.conditionable()
    assert conditionable["copula"] == conditionable["ctgan"] == ["gender", "age", "hypertension", "smoker", "visit", "stroke"]
