"""Early stopping: scripted scores through the trainer, the real validation signal, best weights kept, options."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthgan.tabular.encoder import TableEncoder
from synthgan.errors import ConfigError
from synthgan.core.registry import create_model
from synthgan.tabular.synthesizer import Synthesizer
from synthgan.core.callbacks import Callback
from synthgan.core.early_stopping import EarlyStopping
from synthgan.core.trainer import Trainer
from synthgan.tabular.fitting.validation import holdout_split

SMALL = {"epochs": 4, "batch_size": 100, "device": "cpu"}
TINY_GAN = {"generator_dim": (32, 32), "discriminator_dim": (32, 32), "embedding_dim": 16}


class FakeModel:
    """Just what EarlyStopping touches: sampling_weights / keep_weights."""

    name = "fake"

    def __init__(self):
        self.epoch, self.kept = 0, None

    def sampling_weights(self):
        return {"w": torch.tensor(float(self.epoch))}

    def keep_weights(self, weights):
        self.kept = weights


def run(es: EarlyStopping, epochs: int) -> tuple[FakeModel, list[dict]]:
    model = FakeModel()

    def step():
        model.epoch += 1
        return torch.tensor([1.0])

    return model, Trainer(epochs, 1, ["loss"], [es]).run(model, step)


def scripted(scores):
    calls = iter(scores)
    return lambda model: next(calls)


def test_patience_stops_and_keeps_the_best_weights():
    es = EarlyStopping(scripted([0.5, 0.6, 0.55, 0.54, 0.9]), patience=2, every=1)
    model, history = run(es, 10)
    assert len(history) == 4  # two evaluations without improvement after epoch 2
    assert [r["validation_score"] for r in history] == [0.5, 0.6, 0.55, 0.54]
    assert (es.best_epoch_, es.best_score_, es.stopped_epoch_, es.stop_reason_) == (2, 0.6, 4, "patience")
    assert model.kept == {"w": torch.tensor(2.0)}
    assert es.summary()["stopped_early"] is True and es.summary()["validation"] == 0.6


def test_every_and_last_epoch_are_evaluated_and_nan_never_wins():
    es = EarlyStopping(scripted([float("nan"), 0.3, 0.2]), every=3)
    model, history = run(es, 7)
    assert [r.get("validation_score") for r in history][2::3] == [pytest.approx(np.nan, nan_ok=True), 0.3]
    assert history[-1]["validation_score"] == 0.2  # the last epoch is always scored
    assert (es.best_epoch_, es.stopped_epoch_) == (6, None)
    assert model.kept == {"w": torch.tensor(6.0)}


def test_max_time_stops_after_scoring_the_current_weights():
    es = EarlyStopping(scripted([0.4]), max_time=1e-9, every=50)
    model, history = run(es, 5)
    assert len(history) == 1 and history[0]["validation_score"] == 0.4
    assert es.stop_reason_ == "max_time" and model.kept == {"w": torch.tensor(1.0)}


@pytest.mark.parametrize("kwargs, name", [({"patience": 0}, "patience"), ({"every": 1.5}, "validation_every"),
                                          ({"max_time": -1}, "max_time"), ({"patience": True}, "patience")])
def test_bad_options_name_the_argument(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        EarlyStopping(lambda m: 0.0, **kwargs)


def test_holdout_split_sizes_and_determinism():
    train, hold = holdout_split(1000, seed=0)
    assert len(hold) == 100 and len(train) == 900
    assert not set(train) & set(hold) and np.array_equal(np.sort(np.r_[train, hold]), np.arange(1000))
    assert np.array_equal(holdout_split(1000, seed=0)[1], hold)
    assert not np.array_equal(holdout_split(1000, seed=1)[1], hold)
    assert len(holdout_split(200_000, seed=0)[1]) == 5_000  # capped
    assert len(holdout_split(60, seed=0)[1]) == 6 and len(holdout_split(20, seed=0)[1]) == 1  # keeps 50 rows to train on when it can


def test_model_ends_with_the_weights_of_its_best_epoch(load_table):
    df = load_table("adult", 400)
    encoder = TableEncoder(seed=0).fit(df)
    x = encoder.transform(df)
    seen = {}

    class Record(Callback):  # runs after EarlyStopping, so it sees the weights that were scored
        def on_epoch_end(self, model, epoch, logs):
            seen[epoch] = model.sampling_weights()
            return False

    es = EarlyStopping(scripted([0.1, 0.7, 0.2, 0.3]), every=1)
    model = create_model("ctgan", **SMALL, **TINY_GAN).fit(x, encoder.layout_, seed=0, callbacks=[es, Record()])
    arrays = model.state_arrays()
    assert es.best_epoch_ == 2 and len(model.history_) == 4
    for key, value in seen[2].items():
        np.testing.assert_array_equal(arrays[f"{key}"], value.numpy())
    assert any(not torch.equal(seen[2][k], seen[4][k]) for k in seen[2])  # the last weights differed


def test_synthesizer_validates_on_held_out_rows(load_table):
    df = load_table("adult", 500)
    syn = Synthesizer("tvae", seed=0, validation_every=1, **SMALL, compress_dims=(32,), decompress_dims=(32,)).fit(df)
    scores = [r["validation_score"] for r in syn.history_]
    assert len(scores) == 4 and all(0.2 < s < 1.0 for s in scores)
    d = syn.diagnostics_
    assert d["holdout_rows"] == 50 and d["validation"] == pytest.approx(max(scores), abs=1e-6)
    assert d["best_epoch"] == int(np.argmax(scores)) + 1 and d["stopped_early"] is False
    assert np.isfinite(d["validation_seconds"]) and d["validation_seconds"] >= 0.0  # recorded; its speed: bench/encoder_speed.py
    again = Synthesizer("tvae", seed=0, validation_every=1, **SMALL, compress_dims=(32,), decompress_dims=(32,)).fit(df)
    assert [r["validation_score"] for r in again.history_] == scores  # reproducible signal


def test_synthesizer_patience_stops_early(load_table):
    df = load_table("adult", 300)
    # a learning rate this large makes the score jump around; patience 1 must stop well before 30 epochs
    syn = Synthesizer("tvae", seed=0, epochs=30, batch_size=100, device="cpu", patience=1, validation_every=1,
                      lr=0.05, compress_dims=(16,), decompress_dims=(16,)).fit(df)
    assert syn.diagnostics_["stopped_early"] is True and syn.diagnostics_["stop_reason"] == "patience"
    assert len(syn.history_) < 30 and syn.diagnostics_["best_epoch"] == len(syn.history_) - 1


def test_copula_refuses_training_options(load_table):
    with pytest.raises(ConfigError, match="copula trains in one pass.*patience"):
        Synthesizer("copula", patience=3).fit(load_table("adult", 200))


def test_cli_validation_options_reach_the_model_file(load_table, tmp_path):
    from typer.testing import CliRunner

    from synthgan.cli.describe import describe_model_file
    from synthgan.cli.main import app

    csv, out = tmp_path / "t.csv", tmp_path / "m.synthgan"
    load_table("adult", 300).to_csv(csv, index=False)
    result = CliRunner().invoke(app, ["fit", str(csv), "-o", str(out), "-m", "tvae", "--epochs", "3", "--batch-size", "100",
                                      "--device", "cpu", "--patience", "5", "--validation-every", "1", "--max-time", "600",
                                      "-p", "compress_dims=[16]", "-p", "decompress_dims=[16]"])
    assert result.exit_code == 0, result.output
    assert "best validation score" in result.output
    text = describe_model_file(out)
    assert "validation      best score" in text and "30 held-out rows, every 1 epochs" in text
    bad = CliRunner().invoke(app, ["fit", str(csv), "-o", str(out), "--patience", "0", "-q"])
    assert bad.exit_code != 0 and "patience must be a positive number" in bad.output
