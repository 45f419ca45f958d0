"""The augmentation learning curve (train sizes), the transfer arm, their report and CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_augment_standins import BootstrapGenerator, OracleGenerator, planted_table
from typer.testing import CliRunner

from synthgan.augment import AugmentExperiment
from synthgan.augment.curve import LearningCurve, parse_sizes
from synthgan.augment.curve_report import curve_markdown, curve_text, write_curve_html
from synthgan.cli.main import app
from synthgan.errors import ConfigError


class RecordingFactory:
    """Stand-in generators that remember the rows each was fitted on."""

    def __init__(self) -> None:
        self.fitted: list[tuple[str, pd.DataFrame]] = []

    def __call__(self, model: str, *, seed: int, n_rows: int):
        factory = self

        class Recorder(BootstrapGenerator):
            def fit(self, data):
                factory.fitted.append((model, data))
                return super().fit(data)

        return Recorder(seed)


@pytest.fixture(scope="module")
def curve() -> LearningCurve:
    train = planted_table(2400, minority=0.05, n_features=30, shift=0.3)
    test = planted_table(6000, minority=0.05, n_features=30, shift=0.3, seed=1)
    return LearningCurve("y", sizes=(300, None), arms=("none", "random_oversampling", "oracle"), classifiers=("logreg",),
                         seeds=3, generator_factory=lambda model, seed, n_rows: OracleGenerator(seed, shift=0.3)).run(train, test)


def test_one_experiment_and_one_verdict_per_size(curve):
    sizes = [size for size, _ in curve.experiments_]
    assert sizes == [300, None]
    small, full = (exp for _, exp in curve.experiments_)
    assert [s["train"] for s in small.info_["splits"]] == [300] * 3
    assert [s["train"] for s in full.info_["splits"]] == [s["whole_train"] for s in full.info_["splits"]]
    assert full.info_["splits"][0]["train"] > 1500
    # the same validation and test rows at every size: the sizes compare
    assert [s["test"] for s in small.info_["splits"]] == [s["test"] for s in full.info_["splits"]]
    assert [v["size"] for v in curve.verdicts_] == ["300", "full"]
    assert {v["verdict"] for v in curve.verdicts_} <= {"helps", "hurts", "mixed", "no measurable effect"}
    assert set(curve.curve_["arm"]) == {"random_oversampling", "oracle"} and len(curve.curve_) == 4


def test_fresh_true_rows_help_most_where_real_rows_are_few(curve):
    rows = curve.curve_[curve.curve_["arm"] == "oracle"].set_index("size")
    assert rows.loc["300", "mean_diff"] > rows.loc["full", "mean_diff"]
    assert rows.loc["300", "verdict"] == "helped"
    verdict = curve.verdicts_[0]
    assert verdict["verdict"] == "helps" and verdict["sentence"].startswith("with 300 training rows, synthetic augmentation helps")


def test_curve_json_markdown_and_html(curve, tmp_path):
    result = json.loads(json.dumps(curve.to_dict()))  # JSON-safe (NaN became null)
    assert result["sizes"] == ["300", "full"] and len(result["experiments"]) == 2
    markdown = curve_markdown(result)
    assert "| 300 | helps |" in markdown and markdown.count("\n| 300 |") == 2  # the verdicts and the one classifier
    assert curve_text(result).splitlines()[0] == curve.verdicts_[0]["sentence"]
    path = write_curve_html(result, tmp_path / "curve.html")
    html = path.read_text()
    assert "Verdict per training size" in html and "data:image/png;base64," in html
    assert "http" not in html.split("<body>")[1]


def test_transfer_arm_learns_from_the_whole_split_and_never_from_held_out_rows():
    train = planted_table(1200, minority=0.1, n_features=4)
    factory = RecordingFactory()
    experiment = AugmentExperiment("y", arms=("none", "bootstrap", "transfer:bootstrap"), classifiers=("logreg",), seeds=2,
                                   train_size=200, generator_factory=factory).run(train)
    plain = [data for model, data in factory.fitted if len(data) == 200]
    whole = [data for model, data in factory.fitted if len(data) != 200]
    assert len(plain) == 2 and len(whole) == 2
    assert [len(d) for d in whole] == [s["whole_train"] for s in experiment.info_["splits"]]
    assert all(set(p.index) < set(w.index) for p, w in zip(plain, whole))  # the sample is part of the whole split
    assert experiment.leakage_checks_["generator 'bootstrap'"] == sum(len(d) for d in whole) + sum(len(d) for d in plain)
    assert "transfer:bootstrap" in set(experiment.paired_["arm"])
    assert [v["arm"] for v in experiment.verdicts_] == ["bootstrap", "transfer:bootstrap"]


@pytest.mark.parametrize(("text", "expected"), [("250,1000,full", (250, 1000, None)), (" 40 , FULL", (40, None))])
def test_parse_sizes(text, expected):
    assert parse_sizes(text) == expected


@pytest.mark.parametrize("text", ["", "0", "250,250", "half", "-5"])
def test_bad_sizes_are_config_errors(text):
    with pytest.raises(ConfigError, match="train sizes"):
        parse_sizes(text)


@pytest.mark.parametrize("size", [10, 2.5, True])
def test_bad_train_size_is_a_config_error(size):
    with pytest.raises(ConfigError, match="train_size"):
        AugmentExperiment("y", arms=("none",), train_size=size).run(planted_table(400, minority=0.2))


def test_cli_learning_curve_writes_json_and_html(tmp_path):
    path = tmp_path / "t.csv"
    planted_table(900, minority=0.1, n_features=4).to_csv(path, index=False)
    js, html = tmp_path / "c.json", tmp_path / "c.html"
    result = CliRunner().invoke(app, ["experiment", "augment", str(path), "--target", "y", "--train-sizes", "120,full",
                                      "--arms", "none,random_oversampling", "--classifiers", "logreg", "--seeds", "2",
                                      "--json", str(js), "--html", str(html), "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert data["sizes"] == ["120", "full"] and [v["train_rows"] for v in data["verdicts"]][0] == 120
    assert html.exists() and "with 120 training rows" in result.output


def test_cli_bad_train_sizes_write_nothing(tmp_path):
    path = tmp_path / "t.csv"
    planted_table(300, minority=0.1, n_features=2).to_csv(path, index=False)
    js = tmp_path / "c.json"
    result = CliRunner().invoke(app, ["experiment", "augment", str(path), "--target", "y", "--train-sizes", "0,full", "--json", str(js)])
    assert result.exit_code == 2 and "train sizes" in result.output and not js.exists()
