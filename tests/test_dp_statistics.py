"""DP building blocks: one budget in Renyi DP, and the histograms a DP fit may release."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("opacus")

from synthgan.dp import PrivacyBudget, gaussian_rdp, numeric_edges, release_histograms, to_epsilon  # noqa: E402
from synthgan.dp.accounting import sgd_rdp  # noqa: E402
from synthgan.errors import ConfigError  # noqa: E402


@pytest.mark.parametrize("kwargs, message", [({"epsilon": 0, "delta": 1e-5}, "epsilon"),
                                             ({"epsilon": 1.0, "delta": 1.0}, "delta"),
                                             ({"epsilon": 1.0, "delta": 1e-5, "statistics_share": 1.5}, "statistics_share")])
def test_budget_checks(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        PrivacyBudget(**kwargs).check()


def test_statistics_spend_their_share_and_training_the_rest():
    budget = PrivacyBudget(3.0, 1e-5).check()
    sigma = budget.statistics_sigma(np.sqrt(10))
    stats = gaussian_rdp(np.sqrt(10), sigma)
    alone = to_epsilon(stats, budget.rdp_delta)
    assert 0.74 <= alone <= 0.75  # 25% of epsilon, from below
    steps = budget.max_steps(stats, sample_rate=0.01, noise_multiplier=1.0, cap=100_000)
    assert 0 < steps < 100_000
    assert budget.spent(stats, 0.01, 1.0, steps) <= 3.0 < budget.spent(stats, 0.01, 1.0, steps + 1)
    more_noise = budget.max_steps(stats, sample_rate=0.01, noise_multiplier=2.0, cap=100_000)
    assert more_noise > steps
    assert budget.max_steps(stats, 0.01, 1.0, cap=10) == 10


def test_training_rdp_grows_with_steps():
    few, many = sgd_rdp(0.02, 1.0, 100), sgd_rdp(0.02, 1.0, 1_000)
    finite = np.isfinite(many)
    assert finite[:100].all() and (many[finite] > few[finite]).all() and (few > 0).all()
    assert (sgd_rdp(0.02, 1.0, 0) == 0).all()


def test_a_category_seen_once_is_never_emitted_at_epsilon_1():
    frame = pd.DataFrame({"city": ["Paris"] * 5_000 + ["Lyon"] * 2_000 + ["Rare town"],
                          "age": np.arange(7_001) % 90})
    budget = PrivacyBudget(1.0, 1e-5)
    emitted = {"Rare town": 0, "Lyon": 0}
    for seed in range(100):
        release = release_histograms(frame, {"city": False, "age": True}, budget, np.random.default_rng(seed))
        for name in emitted:
            emitted[name] += name in release.columns["city"].levels
    assert emitted == {"Rare town": 0, "Lyon": 100}
    assert release.threshold > 1 + 4 * release.sigma  # the bar a single row would have to clear


def test_numeric_histograms_give_dp_quantiles():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"income": rng.lognormal(10, 0.6, 50_000), "hours": rng.normal(40, 8, 50_000)})
    frame.loc[:999, "hours"] = np.nan
    release = release_histograms(frame, {"income": True, "hours": True}, PrivacyBudget(3.0, 1e-5), np.random.default_rng(1))
    income = release.columns["income"].quantiles(np.array([0.1, 0.5, 0.9]))
    truth = np.quantile(frame["income"], [0.1, 0.5, 0.9])
    assert np.all(np.abs(income / truth - 1) < 0.15)
    assert release.columns["hours"].missing_share() == pytest.approx(0.02, abs=0.01)
    assert len(release.columns["income"].counts) == len(numeric_edges()) - 1
    again = release_histograms(frame, {"income": True, "hours": True}, PrivacyBudget(3.0, 1e-5), np.random.default_rng(1))
    assert np.array_equal(again.columns["income"].counts, release.columns["income"].counts)


def test_the_grid_does_not_depend_on_the_data():
    edges = numeric_edges()
    assert np.array_equal(edges, numeric_edges())
    assert edges[0] == -np.inf and edges[-1] == np.inf and 0.0 in edges
    assert np.all(np.diff(edges[1:-1]) > 0)


def test_thin_numeric_bins_and_missing_cells_survive_where_categories_would_not():
    rng = np.random.default_rng(0)
    flag = (rng.random(3500) < 0.05).astype(np.int64)  # about 175 ones, like stroke's target
    bmi = rng.normal(28, 6, 3500).round(1)
    bmi[rng.random(3500) < 0.04] = np.nan
    frame = pd.DataFrame({"flag": flag, "bmi": bmi, "c": ["x"] * 3500})
    release = release_histograms(frame, {"flag": True, "bmi": True, "c": False}, PrivacyBudget(1.0, 1e-5),
                                 np.random.default_rng(3))
    low, high, _ = release.columns["flag"].bins()
    assert np.any((low <= 1.0) & (1.0 < high)) and release.columns["flag"].zero > 0
    assert 3 * release.sigma < release.threshold / 1.5  # the bar numbers clear is far below the categories'
    assert release.columns["bmi"].missing > 3 * release.sigma
