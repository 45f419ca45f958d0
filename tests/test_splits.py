"""Validation hold-out splits: by row, and by entity when the schema has an entity column."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.core.registry import create_model
from synthgan.errors import DataValidationError
from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.fitting.plan import TrainingOptions, plan_training
from synthgan.tabular.fitting.validation import holdout_split
from synthgan.tabular.schema import infer_schema


def entities(n_entities: int, rows_each: np.ndarray | int, seed: int = 0) -> np.ndarray:
    """Entity labels ``e0, e1, ...`` with the given rows each, shuffled over the table."""
    labels = np.repeat([f"e{i}" for i in range(n_entities)], rows_each)
    return np.random.default_rng(seed).permutation(labels)


def assert_partition(train: np.ndarray, hold: np.ndarray, n_rows: int) -> None:
    assert np.array_equal(np.sort(np.r_[train, hold]), np.arange(n_rows))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(hold) > 0)  # sorted, no repeats


def test_no_entity_is_on_both_sides():
    groups = entities(200, 10)
    train, hold = holdout_split(len(groups), seed=0, groups=groups)
    assert_partition(train, hold, len(groups))
    assert not set(groups[train]) & set(groups[hold])
    assert len(set(groups[hold])) == 20  # equal-sized entities: exactly 10 % of them


def test_fraction_is_about_right_with_uneven_entities():
    rows_each = np.random.default_rng(1).integers(1, 60, 300)
    groups = entities(300, rows_each)
    n = len(groups)
    for seed in range(5):
        train, hold = holdout_split(n, seed=seed, groups=groups)
        assert abs(len(hold) - round(0.1 * n)) < 60  # within one entity of the row target
        assert not set(groups[train]) & set(groups[hold])
    _, hold = holdout_split(n, seed=0, fraction=0.3, groups=groups)
    assert abs(len(hold) - round(0.3 * n)) < 60


def test_entity_split_is_deterministic_from_the_seed():
    groups = entities(100, 20)
    first = holdout_split(len(groups), seed=7, groups=groups)
    again = holdout_split(len(groups), seed=7, groups=pd.Series(groups))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    other = holdout_split(len(groups), seed=8, groups=groups)
    assert set(groups[first[1]]) != set(groups[other[1]])


def test_without_entities_the_split_is_the_row_split():
    for n in (20, 60, 1000):
        plain = holdout_split(n, seed=3)
        assert all(np.array_equal(a, b) for a, b in zip(plain, holdout_split(n, seed=3, groups=None)))
    train, hold = holdout_split(1000, seed=0)
    assert len(hold) == 100 and len(train) == 900  # unchanged sizes


def test_missing_entity_values_form_one_entity():
    groups = np.array(["a", None, "b", np.nan, "c", "a", None, "b", "c", "d"] * 10, dtype=object)
    missing = pd.isna(groups)  # 30 rows: None and NaN alike
    held_missing = []
    for seed in range(10):
        train, hold = holdout_split(len(groups), seed=seed, fraction=0.4, groups=groups)
        assert not (missing[train].any() and missing[hold].any())
        assert not set(groups[train][~missing[train]]) & set(groups[hold][~missing[hold]])
        held_missing.append(int(missing[hold].sum()))
    assert set(held_missing) == {0, 30}  # all 30 missing rows together, on one side or the other


def test_at_least_one_entity_trains_and_one_is_held_out():
    groups = np.repeat(["big", "small"], [900, 100])
    train, hold = holdout_split(len(groups), seed=0, groups=groups)
    assert set(groups[hold]) == {"small"} and set(groups[train]) == {"big"}
    groups = np.repeat(["a", "b"], [10, 990])  # the target of 100 rows is nearer 10 than 990 whatever the order
    assert set(groups[holdout_split(len(groups), seed=0, groups=groups)[1]]) == {"a"}


def test_entity_split_errors_say_what_to_do():
    with pytest.raises(DataValidationError, match="single entity.*turn validation off"):
        holdout_split(100, seed=0, groups=np.full(100, "only"))
    with pytest.raises(DataValidationError, match="99 values for 100 rows"):
        holdout_split(100, seed=0, groups=np.arange(99))


def test_training_plan_holds_out_whole_entities(load_table):
    air = load_table("sequences_beijing_air_quality", 3000)
    schema = infer_schema(air, entity="station", sequence_index="timestamp")
    encoder = TableEncoder(seed=0).fit(air, schema)
    encoded = encoder.transform(air)
    model = create_model("ctgan", epochs=1, batch_size=100, device="cpu")
    plan = plan_training(model, air, encoded, encoder, seed=0, options=TrainingOptions(patience=2))
    stations = air["station"].to_numpy()
    assert_partition(plan.train_rows, plan.holdout_rows, len(air))
    held = set(stations[plan.holdout_rows])
    assert len(held) == 1 and not held & set(stations[plan.train_rows])  # 12 stations of ~250 rows: one is ~10 %
    plain = TableEncoder(seed=0).fit(air)  # no entity in the schema: the row split of before
    plan = plan_training(model, air, encoded, plain, seed=0, options=TrainingOptions(patience=2))
    assert np.array_equal(plan.holdout_rows, holdout_split(len(air), seed=0)[1])
