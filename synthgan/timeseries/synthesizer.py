"""The sequence pipeline: fit a sequence model on long-format series, sample paths, save and load.

:class:`SeriesSynthesizer` mirrors the table :class:`~synthgan.tabular.synthesizer.Synthesizer`
for series: the frame goes through the
:class:`~synthgan.timeseries.encoder.SequenceEncoder` (times, entities, returns, one-hot
categories) into :class:`~synthgan.core.encoded.EncodedData`, any registered sequence
model (:func:`~synthgan.core.registry.available_models` ``("sequence")``) learns it, and
sampled paths are decoded back into a long frame: a path id column, times continuing
the training calendar and every learned column in input units. The model file is the
one format of :mod:`synthgan.core.files` with ``kind="sequence"`` and
``pipeline="series"``.

The pipeline knows nothing of a particular model: a model that cannot condition
(``capabilities.conditional`` false) learns the temporal part only, and its paths get
the attributes (entity label, static columns) of training series drawn at random; a
trainable one gets the progress bar, ``epochs`` and ``max_time``.

Pandas and the encoder are imported when first used, so reading
:data:`DEFAULT_SEQUENCE_MODEL` (the CLI's help) stays cheap. What `synthgan info` prints for its
files comes from :mod:`synthgan.timeseries.describe`.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from numbers import Integral, Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from synthgan._random import child_seed, numpy_rng
from synthgan.core.callbacks import Callback, TimeLimit
from synthgan.core.files import model_from_contents, read_model_file, save_model
from synthgan.core.registry import create_model, get_model_class, names_help
from synthgan.errors import ConfigError, ModelFileError, check_is_fitted
from synthgan.io.manifest import MapOf, Opt, one_line, require

if TYPE_CHECKING:
    import pandas as pd

    from synthgan.timeseries.encoder import SequenceEncoder

__all__ = ["DEFAULT_SEQUENCE_MODEL", "MANIFEST", "PIPELINE", "SeriesSynthesizer"]

#: the sequence model ``fit`` uses when none is named
DEFAULT_SEQUENCE_MODEL = "stationary-bootstrap"
PIPELINE = "series"  # the ``pipeline`` entry of its model files (see synthgan.core.files)
_ENCODER = "encoder/"

#: the pipeline's own manifest entries (the encoder state is checked by SequenceEncoder.from_state)
MANIFEST = {
    "encoder": dict,
    "seed": int,
    "diagnostics?": dict,
    "fit": {"series": int, "rows": int, "entities": int, "training_length": int, "seconds": float,
            "params": {"seed": Opt(int), "epochs": Opt(int), "max_time": Opt(float), "device": str,
                       "model_params": MapOf(object)}},
}


def _positive_int(value: Any, what: str, example: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value <= 0:
        raise ConfigError(f"{what} must be a positive integer, got {value!r}; {example}")
    return int(value)


def _seed(value: Any, what: str = "seed") -> int | None:
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or not 0 <= value < 2**63:
        raise ConfigError(f"{what} must be a non-negative integer or None, got {value!r}; pass e.g. {what}=0")
    return int(value)


class SeriesSynthesizer:
    """Learn long-format series and generate synthetic paths.

    Parameters
    ----------
    model : str, default=DEFAULT_SEQUENCE_MODEL
        A registered sequence model (``synthgan models`` lists them).
    time_column : str
        The time column: dates/times or numbers.
    entity : str, optional
        The entity key column (a station, a ticker); None for one series.
    columns : str or sequence of str, optional
        Value columns to learn (a comma-separated string is split); None learns every
        other column.
    returns : {"log", "simple"}, optional
        Learn the price columns as returns; sampled prices continue from the last
        training level.
    seed : int or None, default=0
        The one source of randomness: same data, seed and machine give the same model
        and byte-identical samples. ``None`` draws a seed once, at ``fit``, kept in
        ``seed_`` (and the model file).
    verbose : bool, default=False
        Show a progress bar while a trainable model trains.
    epochs : int, optional
        Training epochs of a trainable model (None: the model's own budget).
    max_time : float, optional
        Seconds after which a trainable model stops training.
    device : str, default="auto"
        ``"auto"``, ``"cpu"`` or ``"cuda"``, for models that can use CUDA.
    **model_params
        Options of the model (e.g. ``mean_block_length`` for the bootstrap).

    Attributes
    ----------
    seed_ : int
    encoder_ : SequenceEncoder
    model_ : SequenceModel
    history_ : list of dict
    diagnostics_ : dict
        ``stopped_early`` and ``stop_reason`` (``"max_time"``), ``alarms`` (none yet).
    n_rows_fit_, n_series_fit_, n_entities_fit_ : int
        Input rows, training series (items) and entities (1 without an entity column).
    training_length_ : int
        Steps of the longest training series: the default path length.
    fit_seconds_ : float

    Examples
    --------
    >>> syn = SeriesSynthesizer(time_column="Date", columns="Close", returns="log").fit(df)  # doctest: +SKIP
    >>> paths = syn.sample(200, 2520, seed=1)                                                # doctest: +SKIP
    """

    def __init__(self, model: str = DEFAULT_SEQUENCE_MODEL, *, time_column: str, entity: str | None = None,
                 columns: str | list[str] | None = None, returns: str | None = None, seed: int | None = 0,
                 verbose: bool = False, epochs: int | None = None, max_time: float | None = None,
                 device: str = "auto", **model_params: Any) -> None:
        self.model = model
        self.time_column = time_column
        self.entity = entity
        self.columns = columns
        self.returns = returns
        self.seed = seed
        self.verbose = verbose
        self.epochs = epochs
        self.max_time = max_time
        self.device = device
        self.model_params = model_params

    # ------------------------------------------------------------------ fitting
    def _check(self) -> tuple[type, int]:
        """The model class and the seed of this fit, after checking every option (before reading data)."""
        seed = _seed(self.seed)
        cls = get_model_class(self.model)
        if cls.capabilities.kind != "sequence":
            raise ConfigError(f"{self.model} learns {cls.capabilities.kind} data, not series; choose a sequence model: "
                              f"{names_help('sequence')}")
        asked = [name for name in ("epochs", "max_time") if getattr(self, name) is not None]
        if asked and not cls.capabilities.trainable:
            raise ConfigError(f"{self.model} trains in one pass, without epochs: drop {' and '.join(asked)}")
        if self.epochs is not None:
            _positive_int(self.epochs, "epochs", "pass e.g. epochs=50")
        if self.max_time is not None and (isinstance(self.max_time, bool) or not isinstance(self.max_time, Real)
                                          or not np.isfinite(self.max_time) or self.max_time <= 0):
            raise ConfigError(f"max_time must be a positive number of seconds, got {self.max_time!r}; pass e.g. max_time=600")
        return cls, seed if seed is not None else child_seed(None, "series-synthesizer")

    def _spec(self):
        from synthgan.timeseries.sequences import SequenceSpec

        return SequenceSpec(time=self.time_column, entity=self.entity, columns=self.columns, returns=self.returns).check()

    def _model_kwargs(self, cls: type) -> dict[str, Any]:
        kwargs = dict(self.model_params)
        if self.epochs is not None:
            kwargs["epochs"] = self.epochs
        if "cuda" in cls.capabilities.devices:
            kwargs["device"] = self.device
        return kwargs

    def fit(self, data: pd.DataFrame, *, callbacks: list | None = None) -> "SeriesSynthesizer":
        """Learn the series of long-format ``data`` (a pandas DataFrame); returns ``self``.

        Raises
        ------
        ConfigError
            Unknown or non-sequence model, bad option.
        DataValidationError
            A column is missing, the time column does not parse, a time repeats within
            an entity, ... (see :func:`~synthgan.timeseries.sequences.read_sequences`).
        """
        import pandas as pd

        from synthgan.core.encoded import EncodedData
        from synthgan.timeseries.encoder import SequenceEncoder

        if not isinstance(data, pd.DataFrame):
            raise ConfigError(f"data must be a pandas DataFrame, got {type(data).__name__}; read files with synthgan.io.tables.read_table")
        cls, seed = self._check()
        spec = self._spec()
        started = time.perf_counter()
        encoder = SequenceEncoder(spec)
        encoded = encoder.fit_transform(data)
        model = create_model(self.model, **self._model_kwargs(cls))
        if not cls.capabilities.conditional and encoded.static is not None:  # attributes are drawn at sampling
            encoded = EncodedData(temporal=encoded.temporal, lengths=encoded.lengths, temporal_spec=encoded.temporal_spec)
        extra: list[Callback] = []
        limit = TimeLimit(float(self.max_time)) if self.max_time is not None else None
        if cls.capabilities.trainable:
            if self.verbose:
                from synthgan.core.callbacks import RichProgress

                extra.append(RichProgress())
            extra += [limit] if limit is not None else []
        model.fit(encoded, seed=child_seed(seed, "model"), callbacks=list(callbacks or []) + extra)
        self.seed_ = seed
        self.encoder_ = encoder
        self.model_ = model
        self.history_ = list(model.history_ or [])
        stopped = bool(limit is not None and limit.stopped_)
        self.diagnostics_ = {"alarms": [], "stopped_early": stopped, "stop_reason": "max_time" if stopped else None}
        self.n_rows_fit_ = int(len(data))
        self.n_series_fit_ = int(len(encoded.lengths))
        self.n_entities_fit_ = int(data[spec.entity].nunique()) if spec.entity else 1
        self.training_length_ = int(encoded.lengths.max())
        self.fit_seconds_ = time.perf_counter() - started
        self._reset_sampling()
        return self

    def _reset_sampling(self) -> None:
        self._sample_stream = numpy_rng(self.seed_, "sample-stream")
        self._sample_lock = threading.Lock()

    def _call_seed(self, seed: Any) -> int:
        checked = _seed(seed)
        if checked is not None:
            return checked
        with self._sample_lock:
            return int(self._sample_stream.integers(0, 2**63 - 1))

    # ----------------------------------------------------------------- sampling
    def sample(self, paths: int, length: int | None = None, *, seed: int | None = None,
               conditions: dict[str, Any] | None = None) -> pd.DataFrame:
        """Generate ``paths`` synthetic paths of ``length`` steps, as a long frame.

        Parameters
        ----------
        paths : int
            Number of paths (> 0).
        length : int, optional
            Steps per path (default: the longest training series, ``training_length_``).
        seed : int, optional
            Makes the call reproducible on its own; None takes the next seed of the
            synthesizer's own stream (a fitted or loaded synthesizer always starts the same way).
        conditions : dict, optional
            ``{attribute: value}`` on a static attribute (the entity column, a column
            constant within each entity), e.g. ``{"station": "Dongsi"}``.

        Returns
        -------
        pandas.DataFrame
            The path id column (named like the entity column, else ``path``; conditioned
            or entity paths are labelled ``Dongsi#1``, ...), the time column continuing
            the training calendar, then every learned column in input units and dtypes.

        Raises
        ------
        ConditionError
            An unknown attribute or value, or a model that cannot condition.
        """
        check_is_fitted(self, "model_")
        paths = _positive_int(paths, "paths (number of paths)", "e.g. --paths 100")
        if length is not None:
            length = _positive_int(length, "length (steps per path)", "e.g. --length 250")
        if conditions is not None and not isinstance(conditions, dict):
            raise ConfigError(f"conditions must be a dict {{attribute: value}}, got {type(conditions).__name__}")
        vector = self.encoder_.condition_vector(conditions) if conditions else None
        call = self._call_seed(seed)
        encoded = self.model_.sample(paths, length=length, seed=child_seed(call, "model"), condition=vector)
        return self.encoder_.inverse_transform(self._with_attributes(encoded, vector, call))

    def _with_attributes(self, encoded: Any, vector: np.ndarray | None, call: int) -> Any:
        """Paths of a model that learned no attributes get those of training series drawn at random."""
        from dataclasses import replace

        rows = self.encoder_.static_rows_
        if rows is None or encoded.static is not None:
            return encoded
        n = len(encoded.temporal)
        static = np.repeat(vector[None], n, axis=0) if vector is not None else rows[numpy_rng(call, "attributes").integers(0, len(rows), n)]
        return replace(encoded, static=static.astype(np.float32))

    # ---------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save to one model file (``kind="sequence"``, ``pipeline="series"``; atomic, never pickled)."""
        check_is_fitted(self, "model_")
        state, arrays = self.encoder_.to_state()
        manifest = {
            "pipeline": PIPELINE,
            "encoder": state,
            "seed": self.seed_,
            "diagnostics": self.diagnostics_,
            "fit": {"series": self.n_series_fit_, "rows": self.n_rows_fit_, "entities": self.n_entities_fit_,
                    "training_length": self.training_length_, "seconds": round(self.fit_seconds_, 3),
                    "params": {"seed": self.seed, "epochs": self.epochs, "max_time": self.max_time, "device": self.device,
                               "model_params": {k: list(v) if isinstance(v, tuple) else v for k, v in self.model_params.items()}}},
        }
        return save_model(self.model_, path, manifest=manifest,
                          arrays={f"{_ENCODER}{k}": np.asarray(v) for k, v in arrays.items()})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "SeriesSynthesizer":
        """Load a model file written by :meth:`save`; nothing is unpickled."""
        manifest, arrays = read_model_file(path)
        if manifest.get("pipeline") != PIPELINE:
            raise ModelFileError(f"'{path}' holds a {manifest['kind']} model, not a SeriesSynthesizer; load it with synthgan.load")
        return cls.from_file_contents(manifest, arrays, path)

    @classmethod
    def from_file_contents(cls, manifest: dict[str, Any], arrays: dict[str, np.ndarray],
                           path: str | os.PathLike) -> "SeriesSynthesizer":
        """Rebuild a fitted synthesizer from a model file's manifest and arrays (see :func:`synthgan.core.files.load`).

        The manifest is checked against its declared structure and two short paths are
        drawn before the synthesizer is handed back, so a damaged or forged file is
        refused here with one :class:`~synthgan.errors.ModelFileError`.
        """
        from synthgan.timeseries.encoder import SequenceEncoder

        require(manifest, MANIFEST, "manifest", path)
        try:
            fit, params = manifest["fit"], manifest["fit"]["params"]
            encoder = SequenceEncoder.from_state(manifest["encoder"], {k[len(_ENCODER):]: v for k, v in arrays.items()
                                                                        if k.startswith(_ENCODER)})
            spec = encoder.spec_
            syn = cls(manifest["model"], time_column=spec.time, entity=spec.entity,
                      columns=None if spec.columns is None else list(spec.columns), returns=spec.returns,
                      seed=params["seed"], epochs=params["epochs"], max_time=params["max_time"], device=params["device"],
                      **params["model_params"])
            syn.encoder_ = encoder
            syn.model_ = model_from_contents(manifest, arrays, path)
            syn.seed_ = int(manifest["seed"])
            syn.history_ = list(manifest["history"])
            syn.diagnostics_ = dict(manifest.get("diagnostics", {}))
            syn.n_rows_fit_, syn.n_series_fit_ = int(fit["rows"]), int(fit["series"])
            syn.n_entities_fit_, syn.training_length_ = int(fit["entities"]), int(fit["training_length"])
            syn.fit_seconds_ = float(fit["seconds"])
        except ModelFileError as exc:
            text = one_line(exc)
            raise ModelFileError(text if str(path) in text else f"'{path}': {text}") from exc
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); fit the model again") from exc
        syn._reset_sampling()
        try:  # arrays of the right type but the wrong size only show when used: use them once, now
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                syn.sample(2, 2, seed=0)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
            raise ModelFileError(f"'{path}' holds arrays that do not fit its manifest ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); the file was damaged or edited, fit the model again") from exc
        return syn

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as in scikit-learn."""
        return {"model": self.model, "time_column": self.time_column, "entity": self.entity, "columns": self.columns,
                "returns": self.returns, "seed": self.seed, "verbose": self.verbose, "epochs": self.epochs,
                "max_time": self.max_time, "device": self.device, **self.model_params}

    def __repr__(self) -> str:
        fitted = "fitted" if getattr(self, "model_", None) is not None else "not fitted"
        return f"SeriesSynthesizer(model={self.model!r}, time_column={self.time_column!r}, seed={self.seed!r}) [{fitted}]"
