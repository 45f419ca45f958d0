"""The table encoder's rows, made fit for scoring: deterministic, and keeping what the encoding hides.

:class:`~synthgan.tabular.encoder.TableEncoder` is built for generation, so three of its
choices hide exactly what an anomaly detector wants to see:

* a numeric value goes to a Gaussian mode *drawn* from its posterior, so the same row
  encodes differently from call to call (and from chunk to chunk). Here each value
  goes to its most probable mode instead (among the modes whose training range holds
  it), so a row's score depends on the row alone;
* a value beyond every mode's training range is clipped to the range's edge (the
  normalised value to ±0.99). The networks read the clipped rows, but the value
  columns of :attr:`ScoringRows.target` keep the unclipped value, so a reconstruction
  error grows with the distance beyond the range;
* a category level never seen in training, or a missing cell in a column that had
  none, is encoded as some seen code. :attr:`ScoringRows.novelty` counts such cells, per
  column, as ``log(n_fit + 1)`` nats: a level seen in none of ``n_fit`` rows has an
  empirical probability below ``1 / (n_fit + 1)``. For numbers encoded as levels (a
  few distinct integers) only a value beyond the seen ones counts: a gap between seen
  values is not news (it made shuttle's normal rows look new once rare values were
  left out of a fit).

Beyond the encoding, :class:`RowEncoder` counts each column's values among the rows it
was fitted on (:class:`~synthgan.anomaly.marginal.ColumnTails`), so every encoded row
also carries how rare each of its cells is in its column (:attr:`ScoringRows.tails`).

Dependencies between columns are not detected (``detect_dependencies=False``): every
column is encoded on its own, so a row that breaks a functional dependency shows in
the scores of both columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.anomaly.marginal import ColumnTails
from synthgan.errors import check_is_fitted
from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.layout import Layout
from synthgan.tabular.transforms.constant import ConstantColumn
from synthgan.tabular.transforms.levels import LevelsTransformer
from synthgan.tabular.transforms.mode_specific import _BOUND, ModeSpecificNormalizer
from synthgan.tabular.transforms.values import to_float, to_python

#: encoder settings the detectors fit with (any TableEncoder argument may be overridden)
ENCODER_DEFAULTS: dict[str, Any] = {"detect_dependencies": False}
TAILS_PREFIX = "tails/"  # names of the column tails' arrays among the encoder's (see RowEncoder.to_state)


@dataclass(frozen=True)
class ScoringRows:
    """Encoded rows for scoring.

    Attributes
    ----------
    x : ndarray of shape (rows, width), float32
        What the networks read: the encoder's layout, modes chosen by argmax, values clipped.
    target : ndarray of shape (rows, width), float32
        ``x`` with the value columns unclipped (what reconstructions are scored against).
    novelty : ndarray of shape (rows, columns), float32
        Nats per table column for cells the encoding cannot show (unseen levels, unseen missing).
    tails : ndarray of shape (rows, columns), float64, or None
        Each cell's tail surprise in its column among the training rows, in nats
        (:meth:`ColumnTails.surprise`); ``None`` from an encoder read from a model file
        written before the tails were kept.
    """

    x: np.ndarray
    target: np.ndarray
    novelty: np.ndarray
    tails: np.ndarray | None = None

    def __len__(self) -> int:
        return self.x.shape[0]

    def rows(self, keep: np.ndarray) -> "ScoringRows":
        """The rows selected by ``keep`` (a boolean mask or indices)."""
        return ScoringRows(self.x[keep], self.target[keep], self.novelty[keep],
                           None if self.tails is None else self.tails[keep])


class RowEncoder:
    """A :class:`TableEncoder` plus the column bookkeeping the detectors need.

    Parameters
    ----------
    seed : int or None
        Seed of the encoder's own streams (mixture subsamples).
    encoder_params : dict, optional
        TableEncoder arguments, over :data:`ENCODER_DEFAULTS`.

    Attributes
    ----------
    encoder_ : TableEncoder
    columns_ : list of str
        The columns of every per-column array: the learned columns in layout order, then
        constant columns (which only add novelty: a value other than the constant).
    n_fit_ : int
        Training rows (sets the novelty penalty).
    tails_ : ColumnTails or None
        The training rows' values per column (``None`` when read from an older model file).
    """

    def __init__(self, seed: int | None = None, encoder_params: dict[str, Any] | None = None) -> None:
        self.seed = seed
        self.encoder_params = encoder_params

    def fit(self, frame: pd.DataFrame) -> "RowEncoder":
        """Fit the encoder on ``frame``; returns ``self``."""
        params = {**ENCODER_DEFAULTS, **(self.encoder_params or {}), "encoding": "mode_specific", "seed": self.seed}
        encoder = TableEncoder(**params).fit(frame)
        self._set_fitted(encoder, len(frame))
        self.tails_ = ColumnTails.fit(encoder.transformers_, self.columns_, frame)
        return self

    def _set_fitted(self, encoder: TableEncoder, n_fit: int) -> None:
        self.encoder_ = encoder
        self.n_fit_ = int(n_fit)
        self.tails_: ColumnTails | None = None
        layout = encoder.layout_
        constant = [name for name, t in encoder.transformers_.items() if isinstance(t, ConstantColumn)]
        self.columns_ = list(dict.fromkeys(span.column for span in layout.spans)) + constant  # constants: novelty only
        index = {name: k for k, name in enumerate(self.columns_)}
        self.value_owner_ = np.array([index[s.column] for s in layout.spans if s.activation == "tanh" for _ in range(s.width)], dtype=np.int64)
        self.span_owner_ = np.array([index[s.column] for s in layout.spans if s.activation == "softmax"], dtype=np.int64)
        self.value_cols_ = np.array([c for s in layout.spans if s.activation == "tanh" for c in range(s.start, s.end)], dtype=np.int64)
        soft = [s for s in layout.spans if s.activation == "softmax"]
        self.span_cells_ = np.zeros((layout.width, len(soft)), dtype=np.float64)  # sums each span's cells
        for k, span in enumerate(soft):
            self.span_cells_[span.start : span.end, k] = 1.0
        self._numeric = []  # (column index, transformer, value column, first component column)
        for i, span in enumerate(layout.spans):
            t = encoder.transformers_.get(span.column)
            if span.role == "value" and isinstance(t, ModeSpecificNormalizer) and t.mixture_.n_modes > 0:
                self._numeric.append((index[span.column], t, span.start, layout.spans[i + 1].start))

    @property
    def layout_(self) -> Layout:
        check_is_fitted(self, "encoder_")
        return self.encoder_.layout_

    @property
    def novelty_nats(self) -> float:
        """What one novel cell adds to a score: ``log(n_fit + 1)``."""
        return math.log(self.n_fit_ + 1.0)

    def owners(self, kind: str) -> np.ndarray:
        """Table column (index into :attr:`columns_`) of each value column (``"value"``) or softmax span (``"span"``)."""
        return self.value_owner_ if kind == "value" else self.span_owner_

    def to_columns(self, terms: np.ndarray, kind: str) -> np.ndarray:
        """Sum per-value-column or per-span terms ``(rows, k)`` into per-table-column terms ``(rows, columns)``."""
        owners = self.owners(kind)
        assign = np.zeros((owners.size, len(self.columns_)), dtype=terms.dtype)
        assign[np.arange(owners.size), owners] = 1.0
        return terms @ assign

    def log_scales(self, x: np.ndarray) -> np.ndarray:
        """``log`` of the scale of each row's Gaussian mode, per column ``(rows, columns)`` (0 outside a mode).

        A mode's normalised value is ``(x - mean) / scale``, so a density of the encoded
        value is a density of ``x`` once ``log(scale)`` is added (change of variables):
        values in wide, sparse modes then cost more than values in narrow, dense ones.
        """
        out = np.zeros((x.shape[0], len(self.columns_)), dtype=np.float64)
        for column, t, _, comp_start in self._numeric:
            out[:, column] = x[:, comp_start : comp_start + t.mixture_.n_modes] @ np.log(t.scale_)
        return out

    # ------------------------------------------------------------ transform
    def transform(self, frame: pd.DataFrame) -> ScoringRows:
        """Encode ``frame`` for scoring (raises SchemaError naming a column seen in fit that it lacks)."""
        check_is_fitted(self, "encoder_")
        x = self.encoder_.transform(frame)
        unclipped = [self._argmax_modes(t, frame[t.col.name], x, value_col, comp_start)
                     for _, t, value_col, comp_start in self._numeric]
        target = x.copy()
        for (_, _, value_col, _), z in zip(self._numeric, unclipped):
            target[:, value_col] = z
        tails = self.tails_.surprise(frame) if self.tails_ is not None else None
        return ScoringRows(x, target, self._novelty(frame), tails)

    @staticmethod
    def _argmax_modes(t: ModeSpecificNormalizer, s: pd.Series, x: np.ndarray, value_col: int, comp_start: int) -> np.ndarray:
        """Put the rows the encoder gave a Gaussian mode in their most probable one, in place; returns the unclipped values."""
        n_modes = t.mixture_.n_modes
        block = x[:, comp_start : comp_start + n_modes]
        values = t.scaling_.forward(to_float(s, t.col))
        gauss = block.any(axis=1) & ~np.isnan(values)  # not a point mass, not missing
        xs = np.where(gauss, values, t.mixture_.means[0])  # every row, so the work below runs on whole columns
        # the most probable mode among those whose training range holds the value (float32: half the memory
        # traffic; a near tie between two modes may go either way with no harm to the score)
        logp = t.mixture_.log_density(xs.astype(np.float32))
        inside = (xs[:, None] >= t.low_[None, :]) & (xs[:, None] <= t.high_[None, :])
        np.copyto(logp, -np.inf, where=~inside)
        k = logp.argmax(axis=1)
        outside = ~inside.any(axis=1)
        if outside.any():  # out of every range: the nearest mode
            k[outside] = np.abs(xs[outside, None] - t.mixture_.means[None, :]).argmin(axis=1)
        np.copyto(block, (k[:, None] == np.arange(n_modes)[None, :]), where=gauss[:, None])
        z = (xs - t.mixture_.means[k]) / t.scale_[k]
        x[:, value_col] = np.where(gauss, np.clip(z, -_BOUND, _BOUND), x[:, value_col])
        return np.where(gauss, z, x[:, value_col]).astype(np.float32)

    def _novelty(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(frame), len(self.columns_)), dtype=np.float32)
        index = {name: k for k, name in enumerate(self.columns_)}
        for name, t in self.encoder_.transformers_.items():
            if name not in index:
                continue
            s = frame[name]
            missing = s.isna().to_numpy()
            if isinstance(t, LevelsTransformer):
                levels = t.levels_
                if t.col.is_numeric:  # numbers as levels (few distinct integers): only values beyond the seen ones are new
                    novel = _beyond(to_float(s, t.col), np.asarray(levels.kept + levels.bucket, dtype=np.float64))
                else:
                    seen = pd.Index(levels.kept + levels.bucket, dtype=object).get_indexer(s.to_numpy(dtype=object, na_value=None)) >= 0
                    novel = ~missing & ~seen
                novel |= missing & (not levels.has_missing)
            elif isinstance(t, ModeSpecificNormalizer):
                novel = missing & (not t.has_missing_)
                if t.mixture_.n_modes == 0 and t.point_masses_.size:  # exact values only: one beyond them is new
                    novel |= _beyond(to_float(s, t.col), t.point_masses_)
            elif isinstance(t, ConstantColumn) and t.value_ is not None:
                if t.col.is_numeric:
                    novel = missing | (to_float(s, t.col) != float(t.value_))
                else:
                    novel = missing | (s.map(to_python, na_action="ignore").to_numpy(dtype=object) != t.value_)
            else:
                continue
            out[:, index[name]] += novel * self.novelty_nats
        return out

    # ----------------------------------------------------------------- state
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-safe state and arrays: the encoder's, the training row count and the column tails.

        The tails' arrays are named ``"tails/..."`` (the encoder's are ``"{column index}.{name}"``).
        """
        check_is_fitted(self, "encoder_")
        state, arrays = self.encoder_.to_state()
        out = {"encoder": state, "n_fit": self.n_fit_, "seed": self.seed, "encoder_params": self.encoder_params}
        if self.tails_ is not None:
            out["tails"], tail_arrays = self.tails_.to_state()
            arrays = {**arrays, **{f"{TAILS_PREFIX}{k}": v for k, v in tail_arrays.items()}}
        return out, arrays

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> "RowEncoder":
        """Rebuild a fitted RowEncoder from :meth:`to_state` (a state without ``"tails"`` gives ``tails_ = None``)."""
        rows = cls(state["seed"], state["encoder_params"])
        own = {k: v for k, v in arrays.items() if not k.startswith(TAILS_PREFIX)}
        rows._set_fitted(TableEncoder.from_state(state["encoder"], own), int(state["n_fit"]))
        if state.get("tails") is not None:
            tails = {k[len(TAILS_PREFIX):]: v for k, v in arrays.items() if k.startswith(TAILS_PREFIX)}
            rows.tails_ = ColumnTails.from_state(state["tails"], tails, rows.encoder_.transformers_, rows.columns_)
        return rows


def _beyond(x: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """``x`` below the smallest or above the largest ``seen`` value (False where missing)."""
    seen = seen[np.isfinite(seen)]
    if seen.size == 0:
        return np.zeros(x.shape, dtype=bool)
    with np.errstate(invalid="ignore"):
        return (x < seen.min()) | (x > seen.max())
