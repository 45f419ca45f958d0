"""The options of :class:`~synthgan.images.translate.model.ImageTranslator`, checked at ``fit`` (before any image is read)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from synthgan.errors import ConfigError

__all__ = ["OPTIONS", "check_options"]

#: the training options stored in a model file (with the seed)
OPTIONS = ("steps", "batch_size", "width", "blocks", "critic_width", "cycle_weight", "identity_weight", "loss",
           "generator_lr", "critic_lr", "betas", "spectral_norm", "generator_ema")


def _positive_int(value: Any, name: str, example: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value <= 0:
        raise ConfigError(f"ImageTranslator: {name} must be a positive integer, got {value!r}; pass e.g. {example}")
    return int(value)


def _number(value: Any, name: str, example: str, *, low: float = 0.0, inclusive: bool = False,
            high: float | None = None) -> float:
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, Real) and np.isfinite(value)
    ok = ok and (value >= low if inclusive else value > low) and (high is None or value < high)
    if not ok:
        bound = f">= {low}" if inclusive else f"> {low}"
        raise ConfigError(f"ImageTranslator: {name} must be a number {bound}{'' if high is None else f' and < {high}'}, "
                          f"got {value!r}; pass e.g. {example}")
    return float(value)


def check_options(p: dict[str, Any]) -> dict[str, Any]:
    """The training configuration from ``ImageTranslator.get_params()``; raises :class:`ConfigError` naming the option."""
    from synthgan.core.device import resolve_device

    cfg: dict[str, Any] = {}
    for name, example in (("steps", "steps=5000"), ("batch_size", "batch_size=16"), ("width", "width=16"),
                          ("blocks", "blocks=2"), ("critic_width", "critic_width=16")):
        cfg[name] = _positive_int(p[name], name, example)
    cfg["cycle_weight"] = _number(p["cycle_weight"], "cycle_weight", "cycle_weight=10", inclusive=True)
    cfg["identity_weight"] = _number(p["identity_weight"], "identity_weight", "identity_weight=0.5", inclusive=True)
    cfg["generator_lr"] = _number(p["generator_lr"], "generator_lr", "generator_lr=2e-4")
    cfg["critic_lr"] = _number(p["critic_lr"], "critic_lr", "critic_lr=2e-4")
    if p["loss"] not in ("lsgan", "hinge"):
        raise ConfigError(f"ImageTranslator: loss must be 'lsgan' or 'hinge', got {p['loss']!r}")
    cfg["loss"] = p["loss"]
    betas = p["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ConfigError(f"ImageTranslator: betas must be two numbers in [0, 1), got {betas!r}; pass e.g. betas=(0.5, 0.999)")
    cfg["betas"] = tuple(_number(b, "each of betas", "betas=(0.5, 0.999)", inclusive=True, high=1.0) for b in betas)
    if not isinstance(p["spectral_norm"], (bool, np.bool_)):
        raise ConfigError(f"ImageTranslator: spectral_norm must be True or False, got {p['spectral_norm']!r}")
    cfg["spectral_norm"] = bool(p["spectral_norm"])
    cfg["generator_ema"] = None if p["generator_ema"] is None else _number(
        p["generator_ema"], "generator_ema", "generator_ema=0.999", inclusive=True, high=1.0)
    if isinstance(p["seed"], (bool, np.bool_)) or not isinstance(p["seed"], Integral) or not 0 <= p["seed"] < 2**63:
        raise ConfigError(f"ImageTranslator: seed must be a non-negative integer, got {p['seed']!r}; pass e.g. seed=0")
    if p["max_time"] is not None:
        _number(p["max_time"], "max_time", "max_time=600")
    if p["threads"] is not None:
        _positive_int(p["threads"], "threads", "threads=2")
    if not isinstance(p["verbose"], (bool, np.bool_)):
        raise ConfigError(f"ImageTranslator: verbose must be True or False, got {p['verbose']!r}")
    cfg["device"] = resolve_device(p["device"], model="ImageTranslator") if isinstance(p["device"], str) else None
    if cfg["device"] is None:
        raise ConfigError(f"ImageTranslator: device must be 'auto', 'cpu' or 'cuda', got {p['device']!r}")
    return cfg
