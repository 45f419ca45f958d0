"""The public estimator: fit a model on a table, sample synthetic rows, save and load.

:class:`Synthesizer` glues the pieces together and holds all fitted state; the
pieces stay independent: :mod:`synthgan.tabular.schema` and :mod:`synthgan.tabular.encoder`
(schema, validation, reversible encoding), :mod:`synthgan.tabular.models` (networks and their
training on encoded rows), :mod:`synthgan.tabular.conditions` (conditions) and
:mod:`synthgan.io` (files).
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan.tabular import DEFAULT_TABLE_MODEL
from synthgan._random import child_seed, numpy_rng
from synthgan.core import distributed as dist
from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.encoder_state import structure_problem
from synthgan.tabular.layout import Layout
from synthgan.tabular.schema import Schema, infer_schema
from synthgan.tabular.validate import validate_frame
from synthgan.errors import ConfigError, ModelFileError, check_is_fitted
from synthgan.core.files import model_from_contents, read_model_file, save_model
from synthgan.io.manifest import check_manifest, one_line
from synthgan.core.registry import create_model, get_model_class
from synthgan.tabular.conditions import ConditionedRowSampler, KeyCursor
from synthgan.tabular.fairness import FairCells
from synthgan.tabular.fitting.plan import TrainingOptions, plan_training
from synthgan.tabular.rules_apply import RuleSet, declared_rules, fit_rules, manifest_rules_problem
from synthgan.tabular.transforms.calibration import ValueCalibration, mode_spans

DEFAULT_CHUNK_ROWS = 100_000
RESERVOIR_ROWS = 200_000  # fit_stream: rows the schema and encoder are fitted on
CALIBRATION_ROWS = 20_000  # rows a fitted neural model samples to calibrate the numeric modes
CHUNK_ROWS = 262_144  # fit_stream: rows encoded and trained on at a time
PIPELINE = "synthesizer"  # the ``pipeline`` entry of its model files (see synthgan.core.files)


def _check_distributed(model: str, trainable: bool, options: TrainingOptions, resume: bool) -> None:
    """Refuse what data parallel training does not support yet (each with what to do instead)."""
    if not trainable:
        raise ConfigError(f"{model} trains in one pass, without a neural network: fit it in one process, without torchrun")
    asked = [name for name in ("patience", "max_time", "validation_every", "checkpoint_every", "checkpoint")
             if getattr(options, name) is not None] + (["resume"] if resume else [])
    if asked:
        raise ConfigError(f"data parallel training (torchrun) does not support {', '.join(asked)} yet: "
                          "drop it, or fit in one process without torchrun")
    if not dist.is_active():
        raise ConfigError("distributed=True needs a process group of 2+ ranks: launch with "
                          "`torchrun --nproc-per-node N -m synthgan fit ...` (or call synthgan.core.distributed.init first)")


def _check_n(n: Any) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise ConfigError(f"n (number of rows) must be a positive integer, got {n!r}")
    return int(n)


def check_file_contents(manifest: Any, arrays: dict[str, np.ndarray], path: str | os.PathLike) -> None:
    """Check a Synthesizer file's manifest, encoder state included, against their declared structure.

    Raises
    ------
    ModelFileError
        One line naming the file and the first field of the wrong shape.
    """
    check_manifest(manifest, arrays, path)
    if manifest.get("pipeline") == PIPELINE:
        found = structure_problem(manifest["encoder"], {k[8:]: v for k, v in arrays.items() if k.startswith("encoder/")})
        found = found or manifest_rules_problem(manifest)
        if found:
            raise ModelFileError(f"'{path}' has a malformed manifest: {found}; the file was damaged or edited, fit the model again")


def _calibrate(encoder: TableEncoder, encoded: np.ndarray, model: Any, seed: int) -> ValueCalibration | None:
    """How the numeric modes a trained neural model generates map onto the real ones (None for other models).

    See :mod:`synthgan.tabular.transforms.calibration`.
    """
    caps = model.capabilities
    if not (caps.trainable and caps.encoding == "mode_specific" and len(encoded)):
        return None
    generated = model.sample(CALIBRATION_ROWS, seed=child_seed(seed, "calibration"))
    return ValueCalibration.fit(mode_spans(encoder.transformers_), encoded, generated)


class Synthesizer:
    """Learn a table's distribution and generate synthetic rows.

    Parameters
    ----------
    model : str, default=DEFAULT_TABLE_MODEL ("autoregressive")
        A registered table model (``synthgan models`` lists them; see
        :func:`synthgan.core.registry.available_models`).
    epochs : int, optional
        Training epochs; ``None`` lets the model choose from the data size.
    batch_size : int, optional
        Rows per training step; ``None`` uses the model's default.
    seed : int or None, default=0
        The one source of randomness: same data, seed and machine give the same
        model and byte-identical samples. Global random state is never touched.
        ``None`` draws a seed once, at ``fit``, and keeps it in ``seed_`` (and the
        model file), so the fitted synthesizer is reproducible all the same.
    device : str, default="auto"
        ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
    verbose : bool, default=False
        Show a progress bar with losses and ETA while training (plain lines every few
        epochs when stderr is not a terminal).
    schema : Schema, dict, str or path, optional
        Column kinds to use instead of inferring them (a :class:`Schema`, its dict,
        or a JSON file path as written by ``synthgan schema``).
    encoder_params : dict, optional
        Keyword arguments for :class:`~synthgan.tabular.encoder.TableEncoder`.
    rules : "auto" or list, default="auto"
        Rules between columns that every sampled row keeps (see
        :mod:`synthgan.tabular.rules`): ``"auto"`` takes the schema's ``"rules"`` when
        it states them, else finds them in the data
        (:func:`~synthgan.tabular.rules_detect.detect_rules`); a list of rules (rule
        objects or their JSON dicts) keeps exactly those, ``[]`` none. ``rules_``
        holds them after ``fit``, with how often the real rows break each.
    pii : {"fake", "consistent"}, default="fake"
        Direct identifiers (columns of kind ``"pii"``: names, emails, phone numbers,
        addresses, national ids, free text, found by content) are never learned:
        ``"fake"`` gives every synthetic row a fresh realistic fake; ``"consistent"``
        learns who recurs as anonymous codes, so the same identity keeps one fake in
        every output (see :mod:`synthgan.tabular.transforms.pii`). Needs Faker
        (``pip install 'synthgan[pii]'``) when the table has such columns.
    pii_locale : str, default="en_US"
        Faker locale of the fakes.
    fair_target, fair_sensitive : str, optional
        Fair generation (both or neither): sampled rows draw their (sensitive, target)
        cell from the product of the real marginals, so the target is independent of the
        sensitive column while both keep their real shares; the rest of each row is
        the model's own joint draws that fall in its cell (see :mod:`synthgan.tabular.fairness`).
    epsilon, delta : float, optional
        Differential privacy for the whole fit (see :mod:`synthgan.dp.table`): the
        model must be able to train privately (``autoregressive``); ``delta``
        defaults to 1e-5. The encoder is built from one noisy release of the columns'
        histograms and the network trains under DP-SGD until the budget is spent;
        ``privacy_`` then holds the accountant's figures. Dependencies, rules, fair
        cells, calibration, early stopping and checkpoints are refused or left out.
    patience : int, optional
        Early stopping: stop after this many validation scores in a row without
        improvement. Setting ``patience``, ``max_time`` or ``validation_every`` holds
        out 10% of the rows (at most 5,000) and scores samples of the current
        generator against them (mean of column shapes and pair trends); the model
        ends with the best-scoring weights.
    max_time : float, optional
        Seconds of training after which to stop, keeping the best weights.
    validation_every : int, optional
        Epochs between validation scores (default: about 20 per fit).
    checkpoint_every : int, optional
        Write a training checkpoint to ``checkpoint`` every this many epochs.
    checkpoint : str or path, optional
        Checkpoint file, written by ``checkpoint_every`` and read by ``fit(resume=True)``.
    **model_params
        Model-specific options (e.g. ``pac``, ``generator_dim`` for ``ctgan``).

    Attributes
    ----------
    seed_ : int
        The seed the fit used: ``seed``, or the one drawn for ``seed=None``.
    schema_ : Schema
        Completed schema; its ``rules`` are the fitted rules.
    rules_ : RuleSet
        The rules kept in sampled rows (``rules_.rules``) and how to repair them.
    fairness_ : FairCells or None
        With ``fair_target``: the two columns' real marginals that sampling follows.
    privacy_ : dict or None
        With ``epsilon``: ``epsilon``, ``delta``, ``epsilon_spent`` (the RDP accountant's
        figure for the statistics and the DP-SGD steps taken), the statistics' noise and
        category threshold, and the DP-SGD plan (``sgd``); None without DP.
    calibration_ : ValueCalibration or None
        For neural models: how each numeric mode's generated values map onto the real
        ones (:mod:`synthgan.tabular.transforms.calibration`), applied to every sample.
    encoder_ : TableEncoder
    model_ : BaseModel
    history_ : list of dict
        Per-epoch training log (losses, gradient norms, seconds; every few epochs
        ``category_coverage``, ``distinct_rows``, ``mode_collapse_alarm`` and, when
        validating, ``validation_score``).
    diagnostics_ : dict
        Training summary: ``alarms``, ``best_epoch``, ``stopped_early``, ``validation``, ...
    fit_seconds_ : float

    Examples
    --------
    >>> syn = Synthesizer("copula", seed=0).fit(df)            # doctest: +SKIP
    >>> syn.sample(1000, conditions={"income": ">50K"})         # doctest: +SKIP
    >>> syn.save("model.synthgan"); same = load("model.synthgan")  # doctest: +SKIP
    """

    def __init__(
        self,
        model: str = DEFAULT_TABLE_MODEL,
        *,
        epochs: int | None = None,
        batch_size: int | None = None,
        seed: int | None = 0,
        device: str = "auto",
        verbose: bool = False,
        schema: Schema | dict | str | os.PathLike | None = None,
        encoder_params: dict[str, Any] | None = None,
        rules: str | list = "auto",
        pii: str = "fake",
        pii_locale: str = "en_US",
        fair_target: str | None = None,
        fair_sensitive: str | None = None,
        epsilon: float | None = None,
        delta: float | None = None,
        patience: int | None = None,
        max_time: float | None = None,
        validation_every: int | None = None,
        checkpoint_every: int | None = None,
        checkpoint: str | os.PathLike | None = None,
        **model_params: Any,
    ) -> None:
        self.model = model
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.device = device
        self.verbose = verbose
        self.schema = schema
        self.encoder_params = encoder_params
        self.rules = rules
        self.pii = pii
        self.pii_locale = pii_locale
        self.fair_target = fair_target
        self.fair_sensitive = fair_sensitive
        self.epsilon = epsilon
        self.delta = delta
        self.patience = patience
        self.max_time = max_time
        self.validation_every = validation_every
        self.checkpoint_every = checkpoint_every
        self.checkpoint = checkpoint
        self.model_params = model_params

    # ------------------------------------------------------------------ fitting
    def _model_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self.model_params)
        if self.epochs is not None:
            kwargs["epochs"] = self.epochs
        if self.batch_size is not None:
            kwargs["batch_size"] = self.batch_size
        if "cuda" in get_model_class(self.model).capabilities.devices:
            kwargs["device"] = self.device
        return kwargs

    def _resolve_schema(self, data: pd.DataFrame) -> Schema:
        if self.schema is None:
            return infer_schema(data)
        if isinstance(self.schema, Schema):
            return self.schema
        if isinstance(self.schema, dict):
            return Schema.from_dict(self.schema)
        if not Path(self.schema).is_file():
            raise ConfigError(f"schema file '{self.schema}' does not exist; write one with `synthgan schema DATA -o schema.json`")
        return Schema.from_json(Path(self.schema).read_text(encoding="utf-8"))

    def fit(self, data: pd.DataFrame, *, callbacks: list | None = None, resume: bool = False,
            distributed: bool = False) -> "Synthesizer":
        """Learn ``data`` (a pandas DataFrame); returns ``self``.

        ``resume=True`` continues from the ``checkpoint`` file written by an earlier,
        interrupted fit with the same data and parameters; the result is identical to
        an uninterrupted fit.

        ``distributed=True`` (inside a torchrun launch, after
        :func:`synthgan.core.distributed.init`): every rank passes the whole table and
        fits the encoder identically; the model trains on this rank's rows
        (:func:`~synthgan.core.distributed.padded_rank_rows`) under
        DistributedDataParallel, so all ranks end with the same model. ``batch_size`` is
        per rank. Early stopping, ``max_time``, validation and checkpoints are refused.
        """
        if not isinstance(data, pd.DataFrame):
            raise ConfigError(f"data must be a pandas DataFrame, got {type(data).__name__}; read files with synthgan.io.tables.read_table")
        if self.epsilon is not None or self.delta is not None:
            return self._fit_private(data, callbacks, resume, distributed)
        model_cls, options, seed = self._begin_fit(resume)
        if distributed:
            _check_distributed(self.model, model_cls.capabilities.trainable, options, resume)
        started = time.perf_counter()
        validate_frame(data)  # cells, names, rows, finiteness: before schema inference reads the table
        declared_rules(self.rules)  # a bad rules argument fails before any work
        schema = self._resolve_schema(data)  # checked against the data by the encoder's fit
        encoder = self._encoder(model_cls, seed)
        encoded = encoder.fit(data, schema).transform(data)
        rules = fit_rules(self.rules, schema.rules, data, encoder.schema_)
        fairness = self._fairness(data, encoder)  # a bad column fails before training
        preprocess_seconds = time.perf_counter() - started
        model_kwargs = self._model_kwargs()
        if distributed and "device" in model_kwargs:
            model_kwargs["device"] = dist.rank_device(model_kwargs["device"])  # one GPU per rank
        model = create_model(self.model, **model_kwargs)
        all_callbacks = self._callbacks(callbacks)
        plan = plan_training(model, data, encoded, encoder, seed=seed, options=options, resume=resume)
        fit_kwargs = {"resume": plan.resume} if plan.resume is not None else {}
        matrix = plan.training_matrix(encoded)
        if distributed:  # this rank's rows; gradients are averaged over the ranks at every step
            rank, world = dist.rank(), dist.world_size()
            own = len(dist.rank_rows(len(matrix), rank, world))
            matrix = matrix[dist.padded_rank_rows(len(matrix), rank, world)]
            fit_kwargs["hooks"] = [dist.DataParallelHooks(own_items=own, device=model_kwargs.get("device", "cpu"))]
        model.fit(matrix, encoder.layout_, seed=child_seed(seed, "model"),
                  callbacks=all_callbacks + plan.callbacks, **fit_kwargs)
        self.calibration_ = _calibrate(encoder, encoded, model, seed)
        return self._end_fit(seed, encoder, rules, model, plan, len(data), preprocess_seconds, started)._with_fairness(fairness)

    def _fit_private(self, data: pd.DataFrame, callbacks: list | None, resume: bool, distributed: bool) -> "Synthesizer":
        from synthgan.dp.table import fit_private

        if self.epsilon is None:
            raise ConfigError("delta was given without epsilon: a DP fit needs both (e.g. epsilon=1.0, delta=1e-5)")
        if resume or distributed:
            raise ConfigError("a DP fit runs in one process from the start: drop resume/distributed (torchrun)")
        return fit_private(self, data, callbacks=callbacks)

    def fit_stream(self, path: str | os.PathLike, *, callbacks: list | None = None,
                   reservoir_rows: int = RESERVOIR_ROWS, chunk_rows: int = CHUNK_ROWS) -> "Synthesizer":
        """Learn a Parquet file or folder larger than memory, in memory independent of its rows.

        The schema and encoder come from a uniform reservoir sample of ``reservoir_rows``
        rows (one pass over the files); a neural model then trains on shuffled chunks of
        ``chunk_rows`` rows, encoded one at a time (an epoch is one chunk; see
        :mod:`synthgan.tabular.fitting.stream`). The copula, which trains in one pass,
        learns from the reservoir sample. Early stopping, validation and checkpoints are
        refused.
        """
        from synthgan.io.parquet_stream import ParquetSource
        from synthgan.tabular.fitting.stream import check_stream_options, streamed_table

        if self.epsilon is not None or self.delta is not None:
            raise ConfigError("a DP fit reads the table in memory (its statistics and DP-SGD need every row once): drop stream")
        model_cls, options, seed = self._begin_fit(False)
        check_stream_options(self.model, options)
        started = time.perf_counter()
        source = ParquetSource(path)
        sample = source.reservoir(reservoir_rows, numpy_rng(seed, "reservoir"))
        validate_frame(sample)
        declared_rules(self.rules)
        schema = self._resolve_schema(sample)
        encoder = self._encoder(model_cls, seed)
        encoded = encoder.fit(sample, schema).transform(sample)
        rules = fit_rules(self.rules, schema.rules, sample, encoder.schema_)  # found in, and learned from, the reservoir sample
        fairness = self._fairness(sample, encoder)
        preprocess_seconds = time.perf_counter() - started
        model = create_model(self.model, **self._model_kwargs())
        plan = plan_training(model, sample, encoded, encoder, seed=seed, options=options)
        data = streamed_table(source, encoder, chunk_rows) if model_cls.capabilities.trainable else encoded
        model.fit(data, encoder.layout_, seed=child_seed(seed, "model"), callbacks=self._callbacks(callbacks) + plan.callbacks)
        self.calibration_ = _calibrate(encoder, encoded, model, seed)
        return self._end_fit(seed, encoder, rules, model, plan, source.n_rows, preprocess_seconds, started)._with_fairness(fairness)

    def _begin_fit(self, resume: bool) -> tuple[type, TrainingOptions, int]:
        """Checks every fit makes before reading data: the seed, the model name, the training options."""
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0):
            raise ConfigError(f"seed must be a non-negative integer or None, got {self.seed!r}")
        model_cls = get_model_class(self.model)  # fails loudly on an unknown name
        FairCells.check_params(self.fair_target, self.fair_sensitive)
        options = TrainingOptions(self.patience, self.max_time, self.validation_every, self.checkpoint_every, self.checkpoint)
        options.check(self.model, model_cls.capabilities.trainable, resume, self.seed)  # a drawn seed cannot resume
        seed = int(self.seed) if self.seed is not None else child_seed(None, "synthesizer")  # resolved once, kept in seed_
        return model_cls, options, seed

    def _fairness(self, data: pd.DataFrame, encoder: TableEncoder) -> FairCells | None:
        if self.fair_target is None:
            return None
        usable = ConditionedRowSampler(encoder, None).conditionable()
        return FairCells.learn(data, encoder.schema_, self.fair_target, self.fair_sensitive, usable)

    def _with_fairness(self, fairness: FairCells | None) -> "Synthesizer":
        self.fairness_ = fairness
        return self

    def _encoder(self, model_cls: type, seed: int) -> TableEncoder:
        params = {"pii": self.pii, "pii_locale": self.pii_locale, **(self.encoder_params or {})}
        return TableEncoder(encoding=model_cls.capabilities.encoding, seed=child_seed(seed, "encoder"), **params)

    def _callbacks(self, callbacks: list | None) -> list:
        out = list(callbacks or [])
        if self.verbose:
            from synthgan.core.callbacks import RichProgress

            out.append(RichProgress())
        return out

    def _end_fit(self, seed: int, encoder: TableEncoder, rules: RuleSet, model: Any, plan: Any, n_rows: int,
                 preprocess_seconds: float, started: float) -> "Synthesizer":
        if self.epsilon is None:
            self.privacy_ = None
        self.seed_ = seed
        self.schema_ = replace(encoder.schema_, rules=rules.rules)  # completed: dtypes and formats a hand-written JSON may omit
        self.rules_ = rules
        self.encoder_ = encoder
        self.model_ = model
        self.history_ = list(model.history_ or [])
        self.diagnostics_ = plan.diagnostics(self.history_)
        self.n_rows_fit_ = int(n_rows)
        self.preprocess_seconds_ = preprocess_seconds
        self.fit_seconds_ = time.perf_counter() - started
        self._reset_sampling()
        return self

    def _reset_sampling(self) -> None:
        # Seeded calls use only local state; unseeded ones take one seed each from this stream, under the lock.
        self._sample_stream = numpy_rng(self.seed_, "sample-stream")
        self._sample_lock = threading.Lock()
        self._conditions = ConditionedRowSampler(self.encoder_, self.model_, self.rules_, self.calibration_)

    def _call_seed(self, seed: Any) -> int:
        """The seed of one sampling call: ``seed`` itself, or the next one of the synthesizer's stream."""
        if seed is None:
            with self._sample_lock:
                return int(self._sample_stream.integers(0, 2**63 - 1))
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ConfigError(f"seed must be a non-negative integer or None, got {seed!r}; pass e.g. seed=0")
        return int(seed)

    # ----------------------------------------------------------------- sampling
    def sample_chunks(
        self,
        n: int,
        *,
        conditions: dict[str, Any] | None = None,
        seed: int | None = None,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
    ) -> Iterator[pd.DataFrame]:
        """Yield ``n`` synthetic rows in DataFrames of at most ``chunk_rows`` rows (flat memory).

        Arguments are checked, and ``conditions`` resolved, when this is called, before
        the first chunk; ``seed`` works as in :meth:`sample`.
        """
        check_is_fitted(self, "model_")
        n = _check_n(n)
        if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows <= 0:
            raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
        plan = self._conditions.plan(conditions or {})
        cells = None
        if getattr(self, "fairness_", None) is not None:  # one plan per (target, sensitive) cell, checked now
            shares = self.fairness_.cells(conditions or {}, plan.values)
            # A cell's rows are the model's joint draws that fall in it (rejection), not draws conditioned
            # on the cell: measured on Adult, ctgan's conditional vector made low-income men 12% husbands
            # (real 48%), a proxy the downstream classifier then learned (bench/results/fair_adult.md).
            plans = [replace(self._conditions.plan(c), native=plan.native) for c, _ in shares]
            cells = (plans, np.array([p for _, p in shares]))
        rng = numpy_rng(self._call_seed(seed), "sample")
        return self._chunks(n, plan, rng, chunk_rows, cells)

    def _chunks(self, n: int, plan: Any, rng: np.random.Generator, chunk_rows: int,
                cells: tuple[list, np.ndarray] | None = None) -> Iterator[pd.DataFrame]:
        keys = KeyCursor()
        produced = 0
        while produced < n:
            size = min(chunk_rows, n - produced)
            if cells is None:
                chunk = self._conditions.generate(size, plan, rng, keys)
            else:
                chunk = self._fair_chunk(size, cells, rng, keys)
            produced += len(chunk)
            yield chunk

    def _fair_chunk(self, size: int, cells: tuple[list, np.ndarray], rng: np.random.Generator, keys: KeyCursor) -> pd.DataFrame:
        """``size`` rows spread over the fair cells by a multinomial draw, in random order."""
        plans, shares = cells
        counts = self.fairness_.counts(size, shares, rng)
        parts = [self._conditions.generate(int(k), cell, rng, keys) for cell, k in zip(plans, counts) if k > 0]
        frame = pd.concat(parts, ignore_index=True)
        return frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)

    def sample(self, n: int, *, conditions: dict[str, Any] | None = None, seed: int | None = None) -> pd.DataFrame:
        """Generate exactly ``n`` synthetic rows.

        Parameters
        ----------
        n : int
            Number of rows, > 0.
        conditions : dict, optional
            ``{column: value}`` for categorical, boolean, integer or date columns, with
            every model; every row meets them exactly (natively through the conditional
            vector where the model has one for that column, otherwise by rejection).
            Values are read by the column's own type, so ``"1"`` and ``1`` are the same
            integer, ``"yes"`` and ``True`` the same boolean. Unknown columns, continuous
            columns, unreadable values and values never seen in training raise
            ConditionError.
        seed : int, optional
            Makes this call reproducible on its own; it touches no shared state, so
            seeded calls from several threads give the same rows as one after another.
            Without it, each call takes the next seed of the synthesizer's own stream
            (one draw, under a lock): two calls give different rows, and a freshly
            fitted or loaded synthesizer always starts the same way.
        """
        chunks = list(self.sample_chunks(n, conditions=conditions, seed=seed))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)

    # ---------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save to one model file: safetensors with a JSON manifest (atomic; never pickled).

        Written with :func:`synthgan.core.files.save_model` (``kind="table"``, the model's
        ``data_spec``) plus the encoder, schema (with its rules), the rules' repair states,
        the value calibration (arrays ``calibration/...``), diagnostics and seeds;
        ``synthgan.load`` reads it back.
        """
        check_is_fitted(self, "model_")
        encoder_state, encoder_arrays = self.encoder_.to_state()
        manifest = {
            "pipeline": PIPELINE,
            "layout": self.encoder_.layout_.to_dict(),  # the model's data_spec, kept for older readers
            "schema": self.schema_.to_dict(),
            "encoder": encoder_state,
            "rules": self.rules_.to_state(),
            "fairness": None if getattr(self, "fairness_", None) is None else self.fairness_.to_state(),
            "diagnostics": getattr(self, "diagnostics_", {}),
            "privacy": getattr(self, "privacy_", None),
            "seed": self.seed_,
            "fit": {
                "rows": self.n_rows_fit_,
                "seconds": round(self.fit_seconds_, 3),
                "preprocess_seconds": round(self.preprocess_seconds_, 3),
                "params": {"seed": self.seed, "epochs": self.epochs, "batch_size": self.batch_size, "device": self.device,
                           "pii": self.pii, "pii_locale": self.pii_locale, "fair_target": self.fair_target,
                           "fair_sensitive": self.fair_sensitive, "epsilon": self.epsilon, "delta": self.delta,
                           "model_params": self.model_params, "encoder_params": self.encoder_params},
            },
        }
        arrays = {f"encoder/{k}": np.asarray(v) for k, v in encoder_arrays.items()}
        if self.calibration_ is not None:
            arrays.update({f"calibration/{k}": v for k, v in self.calibration_.to_arrays().items()})
        return save_model(self.model_, path, manifest=manifest, arrays=arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Synthesizer":
        """Load a model file written by :meth:`save`; nothing is unpickled."""
        manifest, arrays = read_model_file(path)
        if manifest.get("pipeline") != PIPELINE:
            raise ModelFileError(f"'{path}' holds a bare {manifest['kind']} model, not a Synthesizer; "
                                 "load it with synthgan.load (or synthgan.core.files.load_model)")
        return cls.from_file_contents(manifest, arrays, path)

    @classmethod
    def from_file_contents(cls, manifest: dict[str, Any], arrays: dict[str, np.ndarray], path: str | os.PathLike) -> "Synthesizer":
        """Rebuild a fitted synthesizer from a model file's manifest and arrays.

        ``manifest`` and ``arrays`` are what :func:`synthgan.core.files.read_model_file`
        returns; ``path`` only names the file in errors. Every field is checked against
        its declared structure first (:mod:`synthgan.io.manifest`,
        :mod:`synthgan.tabular.encoder_state`), and two rows are drawn before the
        synthesizer is handed back, so a forged or damaged file is refused here with a
        :class:`~synthgan.errors.ModelFileError`, not at sampling time.
        """
        check_file_contents(manifest, arrays, path)
        try:
            fit = manifest["fit"]
            params = fit["params"]
            seed = params.get("seed", manifest["seed"])  # files before seed_ held only the seed given
            syn = cls(manifest["model"], epochs=params["epochs"], batch_size=params["batch_size"], seed=seed,
                      device=params["device"], encoder_params=params["encoder_params"], pii=params.get("pii", "fake"),
                      pii_locale=params.get("pii_locale", "en_US"), fair_target=params.get("fair_target"),
                      fair_sensitive=params.get("fair_sensitive"), epsilon=params.get("epsilon"), delta=params.get("delta"),
                      **params["model_params"])
            encoder_arrays = {k[8:]: v for k, v in arrays.items() if k.startswith("encoder/")}
            syn.schema_ = Schema.from_dict(manifest["schema"])
            syn.encoder_ = TableEncoder.from_state(manifest["encoder"], encoder_arrays)
            syn.rules_ = RuleSet.from_state(syn.schema_.rules or [], manifest.get("rules", []), syn.schema_)
            calibration = {k[12:]: v for k, v in arrays.items() if k.startswith("calibration/")}  # none in older files
            syn.calibration_ = ValueCalibration.from_arrays(mode_spans(syn.encoder_.transformers_), calibration) if calibration else None
            syn.model_ = model_from_contents(manifest, arrays, path)
            syn.fairness_ = FairCells.from_state(manifest["fairness"]) if manifest.get("fairness") else None
            syn.history_ = list(manifest["history"])
            syn.diagnostics_ = dict(manifest.get("diagnostics", {}))
            syn.privacy_ = manifest.get("privacy")
            syn.n_rows_fit_ = int(fit["rows"])
            syn.fit_seconds_ = float(fit["seconds"])
            syn.preprocess_seconds_ = float(fit.get("preprocess_seconds", 0.0))
            syn.seed_ = int(manifest["seed"]) if manifest["seed"] is not None else child_seed(None, "synthesizer")
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
            raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); fit the model again") from exc
        syn._reset_sampling()
        try:  # arrays of the right type but the wrong size only show when used: use them once, now
            with warnings.catch_warnings():  # an internal check: its warnings are not the caller's
                warnings.simplefilter("ignore")
                syn.sample(2, seed=0)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError, np.linalg.LinAlgError) as exc:
            raise ModelFileError(f"'{path}' holds arrays that do not fit its manifest ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); the file was damaged or edited, fit the model again") from exc
        return syn

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as in scikit-learn."""
        return {"model": self.model, "epochs": self.epochs, "batch_size": self.batch_size, "seed": self.seed,
                "device": self.device, "verbose": self.verbose, "schema": self.schema,
                "encoder_params": self.encoder_params, "rules": self.rules, "pii": self.pii,
                "pii_locale": self.pii_locale, "fair_target": self.fair_target, "fair_sensitive": self.fair_sensitive,
                "epsilon": self.epsilon, "delta": self.delta, "patience": self.patience, "max_time": self.max_time,
                "validation_every": self.validation_every, "checkpoint_every": self.checkpoint_every,
                "checkpoint": self.checkpoint, **self.model_params}

    def __repr__(self) -> str:
        fitted = "fitted" if getattr(self, "model_", None) is not None else "not fitted"
        return f"Synthesizer(model={self.model!r}, epochs={self.epochs!r}, seed={self.seed!r}) [{fitted}]"


def load(path: str | os.PathLike) -> Synthesizer:
    """Load a fitted :class:`Synthesizer` from a ``.synthgan`` model file."""
    return Synthesizer.load(path)
