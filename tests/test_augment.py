"""The augment verb: exact per-class counts, origin column, --add on any categorical column, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_augment_standins import BootstrapGenerator

from synthgan.augment import augment, parse_add_spec, plan_augmentation
from synthgan.augment.targets import counts_for_ratio
from synthgan.errors import ConditionError, ConfigError, DataValidationError, DataWarning


@pytest.fixture
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 300
    return pd.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": rng.normal(50, 10, n).round(2),
        "colour": pd.array(rng.choice(["red", "blue", "green"], n, p=[0.05, 0.55, 0.40]), dtype="str"),
        "y": pd.array(np.where(np.arange(n) < 30, "yes", "no"), dtype="str"),
        "flag": (np.arange(n) % 10 == 0).astype("int64"),
    })


def test_ratio_one_balances_classes_exactly(table):
    out = augment(table, "y", ratio=1.0, synthesizer=BootstrapGenerator(0), seed=0)
    assert out["y"].value_counts().to_dict() == {"no": 270, "yes": 270}
    assert len(out) == 540
    pd.testing.assert_frame_equal(out.iloc[:300], table)  # real rows first, unchanged
    assert list(out.dtypes) == list(table.dtypes)


def test_fractional_ratio_rounds_the_goal_up(table):
    out = augment(table, "y", ratio=0.55, synthesizer=BootstrapGenerator(0))
    assert out["y"].value_counts()["yes"] == 149  # ceil(0.55 * 270)
    assert out["y"].value_counts()["no"] == 270


def test_add_spec_adds_exact_rows_for_a_class_and_a_rare_feature_value(table):
    out = augment(table, add=["y=yes:37", "colour=red:11", "y=yes:3"], synthesizer=BootstrapGenerator(0),
                  origin_column="origin")
    synthetic = out[out["origin"] == "synthetic"]
    assert len(synthetic) == 51
    assert (synthetic["colour"] == "red").sum() >= 11
    assert out["y"].value_counts()["yes"] >= 30 + 40
    assert (out["origin"] == "real").sum() == 300


def test_integer_target_keeps_its_values_and_dtype(table):
    out = augment(table, "flag", synthesizer=BootstrapGenerator(0), origin_column="source")
    assert out["flag"].dtype == np.int64
    assert out["flag"].value_counts().to_dict() == {0: 270, 1: 270}
    assert out.loc[out["source"] == "synthetic", "flag"].eq(1).all()


def test_add_resolves_numbers_typed_as_text(table):
    plan = plan_augmentation(table, add=["flag=1:5"])
    assert plan == {"flag": {1: 5}}


def test_already_balanced_warns_and_adds_nothing(table):
    balanced = table.assign(y=np.where(np.arange(300) % 2 == 0, "a", "b"))
    with pytest.warns(DataWarning, match="no rows were added"):
        out = augment(balanced, "y", synthesizer=BootstrapGenerator(0))
    assert len(out) == 300


@pytest.mark.parametrize("spec, expected", [("y=yes:5000", ("y", "yes", 5000)), ("a=b=c:2", ("a", "b=c", 2)),
                                            ("income band= >50K :7", ("income band", ">50K", 7))])
def test_parse_add_spec(spec, expected):
    assert parse_add_spec(spec) == expected


@pytest.mark.parametrize("spec", ["y=yes", "y:5", "y=yes:0", "y=yes:-3", "y=yes:2.5"])
def test_malformed_add_spec_is_a_config_error(spec):
    with pytest.raises(ConfigError, match="--add"):
        parse_add_spec(spec)


def test_counts_for_ratio_multiclass():
    counts = pd.Series({"a": 100, "b": 40, "c": 10})
    assert counts_for_ratio(counts, 0.5, "y") == {"b": 10, "c": 40}


def test_missing_target_names_the_column(table):
    with pytest.raises(DataValidationError, match="target column 'label' is not in the table"):
        augment(table, "label", synthesizer=BootstrapGenerator(0))


def test_single_class_target_is_rejected(table):
    with pytest.raises(DataValidationError, match="'y' has only the value 'no'"):
        augment(table.assign(y="no"), "y", synthesizer=BootstrapGenerator(0))


@pytest.mark.parametrize("ratio", [0, -1.0, float("nan"), float("inf")])
def test_ratio_must_be_positive(table, ratio):
    with pytest.raises(ConfigError, match="ratio must be a number > 0"):
        augment(table, "y", ratio=ratio, synthesizer=BootstrapGenerator(0))


def test_unknown_class_lists_known_values(table):
    with pytest.raises(ConditionError, match=r"value 'maybe' does not occur in column 'y'; known values: 'no', 'yes'"):
        augment(table, add=["y=maybe:10"], synthesizer=BootstrapGenerator(0))


def test_nothing_to_do_and_clashing_origin_column(table):
    with pytest.raises(ConfigError, match="nothing to generate"):
        augment(table, synthesizer=BootstrapGenerator(0))
    with pytest.raises(ConfigError, match="origin column 'y' already exists"):
        augment(table, "y", origin_column="y", synthesizer=BootstrapGenerator(0))
    with pytest.raises(ConfigError, match="ratio needs a target"):
        augment(table, ratio=1.0, add=["y=yes:1"], synthesizer=BootstrapGenerator(0))


def test_fitted_synthesizer_from_another_table_is_used_as_is(table):
    other = table.sample(frac=1.0, random_state=1).reset_index(drop=True)
    fitted = BootstrapGenerator(2).fit(other)
    out = augment(table, "y", synthesizer=fitted)
    assert out["y"].value_counts().to_dict() == {"no": 270, "yes": 270}
    narrow = BootstrapGenerator(2).fit(other.drop(columns="income"))
    with pytest.raises(DataValidationError, match="does not produce column"):
        augment(table, "y", synthesizer=narrow)
