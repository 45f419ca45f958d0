"""Feature spans of an encoded series part, and the per-feature encode/decode helpers.

A :class:`FeatureLayout` lists the :class:`FeatureSpan` of each input column in an encoded
part (``EncodedData.temporal_spec`` / ``static_spec``) of the
:class:`~synthgan.timeseries.encoder.SequenceEncoder`; a span's ``activation`` tells a model
what to apply where (``identity``, ``softmax`` or ``sigmoid``). The helpers turn raw feature
values into an encoded block (:func:`fit_spans`, :func:`encode_features`), back into raw values
and labels (:func:`decode_features`), and decoded values into the input column's dtype
(:func:`restore_dtype`); :func:`matches` and :func:`path_ids` serve conditions and path ids.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import DataValidationError

__all__ = ["FeatureLayout", "FeatureSpan", "decode_features", "encode_features", "fit_spans", "matches", "path_ids",
           "restore_dtype", "to_python"]

_ACTIVATION = {"numeric": "identity", "categorical": "softmax", "missing": "sigmoid"}


@dataclass(frozen=True)
class FeatureSpan:
    """Columns ``[start, start + width)`` of an encoded part, from one input column.

    ``kind`` is ``"numeric"`` (``(raw - mean) / std``), ``"categorical"`` (one-hot over
    ``categories``; ``None`` is the missing category) or ``"missing"`` (1 where ``column``
    was missing); ``transform`` says what ``raw`` is: ``value``, ``log_return``,
    ``simple_return``, an OHLC feature (``anchor``, ``gap``, ``up``, ``down``), ``category`` or ``missing``.
    """

    name: str
    column: str
    kind: str
    start: int
    width: int
    transform: str
    categories: tuple | None = None
    mean: float = 0.0
    std: float = 1.0

    @property
    def activation(self) -> str:
        return _ACTIVATION[self.kind]

    @property
    def end(self) -> int:
        return self.start + self.width

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["categories"] = None if self.categories is None else [to_python(c) for c in self.categories]
        return out


@dataclass(frozen=True)
class FeatureLayout:
    """The spans of an encoded part (``EncodedData.temporal_spec`` / ``static_spec``), in order."""

    spans: tuple[FeatureSpan, ...]

    @property
    def width(self) -> int:
        return self.spans[-1].end if self.spans else 0

    def to_dict(self) -> dict[str, Any]:
        return {"spans": [s.to_dict() for s in self.spans]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FeatureLayout":
        spans = []
        for s in data["spans"]:
            cats = s.get("categories")
            spans.append(FeatureSpan(**{**s, "categories": None if cats is None else tuple(cats)}))
        return cls(tuple(spans))


def to_python(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


def _categories(values: np.ndarray) -> tuple:
    present = pd.Series(values, dtype=object).dropna()
    levels = [to_python(v) for v in pd.unique(present)]
    try:
        levels = sorted(levels)
    except TypeError:
        pass
    return tuple(levels) + ((None,) if len(present) < len(values) else ())


def fit_spans(features: list[tuple], isna: dict[str, np.ndarray]) -> FeatureLayout:
    """Spans for ``features`` ``(name, column, kind, transform, raw)``, then missing indicators."""
    spans, pos = [], 0
    for name, column, kind, transform, raw in features:
        if kind == "categorical":
            cats = _categories(raw)
            spans.append(FeatureSpan(name, column, kind, pos, len(cats), transform, cats))
        else:
            finite = raw[np.isfinite(raw)]
            mean = float(finite.mean()) if len(finite) else 0.0
            std = float(finite.std()) if len(finite) > 1 else 0.0
            spans.append(FeatureSpan(name, column, kind, pos, 1, transform, None, mean, std if std > 1e-12 else 1.0))
        pos = spans[-1].end
    for column, mask in isna.items():
        if mask.any():
            spans.append(FeatureSpan(f"{column}:missing", column, "missing", pos, 1, "missing"))
            pos += 1
    return FeatureLayout(tuple(spans))


def encode_features(layout: FeatureLayout, features: list[tuple], isna: dict[str, np.ndarray], n: int) -> np.ndarray:
    raws = {f[0]: f[4] for f in features}
    out = np.zeros((n, layout.width), dtype=np.float64)
    for span in layout.spans:
        if span.kind == "missing":
            out[:, span.start] = isna[span.column]
        elif span.kind == "numeric":
            out[:, span.start] = np.nan_to_num((raws[span.name] - span.mean) / span.std, nan=0.0)
        else:
            values = pd.Series(raws[span.name], dtype=object)
            cats = pd.Index(span.categories, dtype=object)
            codes = cats.get_indexer(values.where(values.notna(), None))
            if None in span.categories:
                codes[values.isna().to_numpy()] = span.categories.index(None)
            if (codes < 0).any():
                bad = values[codes < 0].iloc[0]
                raise DataValidationError(
                    f"Column '{span.column}' holds {bad!r}, a value not seen in fit (known: {list(span.categories)[:10]}); "
                    "fit the encoder on data that has it, or map it to a known value."
                )
            out[np.arange(n), span.start + codes] = 1.0
    return out


def decode_features(layout: FeatureLayout, X: np.ndarray) -> tuple[dict, dict, dict]:
    """``(numeric raws by span name, labels by span name, missing masks by column)`` of ``X`` (..., width)."""
    raws, labels, missing = {}, {}, {}
    for span in layout.spans:
        block = X[..., span.start : span.end]
        if span.kind == "numeric":
            raws[span.name] = block[..., 0] * span.std + span.mean
        elif span.kind == "missing":
            missing[span.column] = block[..., 0] > 0.5
        else:
            labels[span.name] = np.array(span.categories + (None,), dtype=object)[:-1][np.argmax(block, axis=-1)]
    return raws, labels, missing


def restore_dtype(values: np.ndarray, dtype: str) -> pd.Series:
    """Decoded values (float or object) in the input column's dtype (nullable when values are missing)."""
    s = pd.Series(values)
    try:
        if dtype.lower().startswith(("int", "uint")):
            s = pd.to_numeric(s).round()
            return s.astype(dtype if s.notna().all() else "Int64")
        if dtype in ("bool", "boolean"):
            return s.astype(dtype if s.notna().all() else "boolean")
        return s.astype(dtype)
    except (TypeError, ValueError):
        return s


def matches(have: np.ndarray, want: Any) -> np.ndarray:
    """Which decoded attribute values ``have`` equal ``want``, read loosely (``"1"`` matches ``1``, ``1.0``)."""
    have = pd.Series(have, dtype=object)
    equal = (have == want).to_numpy(dtype=bool) | (have.astype(str) == str(want)).to_numpy(dtype=bool)
    if pd.api.types.is_number(want) or isinstance(want, str):
        numbers = pd.to_numeric(have, errors="coerce").to_numpy(dtype=np.float64)
        target = pd.to_numeric(pd.Series([want]), errors="coerce").iloc[0]
        equal |= np.isclose(numbers, target) if pd.notna(target) else False
    return equal


def path_ids(entity: np.ndarray | None, n: int) -> np.ndarray:
    """Path ids: ``0 .. n-1``, or the entity labels, numbered ``label#1``, ``label#2``, ... where several paths share one."""
    if entity is None:
        return np.arange(n, dtype=np.int64)
    s = pd.Series(entity, dtype=object)
    shared = s.map(s.value_counts()).to_numpy() > 1
    numbered = s.astype(str) + "#" + (s.groupby(s).cumcount() + 1).astype(str)
    return np.where(shared, numbered.to_numpy(dtype=object), s.to_numpy(dtype=object))
