"""AnomalyExperiment and `synthgan experiment anomaly`: results, statistics, verdicts, reports, seeds and bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan import verbs
from synthgan.anomaly.experiment import AnomalyExperiment, check_binary_label
from synthgan.anomaly.experiment_detectors import available_detectors, pyod_installed
from synthgan.anomaly.experiment_report import experiment_text, write_anomaly_html
from synthgan.cli.main import app
from synthgan.errors import ConfigError, DataValidationError, DataWarning, NotFittedError

from .test_enrich import LABEL, table

DETECTORS = ("synthgan:vae", "iforest", "lof", "ocsvm")
ARMS = ("none", "random_oversampling", "smote_nc", "tvae", "copula@anomalies")
SYNTHGAN = {"synthgan:vae", "lightgbm+tvae", "logreg+tvae", "lightgbm+copula@anomalies", "logreg+copula@anomalies"}
FAST = {"seeds": 2, "labelled_anomalies": (4, 10), "detectors": DETECTORS, "arms": ARMS, "epochs": 2,
        "detector_epochs": 2, "device": "cpu"}
METHODS = [*DETECTORS, *(f"{c}+{a}" for a in ARMS for c in ("lightgbm", "logreg"))]


@pytest.fixture(scope="module")
def fitted() -> AnomalyExperiment:
    return AnomalyExperiment(LABEL, **FAST).fit(table())


def test_every_method_has_both_metrics_and_times_per_seed_and_shot_count(fitted):
    results = fitted.results_
    assert len(results) == 2 * 2 * len(METHODS) * 4
    assert list(dict.fromkeys(results["method"])) == METHODS
    aucs = results[results["metric"].isin(["roc_auc", "pr_auc"])]["value"]
    assert aucs.between(0, 1).all()
    assert (results[results["metric"].isin(["fit_seconds", "score_seconds"])]["value"] >= 0).all()
    # the anomalies are shifted by 3 sd in one column: every method ranks them well above chance
    roc = results[results["metric"] == "roc_auc"].groupby("method")["value"].mean()
    assert (roc > 0.7).all(), roc


def test_detectors_fitted_once_per_seed_are_shared_by_shot_counts(fitted):
    det = fitted.results_[fitted.results_["method"] == "iforest"].pivot_table(index=["seed", "metric"], columns="shots", values="value")
    np.testing.assert_allclose(det[4], det[10])


def test_summary_and_paired_differences(fitted):
    summary = fitted.summary_.set_index(["shots", "method", "metric"])
    row = summary.loc[(10, "lightgbm+smote_nc", "pr_auc")]
    values = fitted.results_.query("shots == 10 and method == 'lightgbm+smote_nc' and metric == 'pr_auc'")["value"]
    assert row["n"] == 2 and math.isclose(row["mean"], values.mean())
    assert row["ci_low"] <= row["mean"] <= row["ci_high"]
    paired = fitted.paired_
    assert set(paired["method"]) == SYNTHGAN
    assert set(paired["baseline"]) == set(METHODS) - set(paired["method"])
    one = paired.query("shots == 4 and method == 'lightgbm+copula@anomalies' and baseline == 'lightgbm+none' and metric == 'pr_auc'").iloc[0]
    wide = fitted.results_.query("shots == 4 and metric == 'pr_auc'").pivot(index="seed", columns="method", values="value")
    assert math.isclose(one["mean_diff"], (wide["lightgbm+copula@anomalies"] - wide["lightgbm+none"]).mean())


def test_verdicts_name_the_best_baseline_and_say_whether_synthgan_helped(fitted):
    assert [v["shots"] for v in fitted.verdicts_] == [4, 10]
    for verdict in fitted.verdicts_:
        means = fitted.summary_.query(f"shots == {verdict['shots']} and metric == 'pr_auc'").set_index("method")["mean"]
        baselines = means.drop(sorted(SYNTHGAN))
        assert verdict["best_baseline"] == baselines.idxmax()
        assert verdict["best_synthgan"] in SYNTHGAN
        assert verdict["sentence"].startswith(f"With {verdict['shots']} labelled anomalies synthgan ")
        assert ("synthgan helped" in verdict["sentence"]) == (verdict["verdict"] == "helped")
        assert "did not help" in verdict["sentence"] or verdict["verdict"] in ("helped", "undetermined (needs at least 2 seeds)")
        assert any("vs LightGBM + SMOTE-NC" in s for s in verdict["details"])


def test_leakage_guard_saw_every_resampler_generator_and_detector(fitted):
    checked = fitted.leakage_checks_
    for who in ("arm 'none'", "arm 'smote_nc'", "arm 'tvae'", "generator 'tvae'", "detector 'synthgan:vae'", "detector 'iforest'"):
        assert checked[who] > 0, who
    labelled = sum(s["labelled"] for s in fitted.info_["splits"])
    assert checked["generator 'tvae'"] == labelled
    assert checked["generator 'copula@anomalies'"] == 2 * (4 + 10)  # the labelled anomalies alone


def test_to_dict_is_plain_json_with_curves(fitted):
    result = fitted.to_dict()
    assert set(result) == {"kind", "info", "timings", "verdicts", "summary", "paired", "curves", "leakage_checks", "results"}
    assert result["kind"] == "synthgan.anomaly_experiment"
    json.dumps(result, allow_nan=False)
    assert result["info"]["anomaly_value"] == 1 and result["info"]["shots"] == [4, 10]
    assert set(result["curves"]) == {"4", "10"} and set(result["curves"]["4"]) == set(METHODS)
    roc = result["curves"]["10"]["iforest"]["roc"]
    assert roc["fpr"][0] == 0 and roc["fpr"][-1] == 1 and len(roc["fpr"]) == len(roc["tpr"]) <= 200
    assert {m["name"]: m["synthgan"] for m in result["info"]["methods"]}["lightgbm+copula@anomalies"] is True
    assert set(result["timings"]["fit_seconds"]) == set(METHODS)


def test_html_report_is_self_contained_with_curves(fitted, tmp_path):
    path = write_anomaly_html(fitted.to_dict(), tmp_path / "a.html", title="Anomaly test")
    html = path.read_text(encoding="utf-8")
    assert html.count('src="data:image/png;base64,') == 4  # curves for 2 shot counts, PR and ROC intervals
    assert "http://" not in html and "https://" not in html
    assert "Anomaly test" in html and "best baseline" in html and fitted.verdicts_[0]["sentence"].split(":")[0] in html
    text = experiment_text(fitted.to_dict())
    assert "4 labelled anomalies: PR AUC" in text and "(best baseline)" in text


def test_same_seed_same_numbers():
    small = {"seeds": 1, "labelled_anomalies": (4,), "detectors": ("synthgan:vae", "iforest"), "arms": ("none", "smote_nc", "tvae"),
             "classifiers": ("lightgbm",), "epochs": 2, "detector_epochs": 2, "device": "cpu"}
    aucs = lambda e: e.results_[e.results_["metric"].isin(["roc_auc", "pr_auc"])].reset_index(drop=True)  # noqa: E731
    first, again = (aucs(AnomalyExperiment(LABEL, **small).fit(table())) for _ in range(2))
    pd.testing.assert_frame_equal(first, again)
    other = aucs(AnomalyExperiment(LABEL, **small, seed=1).fit(table()))
    assert not np.allclose(other["value"], first["value"])


def test_unlabelled_detector_rows_and_string_labels():
    frame = table(seed=2).assign(**{LABEL: lambda d: np.where(d[LABEL] == 1, "odd", "fine")})
    exp = AnomalyExperiment(LABEL, seeds=2, labelled_anomalies=(4,), detectors=("iforest",), arms=(),
                            detector_rows="unlabelled").fit(frame)
    assert exp.info_["anomaly_value"] == "odd"  # the rarer value
    assert exp.info_["classifiers"] == [] and list(exp.results_["method"].unique()) == ["iforest"]
    assert exp.leakage_checks_["detector 'iforest'"] == sum(s["labelled"] for s in exp.info_["splits"])
    assert exp.verdicts_[0]["sentence"] == "With 4 labelled anomalies no synthgan method was run (or gave results), so nothing was compared."


def test_rows_without_a_label_are_left_out_with_a_warning():
    frame = table()
    frame.loc[[1, 2, 3], LABEL] = np.nan
    with pytest.warns(DataWarning, match="3 rows with a missing 'is_anomaly' were left out"):
        exp = AnomalyExperiment(LABEL, seeds=1, labelled_anomalies=(4,), detectors=("iforest",), arms=()).fit(frame)
    assert exp.info_["rows"] == len(frame) - 3


@pytest.mark.parametrize("change, error, message", [
    (lambda d: d.drop(columns=[LABEL]), DataValidationError, "label column 'is_anomaly' is not in the table; its columns are a, b"),
    (lambda d: d.assign(is_anomaly=0), DataValidationError, "has only the value 0: the experiment needs labelled anomalies"),
    (lambda d: d.assign(is_anomaly=np.arange(len(d)) % 3), DataValidationError, "is not binary: it has 3 values"),
    (lambda d: d.assign(is_anomaly=np.where(np.arange(len(d)) % 2, "x", "y")), DataValidationError, "equally often"),
    (lambda d: d.assign(is_anomaly=(np.arange(len(d)) % 40 == 0).astype(int)), DataValidationError,
     "needs 10 of them to label"),
    (lambda d: d[[LABEL]], DataValidationError, "no feature column is left"),
])
def test_bad_tables_are_refused_with_what_to_do(change, error, message):
    with pytest.raises(error, match=message):
        AnomalyExperiment(LABEL, seeds=1, labelled_anomalies=(4, 10), detectors=("iforest",), arms=()).fit(change(table()))


@pytest.mark.parametrize("options, message", [
    ({"labelled_anomalies": (1,)}, "labelled_anomalies count must be an integer >= 2"),
    ({"labelled_anomalies": (4, 4)}, "unique"),
    ({"detectors": ("isolation",)}, "unknown detector 'isolation'"),
    ({"arms": ("none", "stylegan")}, "unknown enrichment arm 'stylegan'"),
    ({"detector_rows": "all"}, "detector_rows must be one of normal, unlabelled"),
    ({"classifiers": ("forest",)}, "unknown classifier"),
    ({"detectors": (), "arms": ()}, "nothing to compare"),
    ({"seeds": 0}, "seeds must be an integer >= 1"),
])
def test_bad_settings_are_refused_before_reading_data(options, message):
    with pytest.raises(ConfigError, match=message):
        AnomalyExperiment(LABEL, **options).fit(None)


def test_anomaly_value_and_label_checks():
    frame = table()
    assert check_binary_label(frame, LABEL) == 1
    assert check_binary_label(frame.assign(is_anomaly=frame[LABEL] == 1), LABEL) is True
    assert check_binary_label(frame, LABEL, anomaly_value="0") == 0
    assert check_binary_label(frame.assign(is_anomaly=frame[LABEL].astype(float)), LABEL, anomaly_value="1") == 1.0
    with pytest.raises(ConfigError, match="anomaly value 'maybe' does not occur"):
        check_binary_label(frame, LABEL, anomaly_value="maybe")
    with pytest.raises(ConfigError, match="must be a pandas DataFrame"):
        check_binary_label([1, 2], LABEL)
    with pytest.raises(NotFittedError):
        AnomalyExperiment(LABEL).to_dict()


def test_default_detectors_include_ecod_only_with_pyod():
    assert ("ecod" in available_detectors()) == pyod_installed()
    assert available_detectors()[:3] == ("synthgan:vae", "synthgan:alad", "synthgan:critic")


def test_verb_writes_nothing_on_bad_input(tmp_path):
    out_json, out_html = tmp_path / "a.json", tmp_path / "a.html"
    with pytest.raises(DataValidationError, match="not binary"):
        verbs.experiment_anomaly(table().assign(is_anomaly=np.arange(300) % 3), label=LABEL, json_path=out_json,
                                 html_path=out_html)
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_json_and_html(tmp_path):
    data = tmp_path / "data.csv"
    table().to_csv(data, index=False)
    out_json, out_html = tmp_path / "a.json", tmp_path / "a.html"
    result = CliRunner().invoke(app, ["experiment", "anomaly", str(data), "--label", LABEL, "--seeds", "2", "--shots", "4,10",
                                      "--detectors", "iforest,lof", "--arms", "none,smote_nc,copula", "--classifiers", "logreg",
                                      "--json", str(out_json), "--html", str(out_html), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "labelled anomalies synthgan" in result.output
    saved = json.loads(out_json.read_text())
    assert saved["kind"] == "synthgan.anomaly_experiment" and saved["info"]["shots"] == [4, 10]
    assert {m["name"] for m in saved["info"]["methods"]} == {"iforest", "lof", "logreg+none", "logreg+smote_nc", "logreg+copula"}
    assert out_html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path):
    data = tmp_path / "data.csv"
    table().drop(columns=[LABEL]).to_csv(data, index=False)
    out_json = tmp_path / "a.json"
    result = CliRunner().invoke(app, ["experiment", "anomaly", str(data), "--label", LABEL, "--json", str(out_json)])
    assert result.exit_code == 2
    assert "error: label column 'is_anomaly' is not in the table" in result.output
    assert not out_json.exists()
    result = CliRunner().invoke(app, ["experiment", "anomaly", str(data), "--label", LABEL, "--shots", "ten"])
    assert result.exit_code == 2 and "--shots must be whole numbers" in result.output


def test_an_arm_that_cannot_draw_anomalies_is_reported_not_fatal():
    from synthgan.errors import ConditionError

    class NeverRare:
        def fit(self, data):
            return self

        def sample(self, n, conditions=None, seed=None):
            raise ConditionError("the model produced only 0 of 10 rows with is_anomaly='1'")

    exp = AnomalyExperiment(LABEL, seeds=2, labelled_anomalies=(4,), detectors=(), arms=("none", "tvae"),
                            classifiers=("logreg",), generator_factory=lambda model, **_: NeverRare()).fit(table())
    failures = exp.info_["failures"]
    assert [(f["seed"], f["method"]) for f in failures] == [(0, "logreg+tvae"), (1, "logreg+tvae")]
    assert "produced only 0 of 10 rows" in failures[0]["error"]
    tvae = exp.results_.query("method == 'logreg+tvae' and metric == 'pr_auc'")["value"]
    assert tvae.isna().all()
    assert exp.summary_.query("method == 'logreg+tvae' and metric == 'pr_auc'")["n"].item() == 0
    assert exp.verdicts_[0]["best_baseline"] == "logreg+none"
    assert "could not make their rows (logreg+tvae)" in experiment_text(exp.to_dict())
