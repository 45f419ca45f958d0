"""Rules between columns: detection, declaration, enforcement on every sampled row, files, and no spikes."""

from __future__ import annotations

import copy
import json
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.errors import ConditionError, ConfigError, DataWarning, ModelFileError
from synthgan.core.files import read_model_file
from synthgan.tabular.rules import ForbiddenCombination, LessEqual, RangeByCategory, SumOf, parse_rules, rule_from_dict
from synthgan.tabular.rules_apply import RuleSet
from synthgan.tabular.rules_detect import detect_rules
from synthgan.tabular.schema import Schema, infer_schema
from synthgan.tabular.synthesizer import Synthesizer, load
from synthgan.tabular.transforms.mode_specific import ModeSpecificNormalizer, reflect

runner = CliRunner()
TINY = {"epochs": 2, "batch_size": 100, "embedding_dim": 8, "generator_dim": (16,), "discriminator_dim": (16,)}


def people(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Kids (age <= 16, never married) and adults (age >= 18); spend <= income; rent + food = total."""
    rng = np.random.default_rng(seed)
    kid = rng.random(n) < 0.3
    age = np.where(kid, rng.integers(0, 17, n), rng.integers(18, 90, n))
    married = np.where(kid, "no", rng.choice(["yes", "no"], n, p=[0.6, 0.4]))
    income = rng.gamma(2.0, 1500.0, n).round(2) + 100
    rent, food = rng.integers(100, 2000, n), rng.integers(50, 800, n)
    return pd.DataFrame({"group": np.where(kid, "kid", "adult"), "age": age, "married": married, "income": income,
                         "spend": (income * rng.uniform(0.1, 0.95, n)).round(2), "rent": rent, "food": food,
                         "total": rent + food})


def kinds(rules) -> set:
    return {r.kind for r in rules}


# ----------------------------------------------------------------------------- detection
def test_each_kind_is_found_with_its_measured_share():
    df = people(3000)
    rules = detect_rules(df, infer_schema(df))
    assert LessEqual("spend", "income", violations=0.0, checked=3000) in rules
    assert SumOf(("rent", "food"), "total", violations=0.0, checked=3000) in rules
    ranges = {(r.by, r.level): (r.low, r.high) for r in rules if isinstance(r, RangeByCategory) and r.column == "age"}
    assert ranges[("group", "adult")] == (18.0, None) and ranges[("group", "kid")] == (None, 16.0)
    forbidden = [r for r in rules if isinstance(r, ForbiddenCombination)]
    assert [(r.columns, r.values) for r in forbidden] == [(("group", "married"), ("kid", "yes"))]


def test_le_tolerates_a_few_breaks_and_records_them():
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 100, 5000)
    df = pd.DataFrame({"a": a, "b": a + rng.uniform(0, 50, 5000)})
    df.loc[:2, "a"] = 1000.0  # 3 rows of 5,000 (0.06 %) break a <= b
    found = [r for r in detect_rules(df, infer_schema(df)) if isinstance(r, LessEqual)]
    assert found == [LessEqual("a", "b", violations=3 / 5000, checked=5000)]
    df.loc[:99, "a"] = 1000.0  # 2 %: no longer "nearly every row"
    assert not [r for r in detect_rules(df, infer_schema(df)) if isinstance(r, LessEqual)]
    assert [r for r in detect_rules(df, infer_schema(df), tolerance=0.05) if isinstance(r, LessEqual)]


def test_relations_the_ranges_imply_or_equal_columns_are_not_rules():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 2000)
    df = pd.DataFrame({"x": x, "far": rng.uniform(10, 20, 2000), "same": x})
    assert not [r for r in detect_rules(df, infer_schema(df)) if r.kind in ("le", "sum")]


def test_dates_and_huge_integers():
    rng = np.random.default_rng(4)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, 500), unit="h")
    df = pd.DataFrame({"start": start, "end": (start + pd.to_timedelta(rng.integers(1, 100, 500), unit="h")).tz_localize("UTC"),
                       "big": np.uint64(2**64 - 5000) + rng.integers(0, 1000, 500).astype(np.uint64),
                       "small": rng.integers(0, 100, 500), "other": np.uint64(2**64 - 3000) + rng.integers(0, 2000, 500).astype(np.uint64)})
    schema = infer_schema(df)
    rules = detect_rules(df, schema)
    assert LessEqual("start", "end", violations=0.0, checked=500) in rules
    assert not [r for r in rules if r.kind == "sum"]  # big + small = other "holds" only in float64 rounding
    ruleset = RuleSet.fit(df, [LessEqual("start", "end")], schema)
    bad = df.copy()
    bad["end"] = (bad["start"] - pd.Timedelta(hours=3)).dt.tz_localize("UTC")  # the first start has no earlier value
    fixed, ok = ruleset.enforce(bad, set(), np.random.default_rng(0))
    assert ok.all() and fixed.dtypes.equals(df.dtypes)
    assert (fixed["start"].dt.tz_localize("UTC") <= fixed["end"]).all()


def test_functional_pairs_and_unexpected_absences_are_not_forbidden():
    rng = np.random.default_rng(3)
    code = rng.choice(["a", "b", "c"], 2000)
    df = pd.DataFrame({"code": code, "name": pd.Series(code).map({"a": "A", "b": "B", "c": "C"}),
                       "rare": np.where(rng.random(2000) < 0.004, "r", "s"), "other": rng.choice(["x", "y"], 2000)})
    df.loc[df["rare"] == "r", "other"] = "x"  # r never with y, but independence expects only ~4 such rows
    assert not [r for r in detect_rules(df, infer_schema(df)) if r.kind == "forbidden_combination"]


def _python_calls(function, *args) -> int:
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(count)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return calls


def test_detection_and_enforcement_do_not_loop_over_rows():
    small, large = people(2_000), people(40_000)
    schema = infer_schema(small)
    assert _python_calls(detect_rules, large, schema) <= 1.05 * _python_calls(detect_rules, small, schema) + 50
    rules = detect_rules(large, schema)
    ruleset = RuleSet.fit(large, rules, schema)

    def enforce(frame):
        broken = frame.copy()
        broken["married"] = "yes"
        broken["spend"] = broken["income"] * 2
        ruleset.enforce(broken, set(), np.random.default_rng(0))

    assert _python_calls(enforce, large) <= 1.05 * _python_calls(enforce, small) + 50


# ----------------------------------------------------------------------------- declaring and parsing
@pytest.mark.parametrize("entry, words", [
    ({"kind": "lt", "left": "a", "right": "b"}, "'kind' is one of"),
    ({"kind": "le", "left": "a"}, "no 'right'"),
    ({"kind": "le", "left": "a", "right": "b", "strict": True}, "unknown field"),
    ({"kind": "sum", "terms": ["a"], "total": "c"}, "2 or more column names"),
    ({"kind": "forbidden_combination", "columns": ["a", "b"], "values": ["x"]}, "2 values"),
    ({"kind": "range_by_category", "column": "age", "by": "g", "level": "k", "low": "ten"}, "finite number"),
    ("le", "must be an object"),
])
def test_malformed_rules_are_refused_with_an_example(entry, words):
    with pytest.raises(ConfigError, match=words):
        rule_from_dict(entry)


@pytest.mark.parametrize("rule, words", [
    ({"kind": "le", "left": "spend", "right": "salary"}, "'salary', which the table does not have"),
    ({"kind": "le", "left": "group", "right": "age"}, "column 'group' is categorical"),
    ({"kind": "range_by_category", "column": "age", "by": "group", "level": "kid"}, "neither 'low' nor 'high'"),
    ({"kind": "range_by_category", "column": "age", "by": "group", "level": "kid", "low": 9, "high": 3}, "swap them"),
    ({"kind": "range_by_category", "column": "age", "by": "group", "level": "child", "high": 16}, "never holds 'child'"),
    ({"kind": "forbidden_combination", "columns": ["group", "group"], "values": ["kid", "adult"]}, "one column twice"),
    ({"kind": "forbidden_combination", "columns": ["group", "rent"], "values": ["kid", "x"]}, "cannot read"),
])
def test_declared_rules_that_do_not_fit_the_table_are_refused_at_fit(rule, words):
    with pytest.raises(ConfigError, match=words):
        Synthesizer("copula", rules=[rule]).fit(people())


def test_rules_argument_must_be_auto_or_a_list():
    with pytest.raises(ConfigError, match="'auto' or a list"):
        Synthesizer("copula", rules="none").fit(people())


def test_declared_dropped_and_schema_rules():
    df = people()
    assert Synthesizer("copula", rules=[]).fit(df).schema_.rules == []
    declared = Synthesizer("copula", rules=[{"kind": "le", "left": "food", "right": "rent"}])
    with pytest.warns(DataWarning, match="broken by"):
        declared.fit(df)
    (rule,) = declared.rules_.rules
    assert rule.describe() == "food <= rent" and 0.05 < rule.violations < 0.5 and rule.checked == len(df)
    assert (declared.sample(500, seed=0)["food"] <= declared.sample(500, seed=0)["rent"]).all()
    schema = infer_schema(df).to_dict()
    schema["rules"] = [{"kind": "range_by_category", "column": "age", "by": "married", "level": "yes", "low": 18}]
    from_schema = Synthesizer("copula", schema=schema).fit(df)
    assert [r.describe() for r in from_schema.rules_.rules] == ["married = 'yes' -> age >= 18"]
    found = Synthesizer("copula").fit(df)
    assert kinds(found.rules_.rules) == {"le", "sum", "range_by_category", "forbidden_combination"}


def test_schema_json_round_trip_and_cli(tmp_path):
    df = people()
    schema = infer_schema(df)
    stated = Schema(schema.columns, rules=detect_rules(df, schema))
    assert Schema.from_json(stated.to_json()) == stated
    assert "rules" not in schema.to_dict()
    path = tmp_path / "people.csv"
    df.to_csv(path, index=False)
    shown = json.loads(runner.invoke(app, ["schema", str(path)], catch_exceptions=False).output)
    assert {r["kind"] for r in shown["rules"]} == {"le", "sum", "range_by_category", "forbidden_combination"}
    assert all("note" in r and "real rows break it" in r["note"] for r in shown["rules"])
    assert "rules" not in json.loads(runner.invoke(app, ["schema", str(path), "--no-rules"]).output)
    assert parse_rules(shown["rules"]) == [rule_from_dict(r) for r in shown["rules"]]


# ----------------------------------------------------------------------------- enforcement with real fits
@pytest.fixture(scope="module", params=["ctgan", "copula"])
def fitted(request):
    params = TINY if request.param == "ctgan" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Synthesizer(request.param, seed=0, **params).fit(people())


def _broken(syn, frame) -> dict:
    return {r.describe(): int(r.broken(frame, syn.schema_).sum()) for r in syn.rules_.rules}


def test_every_sampled_row_keeps_every_rule(fitted):
    rows = fitted.sample(3000, seed=1)
    assert len(rows) == 3000 and set(_broken(fitted, rows).values()) == {0}
    assert (rows["rent"] + rows["food"] == rows["total"]).all()
    assert rows.dtypes.equals(people().dtypes)


@pytest.mark.parametrize("model", ["ctgan", "copula"])
def test_rows_breaking_a_range_are_redrawn_from_their_own_level(model):
    rule = {"kind": "range_by_category", "column": "age", "by": "group", "level": "kid", "high": 16}
    fitted = Synthesizer(model, seed=0, rules=[rule], **(TINY if model == "ctgan" else {})).fit(people())
    bare = copy.copy(fitted)  # the same model, sampled without its rule
    bare.rules_ = RuleSet([], fitted.schema_, [])
    bare._reset_sampling()
    raw, kept = bare.sample(4000, seed=6), fitted.sample(4000, seed=6)
    kids = raw["group"] == "kid"
    assert (kids & (raw["age"] > 16)).mean() > 0.05  # the model often makes older kids ...
    assert abs((kept["group"] == "kid").mean() - kids.mean()) < 0.02  # ... yet kids keep their share of rows
    assert (kept.loc[kept["group"] == "kid", "age"] <= 16).all()


def test_conditions_still_hold_and_contradictions_are_refused(fitted):
    kids = fitted.sample(400, conditions={"group": "kid"}, seed=2)
    assert (kids["group"] == "kid").all() and (kids["age"] <= 16).all() and (kids["married"] == "no").all()
    aged = fitted.sample(300, conditions={"age": 10}, seed=3)  # the range rules move the level, never the age
    assert (aged["age"] == 10).all() and (aged["group"] == "kid").all() and set(_broken(fitted, aged).values()) == {0}
    with pytest.raises(ConditionError, match="break the rule"):
        fitted.sample(10, conditions={"group": "kid", "married": "yes"})
    with pytest.raises(ConditionError, match="break the rule"):
        fitted.sample(10, conditions={"group": "kid", "age": 40})


def test_same_seed_same_bytes_and_the_file_keeps_the_rules(fitted, tmp_path):
    first = fitted.sample(1500, seed=4)
    assert first.to_csv().encode() == fitted.sample(1500, seed=4).to_csv().encode()
    path = fitted.save(tmp_path / "m.synthgan")
    back = load(path)
    assert back.rules_.rules == fitted.rules_.rules and back.schema_.rules == fitted.schema_.rules
    assert back.sample(1500, seed=4).to_csv().encode() == first.to_csv().encode()


def test_a_damaged_rules_state_is_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.synthgan")
    manifest, arrays = read_model_file(path)
    manifest["rules"] = manifest["rules"][:-1]
    with pytest.raises(ModelFileError, match="repair state per rule"):
        Synthesizer.from_file_contents(manifest, arrays, path)


# ----------------------------------------------------------------------------- repairs, no spikes
def test_repairs_keep_real_shapes_instead_of_piling_onto_bounds():
    df = people(4000)
    schema = infer_schema(df)
    ruleset = RuleSet.fit(df, [LessEqual("spend", "income"), RangeByCategory("age", "group", "adult", low=18)], schema)
    bad = df.copy()
    bad["spend"] = bad["income"] * 1.5  # every row breaks spend <= income
    bad.loc[bad["group"] == "adult", "age"] = 5  # every adult breaks the range
    fixed, ok = ruleset.enforce(bad, set(), np.random.default_rng(0))
    assert ok.all() and not ruleset.broken(fixed).any()
    assert (fixed["spend"] == fixed["income"]).mean() < 0.01  # a ratio drawn from the real rows, not equality
    adults = fixed.loc[fixed["group"] == "adult", "age"]
    assert adults.min() >= 18 and (adults == 18).mean() < 0.05 and adults.nunique() > 30
    frozen, ok = ruleset.enforce(bad, {"spend", "income"}, np.random.default_rng(0))
    assert not ok.any() and frozen["spend"].equals(bad["spend"])  # conditioned columns are never changed


def test_reflect_folds_overshoots_back_inside():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 1.2, 3.5, np.nan])
    out = reflect(x, np.zeros(7), np.ones(7))
    np.testing.assert_allclose(out, [1.0, 0.0, 0.5, 1.0, 0.8, 0.5, np.nan])
    assert reflect(np.array([2.0]), np.array([1.0]), np.array([1.0]))[0] == 1.0


def test_decoded_overshoots_do_not_spike_at_the_observed_minimum():
    from synthgan.tabular.schema import ColumnSchema

    values = pd.Series(np.random.default_rng(5).gamma(1.5, 300.0, 5000).round() + 3)
    t = ModeSpecificNormalizer(ColumnSchema("population", "continuous", "float64")).fit(values, np.random.default_rng(0))
    block = np.zeros((4000, t.width), dtype=np.float32)
    block[:, 0] = np.linspace(-1, 1, 4000)  # the whole value range, overshoots included
    block[:, 1] = 1.0  # all in the lowest mode
    decoded = t.inverse(block, np.random.default_rng(0), pd.RangeIndex(4000))
    assert decoded.min() >= values.min() and decoded.max() <= values.max()
    assert (decoded == values.min()).mean() < 0.01 and decoded.value_counts(normalize=True).max() < 0.01


def test_calibration_restores_a_narrow_generators_tails_and_keeps_the_order():
    from synthgan.tabular.schema import ColumnSchema
    from synthgan.tabular.transforms.calibration import ValueCalibration, mode_spans

    values = pd.Series(np.random.default_rng(6).gamma(2.0, 40.0, 8000).round(2) + 50)
    t = ModeSpecificNormalizer(ColumnSchema("glucose", "continuous", "float64")).fit(values, np.random.default_rng(0))
    real = t.transform(values, np.random.default_rng(1))
    narrow = real.copy()
    narrow[:, 0] *= 0.6  # a generator that learned every mode too narrowly
    spans = mode_spans({"glucose": t})
    calibration = ValueCalibration.fit(spans, real, narrow)
    index, q99 = pd.RangeIndex(len(values)), values.quantile(0.99)
    before = t.inverse(narrow, np.random.default_rng(0), index)
    after = t.inverse(calibration.apply(narrow), np.random.default_rng(0), index)
    assert (before > q99).mean() < 0.006 and 0.0066 < (after > q99).mean() < 0.015  # real: 1 %
    same_mode = narrow[:, 1:].argmax(axis=1) == 0
    order = np.argsort(narrow[same_mode, 0], kind="stable")
    assert np.all(np.diff(after[same_mode].to_numpy()[order]) >= 0)  # monotone within a mode
    back = ValueCalibration.from_arrays(spans, calibration.to_arrays())
    assert np.array_equal(back.apply(narrow), calibration.apply(narrow))
    with pytest.raises(ValueError, match="do not fit"):
        ValueCalibration.from_arrays([(0, 2, 3)], calibration.to_arrays())


def test_neural_fits_calibrate_and_the_file_keeps_it(fitted, tmp_path):
    if fitted.model == "copula":
        assert fitted.calibration_ is None
        return
    assert fitted.calibration_ is not None and fitted.calibration_.maps
    back = load(fitted.save(tmp_path / "m.synthgan"))
    assert set(back.calibration_.maps) == set(fitted.calibration_.maps)
