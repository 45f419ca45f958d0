"""The image models (dcgan, sngan, cvae): the registry's common checks, networks for every size, core seams.

Models learn 16 tiny encoded images (8x8, two classes); the pipeline around them is
tested in test_synthesizer.py.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

import synthgan
from synthgan.core.adversarial import LOSSES, AdversarialLoss
from synthgan.core.encoded import EncodedData
from synthgan.core.files import read_model_file, save_model
from synthgan.core.registry import available_models, capabilities, create_model, get_model_class
from synthgan.errors import ConditionError, ConfigError, DataValidationError, NotFittedError
from synthgan.images.models.base import image_data
from synthgan.core.conv_nets import Critic, Generator, Plan, SpectralNorm, conv, minibatch_std, with_labels

IMAGE_MODELS = ["dcgan", "sngan", "cvae"]
SMALL = {"dcgan": dict(epochs=2, batch_size=8, width=8, noise_dim=8),
         "sngan": dict(epochs=2, batch_size=8, width=8, noise_dim=8),
         "cvae": dict(epochs=2, batch_size=8, width=8, latent_dim=4)}


def tiny(n: int = 16, channels: int = 1, size: int = 8, classes: int = 2, seed: int = 0) -> EncodedData:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % max(classes, 2)
    images = np.full((n, channels, size, size), -0.9, dtype=np.float32)
    images[labels == 1, :, : size // 2] = 0.9  # class 1: bright top half
    images += rng.normal(0, 0.05, images.shape).astype(np.float32)
    return image_data(np.clip(images, -1, 1), labels if classes else None, classes)


def fit(name: str, seed: int = 0, data: EncodedData | None = None, **overrides):
    return create_model(name, **{**SMALL[name], "device": "cpu", **overrides}).fit(data or tiny(), seed=seed)


@pytest.fixture(scope="module")
def fitted() -> dict:
    return {name: fit(name) for name in IMAGE_MODELS}


# ------------------------------------------------------------------- registry
def test_image_models_are_registered_by_kind():
    assert available_models("image") == IMAGE_MODELS
    assert not set(IMAGE_MODELS) & set(available_models("table") + available_models("sequence"))
    for name in IMAGE_MODELS:
        caps = capabilities(name)
        assert caps.kind == "image" and caps.conditional and caps.trainable and caps.budget is not None
        assert caps.family == ("VAE" if name == "cvae" else "GAN")
        model = create_model(name)
        config = model.get_config()
        assert type(model)(**config).get_config() == config and config["epochs"] is None


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_sample_shape_dtype_range_and_classes(fitted, name):
    model = fitted[name]
    out = model.sample(9, seed=3)
    assert out.shape == (9, 1, 8, 8) and out.dtype == np.float32
    assert np.abs(out).max() <= 1.0 and out.std() > 0
    assert model.class_counts_.tolist() == [8.0, 8.0] and model.spec_ == {"shape": [1, 8, 8], "n_classes": 2}
    assert model.sample(4, seed=3, condition=1).shape == (4, 1, 8, 8)


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_same_seed_same_bytes_and_different_seed_differs(fitted, name):
    again = fit(name, seed=0)
    other = fit(name, seed=1)
    sample = fitted[name].sample(20, seed=5)
    assert again.sample(20, seed=5).tobytes() == sample.tobytes()
    assert other.sample(20, seed=5).tobytes() != sample.tobytes()
    assert fitted[name].sample(20, seed=6).tobytes() != sample.tobytes()
    unseeded = fit(name, seed=0)
    assert unseeded.sample(7).tobytes() == again.sample(7).tobytes()  # the model's own stream, restarted by fit


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_model_file_round_trip_is_exact(fitted, name, tmp_path):
    path = save_model(fitted[name], tmp_path / f"{name}.synthgan")
    manifest, arrays = read_model_file(path)
    assert manifest["kind"] == "image" and manifest["data_spec"] == {"shape": [1, 8, 8], "n_classes": 2}
    assert "model/class_counts" in arrays and not any(k.startswith("model/critic") or k.startswith("model/encoder")
                                                      for k in arrays)
    loaded = synthgan.load(path)
    assert type(loaded) is type(fitted[name])
    for condition in (None, 0, 1):
        assert loaded.sample(11, seed=2, condition=condition).tobytes() == \
            fitted[name].sample(11, seed=2, condition=condition).tobytes()


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_global_random_state_is_untouched(name):
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    state = (torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate())
    fit(name).sample(5, seed=1)
    assert torch.equal(torch.get_rng_state(), state[0])
    assert np.array_equal(np.random.get_state()[1], state[1]) and random.getstate() == state[2]


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_history_has_one_finite_entry_per_epoch(fitted, name):
    history = fitted[name].history_
    assert [row["epoch"] for row in history] == [1.0, 2.0]
    assert all(np.isfinite(v) for row in history for v in row.values())
    assert ("critic_loss" in history[0]) == (name != "cvae") and ("kl_loss" in history[0]) == (name == "cvae")


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_unfitted_bad_conditions_and_bad_data_are_refused(fitted, name):
    with pytest.raises(NotFittedError):
        create_model(name).sample(3)
    with pytest.raises(ConditionError, match=r"class index 0 \.\. 1"):
        fitted[name].sample(3, condition=2)
    with pytest.raises(ConditionError, match="class index"):
        fitted[name].sample(3, condition="1")
    with pytest.raises(ConfigError, match="EncodedData"):
        create_model(name, **SMALL[name]).fit(np.zeros((4, 1, 8, 8), np.float32))
    bad = EncodedData(static=np.full((4, 1, 8, 8), 3.0, np.float32), static_spec={"shape": [1, 8, 8], "n_classes": 0})
    with pytest.raises(DataValidationError, match=r"\[-1, 1\]"):
        create_model(name, **SMALL[name]).fit(bad)
    no_labels = EncodedData(static=np.zeros((4, 1, 8, 8), np.float32), static_spec={"shape": [1, 8, 8], "n_classes": 2})
    with pytest.raises(DataValidationError, match="class index"):
        create_model(name, **SMALL[name]).fit(no_labels)


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_unlabelled_images_learn_without_classes(name):
    model = fit(name, data=tiny(classes=0))
    assert model.spec_["n_classes"] == 0 and model.sample(3, seed=0).shape == (3, 1, 8, 8)
    with pytest.raises(ConditionError, match="without labels"):
        model.sample(3, condition=0)


@pytest.mark.parametrize("arg, value", [("width", 0), ("batch_size", -1), ("generator_ema", 1.5), ("betas", (0.5,)),
                                        ("critic_steps", 0), ("epochs", 0), ("minibatch_std", 1)])
def test_bad_gan_config_raises_at_fit_naming_the_argument(arg, value):
    model = create_model("sngan", **{**SMALL["sngan"], arg: value})
    with pytest.raises(ConfigError, match=arg):
        model.fit(tiny())


# measured after 240 steps: top-half gap between the classes 1.65 (cvae) and 0.55 (dcgan); top-bottom
# gap within class 1: 1.65 and 0.36 (real images: 1.8 and 1.8)
@pytest.mark.parametrize("name, between, within", [("cvae", 1.4, 1.4), ("dcgan", 0.4, 0.25)])
def test_conditioned_samples_follow_their_class(name, between, within):
    """Class 1 is bright on top (+0.9), class 0 dark everywhere (-0.9); both dark at the bottom."""
    model = fit(name, epochs=60, data=tiny(n=32))
    top = {c: model.sample(40, seed=1, condition=c)[:, 0, :4].mean() for c in (0, 1)}
    bottom = {c: model.sample(40, seed=1, condition=c)[:, 0, 4:].mean() for c in (0, 1)}
    assert top[1] - top[0] > between and top[1] - bottom[1] > within


# -------------------------------------------------------------------- networks
@pytest.mark.parametrize("height, width, stages, base", [(28, 28, 2, (7, 7)), (32, 32, 2, (8, 8)), (64, 64, 3, (8, 8)),
                                                         (8, 8, 1, (4, 4)), (30, 20, 2, (8, 5)), (48, 64, 3, (6, 8))])
def test_every_size_is_built_from_a_small_grid(height, width, stages, base):
    plan = Plan.for_size(height, width)
    assert (plan.stages, plan.base_h, plan.base_w) == (stages, *base)
    gen = torch.Generator().manual_seed(0)
    for channels in (1, 3):
        g = Generator(4, 3, channels, plan, 8, gen).eval()
        labels = torch.tensor([0, 2])
        x = g(torch.randn(2, 4, generator=gen), labels)
        assert x.shape == (2, channels, height, width) and x.abs().max() <= 1
        for spectral, std in ((True, False), (False, True)):
            critic = Critic(channels, 3, plan, 8, gen, spectral=spectral, minibatch_std=std)
            assert critic(with_labels(x, labels)).shape == (2, 1)


def test_spectral_norm_divides_by_the_largest_singular_value():
    gen = torch.Generator().manual_seed(0)
    layer = SpectralNorm(conv(3, 16, 4, 2, 1, gen), gen)
    x = torch.randn(2, 3, 8, 8, generator=gen)
    for _ in range(30):  # power iterations converge
        layer(x)
    matrix = layer.layer.weight.detach().reshape(16, -1)
    sigma = torch.linalg.matrix_norm(matrix, ord=2)
    assert float(torch.dot(layer.u, matrix @ layer.v)) == pytest.approx(float(sigma), rel=1e-3)
    layer.eval()
    u = layer.u.clone()
    layer(x)
    assert torch.equal(layer.u, u)  # eval mode: no update


def test_minibatch_std_groups_never_mix_real_and_fake_items():
    real, fake = torch.zeros(8, 3, 2, 2), torch.randn(8, 3, 2, 2, generator=torch.Generator().manual_seed(0))
    out = minibatch_std(torch.cat([real, fake]))
    assert out.shape == (16, 4, 2, 2)
    assert torch.allclose(out[:8, 3], torch.full((8, 2, 2), 1e-4))  # identical real items: no spread (sqrt of the 1e-8 floor)
    assert (out[8:, 3] > 0.1).all() and torch.equal(out[8:12, 3], out[8:12, 3][:1].expand(4, 2, 2))  # one value per group
    assert torch.equal(minibatch_std(torch.ones(3, 2, 2, 2))[:, 2], torch.zeros(3, 2, 2))  # odd batches: no groups


def test_the_critic_reads_the_label_channel():
    gen = torch.Generator().manual_seed(0)
    critic = Critic(1, 3, Plan.for_size(8, 8), 8, gen)
    x = torch.randn(4, 1, 8, 8, generator=gen)
    same = critic(with_labels(x, torch.tensor([0, 0, 0, 0])))
    other = critic(with_labels(x, torch.tensor([2, 2, 2, 2])))
    assert not torch.allclose(same, other)


# ------------------------------------------------------------------ core seams
def test_hinge_loss_values():
    assert "hinge" in LOSSES
    loss = AdversarialLoss("hinge")
    real, fake = torch.tensor([[2.0], [0.5]]), torch.tensor([[-2.0], [0.0]])
    critic_loss, penalty = loss.critic(lambda x: x, real, fake, torch.Generator())
    assert float(critic_loss) == pytest.approx((0.0 + 0.5) / 2 + (0.0 + 1.0) / 2) and float(penalty) == 0.0
    assert float(loss.generator(torch.tensor([[1.0], [3.0]]))) == pytest.approx(-2.0)


def test_encoded_data_carries_class_labels():
    data = EncodedData(static=np.zeros((3, 1, 2, 2), np.float32), labels=np.array([0, 2, 1], dtype=np.int32))
    assert data.labels.dtype == np.int64 and data.take(np.array([2, 0])).labels.tolist() == [1, 0]
    for bad in (np.array([0, 1]), np.array([0.0, 1.0, 2.0]), np.array([0, -1, 1])):
        with pytest.raises(DataValidationError, match="class index"):
            EncodedData(static=np.zeros((3, 1, 2, 2), np.float32), labels=bad)


def test_builtin_classes_import_lazily_under_their_names():
    for name in IMAGE_MODELS:
        assert get_model_class(name).name == name
