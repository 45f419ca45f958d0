"""The augmentation experiment: known answers on planted data, leakage proof, determinism and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_augment_standins import BootstrapGenerator, OracleGenerator, bootstrap_factory, planted_table

import synthgan.augment.experiment as experiment_module
from synthgan.augment import AugmentExperiment
from synthgan.augment.arms import GeneratorArm, NoResampling
from synthgan.augment.leakage import LeakageError, LeakageGuard
from synthgan.errors import ConfigError, DataValidationError

FAST_ARMS = ("none", "class_weights", "threshold", "random_oversampling", "smote_nc")


@pytest.fixture(scope="module")
def planted_result() -> AugmentExperiment:
    """A weak classifier on 30 weak features and ~36 minority training rows: more true minority rows must help."""
    train = planted_table(1500, minority=0.03, n_features=30, shift=0.3)
    test = planted_table(8000, minority=0.03, n_features=30, shift=0.3, seed=1)
    return AugmentExperiment(
        "y", arms=("none", "threshold", "random_oversampling", "oracle"), classifiers=("logreg",), seeds=4,
        generator_factory=lambda model, seed, n_rows: OracleGenerator(seed, shift=0.3),
    ).run(train, test)


def _paired(result: AugmentExperiment, arm: str, metric: str) -> pd.Series:
    rows = result.paired_[(result.paired_["arm"] == arm) & (result.paired_["metric"] == metric)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_fresh_true_minority_rows_help_the_weak_classifier(planted_result):
    row = _paired(planted_result, "oracle", "pr_auc")
    assert row["verdict"] == "helped"
    assert row["ci_low"] > 0.01 and row["mean_diff"] > 0.03
    assert _paired(planted_result, "oracle", "roc_auc")["verdict"] == "helped"
    sentence = planted_result.verdicts_[0]["sentence"]
    assert sentence.startswith("GAN augmentation (oracle) helped for logistic regression: PR AUC +0.0")
    assert "over 4 seeds" in sentence


def test_oversampling_lifts_recall_at_the_default_decision_rule(planted_result):
    row = _paired(planted_result, "random_oversampling", "recall_decision")
    assert row["verdict"] == "helped" and row["ci_low"] > 0.3


def test_threshold_arm_changes_only_the_decision_rule(planted_result):
    for metric in ("pr_auc", "roc_auc", "brier", "f1"):
        row = _paired(planted_result, "threshold", metric)
        assert row["mean_diff"] == 0.0 and row["verdict"] == "made no measurable difference"
    assert _paired(planted_result, "threshold", "recall_decision")["mean_diff"] > 0


def test_results_are_tidy_and_json_safe(planted_result):
    results = planted_result.results_
    assert len(results) == 4 * 1 * 4 * 9  # seeds x classifiers x arms x metrics
    assert results["value"].between(0, 1).all()
    data = json.loads(json.dumps(planted_result.to_dict()))
    assert data["info"]["positive_label"] == "yes"
    assert data["info"]["test"] == "given"
    assert {s["test"] for s in data["info"]["splits"]} == {8000}
    assert set(data["leakage_checks"]) == {"arm 'none'", "arm 'threshold'", "arm 'random_oversampling'", "arm 'oracle'",
                                           "generator 'oracle'"}
    shares = planted_result.privacy_.groupby("arm")["closer_to_train_share"].mean()
    assert shares["random_oversampling"] > 0.95  # copies of training rows
    assert 0.2 < shares["oracle"] < 0.8  # fresh draws: no closer to train than to holdout


def test_no_test_or_validation_row_reaches_any_generator():
    train, test = planted_table(600, minority=0.1, seed=2), planted_table(300, minority=0.1, seed=3)
    seen: list[pd.DataFrame] = []

    class Spy(BootstrapGenerator):
        def fit(self, data):
            seen.append(data.copy())
            return super().fit(data)

    result = AugmentExperiment("y", arms=("none", "smote_nc", "spy"), classifiers=("logreg",), seeds=2,
                               generator_factory=lambda model, seed, n_rows: Spy(seed)).run(train, test)
    features = [c for c in train.columns if c != "y"]
    assert len(seen) == 2
    for frame in seen:
        assert len(frame) == 480  # 80 % of the 600 training rows; the 300 test rows are never split
        assert frame.index.max() < 600  # ids >= 600 are the test rows
        assert len(frame.merge(test[features], on=features)) == 0
        assert len(frame.merge(train[features], on=features)) == 480
    assert result.leakage_checks_["generator 'spy'"] == 960


def test_a_leaking_arm_is_caught(monkeypatch):
    train, test = planted_table(400, minority=0.1, seed=4), planted_table(200, minority=0.1, seed=5)

    class LeakyArm(GeneratorArm):
        def _resample(self, rows, *, seed, ratio, guard):
            rows.features = pd.concat([rows.features, test.drop(columns="y")], ignore_index=True)  # index reset: caught by content
            rows.labels = pd.concat([rows.labels, test["y"]], ignore_index=True)
            return super()._resample(rows, seed=seed, ratio=ratio, guard=guard)

    monkeypatch.setattr(experiment_module, "build_arms", lambda names, factory: [NoResampling(), LeakyArm("leaky", factory)])
    with pytest.raises(LeakageError, match=r"generator 'leaky' was given held-out rows \(\d+ by id, 200 by content\)"):
        AugmentExperiment("y", arms=("none", "leaky"), classifiers=("logreg",), seeds=1,
                          generator_factory=bootstrap_factory).run(train, test)


def test_leakage_guard_by_id_by_content_and_allowed_duplicates():
    frame = pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "z", "x"]})
    train, held_out = frame.iloc[:3], frame.iloc[3:]
    guard = LeakageGuard(held_out, train, ["a", "b"])
    guard.check("fine", train)
    with pytest.raises(LeakageError, match=r"'by id'|1 by id"):
        guard.check("bad", frame.iloc[[0, 3]])
    with pytest.raises(LeakageError, match="0 by id, 1 by content"):
        guard.check("bad", pd.DataFrame({"a": [4.0], "b": ["x"]}, index=[99]))
    duplicate = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}, index=[10, 11])
    guard_dup = LeakageGuard(duplicate, train, ["a", "b"])  # held-out rows equal to training rows leak nothing
    guard_dup.check("same content", train)
    assert guard.checked == {"fine": 3} and guard_dup.checked == {"same content": 3}


def test_same_seed_same_numbers():
    data = planted_table(500, minority=0.1, seed=6)
    runs = [AugmentExperiment("y", arms=FAST_ARMS, seeds=2, seed=7).run(data).results_ for _ in range(2)]
    pd.testing.assert_frame_equal(*runs)
    other = AugmentExperiment("y", arms=("none",), classifiers=("logreg",), seeds=2, seed=8).run(data).results_
    assert not np.allclose(other["value"], runs[0].query("arm == 'none' and classifier == 'logreg'")["value"])


@pytest.mark.parametrize("kwargs, data_change, error, message", [
    ({"target": "label"}, None, DataValidationError, "target column 'label' is not in the table"),
    ({}, lambda d: d.assign(y="no"), DataValidationError, "'y' has only the value 'no'"),
    ({}, lambda d: d.assign(y=np.resize(["a", "b", "c"], len(d))), DataValidationError, "has 3 classes"),
    ({}, lambda d: d.assign(y=np.where(np.arange(len(d)) < 5, "yes", "no")), DataValidationError, "only 5 rows of its minority"),
    ({"ratio": 0}, None, ConfigError, "ratio must be a number > 0"),
    ({"seeds": 0}, None, ConfigError, "seeds must be a positive integer"),
    ({"test_size": 1.5}, None, ConfigError, "test_size must be a fraction"),
    ({"classifiers": ("svm",)}, None, ConfigError, r"unknown classifier\(s\) \['svm'\]"),
    ({"arms": ("smote_nc",)}, None, ConfigError, "arms must include the baseline 'none'"),
    ({"arms": ("none", "no_such_model")}, None, ConfigError, "unknown arm 'no_such_model': it is neither"),
    ({"drop": ("id",)}, None, DataValidationError, r"--drop column\(s\) \['id'\] are not in the table"),
])
def test_bad_input_gives_clear_errors(kwargs, data_change, error, message):
    data = planted_table(300, minority=0.2, seed=9)
    data = data_change(data) if data_change else data
    options = {"target": "y", "arms": ("none",), "classifiers": ("logreg",), "seeds": 1, **kwargs}
    with pytest.raises(error, match=message):
        AugmentExperiment(options.pop("target"), **options).run(data)


def test_test_table_must_match_the_training_table():
    data = planted_table(300, minority=0.2, seed=10)
    with pytest.raises(DataValidationError, match=r"the test table lacks column\(s\) \['colour'\]"):
        AugmentExperiment("y", arms=("none",), seeds=1).run(data, data.drop(columns="colour"))
    with pytest.raises(DataValidationError, match="has value"):
        AugmentExperiment("y", arms=("none",), seeds=1).run(data, data.assign(y="other"))


def test_report_shows_verdicts_tables_plots_and_privacy(planted_result, tmp_path):
    from synthgan.augment.report import experiment_text, write_experiment_html, write_json

    data = planted_result.to_dict()
    html = write_experiment_html(data, tmp_path / "report.html", title="planted").read_text()
    assert planted_result.verdicts_[0]["sentence"] in html
    assert html.count("data:image/png;base64,") == 5  # paired difference + 4 metrics
    assert "synthgan oracle" in html and "Privacy of the created minority rows" in html
    assert "<script" not in html and "https://" not in html
    text = experiment_text(data)
    assert "random oversampling" in text and "(4 seeds," in text
    assert json.loads(write_json(data, tmp_path / "r.json").read_text())["info"]["seeds"] == 4


def test_real_synthgan_generators_run_inside_the_experiment():
    data = planted_table(400, minority=0.15, n_features=4, seed=11)
    result = AugmentExperiment("y", arms=("none", "copula", "tvae"), classifiers=("logreg",), seeds=1, epochs=2,
                               batch_size=100).run(data)
    assert result.info_["generator_budget"] == {"copula": {"epochs": None, "batch_size": None},
                                                "tvae": {"epochs": 2, "batch_size": 100}}
    assert set(result.privacy_["arm"]) == {"copula", "tvae"}
    assert (result.privacy_["n_synthetic"] == result.privacy_["n_synthetic"].iloc[0]).all()
    assert result.leakage_checks_["generator 'tvae'"] == result.info_["splits"][0]["train"]
    assert len(result.results_) == 3 * 9


def test_global_random_state_is_never_touched():
    import torch

    data = planted_table(300, minority=0.2, n_features=3, seed=12)
    numpy_state, torch_state = np.random.get_state()[1].copy(), torch.random.get_rng_state().clone()
    AugmentExperiment("y", arms=(*FAST_ARMS, "copula"), seeds=1).run(data)
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
