"""Differentially private table fits, end to end: budget, statistics, DP-SGD stop, files, refusals."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opacus")

from synthgan.core.registry import capabilities  # noqa: E402
from synthgan.dp import PrivacyBudget  # noqa: E402
from synthgan.dp.accounting import gaussian_rdp  # noqa: E402
from synthgan.dp.sgd import LimitedPoissonBatches, SGDPlan  # noqa: E402
from synthgan.dp.table import dtype_schema  # noqa: E402
from synthgan.errors import ConfigError  # noqa: E402
from synthgan.tabular.synthesizer import Synthesizer, load  # noqa: E402

RARE = "Zzyzx-Rare-Town"


def _table(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    city = rng.choice(["Paris", "Lyon", "Nice"], size=n, p=[0.6, 0.3, 0.1]).astype(object)
    city[7] = RARE  # one row: must never be emitted nor stored at any epsilon this small
    age = rng.integers(18, 80, size=n)
    income = np.where(city == "Paris", 3000, 2000) + 20 * age + rng.normal(0, 200, n)
    income[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"city": city, "age": age, "income": income.round(2), "member": rng.random(n) < 0.3})


@pytest.fixture(scope="module")
def fitted() -> Synthesizer:
    return Synthesizer("autoregressive", seed=0, epsilon=2.0, epochs=3, device="cpu").fit(_table())


def test_the_fit_spends_its_budget_and_no_more(fitted):
    privacy = fitted.privacy_
    sgd = privacy["sgd"]
    assert privacy["epsilon"] == 2.0 and privacy["delta"] == 1e-5
    assert sgd["steps_taken"] == sgd["steps"] == 3 * (3000 // sgd["expected_batch"])
    assert 1.9 <= privacy["epsilon_spent"] <= 2.0  # the noise was solved for exactly these steps
    budget = PrivacyBudget(2.0, 1e-5)
    statistics = gaussian_rdp(np.sqrt(4), privacy["statistics_sigma"])
    assert budget.spent(statistics, sgd["sample_rate"], sgd["noise_multiplier"], sgd["steps"]) == pytest.approx(
        privacy["epsilon_spent"], abs=1e-5)
    assert all(set(h) == {"epoch", "seconds"} for h in fitted.history_)  # the training loss saw real rows
    assert fitted.n_rows_fit_ == 3000


def test_samples_keep_the_columns_and_drop_the_rare_category(fitted, tmp_path):
    rows = fitted.sample(4000, seed=1)
    assert list(rows.columns) == ["city", "age", "income", "member"]
    assert rows["age"].dtype == np.int64 and rows["member"].dtype == bool
    assert set(rows["city"].dropna()) <= {"Paris", "Lyon", "Nice"} and RARE not in set(rows["city"])
    assert rows["age"].between(1, 1000).all()
    assert 0.4 < (rows["city"] == "Paris").mean() < 0.8
    path = fitted.save(tmp_path / "dp.synthgan")
    assert RARE.encode() not in path.read_bytes()  # neither emitted nor stored
    again = load(path)
    assert again.privacy_ == fitted.privacy_
    assert again.sample(50, seed=3).equals(fitted.sample(50, seed=3))


def test_a_rare_category_is_never_released_across_seeds():
    frame = _table(2000)
    for seed in range(3):
        syn = Synthesizer("autoregressive", seed=seed, epsilon=1.0, epochs=1, device="cpu").fit(frame)
        assert RARE not in syn.encoder_.transformers_["city"].levels_.kept


def test_the_sampler_refuses_a_step_beyond_the_budget():
    import torch

    sampler = LimitedPoissonBatches(100, 0.1, torch.device("cpu"), limit=3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(3):
        sampler.real_batch(gen)
    with pytest.raises(ConfigError, match="allows 3 steps"):
        sampler.real_batch(gen)


def test_the_plan_takes_the_least_noise_that_fits():
    budget = PrivacyBudget(1.0, 1e-5)
    statistics = gaussian_rdp(2.0, budget.statistics_sigma(2.0))
    plan = SGDPlan.solve(budget, statistics, 10_000, 250, 400)
    assert budget.spent(statistics, plan.sample_rate, plan.noise_multiplier, 400) <= 1.0
    assert budget.spent(statistics, plan.sample_rate, plan.noise_multiplier * 0.97, 400) > 1.0
    louder = SGDPlan.solve(budget, statistics, 10_000, 250, 1600)
    assert louder.noise_multiplier > plan.noise_multiplier
    with pytest.raises(ConfigError, match="too small"):
        SGDPlan.solve(PrivacyBudget(0.01, 1e-5), statistics, 100, 90, 100_000)


def test_the_schema_comes_from_dtypes_only():
    frame = pd.DataFrame({"code": ["a1", "b2"] * 5, "n": np.arange(10), "x": np.linspace(0, 1, 10),
                          "flag": [True, False] * 5, "when": pd.date_range("2024-01-01", periods=10)})
    kinds = {c.name: c.kind for c in dtype_schema(frame)}
    assert kinds == {"code": "categorical", "n": "integer", "x": "continuous", "flag": "boolean", "when": "datetime"}


@pytest.mark.parametrize("kwargs, message", [
    ({"model": "ctgan", "epsilon": 1.0}, "cannot be trained with differential privacy; use --model autoregressive"),
    ({"epsilon": 0.0}, "epsilon must be a positive number"),
    ({"epsilon": 1.0, "delta": 2.0}, "delta must be in"),
    ({"delta": 1e-5}, "delta was given without epsilon"),
    ({"epsilon": 1.0, "fair_target": "member", "fair_sensitive": "city"}, "fair generation"),
    ({"epsilon": 1.0, "patience": 3}, "drop patience"),
    ({"epsilon": 1.0, "seed": -1}, "seed must be a non-negative integer"),
    ({"epsilon": 1.0, "rules": [{"type": "range", "column": "age", "low": 0, "high": 100}]}, "keeps no rules"),
    ({"epsilon": 1.0, "schema": {"columns": [{"name": "city", "kind": "pii", "dtype": "object", "pii": "person_name"},
                                             {"name": "age", "kind": "integer", "dtype": "int64"},
                                             {"name": "income", "kind": "continuous", "dtype": "float64"},
                                             {"name": "member", "kind": "boolean", "dtype": "bool"}]}},
     "identifier columns \\(city\\)"),
])
def test_bad_private_fits_fail_before_training(kwargs, message):
    params = {"model": "autoregressive", "epochs": 1, "device": "cpu", **kwargs}
    with pytest.raises(ConfigError, match=message):
        Synthesizer(params.pop("model"), **params).fit(_table(200))


def test_models_declare_whether_they_train_privately():
    assert capabilities("autoregressive").private == ("network",)
    assert capabilities("ctgan").private == () and capabilities("autoregressive").to_dict()["private"] is True


def test_cli_fit_info_and_card_show_the_budget(tmp_path):
    from typer.testing import CliRunner

    from synthgan.cli.main import app

    data = tmp_path / "t.csv"
    _table(1500).to_csv(data, index=False)
    model = tmp_path / "m.synthgan"
    runner = CliRunner()
    out = runner.invoke(app, ["fit", str(data), "-m", "autoregressive", "--epsilon", "3", "--delta", "1e-6",
                              "--epochs", "1", "--device", "cpu", "-o", str(model), "--quiet"])
    assert out.exit_code == 0, out.output
    info = runner.invoke(app, ["info", str(model)])
    assert re.search(r"privacy\s+epsilon 3 \(spent [0-9.]+\), delta 1e-06", info.output), info.output
    card_json = tmp_path / "card.json"
    card = runner.invoke(app, ["card", str(model), "--data", str(data), "--json", str(card_json), "-o", str(tmp_path / "c.html")])
    assert card.exit_code == 0, card.output
    dp = json.loads(card_json.read_text())["differential_privacy"]
    assert dp["epsilon"] == 3.0 and dp["delta"] == 1e-6 and 0 < dp["epsilon_spent"] <= 3.0
    assert "epsilon spent (accountant)" in (tmp_path / "c.html").read_text()
    report = runner.invoke(app, ["report", str(model), "--data", str(data), "-o", str(tmp_path / "r.html"), "-n", "300"])
    assert report.exit_code == 0, report.output
    html = (tmp_path / "r.html").read_text()
    assert "Differential privacy of the model" in html and "epsilon (spent, accountant)" in html
    refused = runner.invoke(app, ["fit", str(data), "-m", "tvae", "--epsilon", "1", "-o", str(tmp_path / "x.synthgan")])
    assert refused.exit_code != 0 and "cannot be trained with differential privacy" in refused.output
    assert not (tmp_path / "x.synthgan").exists()
    listing = runner.invoke(app, ["models"])
    assert re.search(r"^autoregressive\s+table\s+DP ", listing.output, re.M)
