"""Sequences: long-format series (prices, sensors) with an optional entity key, learned by
sequence models over the shared core.

:class:`SeriesSynthesizer` (fit, sample paths, save/load), :class:`SequenceEncoder`
(frames <-> encoded series) and :class:`SequenceSpec` (how a frame is read) are imported
from here on first use, so ``import synthgan.timeseries`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SeriesSynthesizer", "SequenceEncoder", "SequenceSpec"]

_HOMES = {"SeriesSynthesizer": "synthgan.timeseries.synthesizer", "SequenceEncoder": "synthgan.timeseries.encoder",
          "SequenceSpec": "synthgan.timeseries.sequences"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'synthgan.timeseries' has no attribute {name!r}")
