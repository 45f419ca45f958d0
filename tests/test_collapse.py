"""Model-collapse study: each generation trained on the previous one's samples; scores against the real table."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_augment_standins import BootstrapGenerator

from synthgan.augment.collapse import CollapseStudy, rare_category_coverage
from synthgan.errors import ConfigError, DataValidationError


class TailCuttingGenerator(BootstrapGenerator):
    """Bootstraps only the central rows and never the rarest category: a generator that collapses."""

    def fit(self, data):
        lo, hi = data["x"].quantile([0.05, 0.95])
        rarest = data["kind"].value_counts().index[-1]
        return super().fit(data[data["x"].between(lo, hi) & (data["kind"] != rarest)])


@pytest.fixture
def real() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 2000
    return pd.DataFrame({
        "id": np.arange(n),
        "x": rng.standard_t(3, n),
        "y": rng.normal(size=n),
        "kind": rng.choice(["a", "b", "c", "d", "e"], n, p=[0.5, 0.3, 0.12, 0.05, 0.03]),
    })


def test_collapsing_generator_loses_tails_and_rare_categories(real):
    lines = []
    study = CollapseStudy("stand-in", generations=3, drop=("id",), seed=1, progress=lines.append,
                          generator_factory=lambda model, seed, n_rows: TailCuttingGenerator(seed)).run(real)
    g = study.generations_
    assert list(g["generation"]) == [1, 2, 3]
    assert (g["rows"] == 2000).all()
    assert g["tail_coverage"].iloc[0] < 0.6  # the 1st/99th percentile tails are cut away from generation 1 on
    assert g["tail_coverage"].is_monotonic_decreasing
    assert list(g["rare_category_coverage"]) == [0.5, 0.0, 0.0]  # 'e' lost first, then 'd'
    assert g["lost_rare_categories"].iloc[1] == {"kind": ["d", "e"]}
    assert g["category_coverage"].iloc[2] == pytest.approx(2 / 5)  # e, d, then c dropped
    assert g["column_shapes"].iloc[-1] < g["column_shapes"].iloc[0] <= 1.0
    assert len(lines) == 3 and lines[0].startswith("generation 1/3: tail coverage")
    data = json.loads(json.dumps(study.to_dict()))
    assert data["info"]["rows"] == 2000 and "id" not in data["info"]["kinds"]
    assert set(data["definitions"]) >= {"tail_coverage", "rare_category_coverage", "column_shapes", "column_pair_trends"}


def test_a_faithful_generator_keeps_its_scores(real):
    study = CollapseStudy("stand-in", generations=2, n_rows=1000, drop=("id",),
                          generator_factory=lambda model, seed, n_rows: BootstrapGenerator(seed)).run(real)
    g = study.generations_
    assert (g["rows"] == 1000).all()
    assert (g["category_coverage"] == 1.0).all()
    assert (g["column_shapes"] > 0.9).all()


def test_rare_category_coverage_known_answer():
    real = pd.DataFrame({"c": ["a"] * 96 + ["b", "b", "c", "d"], "n": np.arange(100.0)})
    synthetic = pd.DataFrame({"c": ["a", "b"] * 5, "n": np.arange(10.0)})
    share, lost = rare_category_coverage(real, synthetic, {"c": "categorical", "n": "numerical"})
    assert share == pytest.approx(1 / 3) and lost == {"c": ["c", "d"]}
    nothing_rare, _ = rare_category_coverage(real.assign(c="a"), synthetic, {"c": "categorical", "n": "numerical"})
    assert np.isnan(nothing_rare)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"generations": 0}, ConfigError, "generations must be a positive integer"),
    ({"n_rows": 3}, ConfigError, r"n_rows \(--rows\) must be an integer of at least 10"),
    ({"drop": ("nope",)}, DataValidationError, r"--drop column\(s\) \['nope'\]"),
])
def test_bad_options(real, kwargs, error, message):
    with pytest.raises(error, match=message):
        CollapseStudy("stand-in", generator_factory=lambda model, seed, n_rows: BootstrapGenerator(seed), **kwargs).run(real)
