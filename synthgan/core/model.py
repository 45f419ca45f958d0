"""The interface every synthesizer model implements.

A model learns from an *encoded* float32 matrix described by a
:class:`~synthgan.tabular.layout.Layout`; it knows nothing of column names, dtypes or
files. The :class:`~synthgan.tabular.synthesizer.Synthesizer` does the encoding, decoding,
conditions, saving and loading around it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from synthgan.tabular.layout import Layout


class BaseModel(ABC):
    """A generative model over encoded rows.

    Subclasses take their configuration as keyword arguments in ``__init__`` and
    only store them (checked in ``fit``). Learned state ends in ``_``.

    Class attributes
    ----------------
    name : str
        Registry name (``"ctgan"``, ``"tvae"``, ...).
    encoding : {"mode_specific", "ordinal"}
        Which encoding of the table the model learns from.
    supports_conditions : bool
        True when ``sample`` accepts ``condition`` natively (conditional vector).
    one_hot_samples : bool
        True when every softmax span of ``sample``'s output is an exact one-hot row,
        so the decoder may read categories without an argmax.
    """

    name: ClassVar[str]
    encoding: ClassVar[str] = "mode_specific"
    supports_conditions: ClassVar[bool] = False
    one_hot_samples: ClassVar[bool] = False

    layout_: Layout | None = None
    history_: list[dict[str, float]] | None = None

    @abstractmethod
    def fit(
        self,
        data: np.ndarray,
        layout: Layout,
        *,
        seed: int | None = None,
        callbacks: list | None = None,
    ) -> "BaseModel":
        """Learn from ``data`` (float32, shape ``(n_rows, layout.width)``).

        ``seed`` is the only source of randomness (weight init, batches, noise).
        ``callbacks`` receive per-epoch logs (see :mod:`synthgan.core.callbacks`).
        Sets ``layout_`` and ``history_`` (one dict of floats per epoch).
        """

    @abstractmethod
    def sample(
        self,
        n: int,
        *,
        seed: int | None = None,
        condition: tuple[int, int] | None = None,
    ) -> np.ndarray:
        """Return ``n`` encoded rows, float32 of shape ``(n, layout_.width)``.

        Softmax spans hold probabilities or one-hot rows (the decoder takes the
        argmax); ``"value"`` spans hold tanh outputs. ``condition=(k, j)`` asks for
        category ``j`` of the ``k``-th condition span (``layout_.condition_spans[k]``)
        and is only accepted when ``supports_conditions`` is True. Models set
        their networks to eval mode while sampling.
        """

    @abstractmethod
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as JSON-safe values."""

    @abstractmethod
    def state_arrays(self) -> dict[str, np.ndarray]:
        """All learned weights/statistics as named numpy arrays (saved with safetensors)."""

    @classmethod
    @abstractmethod
    def from_state(
        cls,
        config: dict[str, Any],
        arrays: dict[str, np.ndarray],
        layout: Layout,
        history: list[dict[str, float]],
    ) -> "BaseModel":
        """Rebuild a fitted model from ``get_config()``, ``state_arrays()``, layout and history."""
