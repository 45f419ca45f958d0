"""Privacy attacks with controls: rates, risk intervals, verdicts, and what they flag."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import ConfigError
from synthgan.evaluation.attacks import privacy_attacks
from synthgan.evaluation.attacks.rates import Rate, attack_result
from synthgan.evaluation.attacks.singling_out import count_matches


def population(n: int, seed: int) -> pd.DataFrame:
    """People with a few categories and continuous measurements (most rows unique)."""
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n)
    job = rng.choice([f"job{i}" for i in range(12)], n)
    age = rng.integers(18, 90, n)
    income = np.round(rng.lognormal(10, 0.5, n), 2)
    score = np.round(rng.normal(0, 1, n) + (region == "north"), 3)
    sick = np.where(rng.random(n) < 0.2 + 0.3 * (score > 1), "yes", "no")
    return pd.DataFrame({"region": region, "job": job, "age": age, "income": income, "score": score, "sick": sick})


@pytest.fixture(scope="module")
def parts():
    frame = population(4_500, 0)
    return frame.iloc[:1_500].reset_index(drop=True), frame.iloc[1_500:3_000].reset_index(drop=True), \
        frame.iloc[3_000:].reset_index(drop=True)


def test_wilson_rate_and_risk():
    rate = Rate.of(50, 100)
    assert rate.value == pytest.approx(0.5) and rate.error == pytest.approx(0.0962, abs=1e-3)  # Wilson: 0.404 to 0.596
    low = Rate.of(0, 200)
    assert 0.0 < low.value < 0.02 and low.to_dict()["ci_low"] == 0.0
    same = attack_result("x", Rate.of(300, 1000), Rate.of(300, 1000), Rate.of(10, 1000))
    assert same["risk"] == pytest.approx(0.0) and same["ci_low"] < 0 < same["ci_high"]
    assert same["verdict"].startswith("low risk")
    leak = attack_result("x", Rate.of(600, 1000), Rate.of(300, 1000), Rate.of(10, 1000))
    assert leak["risk"] == pytest.approx((0.6 - 0.3) / 0.7, abs=0.01) and leak["ci_low"] > 0
    assert leak["verdict"].startswith("risk")
    wide = attack_result("x", Rate.of(9, 10), Rate.of(8, 10), Rate.of(1, 10))
    assert wide["verdict"].startswith("inconclusive")


def test_predicates_count_rows_exactly():
    data = np.array([[0.0, 1.0], [0.0, 5.0], [1.0, 5.0], [np.nan, 2.0]])
    values = np.array([[0.0, 5.0], [0.0, 5.0], [np.nan, 0.0], [1.0, 0.0]])
    ops = np.array([[0, 2], [0, -1], [3, -1], [0, 1]], dtype=np.int8)  # ==,>= | == | isnan | ==,<=
    assert count_matches(values, ops, data, stop_at=9).tolist() == [1, 2, 1, 0]


def test_unseen_real_rows_are_low_risk(parts):
    train, unseen, control = parts
    result = privacy_attacks(train, unseen, control, secret="sick", n_attacks=1_000, seed=0)
    for attack in (result["singling_out"], result["linkability"]):
        assert attack["ci_low"] <= 0.0, attack["verdict"]
        assert not attack["verdict"].startswith("risk")
    assert result["attribute_inference"]["sick"]["ci_low"] <= 0.0
    assert set(result["singling_out"]) >= {"risk", "ci_low", "ci_high", "verdict", "train", "control", "baseline"}


def test_copied_training_rows_are_flagged(parts):
    train, unseen, control = parts
    leaky = unseen.copy()
    leaky.iloc[:300] = train.iloc[:300].to_numpy()  # 20% copies
    result = privacy_attacks(train, leaky, control, secret="sick", n_attacks=1_000, seed=0)
    link = result["linkability"]
    assert link["ci_low"] > 0 and link["verdict"].startswith("risk")
    assert link["train"]["rate"] > 0.1 > link["control"]["rate"]


def test_same_seed_same_figures(parts):
    train, unseen, control = parts
    first = privacy_attacks(train, unseen, control, n_attacks=200, seed=3)
    again = privacy_attacks(train, unseen, control, n_attacks=200, seed=3)
    assert json.dumps(first, sort_keys=True, default=str) == json.dumps(again, sort_keys=True, default=str)


def test_bad_input_is_refused(parts):
    train, unseen, control = parts
    with pytest.raises(ConfigError, match="holdout"):
        privacy_attacks(train, unseen, None)
    with pytest.raises(ConfigError, match="secret 'salary'"):
        privacy_attacks(train, unseen, control, secret="salary")
    with pytest.raises(ConfigError, match="n_attacks"):
        privacy_attacks(train, unseen, control, n_attacks=10)


def test_cli_writes_json_and_html(parts, tmp_path):
    from typer.testing import CliRunner

    from synthgan.cli.main import app

    train, unseen, control = parts
    paths = {}
    for name, frame in (("train", train), ("synth", unseen), ("control", control)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    out, page = tmp_path / "p.json", tmp_path / "p.html"
    result = CliRunner().invoke(app, ["privacy", str(paths["train"]), str(paths["synth"]), "--holdout", str(paths["control"]),
                                      "--secret", "sick", "--n-attacks", "300", "--json", str(out), "--html", str(page)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    for attack in (data["attacks"]["singling_out"], data["attacks"]["linkability"], data["attacks"]["attribute_inference"]["sick"]):
        assert {"risk", "ci_low", "ci_high", "verdict"} <= set(attack) and attack["ci_low"] <= attack["risk"] <= attack["ci_high"]
    assert "exact_copies" in data["metrics"]
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "singling out" in text and "attribute inference: sick" in text
    missing = CliRunner().invoke(app, ["privacy", str(paths["train"]), str(paths["synth"])])
    assert missing.exit_code != 0
