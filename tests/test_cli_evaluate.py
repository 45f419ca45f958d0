"""`synthgan evaluate` and `synthgan report`, in-process: outputs, and one clear line for bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def csvs(tmp_path_factory, shared_datasets):
    folder = tmp_path_factory.mktemp("tables")
    rows = pd.read_csv(shared_datasets / "adult.csv.gz").sample(n=1500, random_state=11).reset_index(drop=True)
    paths = {}
    for name, part in (("train", rows.iloc[:500]), ("synth", rows.iloc[500:1000]), ("test", rows.iloc[1000:])):
        paths[name] = folder / f"{name}.csv"
        part.to_csv(paths[name], index=False)
    return paths


def test_evaluate_writes_json_and_html(csvs, tmp_path):
    out_json, out_html = tmp_path / "metrics.json", tmp_path / "report.html"
    result = invoke("evaluate", csvs["train"], csvs["synth"], "--holdout", csvs["test"], "--target", "income",
                    "--sensitive", "sex", "--sensitive", "race", "--json", out_json, "--html", out_html)
    assert result.exit_code == 0, result.output
    payload = json.loads(out_json.read_text())
    assert set(payload["metrics"]) == {"fidelity", "detection", "diversity", "privacy", "utility", "fairness"}
    assert payload["meta"]["sensitive"] == ["sex", "race"]
    assert "equalized_odds_gap:race" in payload["metrics"]["fairness"]
    assert payload["meta"]["n_rows"] == {"real": 500, "synthetic": 500, "holdout": 500}
    # synthetic rows are real rows the generator never saw: no closer to the training rows than the holdout is
    closer = payload["metrics"]["privacy"]["closer_to_train_share"]
    assert isinstance(closer["value"], float) and 0.35 < closer["value"] < 0.65, closer
    assert (closer["range"], closer["ideal"], closer["reason"]) == ([0.0, 1.0], 0.5, None)
    assert {k: closer["details"][k] for k in ("n_synthetic", "n_train", "n_holdout", "expected_raw")} == \
        {"n_synthetic": 500, "n_train": 500, "n_holdout": 500, "expected_raw": 0.5}
    # exact copies: the share of synthetic rows that equal some training row, counted here by a merge
    train, synth = pd.read_csv(csvs["train"]), pd.read_csv(csvs["synth"])
    n_copies = int((synth.merge(train.drop_duplicates(), how="left", indicator=True)["_merge"] == "both").sum())
    copies = payload["metrics"]["privacy"]["exact_copies"]
    assert copies["details"]["n_copies"] == n_copies and copies["value"] == pytest.approx(n_copies / 500)
    summary = payload["summary"]
    assert set(summary["verdicts"]) == set(payload["metrics"]) and summary["alarms"] == []
    assert summary["headline"]["closer_to_train_share"] == closer["value"]
    assert summary["verdicts"]["privacy"].startswith("No privacy alarm")
    assert summary["verdicts"]["fairness"].startswith("Group outcome gaps are preserved")
    assert '<section id="privacy">' in out_html.read_text()
    assert "fidelity: Fidelity is" in result.output and f"wrote {out_html}" in result.output


def test_evaluate_one_family_quietly(csvs, tmp_path):
    out_json = tmp_path / "m.json"
    result = invoke("evaluate", csvs["train"], csvs["synth"], "--metrics", "fidelity", "--json", out_json, "-q")
    assert result.exit_code == 0 and result.output == ""
    assert list(json.loads(out_json.read_text())["metrics"]) == ["fidelity"]


@pytest.mark.parametrize("make, message", [
    (lambda df: df.drop(columns="age"), "error: the synthetic table lacks column 'age'"),
    (lambda df: df.assign(age="old"), "error: column 'age' holds number values in the real table but text"),
    (lambda df: df.iloc[:0], "bad.csv' has a header but no data rows"),  # read_table's own clear error
])
def test_bad_synthetic_tables_give_one_line_and_exit_2(csvs, tmp_path, make, message):
    bad = tmp_path / "bad.csv"
    make(pd.read_csv(csvs["synth"])).to_csv(bad, index=False)
    result = invoke("evaluate", csvs["train"], bad)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output


def test_missing_target_and_unknown_family_and_unwritable_output(csvs, tmp_path):
    result = invoke("evaluate", csvs["train"], csvs["synth"], "--target", "salary")
    assert result.exit_code == 2 and "target column 'salary' is not in the real table" in result.output
    result = invoke("evaluate", csvs["train"], csvs["synth"], "--metrics", "speed")
    assert result.exit_code == 2 and "unknown metric family 'speed'" in result.output
    result = invoke("evaluate", csvs["train"], csvs["synth"], "--html", tmp_path / "nope" / "r.html")
    assert result.exit_code == 2 and "does not exist" in result.output


def test_report_samples_a_model_and_draws_its_training(csvs, tmp_path):
    model = tmp_path / "m.synthgan"
    fitted = invoke("fit", csvs["train"], "-o", model, "--model", "copula", "--seed", "0", "--quiet")
    assert fitted.exit_code == 0, fitted.output
    out, out_json = tmp_path / "report.html", tmp_path / "m.json"
    result = invoke("report", model, "--data", csvs["train"], "--holdout", csvs["test"], "-o", out,
                    "-n", "400", "--seed", "3", "--target", "income", "--json", out_json)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert '<section id="training">' in html and '<section id="utility">' in html
    assert json.loads(out_json.read_text())["meta"]["n_rows"]["synthetic"] == 400
    bad = invoke("report", model, "--data", csvs["train"], "-o", out, "-n", "0")
    assert bad.exit_code == 2 and "--n must be a positive number" in bad.output
