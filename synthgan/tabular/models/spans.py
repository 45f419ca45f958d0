"""Span-wise activations and losses over an encoded matrix, fused across spans.

Softmax spans have different widths. Instead of a Python loop per span, spans of
similar width share a *bucket*: their columns are gathered into one padded
``(width, n_spans, rows)`` tensor (padding set to -inf), so one softmax handles the
whole bucket, and one gather at the end puts every result back in column order.
Buckets keep padding small (Adult: 146 softmax columns become 168, not 15 x 42).
The work is done on the transposed matrix, so that softmax runs over the first
axis and vectorises across rows (over a last axis of width 2-40 it is ~10x slower).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from synthgan.tabular.layout import Layout, Span
from synthgan.core.layers import gumbel_noise

_NEG_INF = float("-inf")
_BUCKET_RATIO = 1.5  # a bucket holds spans up to 1.5x (or 2 more than) its narrowest width


@dataclass
class _Bucket:
    n_spans: int
    width: int
    span_ids: list[int]  # positions of these spans among the softmax spans

    @property
    def size(self) -> int:
        return self.n_spans * self.width


def _bucketize(spans: list[Span]) -> list[list[int]]:
    order = sorted(range(len(spans)), key=lambda k: spans[k].width)
    buckets: list[list[int]] = []
    for k in order:
        if buckets and spans[k].width <= max(spans[buckets[-1][0]].width * _BUCKET_RATIO, spans[buckets[-1][0]].width + 2):
            buckets[-1].append(k)
        else:
            buckets.append([k])
    return buckets


def _padded_index(spans: list[Span], width: int) -> tuple[torch.Tensor, torch.Tensor]:
    index = torch.zeros(len(spans), width, dtype=torch.long)
    mask = torch.ones(len(spans), width, dtype=torch.bool)
    for k, s in enumerate(spans):  # once per span at build time, not per step
        index[k, : s.width] = torch.arange(s.start, s.end)
        mask[k, : s.width] = False
    return index, mask


class SpanOps:
    """Index tensors for the softmax spans and the element-wise (tanh/identity) columns of a layout.

    Parameters
    ----------
    layout : Layout
    device : torch.device
    spans : sequence of int, optional
        Only these softmax spans (indices into ``layout.spans``), e.g. the condition
        spans; :meth:`activate` needs the default (all spans).
    """

    def __init__(self, layout: Layout, device: torch.device, spans: tuple[int, ...] | None = None) -> None:
        chosen = range(len(layout.spans)) if spans is None else spans
        soft = [layout.spans[i] for i in chosen if layout.spans[i].activation == "softmax"]
        self.n_spans = len(soft)
        self.max_width = max((s.width for s in soft), default=0)
        pad_index, pad_mask = _padded_index(soft, self.max_width)
        self.pad_index, self.pad_mask = pad_index.to(device), pad_mask.to(device)
        cols = {kind: [c for s in layout.spans if s.activation == kind for c in range(s.start, s.end)] for kind in ("tanh", "identity")}
        self.tanh_cols = torch.tensor(cols["tanh"], dtype=torch.long, device=device)
        self.identity_cols = torch.tensor(cols["identity"], dtype=torch.long, device=device)
        # Where each output column lives in cat([tanh, identity, bucket 0, bucket 1, ...]).
        source = torch.full((layout.width,), -1, dtype=torch.long)
        source[cols["tanh"] + cols["identity"]] = torch.arange(len(cols["tanh"]) + len(cols["identity"]))
        offset = len(cols["tanh"]) + len(cols["identity"])
        # All buckets' slots in one index, category-major within a bucket; padding points at
        # an extra row of -inf appended to the transposed matrix (so softmax gives it 0).
        self.buckets: list[_Bucket] = []
        slots = []
        for ids in _bucketize(soft):
            width = max(soft[k].width for k in ids)
            index, mask = (t.T.reshape(-1) for t in _padded_index([soft[k] for k in ids], width))
            source[index[~mask]] = offset + torch.nonzero(~mask).reshape(-1)
            offset += index.numel()
            slots.append(index.masked_fill(mask, layout.width))
            self.buckets.append(_Bucket(len(ids), width, ids))
        self.slot_index = torch.cat(slots).to(device) if slots else torch.zeros(0, dtype=torch.long, device=device)
        # The same slots for a matrix without the extra -inf row: padding reads column 0, then is set to -inf.
        self._pad_slots = torch.nonzero(self.slot_index == layout.width).reshape(-1)
        self._slot_source = self.slot_index.clamp_max(max(layout.width - 1, 0))
        bucket_order = [k for b in self.buckets for k in b.span_ids]
        self._span_order = torch.argsort(torch.tensor(bucket_order, dtype=torch.long)).to(device)
        self.output_source = source.to(device)

    def _logits(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """All buckets' logits as one ``(slots, rows)`` tensor and its ``(width, n_spans, rows)`` views."""
        xt = torch.cat([x.T, x.new_full((1, x.shape[0]), _NEG_INF)])
        flat = xt.index_select(0, self.slot_index)
        return flat, self._views(flat)

    def _views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        sizes = [b.size for b in self.buckets]
        return [part.view(b.width, b.n_spans, -1) for part, b in zip(flat.split(sizes), self.buckets)]

    def _in_span_order(self, per_bucket: list[torch.Tensor]) -> torch.Tensor:
        """``(n_spans, rows)`` pieces in bucket order -> ``(rows, n_spans)`` in span order."""
        return torch.cat(per_bucket, dim=0).index_select(0, self._span_order).T

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Category index per softmax span of one-hot (or probability) rows: ``(rows, n_spans)``."""
        return self._in_span_order([lg.argmax(dim=0) for lg in self._logits(x)[1]])

    def activate(self, x: torch.Tensor, *, tau: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
        """tanh on value columns; softmax (Gumbel-softmax at temperature ``tau`` when ``generator`` is given) on spans."""
        parts = [torch.tanh(x.T.index_select(0, self.tanh_cols))]
        if len(self.identity_cols):
            parts.append(x.T.index_select(0, self.identity_cols))
        if self.buckets:
            flat, views = self._logits(x)
            if generator is not None:
                views = self._views((flat + gumbel_noise(flat, generator)) / tau)
            parts += [torch.softmax(v, dim=0).view(-1, x.shape[0]) for v in views]
        return torch.cat(parts, dim=0).index_select(0, self.output_source).T

    def span_cross_entropy(self, x: torch.Tensor, codes: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of each span's logits against target ``codes`` (span order): ``(rows, n_spans)``."""
        codes_t, losses = codes.T, []
        for bucket, logits in zip(self.buckets, self._logits(x)[1]):
            target = codes_t[bucket.span_ids].unsqueeze(0)
            losses.append(-torch.log_softmax(logits, dim=0).gather(0, target).squeeze(0))
        return self._in_span_order(losses)

    def sample_codes(self, xt: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """One category per span drawn from the softmax of its logits: ``(n_spans, rows)``, span order.

        ``xt`` is the raw output transposed, ``(width, rows)`` (contiguous is fastest).
        Inverse-CDF sampling: one uniform per span and row, against the running sum
        of ``exp(logit - max)``. The same distribution as Gumbel-max (the argmax of
        the Gumbel-softmax sample the decoder would take), with one random number per
        span instead of one per category (Adult: 15 instead of 146 per row).
        """
        flat = xt.index_select(0, self._slot_source).index_fill_(0, self._pad_slots, _NEG_INF)
        codes = []
        for v in self._views(flat):  # (width, n_spans, rows); padding has weight exp(-inf) = 0
            cdf = v.sub_(v.amax(dim=0, keepdim=True)).exp_().cumsum_(dim=0)
            u = torch.rand(cdf.shape[1:], generator=generator, device=xt.device, dtype=xt.dtype).mul_(cdf[-1])
            # u < total, so padding and trailing zeros are never counted; counting in uint8
            # where the width allows is ~10x faster than the default bool -> int64 sum
            below = (cdf <= u).view(torch.uint8)
            codes.append(below.sum(dim=0, dtype=torch.uint8 if v.shape[0] <= 255 else torch.int32).long())
        return torch.cat(codes, dim=0).index_select(0, self._span_order)

    def sample_rows(self, xt: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Encoded rows drawn from raw output ``xt`` (transposed, ``(width, rows)``), returned as ``(rows, width)``.

        tanh on value columns, identity columns as they are, and every softmax span
        one-hot at a category drawn from its softmax. The result is a view of a
        ``(width, rows)`` tensor: every step here then works on contiguous rows.
        """
        out = torch.zeros_like(xt, memory_format=torch.contiguous_format)
        if self.buckets:
            out.scatter_(0, self.pad_index.gather(1, self.sample_codes(xt, generator)), 1.0)
        out.index_copy_(0, self.tanh_cols, torch.tanh(xt.index_select(0, self.tanh_cols)))
        if len(self.identity_cols):
            out.index_copy_(0, self.identity_cols, xt.index_select(0, self.identity_cols))
        return out.T

    def one_hot(self, codes: torch.Tensor, width: int) -> torch.Tensor:
        """Rows one-hot at ``codes`` (span order) in every span and 0 elsewhere, ``width`` columns."""
        cols = self.pad_index.gather(1, codes.T).T  # (rows, n_spans) column of each chosen category
        out = torch.zeros(codes.shape[0], width, device=codes.device)
        return out.scatter_(1, cols, 1.0)
