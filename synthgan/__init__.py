"""synthgan: synthetic tabular data with GANs, fast on a plain CPU, with honest evaluation.

>>> from synthgan import Synthesizer, load, evaluate          # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Synthesizer", "load", "evaluate", "__version__"]


def __getattr__(name: str) -> Any:
    # Lazy: `import synthgan.errors` or the CLI's `--help` must not pay for torch.
    if name in ("Synthesizer", "load"):
        from synthgan.tabular import synthesizer

        return getattr(synthesizer, name)
    if name == "evaluate":
        from synthgan.evaluation import evaluate

        return evaluate
    raise AttributeError(f"module 'synthgan' has no attribute {name!r}")
