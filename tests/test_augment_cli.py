"""`synthgan augment` and `synthgan experiment augment|collapse` end to end, with real (tiny) models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app

runner = CliRunner()


@pytest.fixture
def train_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 240
    y = np.where(np.arange(n) % 8 == 0, "yes", "no")
    frame = pd.DataFrame({
        "id": np.arange(n),
        "age": rng.integers(18, 80, n),
        "score": rng.normal(size=n) + (y == "yes"),
        "colour": rng.choice(["red", "blue", "green"], n),
        "y": y,
    })
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    return path


def _invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_augment_ratio_writes_exact_counts_and_origin(train_csv, tmp_path):
    out = tmp_path / "augmented.parquet"
    result = _invoke("augment", train_csv, "--target", "y", "--ratio", "1.0", "-o", out, "--seed", "0", "--model", "tvae",
                     "--epochs", "2", "--origin-column", "origin", "--quiet")
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert frame["y"].value_counts().to_dict() == {"no": 210, "yes": 210}
    assert frame["origin"].value_counts().to_dict() == {"real": 240, "synthetic": 180}


def test_augment_from_model_with_add(train_csv, tmp_path):
    model = tmp_path / "model.synthgan"
    assert _invoke("fit", train_csv, "-o", model, "--model", "tvae", "--epochs", "2", "--quiet").exit_code == 0
    out = tmp_path / "augmented.csv"
    result = _invoke("augment", train_csv, "--add", "y=yes:25", "--add", "colour=red:5", "--from-model", model, "-o", out)
    assert result.exit_code == 0, result.output
    assert "y: yes: +25" in result.output and "wrote 270 rows (240 real + 30 synthetic)" in result.output
    frame = pd.read_csv(out)
    assert len(frame) == 270 and frame["y"].value_counts()["yes"] >= 55


@pytest.mark.parametrize("args, message", [
    (["--target", "label"], "error: target column 'label' is not in the table"),
    (["--target", "y", "--ratio", "0"], "error: ratio must be a number > 0"),
    (["--target", "y", "--ratio", "-2"], "error: ratio must be a number > 0"),
    (["--add", "y=maybe:5"], "error: value 'maybe' does not occur in column 'y'"),
    (["--add", "y=yes"], "error: --add 'y=yes' is not of the form COLUMN=VALUE:COUNT"),
])
def test_augment_bad_input_is_one_line_and_exit_2(train_csv, tmp_path, args, message):
    result = _invoke("augment", train_csv, "-o", tmp_path / "out.csv", *args)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(message)
    assert not (tmp_path / "out.csv").exists()


def test_augment_single_class_target(train_csv, tmp_path):
    frame = pd.read_csv(train_csv).assign(y="no")
    frame.to_csv(train_csv, index=False)
    result = _invoke("augment", train_csv, "--target", "y", "-o", tmp_path / "out.csv")
    assert result.exit_code == 2 and "has only the value 'no'" in result.output


def test_experiment_augment_writes_json_and_html(train_csv, tmp_path):
    html, js = tmp_path / "aug.html", tmp_path / "aug.json"
    result = _invoke("experiment", "augment", train_csv, "--target", "y", "--seeds", "2", "--drop", "id",
                     "--arms", "none,class_weights", "--arms", "threshold", "--classifiers", "logreg",
                     "--html", html, "--json", js, "--quiet")
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["info"]["arms"] == ["none", "class_weights", "threshold"]
    assert data["info"]["features"] == ["age", "score", "colour"]
    assert len(data["results"]) == 2 * 3 * 9
    text = html.read_text()
    assert "<img" in text and "data:image/png;base64," in text and "http" not in text.split("<body>")[1]


def test_experiment_augment_needs_a_binary_target(train_csv, tmp_path):
    frame = pd.read_csv(train_csv)
    frame["y"] = np.resize(["a", "b", "c"], len(frame))
    frame.to_csv(train_csv, index=False)
    result = _invoke("experiment", "augment", train_csv, "--target", "y", "--arms", "none")
    assert result.exit_code == 2 and "has 3 classes" in result.output


def test_experiment_collapse_with_the_copula(train_csv, tmp_path):
    html, js = tmp_path / "collapse.html", tmp_path / "collapse.json"
    result = _invoke("experiment", "collapse", train_csv, "--generations", "2", "--model", "copula", "--drop", "id",
                     "--html", html, "--json", js, "--quiet")
    assert result.exit_code == 0, result.output
    assert "tail_coverage" in result.output.splitlines()[0]
    data = json.loads(js.read_text())
    assert [g["generation"] for g in data["generations"]] == [1, 2]
    assert 0.0 <= data["generations"][0]["column_shapes"] <= 1.0
    assert "data:image/png;base64," in html.read_text()
