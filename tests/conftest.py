"""Shared fixtures: the real datasets directory and small cached subsamples of it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@lru_cache(maxsize=None)
def _load(name: str, n_rows: int | None) -> pd.DataFrame:
    df = pd.read_csv(SHARED_DATASETS / f"{name}.csv.gz")
    if n_rows is not None and n_rows < len(df):
        df = df.sample(n=n_rows, random_state=0)  # pandas' own RandomState: global state untouched
    return df.reset_index(drop=True)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """Directory of the real benchmark tables (read-only)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture
def load_table(shared_datasets):
    """``load_table(name, n_rows=None)``: a fresh copy of a (subsampled) shared table."""

    def load(name: str, n_rows: int | None = None) -> pd.DataFrame:
        return _load(name, n_rows).copy()

    return load


@pytest.fixture
def adult(load_table) -> pd.DataFrame:
    """4,000 rows of Adult (fresh copy per test)."""
    return load_table("adult", 4000)


def pytest_configure(config):
    # The suite trains many tiny models: one torch thread avoids thread hand-off costs
    # that dominate at this size, and keeps timings stable when the cores are shared.
    # (Library code never sets this; it uses all cores.)
    import torch

    torch.set_num_threads(1)
