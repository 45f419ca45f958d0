"""The peers, as their users run them: SDV 2.x (CTGAN, TVAE, GaussianCopula) and TabularARGN.

Runs only in the peers' environment (``bench/.peers-venv``, see ``setup_peers.sh``);
synthgan never imports it. Each ``fit_*`` function fits one model with the peer's
defaults and returns a :class:`FittedModel` whose timings split the fit into
preprocessing (everything before the first epoch) and training.

The split is measured without changing what the peer does: a thin wrapper records
when the peer's own last preprocessing step returns (CTGAN's ``DataTransformer.transform``,
SDV's ``fit_processed_data`` for the copula, mostlyai's ``encode``).
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from bench.common import SDV_EPOCHS, FittedModel

SMOKE_EPOCHS = 2


class _Marks:
    """Timestamps of named moments, recorded by wrappers around the peers' own functions."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def after(self, owner: Any, name: str, mark: str) -> None:
        """Record ``mark`` when ``owner.name`` first returns (later calls, e.g. at sampling, are ignored)."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            self.times.setdefault(mark, time.perf_counter())
            return result

        setattr(owner, name, wrapper)

    def before(self, owner: Any, name: str, mark: str) -> None:
        """Record ``mark`` when ``owner.name`` is first called."""
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.times.setdefault(mark, time.perf_counter())
            return original(*args, **kwargs)

        setattr(owner, name, wrapper)


def _seed_globals(seed: int) -> None:
    # SDV exposes no seed argument: its CTGAN/TVAE draw from the process-wide numpy
    # and torch generators. This process runs one peer and nothing else, so seeding
    # them here is the only way to make its runs repeatable.
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _sdv_metadata(train: pd.DataFrame):
    from sdv.metadata import Metadata

    # No key inference: a numeric column such as Adult's fnlwgt must stay a column, not an ID.
    return Metadata.detect_from_dataframes({"table": train}, infer_keys=None)


def _fit_sdv(synth_cls: type, train: pd.DataFrame, seed: int, epochs: int | None, **kwargs: Any) -> FittedModel:
    from ctgan.data_transformer import DataTransformer
    from sdv.single_table.base import BaseSingleTableSynthesizer

    _seed_globals(seed)
    marks = _Marks()
    marks.after(DataTransformer, "transform", "preprocessed")  # CTGAN/TVAE: BGMMs fitted and applied
    marks.before(BaseSingleTableSynthesizer, "fit_processed_data", "processed")  # SDV's own transformers done
    if epochs is not None:
        kwargs["epochs"] = epochs
    synth = synth_cls(_sdv_metadata(train), **kwargs)
    start = time.perf_counter()
    synth.fit({"table": train})  # SDV 2 takes {table name: frame} even for one table
    end = time.perf_counter()
    first_epoch = marks.times.get("preprocessed", marks.times.get("processed", end))
    train_seconds = end - first_epoch
    return FittedModel(
        sample=lambda n: _single_table(synth.sample(num_rows=n)),
        preprocess_seconds=first_epoch - start,
        fit_seconds=end - start,
        epochs=epochs,
        seconds_per_epoch=train_seconds / epochs if epochs else None,
        config={"class": synth_cls.__name__, **{k: v for k, v in synth.get_parameters().items() if k != "locales"}},
    )


def _sdv_epochs(epochs_scale: float, smoke: bool) -> int:
    return SMOKE_EPOCHS if smoke else max(1, round(SDV_EPOCHS * epochs_scale))


def _single_table(sampled: Any) -> pd.DataFrame:
    return sampled["table"] if isinstance(sampled, dict) else sampled


def fit_sdv_ctgan(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    from sdv.single_table import CTGANSynthesizer

    return _fit_sdv(CTGANSynthesizer, train, seed, _sdv_epochs(epochs_scale, smoke))


def fit_sdv_tvae(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    from sdv.single_table import TVAESynthesizer

    return _fit_sdv(TVAESynthesizer, train, seed, _sdv_epochs(epochs_scale, smoke))


def fit_sdv_copula(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    from sdv.single_table import GaussianCopulaSynthesizer

    return _fit_sdv(GaussianCopulaSynthesizer, train, seed, None)


def fit_argn(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    """TabularARGN with its own defaults and early stopping (at most 100 epochs)."""
    from mostlyai.engine import TabularARGN
    from mostlyai.engine._tabular import interface

    marks = _Marks()
    marks.after(interface, "encode", "preprocessed")  # split + analyze + encode done: training starts
    workspace = workdir / "argn-workspace"
    shutil.rmtree(workspace, ignore_errors=True)
    kwargs: dict[str, Any] = {"random_state": seed, "workspace_dir": workspace, "verbose": 0}
    if smoke:  # like synthgan's default models, ARGN keeps its own stopping rule at any --epochs-scale
        kwargs["max_epochs"] = 1.0
    if os.environ.get("BENCH_ARGN_MAX_MINUTES"):  # a time cap for the scale case (ARGN's own option, in minutes)
        kwargs["max_training_time"] = float(os.environ["BENCH_ARGN_MAX_MINUTES"])
    model = TabularARGN(**kwargs)
    start = time.perf_counter()
    model.fit(train)
    end = time.perf_counter()
    first_epoch = marks.times.get("preprocessed", start)
    epochs = _argn_epochs(workspace)
    return FittedModel(
        sample=lambda n: model.sample(n_samples=n),
        preprocess_seconds=first_epoch - start,
        fit_seconds=end - start,
        epochs=epochs,
        seconds_per_epoch=(end - first_epoch) / epochs if epochs else None,
        config={"class": "TabularARGN", **{k: v for k, v in kwargs.items() if k != "workspace_dir"}},
    )


def _argn_epochs(workspace: Path) -> float | None:
    """Epochs TabularARGN trained before its early stopping, from its progress log."""
    paths = glob.glob(str(workspace / "**" / "progress-messages.csv"), recursive=True)
    if not paths:
        return None
    epochs = pd.read_csv(paths[0])["epoch"].dropna()
    return float(epochs.max()) if len(epochs) else None


PEER_MODELS: dict[str, Callable[[pd.DataFrame, int, float, bool, Path], FittedModel]] = {
    "sdv-ctgan": fit_sdv_ctgan,
    "sdv-tvae": fit_sdv_tvae,
    "sdv-copula": fit_sdv_copula,
    "argn": fit_argn,
}
