"""The contract between the table encoder and the models: an encoded matrix and its spans.

The encoder turns a table into a float32 matrix. Each learnable column owns one or
more contiguous *spans* of that matrix; a model only needs the spans to know which
activation to apply where, which spans are discrete (Gumbel-softmax, cross-entropy)
and which categorical spans the conditional vector is built from.

Three encodings exist:

``"mode_specific"`` (neural models)
    * continuous, integer and datetime columns: a ``"value"`` span of width 1
      (activation ``"tanh"``, the value normalised within its mode) followed by a
      ``"component"`` span (activation ``"softmax"``) whose categories are the
      Gaussian modes, then the exact point masses (values shared by many rows),
      then "missing" when the column has missing values. When a point mass or
      "missing" is chosen, the value span is ignored.
    * categorical and boolean columns: one ``"category"`` span (``"softmax"``),
      one-hot over the kept categories (plus "other" and "missing" if needed).
``"ordinal"`` (Gaussian copula)
    * every learnable column is a single ``"ordinal"`` span of width 1 with
      activation ``"identity"``: the numeric value (NaN if missing) for numeric
      columns, the category code (NaN if missing) for categorical ones; its
      ``n_categories`` is > 0 exactly for categorical columns.
``"binned"`` (the autoregressive model; every span a softmax)
    * continuous, integer and datetime columns: a ``"component"`` span of bins (exact
      points, intervals, then "missing") and, when there are intervals, a ``"component"``
      span of positions inside the bin (see :mod:`synthgan.tabular.transforms.binned`);
    * categorical and boolean columns (and integers with few levels): one ``"category"``
      span, as in ``"mode_specific"``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Activation = Literal["tanh", "softmax", "identity"]
Role = Literal["value", "component", "category", "ordinal"]


@dataclass(frozen=True)
class Span:
    """A contiguous block ``[start, end)`` of encoded columns belonging to one table column."""

    column: str
    start: int
    end: int
    activation: Activation
    role: Role
    n_categories: int = 0  # width of a softmax span, or number of codes of an ordinal categorical

    @property
    def width(self) -> int:
        return self.end - self.start

    @property
    def is_discrete(self) -> bool:
        return self.activation == "softmax"


@dataclass(frozen=True)
class Layout:
    """All spans of an encoded matrix, in order, plus which spans the conditional vector uses.

    ``condition_spans`` indexes into ``spans``: the ``"category"`` spans (categorical,
    boolean and low-cardinality integer columns), in order; for the ordinal encoding,
    the ordinal spans of categorical columns (used to check condition values only). The conditional vector is the concatenation of those spans, so
    its width is ``sum(spans[i].width for i in condition_spans)``.
    """

    spans: tuple[Span, ...]
    condition_spans: tuple[int, ...] = field(default_factory=tuple)
    encoding: Literal["mode_specific", "ordinal", "binned"] = "mode_specific"

    @property
    def width(self) -> int:
        return self.spans[-1].end if self.spans else 0

    @property
    def condition_width(self) -> int:
        return sum(self.spans[i].width for i in self.condition_spans)

    def condition_offsets(self) -> list[int]:
        """Start of each condition span inside the conditional vector."""
        offsets, pos = [], 0
        for i in self.condition_spans:
            offsets.append(pos)
            pos += self.spans[i].width
        return offsets

    def to_dict(self) -> dict:
        return {
            "spans": [asdict(s) for s in self.spans],
            "condition_spans": list(self.condition_spans),
            "encoding": self.encoding,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Layout":
        return cls(
            spans=tuple(Span(**s) for s in data["spans"]),
            condition_spans=tuple(int(i) for i in data["condition_spans"]),
            encoding=data.get("encoding", "mode_specific"),
        )
