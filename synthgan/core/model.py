"""The contract every model implements, whatever its kind of data, and what it declares it can do.

A model learns from encoded arrays (:class:`~synthgan.core.encoded.EncodedData`: a static
part, one row per item, and an optional temporal part) and knows nothing of column
names, dtypes or files. Each kind of data has a pipeline around its models that does
the encoding, decoding, conditions, saving and loading (for tables:
:class:`~synthgan.tabular.synthesizer.Synthesizer`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from synthgan.core.budget import Budget

KINDS = ("table", "sequence", "image")


@dataclass(frozen=True)
class Capabilities:
    """What a model class can do; the registry, CLI help, experiments and file loading read it.

    Attributes
    ----------
    kind : {"table", "sequence", "image"}
        The kind of data the model learns.
    summary : str
        One line for ``synthgan models`` and ``--help``.
    family : str
        How reports name its kind of generator ("GAN", "VAE", "Gaussian copula").
    conditional : bool
        Samples with a condition natively (a conditional vector) instead of by rejection.
    trainable : bool
        Learns over epochs with the shared trainer, so callbacks, checkpoints, early
        stopping and the default :attr:`budget` apply.
    devices : tuple of str
        Devices it runs on (``"cpu"``, ``"cuda"``).
    encoding : str, optional
        The encoding its kind's encoder must produce (tables: ``"mode_specific"`` or ``"ordinal"``).
    budget : Budget, optional
        Default training length (trainable models).
    one_hot_samples : bool
        Every softmax span of a sample is an exact one-hot row (decoders may skip the argmax).
    code_samples : bool
        Also samples the category codes of its spans directly (``sample_codes``, the same
        rows as ``sample`` for the same seed): decoding then needs no one-hot matrix.
    augmentation_arm : bool
        Compared as a generator in ``synthgan experiment augment``.
    private : tuple of str
        The networks that see real rows, which DP-SGD trains privately
        (:class:`synthgan.dp.sgd.DPSGD`); empty when the model cannot be trained with
        differential privacy.
    """

    kind: str
    summary: str
    family: str = "GAN"
    conditional: bool = False
    trainable: bool = True
    devices: tuple[str, ...] = ("cpu", "cuda")
    encoding: str | None = None
    budget: Budget | None = None
    one_hot_samples: bool = False
    code_samples: bool = False
    augmentation_arm: bool = False
    private: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Capabilities.kind must be one of {KINDS}, got {self.kind!r}")
        if self.trainable and self.budget is None:
            raise ValueError("a trainable model must declare its default Budget")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe view (``synthgan models --json``, model files)."""
        return {"kind": self.kind, "summary": self.summary, "family": self.family, "conditional": self.conditional,
                "trainable": self.trainable, "devices": list(self.devices), "encoding": self.encoding,
                "budget": self.budget.to_dict() if self.budget is not None else None,
                "augmentation_arm": self.augmentation_arm, "private": bool(self.private)}


class BaseModel(ABC):
    """A generative model over encoded data.

    Subclasses take their configuration as keyword arguments in ``__init__`` and
    only store them (checked in ``fit``). Learned state ends in ``_``.

    Class attributes
    ----------------
    name : str
        Registry name (``"ctgan"``, ``"tvae"``, ...).
    capabilities : Capabilities
        What the model can do (kind of data, conditions, training, devices, budget).
    """

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    history_: list[dict[str, float]] | None = None

    @abstractmethod
    def fit(self, data: Any, *args: Any, seed: int | None = None, callbacks: list | None = None, **kwargs: Any) -> "BaseModel":
        """Learn from encoded data; ``seed`` is the only source of randomness.

        ``callbacks`` receive per-epoch logs (see :mod:`synthgan.core.callbacks`).
        Sets ``history_`` (one dict of floats per epoch) and the model's fitted state.
        """

    @abstractmethod
    def sample(self, n: int, *, seed: int | None = None, condition: Any = None) -> np.ndarray:
        """Return ``n`` encoded items (float32); ``condition`` only where ``capabilities.conditional``."""

    @abstractmethod
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as JSON-safe values."""

    @abstractmethod
    def state_arrays(self) -> dict[str, np.ndarray]:
        """All learned weights/statistics as named numpy arrays (saved with safetensors)."""

    @abstractmethod
    def data_spec(self) -> dict[str, Any]:
        """JSON-safe description of the encoded data the model was fitted on (given back to :meth:`from_state`)."""

    @classmethod
    @abstractmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: dict[str, Any],
                   history: list[dict[str, float]]) -> "BaseModel":
        """Rebuild a fitted model from ``get_config()``, ``state_arrays()``, ``data_spec()`` and history."""
