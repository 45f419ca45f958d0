"""Quant GAN: a TCN generator of return paths, trained adversarially on windows of the series.

Wiese et al. (2020), "Quant GANs: deep generation of financial time series", with the
additions that S&P 500 daily returns needed (``bench/series_gan_probe.py`` measures them):

1. **Preprocessing** (:mod:`.lambertw`): each feature is gaussianised by an inverse
   Lambert W x Gaussian transform with one tail parameter per side (maximum likelihood)
   and re-standardised; sampling maps back with the forward transform.
2. **Generator** (:mod:`.tcn`): a temporal convolutional network maps a noise sequence to a
   path of the same length minus its receptive field, so paths of any length come out
   stationary by construction. Next to the i.i.d. noise it reads *memory noise*
   (:func:`.facts.memory_noise`: AR(1) filters of the same noise with half-lives up to
   hundreds of steps), so volatility regimes outlast the receptive field.
3. **Critic**: a TCN scoring every window of its receptive field, averaged over the path;
   the game is the shared :func:`~synthgan.core.adversarial.adversarial_step` (WGAN-GP).
4. **Stylized-facts loss** (:mod:`.facts`): the weighted squared distance between batch
   statistics of generated and real windows (autocorrelations of ``|x|`` and ``x``,
   leverage, moments and tail quantiles, 20-step sums, volatility regimes), times
   ``facts_weight``, is added to the generator loss (logged as ``conditional_loss``, the
   core's name for an extra generator term).
5. **Marginal calibration** (:class:`.lambertw.MarginalCalibration`): after training, a
   monotone map puts the generator's one-step marginal exactly on N(0, 1), the marginal
   of the gaussianised data; the heavy-tail transform then restores the fitted tails.

The training items are the windows of ``window`` steps at every start position of every
series; an epoch is ``windows / batch_size`` steps. On a CPU shared with other work, run
torch with one thread: two threads on a busy 2-core machine made a step 10x slower.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from synthgan._random import torch_generator
from synthgan.core import params as P
from synthgan.core.adversarial import LOSSES, AdversarialLoss, adversarial_step
from synthgan.core.batches import Batch, UniformBatches
from synthgan.core.budget import Budget
from synthgan.core.ema import WeightAverage
from synthgan.core.encoded import EncodedData
from synthgan.core.model import Capabilities
from synthgan.core.neural import NeuralModel
from synthgan.core.seeds import check_n
from synthgan.core.trainer import OptimizerSpec, TrainingContext
from synthgan.errors import ConditionError, ConfigError, DataValidationError, check_is_fitted
from synthgan.timeseries.models.base import SequenceModel, check_length, check_sequence_data
from synthgan.timeseries.models.facts import FactSpec, memory_decays, memory_noise, series_facts, stylized_facts
from synthgan.timeseries.models.lambertw import HeavyTailGaussianizer, MarginalCalibration
from synthgan.timeseries.models.tcn import SequenceCritic, SequenceGenerator

# Default training: about 2,400 generator steps, at least one epoch (on the 15,348 S&P 500
# returns of 1950-2010: 3 epochs of 956 steps, 5-8 minutes on a busy 2-core machine).
QUANT_GAN_BUDGET = Budget(target_steps=2400, min_epochs=1, max_epochs=10_000)
CALIBRATION_PATHS, CALIBRATION_STEPS = 256, 2048  # generated after training to fit the marginal calibration
SAMPLE_CHUNK_CELLS = 1 << 19  # paths x steps generated per pass (activations stay in cache-sized blocks)


def _loss_kind(model: str, arg: str, value: Any) -> str:
    if value not in LOSSES:
        raise ConfigError(f"{model}: '{arg}' must be one of {', '.join(LOSSES)}, got {value!r}; pass e.g. {arg}='wgan-gp'")
    return value


def _half_lives(model: str, arg: str, value: Any) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ConfigError(f"{model}: '{arg}' must be a list of half-lives in steps (>= 0.5), got {value!r}; pass e.g. {arg}=(4, 32, 256)")
    lives = tuple(value)
    if not all(P._is_real(v) and v >= 0.5 for v in lives):
        raise ConfigError(f"{model}: '{arg}' must be a list of half-lives in steps (>= 0.5), got {value!r}; pass e.g. {arg}=(4, 32, 256)")
    return tuple(float(v) for v in lives)


def _non_negative_int(model: str, arg: str, value: Any) -> int:
    if not P._is_int(value) or value < 0:
        raise ConfigError(f"{model}: '{arg}' must be an integer >= 0, got {value!r}; pass e.g. {arg}=10")
    return int(value)


@dataclass(frozen=True)
class SeriesWindows(EncodedData):
    """The fit input, seen as its training items: ``n_windows`` windows of the series (sets the epoch length)."""

    n_windows: int = 1

    @property
    def n_items(self) -> int:
        return self.n_windows


class QuantGAN(NeuralModel, SequenceModel):
    """Quant GAN for return series: TCN generator and critic on gaussianised values (see the module docstring).

    Parameters
    ----------
    epochs : int, optional
        ``None``: about 2,400 generator steps (at least one epoch over the windows).
    batch_size : int, default=16
        Windows per step.
    window : int, default=256
        Steps of each real and generated training window; at least the critic's receptive
        field, at most the longest series.
    noise_width : int, default=3
        I.i.d. Gaussian noise channels per step.
    memory_half_lives : sequence of float, default=(2, 8, 32, 128, 512)
        Half-lives (steps) of the AR(1) memory-noise channels built from each noise
        channel; ``()`` gives the plain Quant GAN generator.
    hidden : int, default=32
        Channels of the generator's TCN.
    levels : int, default=6
        Generator blocks; receptive field ``2**levels`` steps.
    critic_hidden : int, default=32
    critic_levels : int, default=6
        Critic blocks; each score judges ``2**critic_levels`` steps.
    loss : {"wgan-gp", "wgan", "gan"}, default="wgan-gp"
    critic_steps : int, default=1
        Critic updates per generator update.
    generator_lr, critic_lr : float, default=5e-4
    betas : (float, float), default=(0.5, 0.9)
        Adam betas of both optimisers.
    facts_weight : float, default=20.0
        Weight of the stylized-facts loss (``0`` trains on the adversarial loss alone).
    acf_lags : int, default=128
        Lags of the ``|x|`` autocorrelation the facts loss matches (less than ``window``).
    short_lags : int, default=10
        Lags of the ``x`` autocorrelation and leverage terms (``0``: none).
    generator_ema : float or None, default=0.99
        Decay of the moving average of generator weights used for sampling; ``None`` samples
        from the last weights.
    calibrate : bool, default=True
        After training, map the generator's one-step marginal monotonically onto N(0, 1),
        the marginal of the gaussianised data (:class:`.lambertw.MarginalCalibration`).
    device : str, default="auto"
    """

    name: ClassVar[str] = "quant-gan"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="sequence", family="GAN", budget=QUANT_GAN_BUDGET,
        summary="Quant GAN: TCN generator with long-memory noise on Lambert-W gaussianised series (any path length)")
    checkers = {
        "epochs": P.optional_positive_int, "batch_size": P.positive_int, "window": P.positive_int,
        "noise_width": P.positive_int, "memory_half_lives": _half_lives, "hidden": P.positive_int,
        "levels": P.positive_int, "critic_hidden": P.positive_int, "critic_levels": P.positive_int,
        "loss": _loss_kind, "critic_steps": P.positive_int, "generator_lr": P.positive_float,
        "critic_lr": P.positive_float, "betas": P.adam_betas, "facts_weight": P.non_negative_float,
        "acf_lags": _non_negative_int, "short_lags": _non_negative_int, "generator_ema": P.optional_unit_interval,
        "calibrate": P.boolean, "device": P.device_name,
    }

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int = 16,
        window: int = 256,
        noise_width: int = 3,
        memory_half_lives: tuple[float, ...] = (2, 8, 32, 128, 512),
        hidden: int = 32,
        levels: int = 6,
        critic_hidden: int = 32,
        critic_levels: int = 6,
        loss: str = "wgan-gp",
        critic_steps: int = 1,
        generator_lr: float = 5e-4,
        critic_lr: float = 5e-4,
        betas: tuple[float, float] = (0.5, 0.9),
        facts_weight: float = 20.0,
        acf_lags: int = 128,
        short_lags: int = 10,
        generator_ema: float | None = 0.99,
        calibrate: bool = True,
        device: str = "auto",
    ) -> None:
        self._store(locals())

    # ------------------------------------------------------------------ data
    def _checked_config(self) -> dict[str, Any]:
        cfg = super()._checked_config()
        if cfg["window"] < 2 ** cfg["critic_levels"]:
            raise ConfigError(f"{self.name}: 'window' ({cfg['window']}) must be at least the critic's receptive field "
                              f"2**critic_levels = {2 ** cfg['critic_levels']}; pass e.g. window={2 ** cfg['critic_levels'] * 2}")
        if cfg["acf_lags"] >= cfg["window"] or cfg["short_lags"] >= cfg["window"]:
            raise ConfigError(f"{self.name}: 'acf_lags' and 'short_lags' must be less than 'window' ({cfg['window']}); pass e.g. acf_lags={cfg['window'] // 2}")
        return cfg

    def _check_data(self, data: Any, spec: Any) -> tuple[EncodedData, Any]:
        data = check_sequence_data(data, model=self.name)
        if data.static is not None:
            raise ConfigError(f"{self.name}: models the temporal part only; fit on EncodedData without a static part")
        window, lengths = int(self._cfg_window()), data.lengths
        if lengths.max() < window:
            raise DataValidationError(f"{self.name}: the longest series has {int(lengths.max())} steps, fewer than window={window}; "
                                      f"pass a smaller window (and critic_levels)")
        n_windows = int(np.maximum(lengths - window + 1, 0).sum())
        spec = {"width": int(data.temporal.shape[2]), "max_length": int(lengths.max())}
        return SeriesWindows(temporal=data.temporal, lengths=lengths, n_windows=n_windows), spec

    def _cfg_window(self) -> int:
        return self._checked_config()["window"]

    def _tensors(self, data: EncodedData) -> dict[str, torch.Tensor]:
        """The gaussianised series and the (series, start) of every training window.

        Fits the heavy-tail transform and the stylized-facts targets first: the training
        tensors live in the transform's space.
        """
        temporal, lengths, window = data.temporal, data.lengths, self._cfg["window"]
        valid = [np.asarray(temporal[i, : lengths[i]], dtype=np.float64) for i in range(len(temporal))]
        self.transform_ = HeavyTailGaussianizer.fit(np.concatenate(valid))
        self.calibration_: MarginalCalibration | None = None  # fitted after training
        gaussian = [self.transform_.transform(v) for v in valid]
        self._facts = FactSpec.from_series(gaussian, self._cfg["acf_lags"], self._cfg["short_lags"])
        self._facts_target = series_facts(gaussian, window, self._facts)
        series = np.zeros(temporal.shape, dtype=np.float32)
        for i, g in enumerate(gaussian):
            series[i, : len(g)] = g
        counts = np.maximum(lengths - window + 1, 0)
        which = np.repeat(np.arange(len(temporal)), counts)
        first = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)  # 0..count-1 within each series
        device = self._device
        return {"series": torch.as_tensor(series, device=device), "window_series": torch.as_tensor(which, device=device),
                "window_start": torch.as_tensor(first, device=device)}

    # -------------------------------------------------------------- networks
    def _build(self, spec: Any, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        width, k = spec["width"], cfg["noise_width"]
        inputs = k * (1 + len(cfg["memory_half_lives"]))
        self._decays = torch.as_tensor(memory_decays(cfg["memory_half_lives"]), dtype=torch.float32, device=self._device)
        self._average: WeightAverage | None = None
        generator = SequenceGenerator(inputs, cfg["hidden"], width, cfg["levels"], init)
        critic = SequenceCritic(width, cfg["critic_hidden"], cfg["critic_levels"], init)
        return {"generator": generator, "critic": critic}

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("generator",)

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        return {"critic": OptimizerSpec(("critic",), "adam", cfg["critic_lr"], cfg["betas"]),
                "generator": OptimizerSpec(("generator",), "adam", cfg["generator_lr"], cfg["betas"])}

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> UniformBatches:
        return UniformBatches(len(tensors["window_start"]), cfg["batch_size"], self._device)

    def _noise(self, n: int, steps: int, gen: torch.Generator) -> torch.Tensor:
        """Generator input for ``n`` paths of ``steps`` outputs: i.i.d. noise and its memory channels."""
        net = self.networks_["generator"]
        z = torch.randn(n, steps + net.receptive_field - 1, self._cfg["noise_width"], generator=gen, device=self._device)
        if not len(self._decays):
            return z
        return torch.cat([z, memory_noise(z, self._decays, gen)], dim=2)

    # ------------------------------------------------------------------ step
    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]):
        series, window = tensors["series"], cfg["window"]
        which, first = tensors["window_series"], tensors["window_start"]
        offsets = torch.arange(window, device=self._device)
        target = torch.as_tensor(self._facts_target, dtype=torch.float32, device=self._device)
        weights = torch.as_tensor(self._facts.weights(), dtype=torch.float32, device=self._device)
        gen, facts_weight = ctx.generator, cfg["facts_weight"]
        if cfg["generator_ema"] is not None:
            raw = self.networks_["generator"]
            self._average = WeightAverage(raw, copy.deepcopy(raw), cfg["generator_ema"])

        def real(batch: Batch) -> torch.Tensor:
            rows = batch.rows
            return series[which[rows][:, None], first[rows][:, None] + offsets]

        def fake(batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
            paths = ctx.networks["generator"](self._noise(len(batch.vectors), window, gen))
            return paths, paths

        def facts_loss(paths: torch.Tensor, batch: Batch) -> torch.Tensor:
            found, present = stylized_facts(paths, self._facts)
            return facts_weight * ((found - target).square() * weights * present).mean()

        return adversarial_step(
            ctx, AdversarialLoss(cfg["loss"], clip_value=0.01 if cfg["loss"] == "wgan" else None), real=real, fake=fake,
            critic_steps=cfg["critic_steps"], extra_generator_loss=facts_loss if facts_weight > 0 else None,
            after_generator_step=self._average.update if self._average is not None else None)

    def _training_extras(self) -> dict[str, torch.Tensor]:
        if self._average is None:
            return {}
        return {"average_updates": torch.tensor(self._average.updates),
                **{f"average.{k}": v for k, v in self._average.shadow.state_dict().items()}}

    def _load_training_extras(self, tensors: dict[str, torch.Tensor]) -> None:
        if self._average is not None:
            self._average.updates = int(tensors["average_updates"])
            self._average.shadow.load_state_dict({k[8:]: v for k, v in tensors.items() if k.startswith("average.")}, strict=True)

    @contextlib.contextmanager
    def _sampling_weights(self) -> Iterator[None]:
        current = self.networks_["generator"]
        if self._average is not None:
            self.networks_["generator"] = self._average.shadow
        try:
            yield
        finally:
            self.networks_["generator"] = current

    def _finish_training(self) -> None:
        if self._average is not None:
            self.networks_["generator"].load_state_dict(self._average.shadow.state_dict())
        self._average = None
        del self.networks_["critic"]  # only needed for training
        if self._cfg["calibrate"]:  # the final generator's marginal, from the training stream
            with torch.no_grad():
                g = self._raw_paths(CALIBRATION_PATHS, CALIBRATION_STEPS, self._train_gen)
            self.calibration_ = MarginalCalibration.fit(g.reshape(-1, g.shape[2]))
        else:
            self.calibration_ = MarginalCalibration.identity(self.spec_["width"])

    # -------------------------------------------------------------- persistence
    def _extra_arrays(self) -> dict[str, np.ndarray]:
        return {**{f"transform.{k}": v for k, v in self.transform_.arrays().items()}, "calibration.knots": self.calibration_.knots}

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        self.transform_ = HeavyTailGaussianizer.from_arrays({k[10:]: v for k, v in arrays.items() if k.startswith("transform.")})
        self.calibration_ = MarginalCalibration(np.asarray(arrays["calibration.knots"], dtype=np.float64))

    # ---------------------------------------------------------------- sampling
    def _sample_shape(self) -> tuple[int, ...]:
        return (self._cfg["window"], self.spec_["width"])

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        """``n`` paths of ``window`` steps in the data's space (previews during fit)."""
        return torch.as_tensor(self._paths(n, self._cfg["window"], gen))

    def _raw_paths(self, n: int, length: int, gen: torch.Generator) -> np.ndarray:
        """``n`` generator outputs of ``length`` steps (gaussianised space), generated in blocks of steps."""
        net = self.networks_["generator"]
        span = net.receptive_field - 1
        noise = self._noise(n, length, gen)  # the whole paths' noise first: blocks of steps then join up exactly
        steps = max(1, SAMPLE_CHUNK_CELLS // max(n, 1) - span)
        out = np.empty((n, length, self.spec_["width"]), dtype=np.float32)
        for first in range(0, length, steps):
            last = min(first + steps, length)
            out[:, first:last] = net(noise[:, first : last + span]).cpu().numpy()
        return out

    def _paths(self, n: int, length: int, gen: torch.Generator) -> np.ndarray:
        """``n`` paths of ``length`` steps in the data's space, float32: calibrated, then the heavy tails restored."""
        g = self._raw_paths(n, length, gen)
        calibration = getattr(self, "calibration_", None)  # None while training (previews)
        return self.transform_.inverse(calibration(g) if calibration is not None else g)

    def sample(self, n: int, *, length: int | None = None, seed: int | None = None, condition: Any = None) -> EncodedData:  # type: ignore[override]
        """Generate ``n`` paths of ``length`` steps in the encoded space of the training series.

        Parameters
        ----------
        n : int
            Number of paths.
        length : int, optional
            Steps per path, any positive number (default: the longest training series).
            Paths are stationary: a long path is one draw, not glued windows.
        seed : int, optional
            Makes the call reproducible on its own; ``None`` continues the model's seed stream.
        condition : None
            Not supported (raises :class:`~synthgan.errors.ConditionError`).

        Returns
        -------
        EncodedData
            ``temporal`` of shape ``(n, length, width)``, float32, every path full length.
        """
        check_is_fitted(self, "spec_")
        n = check_n(n, model=self.name)
        length = check_length(length, self.spec_["max_length"], model=self.name)
        if condition is not None:
            raise ConditionError(f"{self.name} samples unconditionally; sample without 'condition'")
        gen = torch_generator(self._sample_seeds.resolve(seed, model=self.name), "sample", device=self._device.type)
        per_pass = max(1, SAMPLE_CHUNK_CELLS // (length + self.networks_["generator"].receptive_field))
        out = np.empty((n, length, self.spec_["width"]), dtype=np.float32)
        with torch.no_grad():
            for first in range(0, n, per_pass):
                last = min(first + per_pass, n)
                out[first:last] = self._paths(last - first, length, gen)
        return EncodedData(temporal=out, lengths=np.full(n, length, dtype=np.int64))
