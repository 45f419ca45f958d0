"""Checkpoints and resume: an interrupted fit resumed from its checkpoint equals an uninterrupted one, bit for bit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.errors import ConfigError, InputFileError, ModelFileError
from synthgan.io.serialization import load_model_file
from synthgan.tabular.synthesizer import Synthesizer
from synthgan.core.callbacks import Callback
from synthgan.core.checkpoint import read_checkpoint

runner = CliRunner()
TINY = {
    "ctgan": {"generator_dim": (32, 32), "discriminator_dim": (32, 32), "embedding_dim": 16, "patience": 5, "validation_every": 2},
    "tvae": {"compress_dims": (32,), "decompress_dims": (32,)},
    "wgan": {"generator_dim": (32,), "discriminator_dim": (32,), "embedding_dim": 16, "generator_ema": None},
}


class Interrupt(Callback):
    def __init__(self, at: int):
        self.at = at

    def on_epoch_end(self, model, epoch, logs):
        if epoch == self.at:
            raise KeyboardInterrupt
        return False


def without_seconds(history):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in history]


def assert_same_model(a: Synthesizer, b: Synthesizer) -> None:
    x, y = a.model_.state_arrays(), b.model_.state_arrays()
    assert x.keys() == y.keys()
    for key in x:
        np.testing.assert_array_equal(x[key], y[key], err_msg=key)
    assert without_seconds(a.history_) == without_seconds(b.history_)
    assert a.sample(40).equals(b.sample(40))


@pytest.fixture
def small(load_table):
    return load_table("adult", 300)


@pytest.mark.parametrize("name", ["ctgan", "tvae", "wgan"])
def test_resume_after_interrupt_is_identical(small, tmp_path, name):
    kw = {"epochs": 5, "batch_size": 100, "device": "cpu", "seed": 3, **TINY[name]}
    ckpt = tmp_path / "fit.ckpt"
    full = Synthesizer(name, **kw).fit(small)
    with pytest.raises(KeyboardInterrupt):
        Synthesizer(name, checkpoint_every=2, checkpoint=ckpt, **kw).fit(small, callbacks=[Interrupt(3)])
    state = read_checkpoint(ckpt)
    assert state.epoch == 2 and state.fingerprint["seed"] == 3 and "rng/train" in state.tensors
    assert state.tensors["rng/train"].dtype == torch.uint8
    resumed = Synthesizer(name, checkpoint_every=2, checkpoint=ckpt, **kw).fit(small, resume=True)
    assert_same_model(full, resumed)
    assert resumed.diagnostics_["resumed_from_epoch"] == 2
    assert read_checkpoint(ckpt).epoch == 4


def test_resume_refuses_a_different_fit(small, tmp_path):
    kw = {"model": "tvae", "epochs": 2, "batch_size": 100, "device": "cpu", **TINY["tvae"]}
    ckpt = tmp_path / "fit.ckpt"
    Synthesizer(seed=0, checkpoint_every=1, checkpoint=ckpt, **kw).fit(small)
    with pytest.raises(ConfigError, match=r"written by a different fit \(.*seed"):
        Synthesizer(seed=1, checkpoint=ckpt, **kw).fit(small, resume=True)
    with pytest.raises(ConfigError, match="data_sha256"):
        Synthesizer(seed=0, checkpoint=ckpt, **kw).fit(small.iloc[::-1].reset_index(drop=True), resume=True)
    with pytest.raises(InputFileError, match="no checkpoint at"):
        Synthesizer(seed=0, checkpoint=tmp_path / "none.ckpt", **kw).fit(small, resume=True)
    with pytest.raises(ConfigError, match="checkpoint_every needs a checkpoint path"):
        Synthesizer(seed=0, checkpoint_every=1, **kw).fit(small)
    with pytest.raises(ConfigError, match="fixed seed"):
        Synthesizer(seed=None, checkpoint_every=1, checkpoint=ckpt, **kw).fit(small)
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError, match="not a readable checkpoint"):
        read_checkpoint(tmp_path / "junk.ckpt")


def test_cli_resume_matches_an_uninterrupted_cli_fit(small, tmp_path):
    csv = tmp_path / "t.csv"
    small.to_csv(csv, index=False)
    args = ["--model", "tvae", "--epochs", "4", "--batch-size", "100", "--device", "cpu", "--seed", "2",
            "-p", "compress_dims=[32]", "-p", "decompress_dims=[32]", "-q"]
    done = runner.invoke(app, ["fit", str(csv), "-o", str(tmp_path / "full.synthgan"), *args])
    assert done.exit_code == 0, done.output
    # the interrupted run, as the CLI would build it, stopped after epoch 3 with a checkpoint at epoch 2
    out = tmp_path / "resumed.synthgan"
    syn = Synthesizer("tvae", epochs=4, batch_size=100, device="cpu", seed=2, compress_dims=(32,), decompress_dims=(32,),
                      checkpoint_every=2, checkpoint=tmp_path / "resumed.synthgan.ckpt")
    with pytest.raises(KeyboardInterrupt):
        syn.fit(small, callbacks=[Interrupt(3)])
    done = runner.invoke(app, ["fit", str(csv), "-o", str(out), "--resume", "--checkpoint-every", "2", *args])
    assert done.exit_code == 0, done.output
    (_, full), (manifest, resumed) = load_model_file(tmp_path / "full.synthgan"), load_model_file(out)
    assert full.keys() == resumed.keys() and all(np.array_equal(full[k], resumed[k]) for k in full)
    assert manifest["diagnostics"]["resumed_from_epoch"] == 2
    missing = runner.invoke(app, ["fit", str(csv), "-o", str(tmp_path / "other.synthgan"), "--resume", *args])
    assert missing.exit_code != 0 and "no checkpoint at" in missing.output


KILLED_FIT = """
import os, signal, sys
import pandas as pd, torch
from synthgan.tabular.synthesizer import Synthesizer
from synthgan.core.callbacks import Callback
torch.set_num_threads(1)
class Kill(Callback):
    def on_epoch_end(self, model, epoch, logs):
        if epoch == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return False
df = pd.read_csv(sys.argv[1])
Synthesizer("wgan", epochs=4, batch_size=100, device="cpu", seed=5, generator_dim=(32,), discriminator_dim=(32,),
            embedding_dim=16, checkpoint_every=1, checkpoint=sys.argv[2]).fit(df, callbacks=[Kill()])
"""


def test_resume_after_sigkill(small, tmp_path):
    csv, ckpt = tmp_path / "t.csv", tmp_path / "fit.ckpt"
    small.to_csv(csv, index=False)
    proc = subprocess.run([sys.executable, "-c", KILLED_FIT, str(csv), str(ckpt)], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    assert read_checkpoint(ckpt).epoch == 2  # killed in epoch 3 before its checkpoint (user callbacks run first)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]  # atomic writes leave no debris
    import pandas as pd

    df = pd.read_csv(csv)  # the same parsing as the killed process
    kw = {"epochs": 4, "batch_size": 100, "device": "cpu", "seed": 5, "generator_dim": (32,), "discriminator_dim": (32,),
          "embedding_dim": 16}
    resumed = Synthesizer("wgan", checkpoint=ckpt, **kw).fit(df, resume=True)
    assert_same_model(Synthesizer("wgan", **kw).fit(df), resumed)
