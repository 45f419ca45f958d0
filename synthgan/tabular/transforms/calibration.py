"""Per-mode calibration: a generator's normalised values mapped onto the real ones, monotonically.

A GAN learns each mode's normalised value (the ``"value"`` span of
:class:`~synthgan.tabular.transforms.mode_specific.ModeSpecificNormalizer`) too
narrowly: on stroke, the real values of glucose's top mode reach their 99th
percentile at 0.61 and the generator's at 0.42, so only 0.3 % of synthetic rows lie
above the real 99th percentile of glucose (real: 1 %); and it piles values at a
mode's centre where the real data may be thin (27 synthetic californian blocks at
latitude 38.18, one real one). After the model is fitted, the quantiles of the
values it generates in each mode are matched to the quantiles of the real values
assigned to that mode (:meth:`ValueCalibration.fit`), and every sampled matrix maps
each generated value through that monotone curve before decoding
(:meth:`ValueCalibration.apply`; linear between :data:`QUANTILES` knots, extended
linearly beyond the ends). Within a mode the order of values is kept, so rows keep
their ranks and the dependence between columns; only each mode's shape is
corrected. Modes with fewer than :data:`MIN_ROWS` real or generated values are left
as they are.

The calibration belongs to the fitted generator, not to the data encoding: the
synthesizer keeps it beside the encoder and saves it as arrays
``calibration/{column of the value span}.source`` and ``.target``.
"""

from __future__ import annotations

import numpy as np

from synthgan.tabular.transforms.mode_specific import ModeSpecificNormalizer

QUANTILES = 65
MIN_ROWS = 50
_LEVELS = np.linspace(0.0, 1.0, QUANTILES)


def mode_spans(transformers: dict) -> list[tuple[int, int, int]]:
    """``(value column, n_modes, n_components)`` of each mode-specific column of an encoder's matrix.

    Parameters
    ----------
    transformers : dict of str to ColumnTransformer
        A fitted encoder's ``transformers_``, in layout order.
    """
    spans, position = [], 0
    for t in transformers.values():
        if isinstance(t, ModeSpecificNormalizer):
            spans.append((position, t.mixture_.n_modes, t.n_components))
        position += t.width
    return spans


def mode_quantiles(value: np.ndarray, comp: np.ndarray, n_modes: int) -> np.ndarray:
    """Quantiles of ``value`` in each mode, shape ``(n_modes, QUANTILES)``; NaN rows for modes with too few values.

    Parameters
    ----------
    value : numpy.ndarray
        Normalised values (one per row).
    comp : numpy.ndarray
        Each row's component (mode indices below ``n_modes``; other components are ignored).
    n_modes : int
    """
    out = np.full((n_modes, QUANTILES), np.nan)
    for k in range(n_modes):  # a loop over modes (at most a few), not rows
        own = value[comp == k]
        if own.size >= MIN_ROWS:
            out[k] = np.quantile(own, _LEVELS)
    return out


def calibrated(value: np.ndarray, comp: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``value`` with each mode's values mapped from the ``source`` quantiles onto the ``target`` ones.

    Rows in other components, and modes whose quantiles are NaN, are unchanged.
    """
    out = np.asarray(value, dtype=np.float64).copy()
    for k in range(source.shape[0]):
        if np.isnan(source[k]).any() or np.isnan(target[k]).any():
            continue
        rows = comp == k
        if rows.any():
            out[rows] = _interpolate(out[rows], source[k], target[k])
    return out


def _interpolate(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Piecewise-linear ``xp -> fp`` (``xp`` made strictly increasing), extended linearly beyond both ends."""
    span = max(float(xp[-1] - xp[0]), 1e-6)
    xp = np.maximum.accumulate(xp) + np.arange(xp.size) * span * 1e-9
    y = np.interp(x, xp, fp)
    low_slope = (fp[1] - fp[0]) / (xp[1] - xp[0])
    high_slope = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
    y = np.where(x < xp[0], fp[0] + (x - xp[0]) * low_slope, y)
    return np.where(x > xp[-1], fp[-1] + (x - xp[-1]) * high_slope, y)


class ValueCalibration:
    """Per-mode calibration of every mode-specific column of an encoded matrix.

    Parameters
    ----------
    spans : list of (int, int, int)
        ``(value column, n_modes, n_components)`` of each mode-specific column: its
        value column in the matrix, followed by its component span (modes first).
    maps : dict of int to (source, target)
        For a value column: the quantiles of the generated and of the real values in
        each mode, both of shape ``(n_modes, QUANTILES)``.
    """

    def __init__(self, spans: list[tuple[int, int, int]], maps: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
        self.spans = {column: (n_modes, n_components) for column, n_modes, n_components in spans}
        self.maps = maps

    @classmethod
    def fit(cls, spans: list[tuple[int, int, int]], real: np.ndarray, generated: np.ndarray) -> "ValueCalibration":
        """Match ``generated`` rows (model samples) to ``real`` ones (encoded training rows), mode by mode."""
        out = cls(spans, {})
        for column, (n_modes, _) in out.spans.items():
            if n_modes == 0:
                continue
            source = mode_quantiles(generated[:, column].astype(np.float64), out._modes(generated, column), n_modes)
            target = mode_quantiles(real[:, column].astype(np.float64), out._modes(real, column), n_modes)
            if (~np.isnan(source).any(axis=1) & ~np.isnan(target).any(axis=1)).any():
                out.maps[column] = (source, target)
        return out

    def _modes(self, matrix: np.ndarray, column: int) -> np.ndarray:
        """Each row's component in the column's span (modes are the first ``n_modes``)."""
        return matrix[:, column + 1 : column + 1 + self.spans[column][1]].argmax(axis=1)

    def apply(self, encoded: np.ndarray) -> np.ndarray:
        """``encoded`` (model samples) with every calibrated value column mapped (a copy when anything changes)."""
        if not self.maps:
            return encoded
        out = np.array(encoded, dtype=np.float32, copy=True)
        for column, (source, target) in self.maps.items():
            out[:, column] = calibrated(out[:, column], self._modes(out, column), source, target)
        return out

    def to_arrays(self) -> dict[str, np.ndarray]:
        """``{"{column}.source": ..., "{column}.target": ...}`` for a model file."""
        out = {}
        for column, (source, target) in self.maps.items():
            out[f"{column}.source"], out[f"{column}.target"] = source, target
        return out

    @classmethod
    def from_arrays(cls, spans: list[tuple[int, int, int]], arrays: dict[str, np.ndarray]) -> "ValueCalibration":
        """Rebuild from :meth:`to_arrays` output for these ``spans``; raises ValueError when the arrays do not fit them."""
        out = cls(spans, {})
        for key in arrays:
            column, _, part = key.partition(".")
            source, target = arrays.get(f"{column}.source"), arrays.get(f"{column}.target")
            if part not in ("source", "target") or not column.isdigit() or source is None or target is None:
                raise ValueError(f"calibration array {key!r} has no source/target pair")
            n_modes = out.spans.get(int(column), (-1, 0))[0]
            if source.shape != (n_modes, QUANTILES) or target.shape != source.shape:
                raise ValueError(f"calibration arrays of column {column} do not fit the encoder's spans")
            out.maps[int(column)] = (np.asarray(source, dtype=np.float64), np.asarray(target, dtype=np.float64))
        return out
