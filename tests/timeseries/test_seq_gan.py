"""The sequence GAN (quant-gan): shapes, seeds, save/load, the Lambert W transform, a tiny fit, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.stats import kurtosis

from synthgan.core.encoded import EncodedData
from synthgan.errors import ConditionError, ConfigError, DataValidationError, NotFittedError
from synthgan.timeseries.models.facts import FactSpec, memory_decays, memory_noise, stylized_facts
from synthgan.timeseries.models.gan import QuantGAN
from synthgan.timeseries.models.lambertw import HeavyTailGaussianizer, gaussianize, heavy_tail
from synthgan.timeseries.models.tcn import TCN

TINY = dict(epochs=2, batch_size=4, window=32, noise_width=2, memory_half_lives=(2, 16), hidden=8, levels=3,
            critic_hidden=8, critic_levels=3, acf_lags=8, short_lags=3, device="cpu")


def _returns(n: int = 300, width: int = 1, seed: int = 0) -> EncodedData:
    rng = np.random.default_rng(seed)
    x = rng.standard_t(4, size=(1, n, width)) * 0.5
    return EncodedData(temporal=x.astype(np.float32))


@pytest.fixture(scope="module")
def fitted() -> QuantGAN:
    return QuantGAN(**TINY).fit(_returns(), seed=0)


def test_tiny_fit_logs_finite_losses(fitted):
    assert fitted.epochs_ == 2 and len(fitted.history_) == 2
    for logs in fitted.history_:
        for name in ("generator_loss", "critic_loss", "gradient_penalty", "conditional_loss"):
            assert math.isfinite(logs[name])
    assert "critic" not in fitted.networks_  # training-only network dropped


@pytest.mark.parametrize("length", [1, 5, 32, 1000])
def test_sample_shapes_and_dtypes_for_short_and_long_paths(fitted, length):
    out = fitted.sample(3, length=length, seed=1)
    assert isinstance(out, EncodedData)
    assert out.temporal.shape == (3, length, 1) and out.temporal.dtype == np.float32
    assert (out.lengths == length).all() and out.static is None
    assert np.isfinite(out.temporal).all()


def test_default_length_is_the_longest_training_series(fitted):
    assert fitted.sample(2, seed=0).temporal.shape == (2, 300, 1)


def test_same_seed_same_bytes_and_unseeded_calls_differ(fitted):
    a, b = fitted.sample(4, length=50, seed=7), fitted.sample(4, length=50, seed=7)
    assert a.temporal.tobytes() == b.temporal.tobytes()
    assert fitted.sample(4, length=50, seed=8).temporal.tobytes() != a.temporal.tobytes()
    again = QuantGAN(**TINY).fit(_returns(), seed=0)
    assert again.sample(4, length=50, seed=7).temporal.tobytes() == a.temporal.tobytes()


def test_a_long_path_does_not_depend_on_how_it_is_cut_into_passes(fitted, monkeypatch):
    import synthgan.timeseries.models.gan as gan

    whole = fitted.sample(1, length=400, seed=3).temporal
    monkeypatch.setattr(gan, "SAMPLE_CHUNK_CELLS", 64)  # blocks of 57 steps that overlap by the receptive field
    assert np.allclose(fitted.sample(1, length=400, seed=3).temporal, whole, atol=1e-5)


def test_state_arrays_round_trip_gives_identical_samples(fitted):
    arrays = fitted.state_arrays()
    assert all(isinstance(v, np.ndarray) for v in arrays.values())
    assert {"transform.delta_left", "transform.delta_right", "transform.bound"} <= set(arrays)
    again = QuantGAN.from_state(fitted.get_config(), arrays, fitted.data_spec(), fitted.history_)
    assert again.sample(3, length=70, seed=5).temporal.tobytes() == fitted.sample(3, length=70, seed=5).temporal.tobytes()


def test_multivariate_series_of_unequal_lengths():
    rng = np.random.default_rng(1)
    temporal = rng.standard_normal((2, 120, 3)).astype(np.float32)
    model = QuantGAN(**{**TINY, "epochs": 1}).fit(EncodedData(temporal=temporal, lengths=np.array([120, 90])), seed=0)
    assert model.sample(2, length=200, seed=0).temporal.shape == (2, 200, 3)


# ------------------------------------------------------------------ Lambert W

def test_lambert_w_round_trip_and_gaussianises_student_t():
    rng = np.random.default_rng(0)
    y = np.stack([rng.standard_t(3, 20_000), 2.0 + 0.1 * rng.standard_t(5, 20_000)], axis=1)
    transform = HeavyTailGaussianizer.fit(y)
    g = transform.transform(y)
    assert g.dtype == np.float32
    assert np.allclose(transform.inverse(g), y, rtol=1e-4, atol=1e-4)
    before, after = kurtosis(y, axis=0), kurtosis(g, axis=0)
    assert (after < before).all() and (np.abs(after) < 1.0).all()
    assert (transform.delta_left > 0.05).all() and (transform.delta_right > 0.05).all()


def test_lambert_w_functions_are_inverse_and_respect_each_tail():
    u = np.linspace(-4, 4, 81)[:, None]
    z = heavy_tail(u, np.array([0.3]), np.array([0.1]))
    assert np.allclose(gaussianize(z, np.array([0.3]), np.array([0.1])), u)
    assert -z.min() > z.max()  # the heavier left tail reaches further
    assert np.allclose(gaussianize(u, np.array([0.0]), np.array([0.0])), u)  # delta 0: identity


def test_inverse_transform_saturates_far_outside_the_training_range():
    transform = HeavyTailGaussianizer.fit(np.random.default_rng(0).standard_t(3, (5_000, 1)))
    huge = transform.inverse(np.array([[1e6], [-1e6]]))
    assert np.isfinite(huge).all()
    assert np.abs(huge).max() < 10 * np.abs(transform.inverse(np.array([[transform.bound[0] / 1.03]]))).max()


# ------------------------------------------------------------- networks, facts

def test_tcn_output_depends_only_on_its_receptive_field():
    net = TCN(2, 8, 1, 3, torch.Generator().manual_seed(0))
    x = torch.randn(2, 20, 2, generator=torch.Generator().manual_seed(1))
    y = net(x)
    assert y.shape == (2, 20 - 8 + 1, 1)
    x2 = x.clone()
    x2[:, 0] += 1.0  # only the first output window sees step 0
    changed = (net(x2) - y).abs().squeeze(-1) > 0
    assert changed[:, 0].all() and not changed[:, 1:].any()


def test_memory_noise_is_a_stationary_ar1_filter():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(400, 300, 1, generator=gen, dtype=torch.float64)
    s = memory_noise(z, torch.as_tensor(memory_decays((10.0,))), gen)
    lam = 0.5 ** 0.1
    assert torch.allclose(s[:, 1:, 0], lam * s[:, :-1, 0] + math.sqrt(1 - lam**2) * z[:, 1:, 0])
    assert abs(float(s[:, 0].var()) - 1.0) < 0.2 and abs(float(s[:, -1].var()) - 1.0) < 0.2
    spec = FactSpec.from_series([s[0].numpy()], 12, 2)
    facts, present = stylized_facts(s, spec)
    assert facts.shape == present.shape == (1, spec.size) == (1, spec.weights().size)
    assert abs(float(facts[0, 12]) - lam) < 0.05  # lag-1 ACF of x is the AR coefficient


# ------------------------------------------------------------------ bad inputs

def test_bad_inputs_raise_synthgan_errors(fitted):
    with pytest.raises(ConfigError, match="temporal part"):
        QuantGAN(**TINY).fit(EncodedData(static=np.zeros((5, 2), np.float32)), seed=0)
    with pytest.raises(ConfigError, match="length"):
        fitted.sample(2, length=0)
    with pytest.raises(ConfigError):
        fitted.sample(0, length=10)
    with pytest.raises(ConditionError):
        fitted.sample(2, length=10, condition=np.zeros(1))
    with pytest.raises(DataValidationError, match="window"):
        QuantGAN(**TINY).fit(_returns(n=20), seed=0)
    with pytest.raises(ConfigError, match="window"):
        QuantGAN(**{**TINY, "window": 4}).fit(_returns(), seed=0)
    with pytest.raises(ConfigError, match="loss"):
        QuantGAN(**{**TINY, "loss": "lsgan"}).fit(_returns(), seed=0)
    with pytest.raises(NotFittedError):
        QuantGAN(**TINY).sample(2, length=10)
    nan = _returns().temporal.copy()
    nan[0, 3, 0] = np.nan
    with pytest.raises(DataValidationError):
        QuantGAN(**TINY).fit(EncodedData(temporal=nan), seed=0)
