"""synthgan: synthetic tabular data with GANs, fast on a plain CPU, with honest evaluation.

>>> from synthgan import Synthesizer, load, evaluate          # doctest: +SKIP
>>> import synthgan                                           # doctest: +SKIP
>>> syn = synthgan.fit("train.csv", model="copula", output="model.synthgan")   # doctest: +SKIP
>>> synthgan.sample("model.synthgan", 1000, seed=1, output="synth.csv")        # doctest: +SKIP

The verbs ``fit``, ``sample``, ``evaluate`` and ``report`` come from :mod:`synthgan.verbs`
(whose ``augment`` is reached as ``synthgan.verbs.augment``: ``synthgan.augment`` is the
augmentation package). ``load`` reads any model file (:func:`synthgan.core.files.load`).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Synthesizer", "load", "fit", "sample", "evaluate", "report", "__version__"]

_VERBS = ("fit", "sample", "evaluate", "report")


def __getattr__(name: str) -> Any:
    # Lazy: `import synthgan.errors` or the CLI's `--help` must not pay for torch.
    if name == "Synthesizer":
        from synthgan.tabular.synthesizer import Synthesizer

        return Synthesizer
    if name == "load":
        from synthgan.core.files import load

        return load
    if name in _VERBS:
        from synthgan import verbs

        return getattr(verbs, name)
    raise AttributeError(f"module 'synthgan' has no attribute {name!r}")
