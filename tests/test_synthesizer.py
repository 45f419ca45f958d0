"""Common checks run over every registered model, on a real table (UCI Adult)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
import torch

from synthgan import Synthesizer, load
from synthgan.errors import ConditionError, ConfigError, NotFittedError
from synthgan.core.registry import available_models

# Enough training that marginals (incl. missing shares) are learned, small enough for CI.
EPOCHS = {"ctgan": 40, "wgan-gp": 40, "wgan": 40, "gan": 40, "tvae": 40, "table-gan": 80, "copula": None}
N_SAMPLE = 3000


@pytest.fixture(scope="module")
def adult_small(shared_datasets) -> pd.DataFrame:
    return pd.read_csv(shared_datasets / "adult.csv.gz").sample(n=3000, random_state=1).reset_index(drop=True)


def _rng_states():
    return np.random.get_state()[1].copy(), torch.get_rng_state().clone(), random.getstate()


@pytest.fixture(scope="module", params=available_models("table"))
def fitted(request, adult_small):
    name = request.param
    before = _rng_states()
    syn = Synthesizer(name, epochs=EPOCHS.get(name), seed=0).fit(adult_small)
    first = syn.sample(N_SAMPLE, seed=7)
    after = _rng_states()
    return name, syn, first, before, after


def test_columns_and_dtypes_match(fitted, adult_small):
    _, _, synth, _, _ = fitted
    assert list(synth.columns) == list(adult_small.columns)
    assert len(synth) == N_SAMPLE
    assert synth.dtypes.astype(str).to_dict() == adult_small.dtypes.astype(str).to_dict()


def test_values_stay_in_training_support(fitted, adult_small):
    _, _, synth, _, _ = fitted
    for column in adult_small.columns:
        real, fake = adult_small[column], synth[column]
        if pd.api.types.is_numeric_dtype(real):
            values = fake.dropna()
            assert values.min() >= real.min() and values.max() <= real.max(), column
            if pd.api.types.is_integer_dtype(real):
                assert np.all(np.equal(np.mod(values, 1), 0)), column
        else:
            assert set(fake.dropna()) <= set(real.dropna()), column


def test_missing_share_is_learned(fitted, adult_small):
    name, _, synth, _, _ = fitted
    for column in ("workclass", "occupation", "native_country"):
        real_share, fake_share = adult_small[column].isna().mean(), synth[column].isna().mean()
        assert abs(real_share - fake_share) <= 0.03, (name, column, real_share, fake_share)


def test_same_seed_gives_same_rows(fitted, adult_small):
    name, syn, first, _, _ = fitted
    pd.testing.assert_frame_equal(syn.sample(N_SAMPLE, seed=7), first)
    assert not syn.sample(200, seed=8).equals(first.iloc[:200])
    # Two fits with one seed give identical weights, hence identical rows (short fits keep CI fast).
    small = adult_small.iloc[:600]
    epochs = 2 if EPOCHS.get(name) else None
    one = Synthesizer(name, epochs=epochs, seed=5).fit(small)
    two = Synthesizer(name, epochs=epochs, seed=5).fit(small)
    for key, value in one.model_.state_arrays().items():
        np.testing.assert_array_equal(value, two.model_.state_arrays()[key], err_msg=key)
    pd.testing.assert_frame_equal(one.sample(500, seed=1), two.sample(500, seed=1))
    other = Synthesizer(name, epochs=epochs, seed=6).fit(small)
    assert not other.sample(500).equals(Synthesizer(name, epochs=epochs, seed=5).fit(small).sample(500))


def test_save_load_reproduces_samples(fitted, tmp_path):
    _, syn, first, _, _ = fitted
    path = syn.save(tmp_path / "m.synthgan")
    back = load(path)
    pd.testing.assert_frame_equal(back.sample(N_SAMPLE, seed=7), first)
    # The unseeded stream also restarts identically after loading.
    fresh = load(path)
    pd.testing.assert_frame_equal(fresh.sample(100), back.__class__.load(path).sample(100))
    assert back.history_ == syn.history_


def test_global_random_state_untouched(fitted):
    _, _, _, before, after = fitted
    assert np.array_equal(before[0], after[0])
    assert torch.equal(before[1], after[1])
    assert before[2] == after[2]


def test_conditions_are_met_exactly(fitted):
    _, syn, _, _, _ = fitted
    rich = syn.sample(500, conditions={"income": ">50K"}, seed=3)
    assert len(rich) == 500 and (rich["income"] == ">50K").all()
    both = syn.sample(300, conditions={"income": ">50K", "sex": "Female"}, seed=3)
    assert len(both) == 300 and (both["sex"] == "Female").all() and (both["income"] == ">50K").all()


def test_bad_conditions_and_n(fitted):
    _, syn, _, _, _ = fitted
    with pytest.raises(ConditionError, match="income"):
        syn.sample(10, conditions={"income": "millionaire"})
    with pytest.raises(ConditionError, match="no_such_column"):
        syn.sample(10, conditions={"no_such_column": "x"})
    for bad in (0, -5, 2.5, True):
        with pytest.raises(ConfigError, match="positive integer"):
            syn.sample(bad)


@pytest.mark.parametrize("name", available_models("table"))
def test_unfitted_raises(name):
    with pytest.raises(NotFittedError, match="fit"):
        Synthesizer(name).sample(5)
    with pytest.raises(NotFittedError):
        Synthesizer(name).save("never.synthgan")


def test_unknown_model_name_lists_valid_ones(adult_small):
    with pytest.raises(ConfigError, match="ctgan"):
        Synthesizer("diffusion-9000").fit(adult_small)


def test_the_default_model_is_the_registry_named_default(tmp_path):
    """Synthesizer(), the verbs and the CLI's help name one default, a registered table model."""
    from typer.testing import CliRunner

    from synthgan.cli.main import app
    from synthgan.tabular import DEFAULT_TABLE_MODEL

    assert DEFAULT_TABLE_MODEL == "autoregressive" and DEFAULT_TABLE_MODEL in available_models("table")
    assert Synthesizer().model == DEFAULT_TABLE_MODEL
    table = pd.DataFrame({"a": np.arange(200) % 7, "b": np.where(np.arange(200) % 3 == 0, "x", "y")})
    out = tmp_path / "m.synthgan"
    result = CliRunner().invoke(app, ["fit", str(_write(table, tmp_path)), "-o", str(out), "--epochs", "2", "--quiet"])
    assert result.exit_code == 0, result.output
    assert load(out).model == DEFAULT_TABLE_MODEL
    assert f"default {DEFAULT_TABLE_MODEL}" in " ".join(CliRunner(env={"COLUMNS": "1000"}).invoke(app, ["fit", "--help"]).output.split())


def _write(table: pd.DataFrame, folder) -> object:
    path = folder / "t.csv"
    table.to_csv(path, index=False)
    return path
