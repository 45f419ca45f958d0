"""Rare-event enrichment arms: the labelled set, what each arm hands to its generator, leakage, shapes and seeds."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from synthgan.anomaly import enrich
from synthgan.augment.classifiers import FeatureKinds
from synthgan.augment.generators import synthesizer_factory
from synthgan.augment.leakage import LeakageError, LeakageGuard
from synthgan.errors import ConfigError, DataValidationError

LABEL = "is_anomaly"


def table(n: int = 300, share: float = 0.12, seed: int = 0) -> pd.DataFrame:
    """Mixed types with gaps: anomalies are shifted in ``a`` and favour the ``moon`` shop."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % round(1 / share) == 0).astype(int)
    a = rng.normal(size=n) + 3.0 * y
    frame = pd.DataFrame({
        "a": a,
        "b": 2 * a + rng.normal(scale=0.3, size=n),
        "amount": rng.lognormal(3, 1, size=n).round(2),
        "shop": np.where(y == 1, rng.choice(["north", "moon"], n), rng.choice(["north", "south", "east"], n)),
        "code": rng.integers(0, 4, n),
        LABEL: y,
    })
    frame.loc[rng.choice(n, n // 10, replace=False), "amount"] = np.nan
    frame.loc[rng.choice(n, n // 20, replace=False), "shop"] = None
    return frame


@pytest.fixture(scope="module")
def split():
    frame = table()
    features, labels = frame.drop(columns=[LABEL]), frame[LABEL]
    train_ids = pd.Index(np.sort(np.random.default_rng(1).permutation(len(frame))[:180]))
    test_ids = frame.index.difference(train_ids)
    return features, labels, train_ids, test_ids, FeatureKinds.infer(features)


def labelled(split, shots: int, seed: int = 7):
    features, labels, train_ids, test_ids, kinds = split
    rows, unlabelled = enrich.labelled_rows(features, labels, 1, train_ids, shots, seed=seed, kinds=kinds)
    guard = LeakageGuard(features.loc[test_ids.union(unlabelled)], rows.features, list(features.columns))
    return rows, unlabelled, guard


class Recorder:
    """Stand-in synthesizer factory: remembers every frame handed to ``fit``; samples by resampling it."""

    def __init__(self) -> None:
        self.fitted: list[pd.DataFrame] = []

    def __call__(self, model, *, seed, n_rows):
        recorder = self

        class Model:
            def fit(self, data):
                recorder.fitted.append(data.copy())
                self.data = data
                return self

            def sample(self, n, conditions=None, seed=None):
                rows = self.data
                if conditions:
                    (column, value), = conditions.items()
                    rows = rows[rows[column].astype(str) == str(value)]
                return rows.sample(n, replace=True, random_state=seed % 2**32).reset_index(drop=True)

        return Model()


def test_labelled_set_is_all_normal_training_rows_plus_k_nested_anomalies(split):
    features, labels, train_ids, _, _ = split
    train_anomalies = int((labels.loc[train_ids] == 1).sum())
    small, small_left, _ = labelled(split, 3)
    large, large_left, _ = labelled(split, 6)
    normal = train_ids[(labels.loc[train_ids] == 0).to_numpy()]
    for rows, k, left in ((small, 3, small_left), (large, 6, large_left)):
        assert int(rows.y.sum()) == k
        assert len(rows.y) == len(normal) + k
        assert normal.isin(rows.features.index).all()
        assert len(left) == train_anomalies - k and not left.isin(rows.features.index).any()
    chosen = lambda rows: set(rows.features.index[rows.y == 1])  # noqa: E731
    assert chosen(small) < chosen(large)  # nested draws: shot counts are paired
    assert chosen(labelled(split, 3, seed=8)[0]) != chosen(small)


def test_too_few_training_anomalies_is_refused(split):
    features, labels, train_ids, _, kinds = split
    available = int((labels.loc[train_ids] == 1).sum())
    with pytest.raises(DataValidationError, match=f"holds {available} anomalies, fewer than the {available + 1}"):
        enrich.labelled_rows(features, labels, 1, train_ids, available + 1, seed=0, kinds=kinds)


def test_arms_hand_their_generators_only_the_rows_they_should(split):
    rows, _, guard = labelled(split, 10)
    recorder = Recorder()
    arms = enrich.build_enrichment_arms(["tvae", "tvae@anomalies"], recorder)
    enrich.run_enrichment(rows, arms, ["logreg"], split[0].loc[split[3]], seed=0, ratio=0.5, guard=guard)
    conditional, alone = recorder.fitted
    assert LABEL in conditional.columns and len(conditional) == len(rows.y)  # the labelled set, label included
    assert LABEL not in alone.columns and len(alone) == 10
    assert set(alone.index) == set(rows.features.index[rows.y == 1])  # the k labelled anomalies alone
    assert guard.checked["generator 'tvae@anomalies'"] == 10


def test_fewer_anomalies_than_a_model_fits_on_are_repeated(split):
    rows, _, guard = labelled(split, 4)
    recorder = Recorder()
    enrich.run_enrichment(rows, enrich.build_enrichment_arms(["copula@anomalies"], recorder), ["logreg"],
                          split[0].loc[split[3]], seed=0, ratio=0.5, guard=guard)
    (alone,) = recorder.fitted
    anomalies = rows.features.loc[rows.y == 1].reset_index(drop=True)
    assert len(alone) == enrich.MIN_GENERATOR_ROWS
    pd.testing.assert_frame_equal(alone.iloc[:4], anomalies)
    pd.testing.assert_frame_equal(alone.iloc[4:8].reset_index(drop=True), anomalies)
    assert guard.checked["generator 'copula@anomalies'"] == 4


def test_results_have_one_entry_per_arm_and_classifier_with_test_probabilities(split):
    rows, _, guard = labelled(split, 6)
    factory = functools.partial(synthesizer_factory, epochs=2, batch_size=50)
    names = ["none", "random_oversampling", "smote_nc", "tvae", "copula@anomalies"]
    arms = enrich.build_enrichment_arms(names, factory)
    test = split[0].loc[split[3]]
    out = enrich.run_enrichment(rows, arms, ["lightgbm", "logreg"], test, seed=3, ratio=0.5, guard=guard)
    assert [r.method for r in out] == [f"{c}+{a}" for a in names for c in ("lightgbm", "logreg")]
    needed = rows.minority_needed(0.5)
    for result in out:
        assert result.scores.shape == (len(test),)
        assert np.all((result.scores >= 0) & (result.scores <= 1))
        assert result.fit_seconds >= 0 and result.score_seconds >= 0
        assert result.n_synthetic == (0 if result.arm == "none" else needed)
    again = enrich.run_enrichment(rows, enrich.build_enrichment_arms(names, factory), ["lightgbm", "logreg"], test,
                                  seed=3, ratio=0.5, guard=guard)
    for first, second in zip(out, again):
        np.testing.assert_array_equal(first.scores, second.scores)  # same seed, same numbers


def test_a_test_row_in_the_labelled_set_is_caught(split):
    features, labels, train_ids, test_ids, kinds = split
    rows, _ = enrich.labelled_rows(features, labels, 1, train_ids, 4, seed=0, kinds=kinds)
    held_out = rows.features.iloc[:5]  # as if five of the labelled rows were test rows: a split bug
    guard = LeakageGuard(held_out, rows.features.iloc[5:], list(features.columns))
    with pytest.raises(LeakageError, match="arm 'none' was given held-out rows"):
        enrich.run_enrichment(rows, enrich.build_enrichment_arms(["none"], Recorder()), ["logreg"], features.loc[test_ids],
                              seed=0, ratio=1.0, guard=guard)


def test_an_unlabelled_anomaly_may_not_reach_a_generator(split):
    rows, unlabelled, guard = labelled(split, 4)
    features = split[0]
    with pytest.raises(LeakageError, match="generator 'tvae@anomalies'"):
        guard.check("generator 'tvae@anomalies'", features.loc[unlabelled[:1]])


def test_arm_names_are_checked():
    with pytest.raises(ConfigError, match="unique"):
        enrich.build_enrichment_arms(["none", "none"], Recorder())
    with pytest.raises(ConfigError, match="is not a name"):
        enrich.build_enrichment_arms(["@anomalies"], Recorder())
    assert [a.name for a in enrich.build_enrichment_arms(enrich.default_enrichment_arms(), Recorder())] == \
        [*enrich.BASELINE_ARMS, enrich.DEFAULT_GENERATOR]
    assert enrich.generator_models(["none", "ctgan", "copula@anomalies"]) == ["ctgan", "copula"]
    assert enrich.arm_description("copula@anomalies") == "synthgan copula (fitted on the anomalies only)"
    assert enrich.method_label("lightgbm+smote_nc") == "LightGBM + SMOTE-NC"
