"""The table models: GANs (ctgan, wgan-gp, wgan, gan, table-gan), a tabular VAE and a Gaussian copula.

Classes load lazily (``synthgan.tabular.models.CTGAN`` imports torch only when touched), so
the copula and listing the registry stay free of torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CTGAN", "WGANGP", "WGAN", "GAN", "TableGAN", "TVAE", "GaussianCopula"]

_MODULES = {"CTGAN": "ctgan", "WGANGP": "gan", "WGAN": "gan", "GAN": "gan", "TableGAN": "table_gan", "TVAE": "tvae", "GaussianCopula": "copula"}


def __getattr__(attr: str) -> Any:
    if attr in _MODULES:
        import importlib

        return getattr(importlib.import_module(f"synthgan.tabular.models.{_MODULES[attr]}"), attr)
    raise AttributeError(f"module 'synthgan.tabular.models' has no attribute {attr!r}")
