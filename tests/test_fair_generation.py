"""Fair generation: the target independent of the sensitive column, both marginals kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan import Synthesizer
from synthgan.errors import ConditionError, ConfigError
from synthgan.tabular.fairness import FairCells


def biased_table(n: int = 3_000, seed: int = 0) -> pd.DataFrame:
    """Women earn high incomes half as often as men; hours work as a proxy for both."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["Female", "Male"], n, p=[0.35, 0.65])
    p_high = np.where(sex == "Female", 0.12, 0.32)
    income = np.where(rng.random(n) < p_high, ">50K", "<=50K")
    hours = 35 + 8 * (sex == "Male") + 6 * (income == ">50K") + rng.normal(0, 4, n)
    age = rng.integers(18, 70, n)
    return pd.DataFrame({"age": age, "sex": sex, "hours": hours, "income": income})


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return biased_table()


@pytest.fixture(scope="module")
def fair(table) -> Synthesizer:
    return Synthesizer("copula", seed=0, fair_target="income", fair_sensitive="sex").fit(table)


def _high_rate(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("sex")["income"].apply(lambda s: float((s == ">50K").mean()))


def test_fair_cells_keep_both_marginals_and_break_the_link(table, fair):
    real = _high_rate(table)
    assert real["Male"] - real["Female"] > 0.15  # the bias the fit must not pass on
    out = fair.sample(6_000, seed=1)
    rates = _high_rate(out)
    assert abs(rates["Male"] - rates["Female"]) < 0.03
    assert abs((out["income"] == ">50K").mean() - (table["income"] == ">50K").mean()) < 0.02
    assert abs((out["sex"] == "Female").mean() - (table["sex"] == "Female").mean()) < 0.02
    # the rest of each row follows its cell: high earners still work longer hours
    assert out.loc[out["income"] == ">50K", "hours"].mean() > out.loc[out["income"] == "<=50K", "hours"].mean() + 2


def test_marginals_are_learned_exactly(table, fair):
    cells = fair.fairness_
    assert cells.target_levels == ["<=50K", ">50K"] and cells.sensitive_levels == ["Female", "Male"]
    assert cells.target_p[1] == pytest.approx((table["income"] == ">50K").mean())
    assert cells.sensitive_p[0] == pytest.approx((table["sex"] == "Female").mean())
    shares = cells.cells({}, {})
    assert sum(p for _, p in shares) == pytest.approx(1.0)
    assert [c for c, _ in shares][0] == {"income": "<=50K", "sex": "Female"}


def test_conditions_pick_cells_and_keep_the_marginal_target_rate(table, fair):
    women = fair.sample(2_000, conditions={"sex": "Female"}, seed=2)
    assert (women["sex"] == "Female").all()
    assert abs((women["income"] == ">50K").mean() - (table["income"] == ">50K").mean()) < 0.03
    with pytest.raises(ConditionError):
        fair.sample(10, conditions={"sex": "Other"}, seed=0)


def test_seeded_samples_repeat_and_survive_save_load(fair, tmp_path):
    again = Synthesizer.load(fair.save(tmp_path / "fair.synthgan"))
    assert again.fair_target == "income" and again.fairness_ == fair.fairness_
    pd.testing.assert_frame_equal(fair.sample(500, seed=7), again.sample(500, seed=7))
    pd.testing.assert_frame_equal(fair.sample(500, seed=7), fair.sample(500, seed=7))


def test_chunked_sampling_keeps_the_shares(fair):
    chunks = list(fair.sample_chunks(3_000, seed=3, chunk_rows=700))
    assert [len(c) for c in chunks] == [700, 700, 700, 700, 200]
    rates = _high_rate(pd.concat(chunks, ignore_index=True))
    assert abs(rates["Male"] - rates["Female"]) < 0.04


@pytest.mark.parametrize("kwargs, message", [
    ({"fair_target": "income"}, "both fair_target and fair_sensitive"),
    ({"fair_target": "sex", "fair_sensitive": "sex"}, "two different column names"),
    ({"fair_target": "income", "fair_sensitive": "gender"}, "not a column"),
    ({"fair_target": "hours", "fair_sensitive": "sex"}, "categorical, boolean or integer"),
])
def test_bad_fair_columns_fail_before_training(table, kwargs, message):
    with pytest.raises(ConfigError, match=message):
        Synthesizer("ctgan", epochs=50, seed=0, **kwargs).fit(table)


def test_fair_cells_state_round_trips():
    cells = FairCells("t", "s", ["a", "b"], [0, 1], (0.25, 0.75), (0.5, 0.5))
    assert FairCells.from_state(cells.to_state()) == cells
    rng = np.random.default_rng(0)
    counts = cells.counts(1_000, np.array([p for _, p in cells.cells({}, {})]), rng)
    assert counts.sum() == 1_000 and counts.shape == (4,)


def test_fair_outcomes_shrink_the_parity_gap(table, fair):
    pytest.importorskip("fairlearn")
    from synthgan.evaluation.fair_outcomes import fair_outcomes

    test = biased_table(2_000, seed=5)
    result = fair_outcomes({"real": table, "fair": fair.sample(len(table), seed=4)}, test, target="income",
                           sensitive="sex", seed=0)
    assert result["positive_class"] == ">50K"
    real, fair_scores, mitigated = (result["results"][k] for k in ("real", "fair", "threshold_optimizer"))
    assert fair_scores["demographic_parity_difference"] < real["demographic_parity_difference"]
    assert mitigated["roc_auc"] is None and 0.0 <= mitigated["demographic_parity_difference"] <= 1.0
    assert set(real["positive_rate_by_group"]) == {"Female", "Male"}


def test_cli_fit_with_fair_columns(table, tmp_path):
    from typer.testing import CliRunner

    from synthgan.cli.main import app

    data, model, out = tmp_path / "t.csv", tmp_path / "m.synthgan", tmp_path / "o.csv"
    table.to_csv(data, index=False)
    result = CliRunner().invoke(app, ["fit", str(data), "-o", str(model), "-m", "copula", "--fair-target", "income",
                                      "--fair-sensitive", "sex", "-q"])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, ["sample", str(model), "-n", "3000", "--seed", "1", "-o", str(out)]).exit_code == 0
    rates = _high_rate(pd.read_csv(out))
    assert abs(rates["Male"] - rates["Female"]) < 0.04
