"""The shared neural core's seams: other kinds of data, DP-SGD and DistributedDataParallel,
all without edits to model code."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import synthgan
from synthgan.core.batches import PoissonBatches
from synthgan.core.encoded import EncodedData
from synthgan.core.files import read_model_file, save_model
from synthgan.core.hooks import TrainingHooks
from synthgan.core.registry import available_models, create_model, register
from synthgan.tabular.models._synthetic import synthetic_encoded

TESTS = Path(__file__).parent
ROOT = TESTS.parent


def _waves(n: int = 64, steps: int = 12) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, steps)
    phase = np.random.default_rng(0).uniform(0, 2 * np.pi, (n, 1))
    return np.stack([np.sin(t + phase), np.cos(t + phase)], axis=2).astype(np.float32) * 0.8


def _blobs(n: int = 64) -> np.ndarray:
    rng = np.random.default_rng(1)
    images = np.full((n, 1, 8, 8), -0.8, dtype=np.float32)
    rows, cols = rng.integers(0, 6, n), rng.integers(0, 6, n)
    for offset in ((0, 0), (0, 1), (1, 0), (1, 1)):  # a bright 2x2 square per image, vectorised over images
        images[np.arange(n), 0, rows + offset[0], cols + offset[1]] = 0.8
    return images


CASES = {
    "toy-sequence-gan": (lambda: EncodedData(temporal=_waves(), temporal_spec={"shape": [12, 2]}), (12, 2), "sequence"),
    "toy-image-gan": (lambda: EncodedData(static=_blobs(), static_spec={"shape": [1, 8, 8]}), (1, 8, 8), "image"),
}


@pytest.fixture(scope="module")
def toy_models():
    sys.path.insert(0, str(TESTS))
    try:
        import toy_models
    finally:
        sys.path.remove(str(TESTS))
    from synthgan.core import registry

    before = dict(registry._REGISTERED)
    register(toy_models.ToySequenceGAN)
    register(toy_models.ToyImageGAN)
    yield toy_models
    registry._REGISTERED.clear()
    registry._REGISTERED.update(before)


@pytest.mark.parametrize("name", list(CASES))
def test_toy_models_of_other_kinds_fit_sample_save_and_load_through_the_core(toy_models, name, tmp_path):
    make_data, shape, kind = CASES[name]
    assert name in available_models(kind) and name not in available_models("table")
    model = create_model(name).fit(make_data(), seed=0)
    assert [row["epoch"] for row in model.history_] == [1.0, 2.0, 3.0, 4.0]
    assert all(np.isfinite(row["gradient_penalty"]) and row["gradient_penalty"] >= 0 for row in model.history_)
    sample = model.sample(5, seed=1)
    assert sample.shape == (5, *shape) and sample.dtype == np.float32
    assert np.abs(sample).max() <= 1.0 and sample.std() > 0
    path = save_model(model, tmp_path / f"{name}.synthgan")
    manifest, _ = read_model_file(path)
    assert manifest["kind"] == kind and manifest["model"] == name and manifest["data_spec"] == {"shape": list(shape)}
    again = synthgan.load(path)
    assert type(again) is type(model)
    assert again.sample(5, seed=1).tobytes() == sample.tobytes()


def test_toy_models_never_import_tabular_code(tmp_path):
    code = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import toy_models, synthgan
from synthgan.core.encoded import EncodedData
from synthgan.core.files import save_model
from synthgan.core.registry import register
import numpy as np
register(toy_models.ToySequenceGAN)
data = EncodedData(temporal=np.zeros((20, 4, 3), np.float32) + 0.5, temporal_spec={{"shape": [4, 3]}})
model = toy_models.ToySequenceGAN(epochs=1).fit(data, seed=0)
synthgan.load(save_model(model, {str(tmp_path / 'seq.synthgan')!r})).sample(3, seed=0)
print(sorted(m for m in sys.modules if m.startswith("synthgan.tabular")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


class OpacusCritic(TrainingHooks):
    """DP-SGD on the critic: opacus' GradSampleModule + DPOptimizer, Poisson-sampled batches, an RDP accountant."""

    def __init__(self, rate: float) -> None:
        from opacus.accountants import RDPAccountant

        self.rate = rate
        self.accountant = RDPAccountant()
        self.batch_sizes: list[int] = []

    def wrap_network(self, name, network):
        from opacus import GradSampleModule

        if name != "critic":
            return network
        self.critic = GradSampleModule(network)
        return self.critic

    def wrap_optimizer(self, name, optimizer, network):
        from opacus.optimizers import DPOptimizer

        if name != "critic":
            return optimizer
        self.optimizer = DPOptimizer(optimizer, noise_multiplier=1.0, max_grad_norm=1.0,
                                     expected_batch_size=self.expected_groups, loss_reduction="mean")
        self.optimizer.attach_step_hook(self.accountant.get_optimizer_hook_fn(sample_rate=self.rate))
        return self.optimizer

    @contextlib.contextmanager
    def frozen(self, name, network):
        network.disable_hooks()  # the generator step backpropagates through the critic: no per-sample gradients
        try:
            yield
        finally:
            network.enable_hooks()

    def batch_sampler(self, sampler, n_items):
        hooks = self

        class Recorded(PoissonBatches):
            def real_batch(self, generator):
                batch = super().real_batch(generator)
                hooks.batch_sizes.append(len(batch.rows))
                return batch

        poisson = Recorded(n_items, self.rate, torch.device("cpu"))
        self.expected_groups = 2 * poisson.batch_size  # the critic sees real and fake items (pac=1)
        return poisson


@pytest.mark.filterwarnings("ignore:Full backward hook is firing:UserWarning")  # opacus' hooks on the paused critic
def test_the_critic_trains_under_opacus_without_model_changes():
    pytest.importorskip("opacus")
    from opacus import GradSampleModule

    data, layout = synthetic_encoded(300, seed=0)
    hooks = OpacusCritic(rate=0.1)
    before = create_model("gan", epochs=2, batch_size=30, pac=1, generator_ema=None, device="cpu").fit(data, layout, seed=0)
    model = create_model("gan", epochs=2, batch_size=30, pac=1, generator_ema=None, device="cpu")
    model.fit(data, layout, seed=0, hooks=[hooks])
    assert isinstance(hooks.critic, GradSampleModule)
    steps = 2 * (300 // 30)  # epochs x steps per epoch, one critic update each
    assert hooks.accountant.history[-1][2] == steps and len(hooks.batch_sizes) == steps
    assert len(set(hooks.batch_sizes)) > 1 and 15 <= np.mean(hooks.batch_sizes) <= 45  # Poisson: sizes vary around 30
    epsilon = hooks.accountant.get_epsilon(delta=1e-5)
    assert 0 < epsilon < 100
    sample = model.sample(50, seed=1)
    assert sample.shape == (50, layout.width) and np.isfinite(sample).all()
    assert sample.tobytes() != before.sample(50, seed=1).tobytes()  # noise and clipping changed the training


@pytest.mark.parametrize("model", ["wgan-gp", "tvae"])
def test_two_gloo_ranks_train_under_distributed_data_parallel(model, tmp_path):
    def run(wrap: str, port: int) -> list[dict]:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", str(port),
               str(TESTS / "ddp_worker.py"), str(tmp_path), model, wrap]
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
        return [load_file(str(tmp_path / f"{model}-{wrap}-rank{rank}.safetensors")) for rank in (0, 1)]

    port = 29500 + (os.getpid() % 400) * 2 + (model == "tvae") * 1000
    synced, apart = run("ddp", port), run("none", port + 1)
    assert synced[0].keys() == synced[1].keys() and len(synced[0]) > 2
    assert all(torch.equal(synced[0][k], synced[1][k]) for k in synced[0])  # gradients were all-reduced
    assert not all(torch.equal(apart[0][k], apart[1][k]) for k in apart[0])  # each rank read other rows
    assert not all(torch.equal(synced[0][k], apart[0][k]) for k in synced[0])
