"""Shared pieces of the benchmark: datasets, the split, model keys, timing and memory.

This module is imported both by synthgan's own Python (``.venv``) and by the peers'
Python (``bench/.peers-venv``), so it needs only the standard library, numpy and
pandas. The split is computed once (with scikit-learn, by :mod:`bench.run_bench`)
and stored as row indices, so both environments train on exactly the same rows
whatever their pandas or scikit-learn versions.
"""

from __future__ import annotations

import json
import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
DATASETS_DIR = Path(os.environ.get("SYNTHGAN_DATASETS", REPO_DIR.parent / "shared" / "datasets"))
CACHE_DIR = BENCH_DIR / ".cache"  # git-ignored: splits, synthetic samples, per-model records
RESULTS_DIR = BENCH_DIR / "results"
PEERS_PYTHON = BENCH_DIR / ".peers-venv" / "bin" / "python"

SDV_EPOCHS = 300  # SDV's default for CTGAN and TVAE (scaled by --epochs-scale)

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class DatasetSpec:
    """One shared dataset and how the issue splits it."""

    name: str
    file: str
    target: str
    task: str  # "classification" or "regression"

    @property
    def path(self) -> Path:
        return DATASETS_DIR / self.file


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("adult", "adult.csv.gz", "income", "classification"),
        DatasetSpec("bank_marketing", "bank_marketing.csv.gz", "y", "classification"),
        DatasetSpec("california_housing", "california_housing.csv.gz", "median_house_value", "regression"),
        DatasetSpec("diabetes_health_indicators", "diabetes_health_indicators.csv.gz", "Diabetes_binary", "classification"),
    )
}


@dataclass(frozen=True)
class ModelSpec:
    """A benchmarked model: which environment runs it and whom it is compared with."""

    key: str
    side: str  # "synthgan" (runs in .venv) or "peer" (runs in bench/.peers-venv)
    label: str


# Run order: SDV's CTGAN first because it is by far the longest (a crash later loses nothing).
MODELS: dict[str, ModelSpec] = {
    spec.key: spec
    for spec in (
        ModelSpec("sdv-ctgan", "peer", "SDV CTGANSynthesizer (defaults, 300 epochs)"),
        ModelSpec("synthgan-ctgan-sdvarch", "synthgan", "synthgan ctgan at SDV's architecture (batch 500, pac 10, 256x256, 300 epochs)"),
        ModelSpec("synthgan-ctgan", "synthgan", "synthgan ctgan, default configuration"),
        ModelSpec("sdv-tvae", "peer", "SDV TVAESynthesizer (defaults, 300 epochs)"),
        ModelSpec("synthgan-tvae", "synthgan", "synthgan tvae, default configuration"),
        ModelSpec("synthgan-autoregressive", "synthgan", "synthgan autoregressive, default configuration"),
        ModelSpec("synthgan-vine-copula", "synthgan", "synthgan vine-copula (pyvinecopulib), defaults"),
        ModelSpec("synthgan-table-gan", "synthgan", "synthgan table-gan (Park et al. 2018), defaults"),
        ModelSpec("sdv-copula", "peer", "SDV GaussianCopulaSynthesizer (defaults)"),
        ModelSpec("synthgan-copula", "synthgan", "synthgan copula"),
        ModelSpec("argn", "peer", "mostlyai-engine TabularARGN (its own early stopping)"),
    )
}

# (synthgan model, peer model, what the pair measures) -> ratios synthgan/peer in the report.
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("synthgan-ctgan-sdvarch", "sdv-ctgan", "speed at the same architecture"),
    ("synthgan-ctgan", "sdv-ctgan", "time to quality"),
    ("synthgan-ctgan", "argn", "against the field's best"),
    ("synthgan-autoregressive", "argn", "autoregressive against the field's best"),
    ("synthgan-tvae", "argn", "tvae against the field's best"),
    ("synthgan-tvae", "sdv-tvae", "tvae"),
    ("synthgan-copula", "sdv-copula", "copula"),
)


@dataclass
class FittedModel:
    """A fitted model, how long each phase took, and a way to sample from it.

    ``preprocess_seconds`` is everything before the first epoch; ``fit_seconds`` the
    whole ``fit`` call (preprocessing included).
    """

    sample: Callable[[int], pd.DataFrame]
    preprocess_seconds: float
    fit_seconds: float
    epochs: float | None
    seconds_per_epoch: float | None
    config: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)


def limit_threads(n_threads: int) -> None:
    """Pin BLAS/OpenMP and torch to ``n_threads`` (benchmark processes only, never the library)."""
    for var in THREAD_VARS:
        os.environ[var] = str(n_threads)
    import torch

    torch.set_num_threads(n_threads)
    try:
        torch.set_num_interop_threads(n_threads)
    except RuntimeError:  # only settable before the first parallel op; intra-op threads are what count
        pass


def subprocess_env(threads: int) -> dict[str, str]:
    """Environment for a benchmark subprocess: ``threads`` BLAS/OpenMP threads, this repository importable."""
    env = dict(os.environ)
    env.update({var: str(threads) for var in THREAD_VARS})
    env["PYTHONPATH"] = str(REPO_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def read_dataset(name: str) -> pd.DataFrame:
    """The shared dataset ``name`` as pandas reads it by default (empty cells are NaN)."""
    return pd.read_csv(DATASETS[name].path)


def split_paths(name: str, cache_dir: Path = CACHE_DIR) -> tuple[Path, Path]:
    return cache_dir / "splits" / f"{name}_train.npy", cache_dir / "splits" / f"{name}_test.npy"


def load_split(name: str, cache_dir: Path = CACHE_DIR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train and test frames from the split indices stored by :func:`make_split`."""
    data = read_dataset(name)
    train_path, test_path = split_paths(name, cache_dir)
    train_idx = np.load(train_path, allow_pickle=False)
    test_idx = np.load(test_path, allow_pickle=False)
    return data.iloc[train_idx].reset_index(drop=True), data.iloc[test_idx].reset_index(drop=True)


def make_split(name: str, cache_dir: Path = CACHE_DIR) -> tuple[int, int]:
    """Store the issue's split of ``name`` as row indices; returns (train rows, test rows).

    ``train_test_split(data, test_size=0.2, random_state=0, stratify=target)`` for the
    classification tables (the split the issue's reference figures use); unstratified
    for the regression table.
    """
    from sklearn.model_selection import train_test_split

    spec = DATASETS[name]
    data = read_dataset(name)
    stratify = data[spec.target] if spec.task == "classification" else None
    train_idx, test_idx = train_test_split(
        np.arange(len(data)), test_size=0.2, random_state=0, stratify=stratify
    )
    train_path, test_path = split_paths(name, cache_dir)
    train_path.parent.mkdir(parents=True, exist_ok=True)
    np.save(train_path, np.asarray(train_idx, dtype=np.int64), allow_pickle=False)
    np.save(test_path, np.asarray(test_idx, dtype=np.int64), allow_pickle=False)
    return len(train_idx), len(test_idx)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Clock:
    """Wall-clock stopwatch: ``with Clock() as c: ...; c.seconds``."""

    def __enter__(self) -> "Clock":
        self._start = time.perf_counter()
        self.seconds = float("nan")
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._start


def write_json(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented JSON atomically (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2, sort_keys=False, default=_json_default) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def rounded(value: Any, digits: int = 4) -> Any:
    """Round floats for the report; keep None and non-floats as they are."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return round(float(value), digits)
    return value
