"""table-GAN (Park et al. 2018): a convolutional GAN over encoded rows reshaped to a square.

An encoded row of width ``w`` is zero-padded to the smallest ``d x d`` square with
``d * d >= w`` and read as a one-channel image. The networks are the DCGAN ones of
:mod:`synthgan.core.conv_nets` (seeded from the model's own generator): the generator
grows the square from noise with transposed convolutions (batch norm, ReLU), its output
is flattened, the padding dropped and each span activated as in the other table GANs
(:class:`~synthgan.tabular.models.spans.SpanOps`); the critic's strided convolutions
(LeakyReLU; no batch norm, as the shared GAN loss scores real and fake rows in one pass) end
in one logit. Three losses train the generator:

* the original GAN loss, non-saturating (:class:`~synthgan.core.adversarial.AdversarialLoss`);
* the information loss: the mean and the standard deviation over the batch of the critic's
  last-layer features, real against fake, each an L2 distance hinged at ``info_loss_margin``
  (the paper's delta_mean = delta_sd; the real moments are the batch's, not a moving average);
* the classification loss: a classifier with the critic's trunk learns, from real rows with
  the label span zeroed, to predict the label; the generator is pushed to make its label
  agree with what the classifier reads from its other columns (cross-entropy, which for
  labels of any number of categories stands in for the paper's L1 distance of a binary label).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from synthgan.core import params as P
from synthgan.core.adversarial import AdversarialLoss
from synthgan.core.batches import ShuffledBatches
from synthgan.core.budget import Budget
from synthgan.core.model import Capabilities
from synthgan.core.trainer import OptimizerSpec, TrainingContext
from synthgan.errors import ConfigError
from synthgan.core.conv_nets import Critic, Generator, Plan, Trunk, linear
from synthgan.tabular.layout import Layout, Span
from synthgan.tabular.models.gan import GUMBEL_TAU
from synthgan.tabular.models.neural import TableNeuralModel
from synthgan.tabular.models.spans import SpanOps

MAX_STAGES = 3  # doublings of the generator's base grid (DCGAN's four layers at most)
FEATURE_EPS = 1e-8  # inside the standard deviation's square root: padded cells give constant features
# Default training, measured on Adult (26,048 rows, seed 0; shapes / trends / detection AUC / TSTR). At DCGAN's
# rate 2e-4: 16 channels, 1,040 steps 0.959 / 0.896 / 0.909 / 0.832; 2,080 steps 0.953 / 0.891 / 0.915 / 0.847
# (no gain for twice the time); 32 channels, 1,040 steps 0.956 / 0.890 / 0.922 / 0.854 at twice the cost per
# step. At 1e-3: 1,040 steps 0.956 / 0.900 / 0.900 / 0.860, and on 3,000 Adult rows 240 steps reach shapes
# 0.956 where 2e-4 reaches 0.847 (category shares are learned far sooner). The bench with these defaults
# (2 threads): 0.960 / 0.906 / 0.900 / 0.870, fit 60 s.
TABLE_GAN_BUDGET = Budget(target_steps=1000)


def square_side(width: int) -> int:
    """Side ``d`` of the smallest square holding ``width`` encoded columns (``d * d >= width``)."""
    return math.isqrt(max(width, 1) - 1) + 1


def square_plan(width: int) -> Plan:
    """How the networks build a ``d x d`` square: a base grid of at least 2 cells a side doubled 1-3 times, cropped to ``d``."""
    side = square_side(width)
    stages = min(MAX_STAGES, max(1, math.floor(math.log2(side / 2)))) if side >= 4 else 1
    base = -(-side // 2**stages)
    return Plan(side, side, stages, base, base)


class LabelClassifier(nn.Module):
    """The critic's convolutional trunk on a square, then a linear layer to the label's logits."""

    def __init__(self, plan: Plan, channels: int, n_labels: int, generator: torch.Generator) -> None:
        super().__init__()
        self.trunk = Trunk(1, plan, channels, generator, spectral=False)
        self.out = linear(self.trunk.features, n_labels, generator)

    def forward(self, square: torch.Tensor) -> torch.Tensor:
        return self.out(self.trunk(square))


def _optional_name(model: str, arg: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{model}: '{arg}' must be a column name or None, got {value!r}; pass e.g. {arg}='income'")
    return value


def _feature_moments(h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return h.mean(dim=0), (h.var(dim=0, unbiased=False) + FEATURE_EPS).sqrt()


class TableGAN(TableNeuralModel):
    """table-GAN: a DCGAN over rows reshaped to a square, with information and classification losses.

    After Park et al. 2018, "Data Synthesis based on Generative Adversarial Networks"
    (PVLDB 11(10)); see the module docstring for the networks and losses. Unconditional:
    conditions are met by rejection in the table pipeline.

    Parameters
    ----------
    epochs : int, optional
        ``None`` picks about 1000 generator steps' worth, between 5 and 300 epochs.
    batch_size : int, default=500
        Rows per step.
    embedding_dim : int, default=100
        Size of the generator's noise input.
    channels : int, default=16
        Channels of the critic's first convolution and of the generator's last hidden layer;
        they double at each halving of the square.
    generator_lr, discriminator_lr : float, default=1e-3
        Adam learning rates of the generator and of the critic and the classifier (DCGAN's
        2e-4 learns category shares several times slower; see ``TABLE_GAN_BUDGET``).
    betas : (float, float), default=(0.5, 0.999)
        Adam betas (DCGAN's).
    info_loss_margin : float, default=0.0
        The information loss only counts what the feature means' (and standard
        deviations') distance exceeds by; larger margins let the synthetic rows differ
        more from the real ones (the paper's privacy knob).
    label_column : str or None, default=None
        The categorical column the classifier predicts. ``None`` picks the layout's last
        categorical column; a table without one trains no classifier (no classification
        loss). Checked at ``fit``.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"`` or ``"cuda"``.

    Attributes
    ----------
    layout_ : Layout
    label_span_ : Span or None
        The span the classifier predicts.
    history_ : list of dict
        Per epoch: generator_loss (all three terms), critic_loss, information_loss,
        generator_grad_norm, critic_grad_norm, with a label also classifier_loss (the
        classifier's on real rows) and classification_loss (the generator's term), seconds.
    seed_ : int
    epochs_ : int
    """

    name: ClassVar[str] = "table-gan"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", encoding="mode_specific", budget=TABLE_GAN_BUDGET, one_hot_samples=True,
        summary="table-GAN: convolutional GAN over rows reshaped to a square, with information and label-"
                "classification losses (Park et al. 2018)")
    checkers = {
        "epochs": P.optional_positive_int,
        "batch_size": P.positive_int,
        "embedding_dim": P.positive_int,
        "channels": P.positive_int,
        "generator_lr": P.positive_float,
        "discriminator_lr": P.positive_float,
        "betas": P.adam_betas,
        "info_loss_margin": P.non_negative_float,
        "label_column": _optional_name,
        "device": P.device_name,
    }

    def __init__(
        self,
        *,
        epochs: int | None = None,
        batch_size: int = 500,
        embedding_dim: int = 100,
        channels: int = 16,
        generator_lr: float = 1e-3,
        discriminator_lr: float = 1e-3,
        betas: tuple[float, float] = (0.5, 0.999),
        info_loss_margin: float = 0.0,
        label_column: str | None = None,
        device: str = "auto",
    ) -> None:
        self._store(locals())

    # ---------------------------------------------------------------- networks
    def _label_span(self, layout: Layout, column: str | None) -> Span | None:
        categorical = [layout.spans[i] for i in layout.condition_spans]
        if column is None:
            return categorical[-1] if categorical else None
        for span in categorical:
            if span.column == column:
                return span
        names = ", ".join(repr(s.column) for s in categorical) or "none: the table has no categorical column"
        raise ConfigError(f"{self.name}: 'label_column' must name a categorical column, got {column!r}; "
                          f"pass label_column=None or one of: {names}")

    def _build(self, layout: Layout, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        self.label_span_ = self._label_span(layout, cfg["label_column"])
        self._spans = SpanOps(layout, self._device)
        self._plan = plan = square_plan(layout.width)
        networks: dict[str, nn.Module] = {
            "generator": Generator(cfg["embedding_dim"], 0, 1, plan, cfg["channels"], init),
            "critic": Critic(1, 0, plan, cfg["channels"], init),
        }
        if self.label_span_ is not None:
            networks["classifier"] = LabelClassifier(plan, cfg["channels"], self.label_span_.width, init)
        return networks

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("generator",)

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        specs = {"critic": OptimizerSpec(("critic",), "adam", cfg["discriminator_lr"], cfg["betas"]),
                 "generator": OptimizerSpec(("generator",), "adam", cfg["generator_lr"], cfg["betas"])}
        if self.label_span_ is not None:
            specs["classifier"] = OptimizerSpec(("classifier",), "adam", cfg["discriminator_lr"], cfg["betas"])
        return specs

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> ShuffledBatches:
        return ShuffledBatches(tensors["static"].shape[0], cfg["batch_size"], self._device, gen)

    def _square(self, rows: torch.Tensor) -> torch.Tensor:
        """Encoded rows ``(n, w)`` zero-padded and seen as ``(n, 1, d, d)`` images."""
        side = self._plan.height
        return F.pad(rows, (0, side * side - rows.shape[1])).view(-1, 1, side, side)

    def _raw_rows(self, generator: nn.Module, n: int, gen: torch.Generator) -> torch.Tensor:
        """The generator's square flattened, padding dropped: raw logits and values ``(n, w)``."""
        z = torch.randn(n, self._cfg["embedding_dim"], generator=gen, device=self._device)
        return generator(z, raw=True).flatten(1)[:, : self.layout_.width]

    # -------------------------------------------------------------------- step
    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]):
        data, gen = tensors["static"], ctx.generator
        loss, margin, label = AdversarialLoss("gan"), cfg["info_loss_margin"], self.label_span_
        keep = torch.ones(data.shape[1], device=self._device)
        if label is not None:
            keep[label.start : label.end] = 0.0

        def fake_rows(n: int) -> torch.Tensor:  # Gumbel-softmax on spans, tanh on values
            return self._spans.activate(self._raw_rows(ctx.networks["generator"], n, gen), tau=GUMBEL_TAU, generator=gen)

        def step() -> torch.Tensor:
            real = data.index_select(0, ctx.batch_sampler.real_batch(gen).rows)
            n = real.shape[0]
            with torch.no_grad():
                fake = fake_rows(n)
            c_loss, _ = loss.critic(ctx.networks["critic"], self._square(real), self._square(fake), gen)
            c_norm = ctx.update("critic", c_loss)
            logs = []
            if label is not None:
                logits = ctx.networks["classifier"](self._square(real * keep))
                k_loss = F.cross_entropy(logits, real[:, label.start : label.end].argmax(dim=1))
                ctx.update("classifier", k_loss)
                logs.append(k_loss.detach())
            fake = fake_rows(n)
            with ctx.frozen("critic") as critic:
                with torch.no_grad():
                    real_mean, real_sd = _feature_moments(critic.trunk(self._square(real)))
                features = critic.trunk(self._square(fake))
                fake_mean, fake_sd = _feature_moments(features)
                info = (F.relu(torch.linalg.vector_norm(real_mean - fake_mean) - margin)
                        + F.relu(torch.linalg.vector_norm(real_sd - fake_sd) - margin))
                g_loss = loss.generator(critic.out(features)) + info
                if label is not None:
                    with ctx.frozen("classifier") as classifier:
                        predicted = F.log_softmax(classifier(self._square(fake * keep)), dim=1)
                        agreement = -(fake[:, label.start : label.end] * predicted).sum(dim=1).mean()
                    g_loss = g_loss + agreement
                    logs.append(agreement.detach())
                g_norm = ctx.update("generator", g_loss)
            return torch.stack([g_loss.detach(), c_loss.detach(), info.detach(), g_norm, c_norm, *logs])

        names = ["generator_loss", "critic_loss", "information_loss", "generator_grad_norm", "critic_grad_norm"]
        return step, names + ["classifier_loss", "classification_loss"] * (label is not None)

    def _finish_training(self) -> None:
        for name in ("critic", "classifier"):  # only needed for training
            self.networks_.pop(name, None)

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        """Rows from the eval-mode generator: one category drawn per span, tanh on values."""
        raw = self._raw_rows(self.networks_["generator"], n, gen)
        return self._spans.sample_rows(raw.T.contiguous(), gen)
