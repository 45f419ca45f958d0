"""Augmentation that proves itself: rebalance rare classes and measure whether it helps.

* :func:`augment` appends exactly the requested synthetic rows per class value.
* :class:`AugmentExperiment` compares resampling and synthetic-data arms with a
  paired, leakage-proof experiment and gives a verdict per classifier.
* :class:`CollapseStudy` trains each generation only on the previous one's samples.
"""

from __future__ import annotations

from typing import Any

from synthgan.augment.arms import RESAMPLING_ARMS, default_arms, generator_arms
from synthgan.augment.augment import augment, plan_augmentation
from synthgan.augment.collapse import CollapseStudy
from synthgan.augment.experiment import AugmentExperiment
from synthgan.augment.targets import parse_add_spec

__all__ = ["augment", "plan_augmentation", "parse_add_spec", "AugmentExperiment", "CollapseStudy", "DEFAULT_ARMS",
           "GENERATOR_ARMS", "RESAMPLING_ARMS", "default_arms", "generator_arms"]


def __getattr__(name: str) -> Any:
    # Asked of the registry when read (importing the models), not when this package is imported.
    if name == "GENERATOR_ARMS":
        return generator_arms()
    if name == "DEFAULT_ARMS":
        return default_arms()
    raise AttributeError(f"module 'synthgan.augment' has no attribute {name!r}")
