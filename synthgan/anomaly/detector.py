"""AnomalyDetector: fit a synthgan model on a table's rows, score new rows, flag and explain them, save and load.

The rows go through the tabular encoder (:mod:`synthgan.anomaly.encoding`, which also
counts each column's values: :mod:`synthgan.anomaly.marginal`), a detector
(:mod:`synthgan.anomaly.detectors`: ``vae``, ``alad`` or ``critic``) learns them and
gives every row a score (higher = more anomalous) made of per-column terms and a
per-row term. Flags come from a quantile of the training scores
(:mod:`synthgan.anomaly.threshold`); explanations rank the columns of each row
(:mod:`synthgan.anomaly.explain`). Semi-supervised (fit on normal rows only) and
unsupervised (fit on rows that hold anomalies) use are the same call: the user gives
the rows. Model files are the one format of :mod:`synthgan.core.files` with
``kind="table"`` and ``pipeline="anomaly"``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan._random import child_seed
from synthgan.anomaly.detectors import DEFAULT_DETECTOR, detector_class
from synthgan.anomaly.scorer import Scorer
from synthgan.anomaly.encoding import RowEncoder, ScoringRows
from synthgan.anomaly.explain import check_top, explanation_frame
from synthgan.anomaly.threshold import check_threshold, score_at, training_distribution
from synthgan.core.files import MODEL_PREFIX, read_model_file, save_model
from synthgan.errors import ConfigError, DataValidationError, ModelFileError, SynthganError, check_is_fitted
from synthgan.io.manifest import Array, ListOf, MapOf, Opt, one_line, require

__all__ = ["AnomalyDetector", "PIPELINE", "SCORE_COLUMN", "FLAG_COLUMN"]

CHUNK_ROWS = 65_536  # rows encoded and scored at a time by score()
DEFAULT_TRIM = 0.15  # measured with bench/anomaly_bench.py (see ``trim``); the ODDS tables hold 2-10 % anomalies
PIPELINE = "anomaly"  # the ``pipeline`` entry of its model files (see synthgan.core.files)
# The ``scoring`` entry of its model files: how scores are made from what the file holds. 1 (files without the
# entry): the model's terms only; 2: also the column tails (synthgan.anomaly.marginal). A file of a scoring this
# version does not know is refused (its stored training scores would not match the scores given here).
SCORING = 2
SCORE_COLUMN, FLAG_COLUMN = "anomaly_score", "is_anomaly"
_ENCODER = "encoder/"
_SCORES, _BASELINE, _REFERENCE = "anomaly/training_scores", "anomaly/baseline", "anomaly/reference/"
MANIFEST = {
    "detector": str,
    "rows": {"encoder": dict, "n_fit": int, "seed": Opt(int), "encoder_params": Opt(MapOf(object)),
             "tails?": {"version": int, "n": int, "columns": ListOf({"kind": str, "missing": float})}},
    "scoring?": int,
    "ignore": ListOf(str),
    "calibration": MapOf(float),
    "seed": int,
    "fit": {"rows": int, "seconds": float, "preprocess_seconds?": float,
            "params": {"epochs": Opt(int), "device": str, "trim?": float, "model_params": MapOf(object)}},
}


class AnomalyDetector:
    """Score how anomalous each row of a table is, with what a synthgan model learns from the rows.

    Parameters
    ----------
    model : {"vae", "alad", "critic"}, default="vae"
        The detector (see :mod:`synthgan.anomaly.detectors`); ``vae`` was the best on the
        ODDS benchmark (``bench/anomaly_bench.py``).
    seed : int or None, default=0
        The one source of randomness (encoder, training): same data, seed and machine
        give the same scores. ``None`` draws a seed at ``fit`` and keeps it in ``seed_``.
    epochs : int, optional
        Training epochs (default: the model's budget for the table's size).
    device : str, default="auto"
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    ignore : sequence of str, optional
        Columns not to learn (a known label, an id); ``score`` passes them through.
    trim : float in [0, 0.5), default=0.15
        For training rows that may hold anomalies (unsupervised use): the encoder and
        model are fitted without this share of the training rows ranked most anomalous
        (``vae`` ranks them by their column tails before fitting anything, see
        :mod:`synthgan.anomaly.vae_score`; ``alad`` and ``critic`` fit twice and rank
        by their first fit's score). On the ODDS tables, with anomalies in the training
        rows, it took the default detector's mean ROC AUC over the four tables from 0.90
        (no trimming, seed 0) to 0.956 (5 seeds). Pass ``trim=0`` when the rows are known
        to be normal (semi-supervised use): no normal rows left out (leaving out clean
        rows also moves the edges of what counts as normal). Thresholds read the scores
        of every training row.
    encoder_params : dict, optional
        :class:`~synthgan.tabular.encoder.TableEncoder` arguments.
    verbose : bool, default=False
        Progress bar while training.
    **model_params
        Arguments of the detector's model (e.g. ``embedding_dim`` for ``vae``).

    Attributes
    ----------
    seed_ : int
    rows_ : RowEncoder
        The fitted encoder.
    scorer_ : Scorer
        The fitted detector; ``scorer_.model`` is the synthgan model.
    columns_ : list of str
        Learned columns (those :meth:`explain` names).
    baseline_ : ndarray of shape (columns,)
        Median per-column term over the training rows.
    training_scores_ : ndarray
        Sorted training scores (or evenly spaced quantiles of them); thresholds read them.
    history_ : list of dict
    n_rows_fit_ : int
    fit_seconds_ : float

    Examples
    --------
    >>> det = AnomalyDetector(seed=0).fit(normal_rows)          # doctest: +SKIP
    >>> det.score(new_rows)                                     # doctest: +SKIP
    >>> det.predict(new_rows, contamination=0.02)               # doctest: +SKIP
    >>> det.explain(new_rows, top=3)                            # doctest: +SKIP
    """

    def __init__(self, model: str = DEFAULT_DETECTOR, *, seed: int | None = 0, epochs: int | None = None,
                 device: str = "auto", ignore: Sequence[str] | None = None, trim: float = DEFAULT_TRIM,
                 encoder_params: dict[str, Any] | None = None, verbose: bool = False, **model_params: Any) -> None:
        self.model = model
        self.seed = seed
        self.epochs = epochs
        self.device = device
        self.ignore = ignore
        self.trim = trim
        self.encoder_params = encoder_params
        self.verbose = verbose
        self.model_params = model_params

    # ------------------------------------------------------------------ fitting
    def _ignored(self) -> list[str]:
        if self.ignore is None:
            return []
        names = [self.ignore] if isinstance(self.ignore, str) else list(self.ignore)
        if not all(isinstance(n, str) for n in names):
            raise ConfigError(f"ignore must be column names, got {self.ignore!r}; e.g. ignore=['label']")
        return names

    def fit(self, data: pd.DataFrame, *, callbacks: list | None = None) -> "AnomalyDetector":
        """Learn the rows of ``data`` (normal rows only, or rows that hold anomalies); returns ``self``.

        Raises
        ------
        ConfigError
            Unknown detector, bad seed or epochs, an ``ignore`` column the table lacks.
        DataValidationError
            Fewer than 2 rows, or no column left to learn.
        """
        scorer_cls = detector_class(self.model)
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, Integral) or self.seed < 0):
            raise ConfigError(f"seed must be a non-negative integer or None, got {self.seed!r}; e.g. seed=0")
        if self.epochs is not None and (isinstance(self.epochs, bool) or not isinstance(self.epochs, Integral) or self.epochs < 1):
            raise ConfigError(f"epochs must be a positive integer or None, got {self.epochs!r}; e.g. epochs=50")
        if isinstance(self.trim, bool) or not isinstance(self.trim, Real) or not 0.0 <= self.trim < 0.5:
            raise ConfigError(f"trim must be a share in [0, 0.5), got {self.trim!r}; e.g. trim=0.05")
        if not isinstance(data, pd.DataFrame):
            raise ConfigError(f"data must be a pandas DataFrame, got {type(data).__name__}; read files with synthgan.io.tables.read_table")
        ignored = self._ignored()
        missing = [name for name in ignored if name not in data.columns]
        if missing:
            raise ConfigError(f"ignore names column {missing[0]!r}, which the table does not have; "
                              f"its columns are {', '.join(map(str, data.columns[:10]))}")
        frame = data.drop(columns=ignored)
        if len(frame) < 2 or frame.shape[1] == 0:
            raise DataValidationError(f"an anomaly detector needs at least 2 rows and 1 column to learn from, got "
                                      f"{len(frame)} rows x {frame.shape[1]} columns; give a larger table")
        started = time.perf_counter()
        seed = int(self.seed) if self.seed is not None else child_seed(None, "anomaly")
        rows = RowEncoder(child_seed(seed, "encoder"), self.encoder_params).fit(frame)
        encoded = rows.transform(frame)
        self.preprocess_seconds_ = time.perf_counter() - started
        callbacks = list(callbacks or [])
        if self.verbose:
            from synthgan.core.callbacks import RichProgress

            callbacks.append(RichProgress())
        fit_args = {"epochs": self.epochs, "device": self.device, "params": self.model_params, "callbacks": callbacks}
        scorer = None
        if self.trim > 0:
            ranks = scorer_cls.trim_ranks(encoded)
            if ranks is None:  # the detector ranks the rows with its own model: fit it on every row first
                scorer = scorer_cls.fit(rows, encoded, seed=seed, **fit_args)
                ranks = scorer.trim_scores(encoded, *scorer.terms(encoded))
            keep = ranks <= np.quantile(ranks, 1.0 - self.trim)
            if keep.sum() >= 2:  # again, encoder and model, without the rows ranked most anomalous
                kept = frame[keep]
                rows = RowEncoder(child_seed(seed, "encoder", "trimmed"), self.encoder_params).fit(kept)
                scorer = scorer_cls.fit(rows, rows.transform(kept), seed=child_seed(seed, "trimmed"), trimmed=True, **fit_args)
                encoded = rows.transform(frame)
        if scorer is None:
            scorer = scorer_cls.fit(rows, encoded, seed=seed, **fit_args)
        column_terms, row_term = scorer.terms(encoded)
        self._set_fitted(seed, rows, scorer, np.median(column_terms, axis=0),
                         training_distribution(scorer.combine(column_terms, row_term, encoded.tails)), len(frame), ignored)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _set_fitted(self, seed: int, rows: RowEncoder, scorer: Scorer, baseline: np.ndarray, training: np.ndarray,
                    n_rows: int, ignored: list[str]) -> None:
        self.seed_ = seed
        self.rows_ = rows
        self.scorer_ = scorer
        self.columns_ = list(rows.columns_)
        self.baseline_ = np.asarray(baseline, dtype=np.float64)
        self.training_scores_ = np.asarray(training, dtype=np.float64)
        self.history_ = list(scorer.model.history_ or [])
        self.n_rows_fit_ = int(n_rows)
        self.ignored_ = list(ignored)

    # ----------------------------------------------------------------- scoring
    def _terms(self, data: pd.DataFrame) -> tuple[ScoringRows, np.ndarray, np.ndarray]:
        check_is_fitted(self, "scorer_")
        if not isinstance(data, pd.DataFrame):
            raise ConfigError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if len(data) == 0:
            raise DataValidationError("the table to score has no rows; give at least one row")
        encoded = self.rows_.transform(data)
        column_terms, row_term = self.scorer_.terms(encoded)
        return encoded, column_terms, self.scorer_.combine(column_terms, row_term, encoded.tails)

    def score(self, data: pd.DataFrame) -> np.ndarray:
        """Anomaly score of every row of ``data`` (float64; higher = more anomalous).

        Raises SchemaError naming a learned column ``data`` lacks; other columns are ignored.
        Rows go through in chunks of :data:`CHUNK_ROWS` (the encoding's intermediates stay in cache).
        """
        if not isinstance(data, pd.DataFrame) or len(data) <= CHUNK_ROWS:
            return self._terms(data)[2]
        return np.concatenate([self._terms(data.iloc[i : i + CHUNK_ROWS])[2] for i in range(0, len(data), CHUNK_ROWS)])

    def threshold_score(self, threshold: float | None = None, contamination: float | None = None) -> float:
        """The score above which rows are flagged (see :func:`synthgan.anomaly.threshold.check_threshold`)."""
        check_is_fitted(self, "scorer_")
        return score_at(self.training_scores_, check_threshold(threshold, contamination))

    def predict(self, data: pd.DataFrame, *, threshold: float | None = None, contamination: float | None = None) -> np.ndarray:
        """``True`` for the rows whose score is above the threshold (a quantile of the training scores, default 0.99)."""
        cut = self.threshold_score(threshold, contamination)
        return self.score(data) > cut

    def score_frame(self, data: pd.DataFrame, *, threshold: float | None = None,
                    contamination: float | None = None) -> pd.DataFrame:
        """``data`` with ``anomaly_score`` and ``is_anomaly`` columns added (or replaced)."""
        cut = self.threshold_score(threshold, contamination)
        scores = self.score(data)
        out = data.drop(columns=[c for c in (SCORE_COLUMN, FLAG_COLUMN) if c in data.columns])
        return out.assign(**{SCORE_COLUMN: scores, FLAG_COLUMN: scores > cut})

    def explain(self, data: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
        """The ``top`` columns that drive each row's score, with their contributions and shares.

        Returns
        -------
        DataFrame
            Indexed like ``data``: ``anomaly_score``, then ``column_i``, ``contribution_i``,
            ``share_i`` for i = 1..top (``top`` is capped at the number of learned columns).
        """
        check_is_fitted(self, "scorer_")
        top = check_top(top, len(self.columns_))
        encoded, column_terms, scores = self._terms(data)
        contributions = self.scorer_.attributions(encoded, column_terms, self.baseline_)
        return explanation_frame(scores, contributions, self.columns_, top, index=data.index)

    # ------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save to one model file (``kind="table"``, ``pipeline="anomaly"``; safetensors + JSON, never pickled)."""
        check_is_fitted(self, "scorer_")
        rows_state, encoder_arrays = self.rows_.to_state()
        manifest = {
            "pipeline": PIPELINE,
            "scoring": SCORING if self.rows_.tails_ is not None else 1,
            "detector": self.scorer_.name,
            "rows": rows_state,
            "ignore": self.ignored_,
            "calibration": self.scorer_.calibration,
            "seed": self.seed_,
            "schema": self.rows_.encoder_.schema_.to_dict(),  # for `synthgan info`
            "fit": {"rows": self.n_rows_fit_, "seconds": round(getattr(self, "fit_seconds_", 0.0), 3),
                    "preprocess_seconds": round(getattr(self, "preprocess_seconds_", 0.0), 3),
                    "params": {"epochs": self.epochs, "device": self.device, "trim": self.trim,
                               "model_params": self.model_params}},
        }
        arrays = {f"{_ENCODER}{k}": np.asarray(v) for k, v in encoder_arrays.items()}
        arrays[_SCORES], arrays[_BASELINE] = self.training_scores_, self.baseline_
        arrays.update({f"{_REFERENCE}{k}": np.asarray(v) for k, v in self.scorer_.references.items()})
        return save_model(self.scorer_.model, path, manifest=manifest, arrays=arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "AnomalyDetector":
        """Load a model file written by :meth:`save`; nothing is unpickled."""
        manifest, arrays = read_model_file(path)
        if manifest.get("pipeline") != PIPELINE:
            raise ModelFileError(f"'{path}' holds a {manifest['kind']} model that is not an anomaly detector; "
                                 "fit one with `synthgan anomaly fit`")
        return cls.from_file_contents(manifest, arrays, path)

    @classmethod
    def from_file_contents(cls, manifest: dict[str, Any], arrays: dict[str, np.ndarray], path: str | os.PathLike) -> "AnomalyDetector":
        """Rebuild a fitted detector from a model file's manifest and arrays (see :func:`synthgan.core.files.load`).

        Fields are checked against their declared structure, and two decoded rows are
        scored before the detector is handed back, so a damaged file is refused here.
        """
        require(manifest, MANIFEST, "manifest", path)
        require(arrays, {_SCORES: Array("f", 1), _BASELINE: Array("f", 1)}, "arrays", path)
        scoring = manifest.get("scoring", 1)
        if scoring not in (1, SCORING):
            raise ModelFileError(f"'{path}' scores rows in a way (scoring {scoring}) this synthgan does not know "
                                 f"(it knows 1 to {SCORING}); it was written by a newer synthgan: upgrade, or fit the detector again")
        try:
            scorer_cls = detector_class(manifest["detector"])
            if manifest["model"] != scorer_cls.model_class.name:
                raise ModelFileError(f"'{path}' says detector {manifest['detector']!r} but holds model {manifest['model']!r}; "
                                     "the file was damaged or edited, fit the detector again")
            fit, params = manifest["fit"], manifest["fit"]["params"]
            rows = RowEncoder.from_state(manifest["rows"], {k[len(_ENCODER):]: v for k, v in arrays.items() if k.startswith(_ENCODER)})
            model_arrays = {k[len(MODEL_PREFIX):]: v for k, v in arrays.items() if k.startswith(MODEL_PREFIX)}
            model = scorer_cls.model_class.from_state(manifest["model_config"], model_arrays, manifest["data_spec"],
                                                      list(manifest["history"]))
            det = cls(manifest["detector"], seed=int(manifest["seed"]), epochs=params["epochs"], device=params["device"],
                      ignore=list(manifest["ignore"]) or None, trim=float(params.get("trim", DEFAULT_TRIM)),
                      encoder_params=manifest["rows"]["encoder_params"],
                      **params["model_params"])
            references = {k[len(_REFERENCE):]: v for k, v in arrays.items() if k.startswith(_REFERENCE)}
            scorer = scorer_cls(rows, model, manifest["calibration"], references)
            if (scoring == SCORING) != (rows.tails_ is not None):
                raise ValueError(f"scoring {scoring} with{'out' if rows.tails_ is None else ''} column tails")
            det._set_fitted(int(manifest["seed"]), rows, scorer, arrays[_BASELINE], arrays[_SCORES], int(fit["rows"]),
                            list(manifest["ignore"]))
            det.fit_seconds_ = float(fit["seconds"])
            det.preprocess_seconds_ = float(fit.get("preprocess_seconds", 0.0))
        except ModelFileError:
            raise
        except (SynthganError, KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
            raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); fit the detector again") from exc
        try:  # arrays of the right type but the wrong size only show when used: use them once, now
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probe = rows.encoder_.inverse_transform(np.zeros((2, rows.layout_.width), dtype=np.float32), seed=0)
                det.score(probe)
                if det.baseline_.shape != (len(det.columns_),):
                    raise ValueError(f"baseline has {det.baseline_.size} entries for {len(det.columns_)} columns")
        except (SynthganError, KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
            raise ModelFileError(f"'{path}' holds arrays that do not fit its manifest ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); the file was damaged or edited, fit the detector again") from exc
        return det

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as in scikit-learn."""
        return {"model": self.model, "seed": self.seed, "epochs": self.epochs, "device": self.device, "ignore": self.ignore,
                "trim": self.trim, "encoder_params": self.encoder_params, "verbose": self.verbose, **self.model_params}

    def __repr__(self) -> str:
        fitted = "fitted" if getattr(self, "scorer_", None) is not None else "not fitted"
        return f"AnomalyDetector(model={self.model!r}, seed={self.seed!r}) [{fitted}]"
