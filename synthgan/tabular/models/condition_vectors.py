"""The conditional vector of CTGAN and training-by-sampling, vectorised on the device.

A conditional vector is one-hot over the concatenated condition spans (the table's
categorical columns): exactly one category of one span is set. For training, a span
is chosen uniformly and a category with probability proportional to
``log(1 + count)`` (so rare categories are seen often enough), then a real row with
that category is drawn. Row indices per category are sorted once at construction;
every batch is then a handful of tensor ops, with no Python loop over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from synthgan.core.batches import BatchSampler
from synthgan.tabular.layout import Layout
from synthgan.errors import ConditionError


@dataclass
class ConditionBatch:
    """One batch of conditions: the vectors and, per row, the chosen span, category and real row."""

    vectors: torch.Tensor  # (rows, condition_width) float32, one-hot
    target_columns: torch.Tensor | None  # (rows,) column of the chosen category in the encoded matrix
    spans: torch.Tensor | None  # (rows,) index k of the chosen condition span
    real_rows: torch.Tensor | None  # (rows,) a data row having the chosen category (training only)

    @property
    def rows(self) -> torch.Tensor | None:
        """The real rows (the core's :class:`~synthgan.core.batches.Batch` name)."""
        return self.real_rows


def _cdf_table(probs: np.ndarray) -> np.ndarray:
    """Per-span CDF rows whose last non-zero category reaches exactly 1.0.

    With ``searchsorted(right=True)`` of ``u`` in [0, 1) this can only pick categories
    of non-zero probability, even after rounding to float32.
    """
    sums = probs.sum(axis=1, keepdims=True)
    cdf = np.cumsum(probs, axis=1) / np.where(sums > 0, sums, 1.0)
    for k in range(len(probs)):  # once per span at build time
        nonzero = np.flatnonzero(probs[k] > 0)
        cdf[k, nonzero[-1] if len(nonzero) else 0 :] = 1.0
    return cdf


class ConditionVectorSampler(BatchSampler):
    """Build conditional vectors for training (log-frequency) and for sampling (empirical frequency).

    Parameters
    ----------
    layout : Layout
        ``layout.condition_spans`` names the spans the vector is made of.
    counts : ndarray of shape (n_condition_spans, max_width)
        Rows per category of each condition span (zero padded).
    device : torch.device
    data : torch.Tensor, optional
        The encoded training matrix on ``device``; needed only for :meth:`training_batch`.
    log_frequency : bool, default=True
        Training picks categories with probability proportional to ``log(1 + count)``
        (True) or to ``count`` (False).
    """

    def __init__(self, layout: Layout, counts: np.ndarray, device: torch.device, data: torch.Tensor | None = None,
                 log_frequency: bool = True, batch_size: int = 500) -> None:
        self.batch_size = batch_size
        spans = [layout.spans[i] for i in layout.condition_spans]
        self._layout = layout
        self.n_spans = len(spans)
        self.width = layout.condition_width
        self.device = device
        self.span_widths = [s.width for s in spans]
        max_width = max(self.span_widths, default=0)
        self._log_frequency = log_frequency
        offsets = np.asarray(layout.condition_offsets(), dtype=np.int64)
        starts = np.asarray([s.start for s in spans], dtype=np.int64)
        self._offsets = torch.as_tensor(offsets, device=device)
        self._starts = torch.as_tensor(starts, device=device)
        self._set_counts(counts)
        if data is not None and self.n_spans:
            self._index_rows(data, spans, offsets, max_width)
        self.n_rows = 0 if data is None else int(data.shape[0])

    def _set_counts(self, counts: np.ndarray) -> None:
        self.counts = np.asarray(counts, dtype=np.float64).reshape(self.n_spans, max(self.span_widths, default=0))
        train_probs = np.log1p(self.counts) if self._log_frequency else self.counts
        self._train_cdf = torch.as_tensor(_cdf_table(train_probs), dtype=torch.float32, device=self.device)
        self._sample_cdf = torch.as_tensor(_cdf_table(self.counts), dtype=torch.float32, device=self.device)

    def reindex(self, data: torch.Tensor) -> np.ndarray:
        """Train on other rows (the next streamed chunk, same shape): their categories set the training draws.

        Returns their counts, ``(n_condition_spans, max_width)``.
        """
        counts = self.count_categories(data, self._layout)
        self._set_counts(counts)
        if self.n_spans:
            spans = [self._layout.spans[i] for i in self._layout.condition_spans]
            self._index_rows(data, spans, self._offsets.cpu().numpy(), max(self.span_widths))
        self.n_rows = int(data.shape[0])
        return counts

    @staticmethod
    def count_categories(data: np.ndarray | torch.Tensor, layout: Layout) -> np.ndarray:
        """Rows per category of each condition span, ``(n_condition_spans, max_width)`` float64."""
        spans = [layout.spans[i] for i in layout.condition_spans]
        max_width = max((s.width for s in spans), default=0)
        counts = np.zeros((len(spans), max_width), dtype=np.float64)
        x = torch.as_tensor(data)
        for k, s in enumerate(spans):  # per span (a few dozen), each a vectorised argmax over rows
            codes = x[:, s.start : s.end].argmax(dim=1)
            counts[k, : s.width] = torch.bincount(codes, minlength=s.width).cpu().numpy()
        return counts

    def _index_rows(self, data: torch.Tensor, spans: list, offsets: np.ndarray, max_width: int) -> None:
        # One key per (span, row): the row's category as an index into the conditional vector.
        keys = torch.cat([data[:, s.start : s.end].argmax(dim=1) + int(offsets[k]) for k, s in enumerate(spans)])
        order = torch.argsort(keys, stable=True)
        self._rows_sorted = order % data.shape[0]
        per_category = torch.bincount(keys, minlength=self.width)
        self._category_count = per_category
        self._category_start = torch.cumsum(per_category, 0) - per_category

    def _draw(self, n: int, cdf: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        spans = torch.randint(0, self.n_spans, (n,), generator=generator, device=self.device)
        u = torch.rand(n, 1, generator=generator, device=self.device)
        codes = torch.searchsorted(cdf.index_select(0, spans), u, right=True).squeeze(1)
        return spans, codes

    def _batch(self, spans: torch.Tensor, codes: torch.Tensor, real_rows: torch.Tensor | None) -> ConditionBatch:
        flat = self._offsets.index_select(0, spans) + codes
        vectors = torch.zeros(len(spans), self.width, device=self.device)
        vectors.scatter_(1, flat.unsqueeze(1), 1.0)
        target = self._starts.index_select(0, spans) + codes
        return ConditionBatch(vectors, target, spans, real_rows)

    def without_data(self, counts: np.ndarray | None = None) -> "ConditionVectorSampler":
        """A copy for sampling only: same counts (or ``counts``, e.g. summed over DDP ranks), no reference to the training data."""
        return ConditionVectorSampler(self._layout, self.counts if counts is None else counts, self.device, batch_size=self.batch_size)

    @property
    def n_items(self) -> int:
        """Training rows the sampler draws from (0 for a sampling-only copy)."""
        return self.n_rows

    def real_batch(self, generator: torch.Generator) -> ConditionBatch:
        """The trainer's batch sampler: ``batch_size`` training conditions with matching real rows."""
        return self.training_batch(self.batch_size, generator)

    def condition_batch(self, generator: torch.Generator) -> ConditionBatch:
        """``batch_size`` training conditions for a generator step (no rows)."""
        return self.training_batch(self.batch_size, generator, with_rows=False)

    def training_batch(self, n: int, generator: torch.Generator, *, with_rows: bool = True) -> ConditionBatch:
        """Log-frequency conditions plus (``with_rows``) one matching real row each (training-by-sampling)."""
        if self.n_spans == 0:
            rows = torch.randint(0, self.n_rows, (n,), generator=generator, device=self.device) if with_rows else None
            return ConditionBatch(torch.zeros(n, 0, device=self.device), None, None, rows)
        spans, codes = self._draw(n, self._train_cdf, generator)
        if not with_rows:
            return self._batch(spans, codes, None)
        flat = self._offsets.index_select(0, spans) + codes
        u = torch.rand(n, generator=generator, device=self.device)
        count = self._category_count.index_select(0, flat)
        pick = self._category_start.index_select(0, flat) + (u * count).long().clamp_max_(count - 1)
        return self._batch(spans, codes, self._rows_sorted.index_select(0, pick))

    def sampling_positions(self, n: int, generator: torch.Generator, condition: tuple[int, int] | None = None) -> torch.Tensor | None:
        """Where each generation row's conditional vector is one: ``(n,)`` int64, or None without condition spans.

        Spans and categories follow the training frequencies, or all rows get ``condition=(k, j)``.
        """
        if self.n_spans == 0:
            return None
        if condition is None:
            spans, codes = self._draw(n, self._sample_cdf, generator)
            return self._offsets.index_select(0, spans) + codes
        k, j = self.check_condition(condition)
        return torch.full((n,), int(self._offsets[k]) + j, dtype=torch.long, device=self.device)

    def sampling_batch(self, n: int, generator: torch.Generator, condition: tuple[int, int] | None = None) -> torch.Tensor:
        """Conditional vectors for generation (one-hot at :meth:`sampling_positions`), ``(n, width)``."""
        vectors = torch.zeros(n, self.width, device=self.device)
        positions = self.sampling_positions(n, generator, condition)
        return vectors if positions is None else vectors.scatter_(1, positions.unsqueeze(1), 1.0)

    def check_condition(self, condition: tuple[int, int]) -> tuple[int, int]:
        """Validate ``(k, j)``: condition span ``k`` exists and has a category ``j``."""
        try:
            k, j = (int(v) for v in condition)
        except (TypeError, ValueError) as exc:
            raise ConditionError(f"condition must be a pair (span k, category j) of integers, got {condition!r}") from exc
        if not 0 <= k < self.n_spans:
            raise ConditionError(f"condition span k={k} does not exist: the model has {self.n_spans} condition spans (0..{self.n_spans - 1})")
        if not 0 <= j < self.span_widths[k]:
            raise ConditionError(f"condition category j={j} does not exist in condition span {k}, which has {self.span_widths[k]} categories")
        return k, j
