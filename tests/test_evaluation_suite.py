"""evaluate(): bad input, JSON-safe results, reasons instead of silent gaps, determinism, global RNG."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from synthgan.errors import ConfigError, DataValidationError
from synthgan.evaluation import EvaluationResult, evaluate
from synthgan.evaluation.base import FAMILIES, METRIC_SPECS

ENTRY_KEYS = {"value", "direction", "range", "ideal", "definition", "reason", "details"}


@pytest.fixture(scope="module")
def tables(shared_datasets):
    rows = pd.read_csv(shared_datasets / "adult.csv.gz").sample(n=3600, random_state=3).reset_index(drop=True)
    return rows.iloc[:1200].reset_index(drop=True), rows.iloc[1200:2400].reset_index(drop=True), \
        rows.iloc[2400:].reset_index(drop=True)


@pytest.fixture(scope="module")
def result(tables):
    train, synth, holdout = tables
    return evaluate(train, synth, holdout=holdout, target="income", sensitive=["sex", "age"], seed=7)


def test_every_family_and_entry_is_complete_and_json_safe(result, tmp_path):
    data = result.to_dict()
    assert list(data) == list(FAMILIES)
    for family, entries in data.items():
        for name, entry in entries.items():
            assert set(entry) == ENTRY_KEYS, (family, name)
            assert entry["direction"] in {"maximize", "minimize", "target"}
            assert (entry["value"] is None) == bool(entry["reason"]), (family, name, entry["reason"])
    json.dumps(data, allow_nan=False)  # no NaN or numpy scalar anywhere
    path = result.to_json(tmp_path / "metrics.json")
    payload = json.loads(path.read_text())
    assert set(payload) == {"meta", "summary", "metrics"}
    assert EvaluationResult.from_dict(payload).to_dict() == data
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # atomic: no temporary file left


def test_values_are_plausible_for_real_rows_as_synthetic(result):
    assert result.value("fidelity", "column_shapes") > 0.9
    assert 0.4 < result.value("detection", "detection_auc") < 0.62
    assert 0.8 < result.value("utility", "utility_ratio") < 1.2
    assert result.value("utility", "tstr_roc_auc") > 0.8
    assert 0.35 < result.value("privacy", "closer_to_train_share") < 0.65
    assert result.value("fairness", "group_shares:sex") < 0.05
    for name in ("age", "sex"):  # the nearest synthetic row guesses training rows no better than unseen ones
        entry = result.to_dict()["privacy"][f"attribute_inference:{name}"]
        details = entry["details"]
        assert isinstance(entry["value"], float) and abs(entry["value"]) < 0.05, (name, entry)
        assert entry["value"] == pytest.approx(details["accuracy_train"] - details["accuracy_holdout"])
        assert all(0.0 <= details[k] <= 1.0 for k in ("accuracy_train", "accuracy_holdout", "majority_baseline"))
        assert details["binned"] is (name == "age")  # a numeric sensitive column is guessed by quartile bin
    summary = result.summary()
    assert set(summary["verdicts"]) == set(FAMILIES)
    assert summary["headline"]["quality_score"] == result.value("fidelity", "quality_score")
    assert summary["alarms"] == []
    assert summary["verdicts"]["privacy"].startswith("No privacy alarm")
    assert summary["verdicts"]["diversity"].startswith("No sign of mode collapse")
    assert result.meta["n_rows"] == {"real": 1200, "synthetic": 1200, "holdout": 1200}
    assert result.meta["columns"]["age"] == "numerical" and result.meta["columns"]["sex"] == "categorical"


def test_same_seed_same_metrics_and_global_random_state_untouched(tables, result):
    train, synth, holdout = tables
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state().clone()
    again = evaluate(train, synth, holdout=holdout, target="income", sensitive=["sex", "age"], seed=7)
    assert again.to_dict() == result.to_dict()
    assert np.array_equal(np.random.get_state()[1], np_state)
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_without_holdout_privacy_says_what_cannot_be_judged(tables):
    train, synth, _ = tables
    planted = pd.concat([train.iloc[:60], synth.iloc[60:]], ignore_index=True)  # 60 training rows copied
    res = evaluate(train, planted, target="income", metrics=["privacy", "utility"], seed=0).to_dict()
    for name in ("closer_to_train_share", "membership_inference_auc", "dcr_ratio"):
        assert res["privacy"][name]["value"] is None
        assert "needs a holdout" in res["privacy"][name]["reason"]
    # exact copies need no holdout: the share of rows equal to some training row, counted here by a merge
    merged = planted.merge(train.drop_duplicates(), how="left", indicator=True)
    n_copies = int((merged["_merge"] == "both").sum())
    assert n_copies >= 60
    copies = res["privacy"]["exact_copies"]
    assert copies["value"] == pytest.approx(n_copies / len(planted)) and copies["details"]["n_copies"] == n_copies
    assert copies["details"]["holdout_rate"] is None and "needs a holdout" in copies["details"]["note"]
    alarm = res["privacy"]["privacy_alarm"]
    assert alarm["value"] == 1.0 and alarm["details"]["alarm"] is True
    assert alarm["details"]["reasons"] == [f"{n_copies / len(planted):.1%} of synthetic rows exactly copy a training row "
                                           "(without a holdout, chance matches on coarse data cannot be told from memorisation)"]
    assert "optimistic" in res["utility"]["tstr_roc_auc"]["details"]["test_set"]
    assert list(res) == ["privacy", "utility"]


def test_real_rows_score_better_than_independently_shuffled_columns(tables, result):
    """Shuffling each column on its own keeps every marginal and breaks every dependency between columns."""
    train, synth, _ = tables
    rng = np.random.default_rng(0)
    shuffled = pd.DataFrame({c: synth[c].to_numpy()[rng.permutation(len(synth))] for c in synth.columns})
    res = evaluate(train, shuffled, metrics=["fidelity", "detection"], seed=7)
    assert res.value("fidelity", "column_shapes") == pytest.approx(result.value("fidelity", "column_shapes"))
    assert res.value("fidelity", "column_pair_trends") < result.value("fidelity", "column_pair_trends") - 0.02
    assert res.value("fidelity", "quality_score") < result.value("fidelity", "quality_score")
    assert res.value("detection", "detection_auc") > 0.85 and result.value("detection", "detection_auc") < 0.62
    assert res.summary()["verdicts"]["detection"].startswith("A classifier easily tells synthetic from real rows")
    assert result.summary()["verdicts"]["detection"].startswith("A classifier can barely tell synthetic from real rows")


def test_missing_target_and_sensitive_give_reasons(tables):
    train, synth, holdout = tables
    res = evaluate(train, synth, holdout=holdout, metrics=["utility", "fairness"]).to_dict()
    assert all("no target column" in e["reason"] for e in res["utility"].values())
    assert all("no sensitive column" in e["reason"] for e in res["fairness"].values())


def test_nan_never_silently_drops_a_metric(tables):
    train, synth, _ = tables
    broken = synth.assign(age=np.nan, workclass=np.nan)
    res = evaluate(train, broken, metrics=["fidelity", "diversity"]).to_dict()
    shapes = res["fidelity"]["column_shapes"]["details"]
    assert set(shapes["not_scored"]) == {"age", "workclass"}
    assert res["fidelity"]["missing_values"]["details"]["columns"]["age"]["synthetic"] == 1.0
    tails = res["diversity"]["tail_coverage"]["details"]
    assert "age" in tails["not_scored"] and "age" not in tails["columns"]


@pytest.mark.parametrize("change, pattern", [
    (lambda s: s.drop(columns="age"), r"synthetic table lacks column 'age'"),
    (lambda s: s.assign(extra=1), r"synthetic table has column 'extra'"),
    (lambda s: s.assign(age=s["age"].astype(str) + " years"), r"column 'age' holds number values in the real .* text"),
    (lambda s: s.iloc[:0], r"synthetic table has no rows"),
])
def test_bad_input_raises_one_line_errors_naming_the_column(tables, change, pattern):
    train, synth, _ = tables
    with pytest.raises(DataValidationError, match=pattern) as info:
        evaluate(train, change(synth))
    assert "\n" not in str(info.value)


def test_target_or_sensitive_missing_from_one_table(tables):
    train, synth, holdout = tables
    with pytest.raises(DataValidationError, match="target column 'salary' is not in the real table"):
        evaluate(train, synth, target="salary")
    with pytest.raises(DataValidationError, match="lacks column 'income'"):
        evaluate(train, synth.drop(columns="income"), target="income")
    with pytest.raises(DataValidationError, match="holdout table lacks column 'income'"):
        evaluate(train, synth, holdout=holdout.drop(columns="income"), target="income")
    with pytest.raises(DataValidationError, match="sensitive column 'gender'"):
        evaluate(train, synth, sensitive="gender")
    with pytest.raises(ConfigError, match="unknown metric family 'speed'"):
        evaluate(train, synth, metrics=["speed"])


def test_identifier_target_is_refused():
    real = pd.DataFrame({"row_id": np.arange(50), "x": np.linspace(0, 1, 50)})
    with pytest.raises(DataValidationError, match="target column 'row_id' holds a unique value per row"):
        evaluate(real, real.copy(), target="row_id", metrics=["utility"])


def test_docs_define_every_metric():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    for family, name in METRIC_SPECS:
        assert re.search(rf"`{re.escape(name)}`", docs), f"docs/metrics.md lacks {family}.{name}"


def _verdict_metrics(quality, auc=None, ratio=None):
    out = {"fidelity": {name: {"value": quality} for name in ("quality_score", "column_shapes", "column_pair_trends")}}
    if auc is not None:
        out["detection"] = {"detection_auc": {"value": auc, "details": {"top_features": {"age": 0.6}}}}
    if ratio is not None:
        out["utility"] = {"utility_ratio": {"value": ratio, "details": {"primary": "roc_auc", "tstr": 0.45, "trtr": 0.9}}}
    return out


@pytest.mark.parametrize("quality, auc, ratio, level, driver", [
    (0.95, None, None, "excellent", "quality_score"),
    (0.95, 0.52, 0.99, "excellent", "quality_score"),
    (0.95, 0.99, 0.44, "poor", "detection_auc"),       # the case: "excellent" beside AUC 0.99
    (0.95, 0.70, None, "good", "detection_auc"),
    (0.95, 0.55, 0.80, "fair", "utility_ratio"),
    (0.75, 0.80, None, "fair", "quality_score"),       # already no better than the cap
])
def test_fidelity_verdict_never_outruns_detection_or_utility(quality, auc, ratio, level, driver):
    from synthgan.evaluation.verdicts import summarize

    summary = summarize(_verdict_metrics(quality, auc, ratio))
    assert summary["verdicts"]["fidelity"].startswith(f"Fidelity is {level} ")
    assert summary["drivers"]["fidelity"] == driver
    if driver != "quality_score":
        assert "held down because" in summary["verdicts"]["fidelity"]
