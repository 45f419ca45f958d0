"""Model names -> classes, for every kind of data: the built-in models plus :func:`register`.

Everything that lists models (CLI help, ``synthgan models``, the demo, experiment arms,
file loading) asks this module; nothing keeps its own list of names. Built-in models are
imported when first asked for, so listing names or using the numpy-only copula does not
import torch. There is no try/except around those imports: a broken model fails loudly
the moment it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from synthgan.core.model import BaseModel, Capabilities
from synthgan.errors import ConfigError

# name -> (module, class, kind); the kind lets name lists by kind stay free of imports
_BUILTIN: dict[str, tuple[str, str, str]] = {
    "ctgan": ("synthgan.tabular.models.ctgan", "CTGAN", "table"),
    "wgan-gp": ("synthgan.tabular.models.gan", "WGANGP", "table"),
    "wgan": ("synthgan.tabular.models.gan", "WGAN", "table"),
    "gan": ("synthgan.tabular.models.gan", "GAN", "table"),
    "tvae": ("synthgan.tabular.models.tvae", "TVAE", "table"),
    "copula": ("synthgan.tabular.models.copula", "GaussianCopula", "table"),
    "autoregressive": ("synthgan.tabular.models.autoregressive", "Autoregressive", "table"),
    "vine-copula": ("synthgan.tabular.models.vine", "VineCopula", "table"),
    "table-gan": ("synthgan.tabular.models.table_gan", "TableGAN", "table"),
    "stationary-bootstrap": ("synthgan.timeseries.models.bootstrap", "StationaryBootstrap", "sequence"),
    "garch-t": ("synthgan.timeseries.models.garch", "GarchT", "sequence"),
    "quant-gan": ("synthgan.timeseries.models.gan", "QuantGAN", "sequence"),
    "dcgan": ("synthgan.images.models.gan", "DCGAN", "image"),
    "sngan": ("synthgan.images.models.gan", "SNGAN", "image"),
    "cvae": ("synthgan.images.models.vae", "CVAE", "image"),
}
_REGISTERED: dict[str, type[BaseModel]] = {}


def available_models(kind: str | None = None) -> list[str]:
    """Names accepted by :func:`get_model_class`: the built-in ones first, then registered ones.

    ``kind`` (``"table"``, ``"sequence"``, ``"image"``) keeps only the models of that kind.
    """
    names = list(_BUILTIN) + [name for name in _REGISTERED if name not in _BUILTIN]
    if kind is None:
        return names
    return [name for name in names if _kind_of(name) == kind]


def _kind_of(name: str) -> str:
    if name in _REGISTERED:
        return _REGISTERED[name].capabilities.kind
    return _BUILTIN[name][2]


def get_model_class(name: str) -> type[BaseModel]:
    """The model class registered under ``name``.

    Raises
    ------
    ConfigError
        ``name`` is not a known model (the message lists the valid names).
    """
    if isinstance(name, str) and name in _REGISTERED:
        return _REGISTERED[name]
    if isinstance(name, str) and name in _BUILTIN:
        module_name, class_name, _ = _BUILTIN[name]
        cls = getattr(importlib.import_module(module_name), class_name)
        _REGISTERED[name] = cls
        return cls
    raise ConfigError(f"unknown model {name!r}; choose one of: {', '.join(available_models())}")


def capabilities(name: str) -> Capabilities:
    """What model ``name`` declares it can do (imports its class)."""
    return get_model_class(name).capabilities


def models_with(kind: str | None = None, **wanted: Any) -> list[str]:
    """Names of the models whose capabilities match every ``wanted`` field, e.g. ``trainable=True``."""
    return [name for name in available_models(kind)
            if all(getattr(capabilities(name), key) == value for key, value in wanted.items())]


def names_help(kind: str = "table") -> str:
    """``"ctgan, wgan-gp, ... or copula"``: the models of ``kind``, for help texts (no imports)."""
    names = available_models(kind)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


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
        raise ConfigError(f"{name}: {exc}; see help(synthgan.core.registry.get_model_class({name!r})) for its arguments") from exc


def register(cls: type[BaseModel]) -> type[BaseModel]:
    """Add a model class under ``cls.name`` (usable as a class decorator); returns ``cls``.

    Raises
    ------
    ConfigError
        ``cls`` is not a BaseModel subclass with a ``name`` and :class:`Capabilities`, or the
        name is taken by another class.
    """
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)) or not isinstance(getattr(cls, "name", None), str):
        raise ConfigError(f"register() needs a BaseModel subclass with a string 'name', got {cls!r}")
    if not isinstance(getattr(cls, "capabilities", None), Capabilities):
        raise ConfigError(f"register(): {cls.__name__} must declare 'capabilities = Capabilities(kind=..., summary=...)'")
    taken = _REGISTERED.get(cls.name)
    builtin = _BUILTIN.get(cls.name)
    if (taken is not None and taken is not cls) or (builtin is not None and (cls.__module__, cls.__qualname__) != builtin[:2]):
        raise ConfigError(f"model name {cls.name!r} is already registered; give your class another 'name'")
    _REGISTERED[cls.name] = cls
    return cls
