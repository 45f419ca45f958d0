"""synthgan's side of the benchmark: the configurations compared with the peers.

Runs in synthgan's own environment (``.venv``). Every configuration goes through the
public API (``Synthesizer(...).fit(df)``, ``.sample(n, seed=...)``) exactly as a user
would call it; the timings come from the fitted object's ``preprocess_seconds_``,
``fit_seconds_`` and ``history_``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from bench.common import SDV_EPOCHS, FittedModel

SMOKE_EPOCHS = 2

# SDV CTGANSynthesizer's defaults, spelled out so the comparison is at the same architecture
# and the same amount of work per epoch (no EMA: SDV samples from the last weights).
SDV_ARCHITECTURE: dict[str, Any] = {
    "batch_size": 500,
    "pac": 10,
    "embedding_dim": 128,
    "generator_dim": (256, 256),
    "discriminator_dim": (256, 256),
    "generator_lr": 2e-4,
    "discriminator_lr": 2e-4,
    "discriminator_steps": 1,
    "generator_ema": None,
}


def _fit(model: str, train: pd.DataFrame, seed: int, epochs: int | None, **params: Any) -> FittedModel:
    from synthgan import Synthesizer

    syn = Synthesizer(model, epochs=epochs, seed=seed, verbose=False, **params).fit(train)
    history = list(getattr(syn, "history_", None) or [])
    n_epochs = len(history) or None
    train_seconds = syn.fit_seconds_ - syn.preprocess_seconds_
    epoch_seconds = [h["seconds"] for h in history if isinstance(h.get("seconds"), (int, float))]
    config = {"model": model, "epochs": epochs, **params}
    if epoch_seconds:  # the model's own per-epoch clock, next to the harness's (fit - preprocess) / epochs
        config["mean_epoch_seconds_in_history"] = sum(epoch_seconds) / len(epoch_seconds)
    draws = iter(range(1, 1_000_000))  # a fresh, reproducible seed per sample() call
    return FittedModel(
        sample=lambda n: syn.sample(n, seed=seed * 1_000_003 + next(draws)),
        preprocess_seconds=syn.preprocess_seconds_,
        fit_seconds=syn.fit_seconds_,
        epochs=n_epochs,
        seconds_per_epoch=train_seconds / n_epochs if n_epochs else None,
        config=config,
        history=history,
    )


def _epochs(default: int | None, epochs_scale: float, smoke: bool) -> int | None:
    """Explicit epoch counts are scaled; ``None`` (the model's own choice) is kept except in smoke runs."""
    if smoke:
        return SMOKE_EPOCHS
    if default is None:
        return None
    return max(1, round(default * epochs_scale))


def fit_ctgan_sdv_architecture(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    """synthgan's ctgan doing SDV's work per epoch: the speed comparison."""
    return _fit("ctgan", train, seed, _epochs(SDV_EPOCHS, epochs_scale, smoke), **SDV_ARCHITECTURE)


def fit_ctgan_default(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    """synthgan's default ctgan (it picks epochs, batch size and EMA itself): time to quality."""
    return _fit("ctgan", train, seed, _epochs(None, epochs_scale, smoke))


def fit_tvae_default(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    return _fit("tvae", train, seed, _epochs(None, epochs_scale, smoke))


def fit_autoregressive_default(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    """synthgan's autoregressive model over binned columns, with its defaults."""
    return _fit("autoregressive", train, seed, _epochs(None, epochs_scale, smoke))


def fit_table_gan_default(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    """synthgan's table-GAN (convolutional GAN over rows reshaped to a square), with its defaults."""
    return _fit("table-gan", train, seed, _epochs(None, epochs_scale, smoke))


def fit_vine_copula(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    # One pass (marginals, then the vine on up to 5,000 rows), like the Gaussian copula.
    return replace(_fit("vine-copula", train, seed, None), epochs=None, seconds_per_epoch=None)


def fit_copula(train: pd.DataFrame, seed: int, epochs_scale: float, smoke: bool, workdir: Path) -> FittedModel:
    # One pass over the data, not epochs: reported like SDV's copula, without a per-epoch figure.
    return replace(_fit("copula", train, seed, None), epochs=None, seconds_per_epoch=None)


SYNTHGAN_MODELS: dict[str, Callable[[pd.DataFrame, int, float, bool, Path], FittedModel]] = {
    "synthgan-ctgan-sdvarch": fit_ctgan_sdv_architecture,
    "synthgan-ctgan": fit_ctgan_default,
    "synthgan-tvae": fit_tvae_default,
    "synthgan-autoregressive": fit_autoregressive_default,
    "synthgan-vine-copula": fit_vine_copula,
    "synthgan-table-gan": fit_table_gan_default,
    "synthgan-copula": fit_copula,
}
