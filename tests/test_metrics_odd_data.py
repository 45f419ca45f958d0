"""Metrics never crash on odd data: huge integers, one column, constant or missing columns, a single row."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.evaluation import evaluate
from synthgan.evaluation.fidelity import _digitize_own_range, column_pair_trends, column_shapes

runner = CliRunner()
N = 60


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def assert_in_range(result) -> int:
    """Every computed value lies in its declared range; returns how many values were computed."""
    computed = 0
    for family, entries in result.metrics.items():
        for name, entry in entries.items():
            value = entry["value"]
            if value is None:
                assert entry["reason"], f"{family}.{name} has neither a value nor a reason"
                continue
            computed += 1
            assert np.isfinite(value), f"{family}.{name} = {value}"
            lo, hi = entry["range"]
            assert lo is None or value >= lo - 1e-9, f"{family}.{name} = {value} < {lo}"
            assert hi is None or value <= hi + 1e-9, f"{family}.{name} = {value} > {hi}"
    return computed


def huge_ints(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"big": (2**62 + rng.integers(0, 1000, N)).astype(np.int64),
                         "wide": rng.integers(0, 2**62, N), "c": rng.choice(["x", "y"], N)})


def test_binning_is_range_safe():
    narrow = (2.0**62 + np.arange(5) * 256).astype(np.float64)
    codes = _digitize_own_range(narrow)
    assert codes.dtype == np.int64 and codes.min() >= 0 and codes.max() <= 11
    constant = np.full(4, 2.0**62)
    assert np.unique(_digitize_own_range(constant)).size == 1
    extremes = np.array([-1.7e308, 0.0, 1.7e308, np.nan])
    codes = _digitize_own_range(extremes)
    assert codes[0] < codes[1] < codes[2] and codes[3] == 11
    ordinary = np.array([0.0, 1.0, 2.0, 10.0])
    assert _digitize_own_range(ordinary).tolist() == np.digitize(ordinary, np.histogram_bin_edges(ordinary, 10)).tolist()


def test_int64_near_2_pow_62_evaluates(tmp_path):
    real, synth = huge_ints(0), huge_ints(1)
    result = evaluate(real, synth, target="c", seed=0)
    assert assert_in_range(result) >= 10
    assert 0.0 <= column_shapes(real, synth) <= 1.0
    assert 0.0 <= column_pair_trends(real, synth) <= 1.0
    assert result.value("fidelity", "column_shapes") > 0.0

    real_csv, synth_csv, out = tmp_path / "r.csv", tmp_path / "s.csv", tmp_path / "m.json"
    real.to_csv(real_csv, index=False)
    synth.to_csv(synth_csv, index=False)
    cli = invoke("evaluate", real_csv, synth_csv, "--json", out, "--quiet", "--metrics", "fidelity")
    assert cli.exit_code == 0, cli.output
    assert 0.0 <= json.loads(out.read_text())["metrics"]["fidelity"]["quality_score"]["value"] <= 1.0


def test_target_on_a_one_column_table_is_not_applicable(tmp_path):
    table = pd.DataFrame({"c": np.random.default_rng(0).choice(["x", "y"], N)})
    result = evaluate(table, table, target="c", seed=0, metrics=["utility", "fairness", "fidelity"])
    for name in ("tstr_roc_auc", "trtr_roc_auc", "utility_ratio"):
        entry = result.metrics["utility"][name]
        assert entry["value"] is None and "not applicable: 'c' is the only column" in entry["reason"]
    assert result.value("fidelity", "column_shapes") == pytest.approx(1.0)
    assert_in_range(result)

    path, out = tmp_path / "one.csv", tmp_path / "m.json"
    table.to_csv(path, index=False)
    cli = invoke("evaluate", path, path, "--target", "c", "--json", out, "--quiet", "--metrics", "utility")
    assert cli.exit_code == 0, cli.output
    assert json.loads(out.read_text())["metrics"]["utility"]["tstr_roc_auc"]["value"] is None


def test_numeric_one_column_target_is_not_applicable():
    table = pd.DataFrame({"v": np.random.default_rng(0).normal(size=N)})
    result = evaluate(table, table, target="v", seed=0, metrics="utility")
    assert result.metrics["utility"]["tstr_r2"]["value"] is None
    assert "only column" in result.metrics["utility"]["tstr_r2"]["reason"]


def test_constant_columns():
    table = pd.DataFrame({"k": [7] * N, "t": ["same"] * N, "x": np.linspace(0, 1, N)})
    result = evaluate(table, table, seed=0)
    assert_in_range(result)
    assert result.value("fidelity", "column_shapes") == pytest.approx(1.0)
    pair = result.metrics["fidelity"]["column_pair_trends"]
    assert pair["value"] is None or 0.0 <= pair["value"] <= 1.0


def test_all_missing_columns():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"gone": [np.nan] * N, "none": [None] * N, "c": rng.choice(["x", "y"], N),
                          "x": rng.normal(size=N)})
    result = evaluate(table, table, target="c", seed=0)
    assert_in_range(result)
    shapes = result.metrics["fidelity"]["column_shapes"]["details"]["columns"]
    assert shapes["gone"]["score"] is None and "no values" in shapes["gone"]["reason"]
    assert result.value("fidelity", "missing_values") == pytest.approx(1.0)


def test_every_column_missing():
    table = pd.DataFrame({"a": [np.nan] * N, "b": [None] * N})
    result = evaluate(table, table, seed=0)
    assert_in_range(result)
    assert result.value("fidelity", "column_shapes") is None


@pytest.mark.parametrize("target", [None, "c", "big"])
def test_a_single_row(target):
    real, synth = huge_ints(0).iloc[:1], huge_ints(1).iloc[:1]
    result = evaluate(real, synth, target=target, seed=0)
    assert_in_range(result)
    assert result.meta["n_rows"]["real"] == 1


def test_floats_near_1e300_give_true_scores_without_overflow_warnings():
    import warnings

    rng = np.random.default_rng(0)
    real = pd.DataFrame({"h": rng.uniform(0, 1, N) * 1e300, "c": rng.choice(["x", "y"], N)})
    synth = pd.DataFrame({"h": -rng.uniform(0, 1, N) * 1e300, "c": rng.choice(["x", "y"], N)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = evaluate(real, synth, holdout=real.iloc[:20], seed=0)
    assert_in_range(result)
    # disjoint ranges: the column shape score is 0 (rounding used to turn every value into inf and score 1)
    assert result.metrics["fidelity"]["column_shapes"]["details"]["columns"]["h"]["score"] == pytest.approx(0.0)
    assert result.value("privacy", "exact_copies") == pytest.approx(0.0)


def test_pair_trends_near_float_max_have_no_overflow():
    import warnings

    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, N) * 1.7e308
    real = pd.DataFrame({"x": x, "y": x * 0.5})  # perfectly correlated
    synth = pd.DataFrame({"x": x, "y": -x * 0.5})  # perfectly anti-correlated
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = evaluate(real, synth, seed=0, metrics=["fidelity", "detection", "diversity", "privacy"])
    assert_in_range(result)
    pair = result.metrics["fidelity"]["column_pair_trends"]["details"]["pairs"][0]
    assert pair["real_correlation"] == pytest.approx(1.0) and pair["synthetic_correlation"] == pytest.approx(-1.0)
    assert pair["score"] == pytest.approx(0.0)
