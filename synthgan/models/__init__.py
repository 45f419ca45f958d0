"""Generative models over encoded rows and the registry that names them.

Model classes load lazily (``synthgan.models.CTGAN`` imports torch only when touched),
so ``import synthgan.models`` and the copula stay free of torch.
"""

from __future__ import annotations

from typing import Any

from synthgan.models.base import BaseModel
from synthgan.models.registry import available_models, create_model, get_model_class, register

__all__ = [
    "BaseModel", "available_models", "create_model", "get_model_class", "register",
    "CTGAN", "WGANGP", "WGAN", "GAN", "TVAE", "GaussianCopula",
]

_CLASS_TO_NAME = {"CTGAN": "ctgan", "WGANGP": "wgan-gp", "WGAN": "wgan", "GAN": "gan", "TVAE": "tvae", "GaussianCopula": "copula"}


def __getattr__(attr: str) -> Any:
    if attr in _CLASS_TO_NAME:
        return get_model_class(_CLASS_TO_NAME[attr])
    raise AttributeError(f"module 'synthgan.models' has no attribute {attr!r}")
