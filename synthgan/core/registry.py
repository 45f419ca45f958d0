"""Model names -> classes: an explicit table of the built-in models plus :func:`register`.

Built-in models are imported when first asked for, so that listing names or using
the numpy-only copula does not import torch. There is no try/except around those
imports: a broken model fails loudly the moment it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from synthgan.errors import ConfigError
from synthgan.core.model import BaseModel

_BUILTIN: dict[str, tuple[str, str]] = {
    "ctgan": ("synthgan.tabular.models.ctgan", "CTGAN"),
    "wgan-gp": ("synthgan.tabular.models.gan", "WGANGP"),
    "wgan": ("synthgan.tabular.models.gan", "WGAN"),
    "gan": ("synthgan.tabular.models.gan", "GAN"),
    "tvae": ("synthgan.tabular.models.tvae", "TVAE"),
    "copula": ("synthgan.tabular.models.copula", "GaussianCopula"),
}
_REGISTERED: dict[str, type[BaseModel]] = {}


def available_models() -> list[str]:
    """Names accepted by :func:`get_model_class`: the built-in ones first, then registered ones."""
    return list(_BUILTIN) + [name for name in _REGISTERED if name not in _BUILTIN]


def get_model_class(name: str) -> type[BaseModel]:
    """The model class registered under ``name``.

    Raises
    ------
    ConfigError
        ``name`` is not a known model (the message lists the valid names).
    """
    if name in _REGISTERED:
        return _REGISTERED[name]
    if isinstance(name, str) and name in _BUILTIN:
        module_name, class_name = _BUILTIN[name]
        cls = getattr(importlib.import_module(module_name), class_name)
        _REGISTERED[name] = cls
        return cls
    raise ConfigError(f"unknown model {name!r}; choose one of: {', '.join(available_models())}")


def create_model(name: str, **params: Any) -> BaseModel:
    """A new, unfitted model ``name`` with constructor arguments ``params``.

    Raises
    ------
    ConfigError
        Unknown name, or an argument the model does not take.
    """
    cls = get_model_class(name)
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"{name}: {exc}; see help(synthgan.tabular.models.get_model_class({name!r})) for its arguments") from exc


def register(cls: type[BaseModel]) -> type[BaseModel]:
    """Add a model class under ``cls.name`` (usable as a class decorator); returns ``cls``.

    Raises
    ------
    ConfigError
        ``cls`` is not a BaseModel subclass with a ``name``, or the name is taken by another class.
    """
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or not isinstance(getattr(cls, "name", None), str):
        raise ConfigError(f"register() needs a BaseModel subclass with a string 'name', got {cls!r}")
    taken = _REGISTERED.get(cls.name)
    builtin = _BUILTIN.get(cls.name)
    if (taken is not None and taken is not cls) or (builtin is not None and (cls.__module__, cls.__qualname__) != builtin):
        raise ConfigError(f"model name {cls.name!r} is already registered; give your class another 'name'")
    _REGISTERED[cls.name] = cls
    return cls
