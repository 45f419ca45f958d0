"""An autoregressive model over a table's columns as categories: p(row) = prod_j p(span_j | spans before j).

Every span of the ``"binned"`` encoding is a softmax (categories; numbers as a bin and a
position inside it, see :mod:`synthgan.tabular.transforms.binned`). Each span gets an
embedding of its one-hot code, and a head of its own (a small MLP) that reads the
embeddings of the spans before it and gives the logits of its categories. Training
maximises the exact likelihood with teacher forcing (all heads at once); sampling draws
the spans one after the other, vectorised over rows.

The same idea as MOSTLY AI's TabularARGN. A likelihood model needs no adversary, so it
trains well under DP-SGD: ``capabilities.private`` names its one network, which
:class:`synthgan.dp.sgd.DPSGD` wraps with opacus (per-example clipping, Gaussian noise,
Poisson-sampled batches) without changes here.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from synthgan.core import params as P
from synthgan.core.batches import ShuffledBatches
from synthgan.core.budget import Budget
from synthgan.core.layers import categorical_draw, seeded_linear
from synthgan.core.model import Capabilities
from synthgan.core.neural import SAMPLE_CHUNK_ROWS
from synthgan.core.trainer import OptimizerSpec, TrainingContext
from synthgan.errors import DataValidationError
from synthgan.tabular.layout import Layout
from synthgan.tabular.models.neural import TableNeuralModel


class ColumnChain(nn.Module):
    """Span embeddings summed over each prefix, and one head per span reading its prefix's sum.

    The context of span ``j`` is ``relu(sum of the embeddings of spans 0..j-1)`` (zeros for
    the first): one shared hidden layer whose units every later head reads, as in MADE, so
    the weights grow with the number of spans, not with its square. Each head adds a
    hidden layer of its own before the span's logits.

    Parameters
    ----------
    sizes : list of int
        Categories of each span, in order.
    embedding_dim, hidden : int
        Width of the shared context; hidden width of each head.
    generator : torch.Generator
        Initialisation.
    """

    def __init__(self, sizes: list[int], embedding_dim: int, hidden: int, generator: torch.Generator) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.embedding_dim = embedding_dim
        # no embedding of the last span: no head reads it (and DP-SGD needs a gradient for every weight)
        self.embed = nn.ModuleList(_no_bias(seeded_linear(k, embedding_dim, generator)) for k in sizes[:-1])
        self.hidden = nn.ModuleList(seeded_linear(embedding_dim, hidden, generator) for _ in sizes)
        self.out = nn.ModuleList(seeded_linear(hidden, k, generator) for k in sizes)

    def head(self, j: int, context: torch.Tensor) -> torch.Tensor:
        """Logits of span ``j`` from the prefix sum ``context`` of the embeddings before it."""
        return self.out[j](F.relu(self.hidden[j](F.relu(context))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per-row negative log-likelihood of one-hot rows ``x`` (teacher forcing), shape ``(rows,)``."""
        pieces, start = [], 0
        for k in self.sizes:
            pieces.append(x[:, start : start + k])
            start += k
        context = x.new_zeros(x.shape[0], self.embedding_dim)
        nll = x.new_zeros(x.shape[0])
        for j, piece in enumerate(pieces):
            nll = nll - (F.log_softmax(self.head(j, context), dim=1) * piece).sum(dim=1)
            if j < len(self.embed):
                context = context + self.embed[j](piece)
        return nll

    @torch.no_grad()
    def generate_codes(self, n: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
        """The category codes of ``n`` rows, span after span: int64 of shape ``(spans, n)``.

        Embeddings are looked up by code (a row of the transposed weight) rather than
        multiplied with a one-hot piece.
        """
        context = torch.zeros(n, self.embedding_dim, device=device)
        codes = torch.empty(len(self.sizes), n, dtype=torch.int64, device=device)
        tables = [e.weight.t().contiguous() for e in self.embed]  # (categories, embedding_dim): rows to look up
        for j in range(len(self.sizes)):
            codes[j] = categorical_draw(self.head(j, context), gen)
            if j < len(self.embed):
                context += tables[j].index_select(0, codes[j])
        return codes

    @torch.no_grad()
    def generate(self, n: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
        """``n`` one-hot rows (the rows :meth:`generate_codes` draws from ``gen``), as the transpose of a ``(width, n)`` tensor.

        Transposed because the caller fills a column-major buffer (no strided copy).
        """
        codes = self.generate_codes(n, gen, device)
        columns = torch.zeros(sum(self.sizes), n, device=device)
        offsets = torch.tensor([0, *self.sizes[:-1]], device=device).cumsum(0)
        columns.scatter_(0, codes + offsets.unsqueeze(1), 1.0)
        return columns.t()


def _no_bias(layer: nn.Linear) -> nn.Linear:
    layer.bias = None  # an embedding: one row of the weight per category
    return layer


class Autoregressive(TableNeuralModel):
    """Autoregressive model over binned columns (likelihood, teacher forcing; DP-SGD capable).

    Parameters
    ----------
    epochs : int, optional
        ``None`` picks about 6000 steps' worth, between 5 and 300 epochs.
    batch_size : int, default=500
    embedding_dim : int, default=64
        Width of the shared context the span embeddings add up to.
    hidden : int, default=64
        Hidden width of each span's head. At 64 / 64 a step costs about a quarter of
        the work of 128 / 128, and on Adult the figures were the same (seed 0, shapes /
        trends / detection AUC / TSTR: 0.994 / 0.989 / 0.546 / 0.918 against 0.993 /
        0.987 / 0.546 / 0.919) with fewer synthetic rows closer to a training row than
        to a held-out one (0.517 against 0.541).
    lr : float, default=2e-3
        Adam learning rate.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"`` decays the rate to 0 over the planned steps: the last weights are then
        a settled model rather than one noisy Adam step (that noise shifted whole category
        shares by a few points between seeds). Under DP the default is ``"constant"``, the
        setting bench/results/dp_quality.md measured.
    weight_decay : float, default=0.0
    device : str, default="auto"

    Attributes
    ----------
    layout_ : Layout
    history_ : list of dict
        Per epoch: loss (mean negative log-likelihood of a row, nats), seconds.
    """

    name: ClassVar[str] = "autoregressive"
    capabilities: ClassVar[Capabilities] = Capabilities(
        kind="table", summary="autoregressive network over binned columns (exact likelihood; trains under DP-SGD)",
        family="autoregressive", encoding="binned", budget=Budget(target_steps=6000), one_hot_samples=True, code_samples=True,
        augmentation_arm=True,
        private=("network",), extras={"private_defaults": {"lr_schedule": "constant"}})
    checkers = {
        "epochs": P.optional_positive_int,
        "batch_size": P.positive_int,
        "embedding_dim": P.positive_int,
        "hidden": P.positive_int,
        "lr": P.positive_float,
        "lr_schedule": P.one_of("cosine", "constant"),
        "weight_decay": P.non_negative_float,
        "device": P.device_name,
    }

    def __init__(self, *, epochs: int | None = None, batch_size: int = 500, embedding_dim: int = 64, hidden: int = 64,
                 lr: float = 2e-3, lr_schedule: str = "cosine", weight_decay: float = 0.0, device: str = "auto") -> None:
        self._store(locals())

    def _build(self, layout: Layout, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        if any(span.activation != "softmax" for span in layout.spans):
            raise DataValidationError(f"{self.name}: every span must be a softmax (the 'binned' encoding); got "
                                      f"{sorted({s.activation for s in layout.spans})}")
        sizes = [span.end - span.start for span in layout.spans]
        return {"network": ColumnChain(sizes, cfg["embedding_dim"], cfg["hidden"], init)}

    def _sampling_networks(self) -> tuple[str, ...]:
        return ("network",)

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        return {"network": OptimizerSpec(("network",), "adam", cfg["lr"], weight_decay=cfg["weight_decay"])}

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> ShuffledBatches:
        return ShuffledBatches(tensors["static"].shape[0], cfg["batch_size"], self._device, gen)

    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]):
        data, gen = tensors["static"], ctx.generator
        planned = max(self._planned_steps, 1)
        self._steps_done = torch.zeros((), dtype=torch.int64)  # a tensor: checkpoints keep it (_training_extras)
        groups = ctx.optimizers["network"].param_groups

        def step() -> torch.Tensor:
            if cfg["lr_schedule"] == "cosine":
                done = min(int(self._steps_done), planned)
                for group in groups:
                    group["lr"] = cfg["lr"] * 0.5 * (1.0 + math.cos(math.pi * done / planned))
            self._steps_done += 1
            rows = ctx.batch_sampler.real_batch(gen).rows
            nll = ctx.networks["network"](data.index_select(0, rows))
            loss = nll.sum() / max(int(rows.numel()), 1)  # a mean that stays 0 on an empty Poisson batch
            ctx.update("network", loss)
            return loss.detach().reshape(1)

        return step, ["loss"]

    def _training_extras(self) -> dict[str, torch.Tensor]:
        return {"steps_done": self._steps_done}

    def _load_training_extras(self, tensors: dict[str, torch.Tensor]) -> None:
        if "steps_done" in tensors:
            self._steps_done = tensors["steps_done"].clone()

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        return self.networks_["network"].generate(n, gen, self._device)

    def sample_codes(self, n: int, *, seed: int | None = None) -> np.ndarray:
        """The category codes of ``n`` rows, int64 of shape ``(n, spans)``: :meth:`sample` without its one-hot matrix.

        The same rows as ``sample(n, seed=seed)`` (the same draws from the same stream),
        for a fraction of the memory: the decoder reads codes, and a one-hot float matrix
        of every bin of every column is the largest allocation of sampling otherwise.
        """
        n, gen = self._sampling_stream(n, seed)  # the stream sample() draws from: the same rows
        network = self.networks_["network"]  # in eval mode since fit (it has no dropout or batch norm either way)
        out = np.empty((n, len(self.layout_.spans)), dtype=np.int64)
        with self._sampling_weights(), torch.no_grad():
            for start in range(0, n, SAMPLE_CHUNK_ROWS):
                size = min(SAMPLE_CHUNK_ROWS, n - start)
                out[start : start + size] = network.generate_codes(size, gen, self._device).t().cpu().numpy()
        return out
