"""What every neural model shares: config checks, seeds, device, chunked sampling, state arrays.

Subclasses provide the networks (``_build``), one training step (``_make_step``) and
generation of one chunk (``_generate``); this class turns them into the
:class:`~synthgan.core.model.BaseModel` contract.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from synthgan._random import torch_generator
from synthgan.tabular.layout import Layout
from synthgan.errors import ConditionError, ModelFileError, check_is_fitted
from synthgan.core.model import BaseModel
from synthgan.tabular.models.base import TableModelMixin, as_layout, table_input
from synthgan.tabular.models.inputs import SampleSeeds, check_encoded, check_n, resolve_fit_seed
from synthgan.core.params import ConfigMixin
from synthgan.core.device import resolve_device
from synthgan.core.trainer import Trainer

SAMPLE_CHUNK_ROWS = 50_000


class TorchModel(TableModelMixin, ConfigMixin, BaseModel):
    """Base of the torch models; see the subclasses for their parameters."""

    # ---------------------------------------------------------------- subclass hooks
    def _build(self, layout: Layout, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> None:
        """Create the networks (on CPU, initialised from ``init``); ``train`` feeds dropout masks."""
        raise NotImplementedError

    def _saved_modules(self) -> dict[str, nn.Module]:
        """Modules whose weights sampling needs, keyed by array-name prefix."""
        raise NotImplementedError

    def _fit_state(self, data: torch.Tensor, layout: Layout) -> None:
        """Learn non-network state from the data before training (e.g. category counts)."""

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        return {}

    def _load_extra(self, arrays: dict[str, np.ndarray], layout: Layout) -> None:
        """Restore what :meth:`_extra_arrays` saved."""

    def _make_step(self, data: torch.Tensor, cfg: dict[str, Any], gen: torch.Generator):
        """Return ``(step, log_names, steps_per_epoch)`` for :class:`~synthgan.core.trainer.Trainer`."""
        raise NotImplementedError

    def _finish_training(self) -> None:
        """Called after the last epoch (e.g. to swap in averaged weights)."""

    def _training_modules(self) -> dict[str, nn.Module]:
        """Every module training updates (for checkpoints); default: the saved ones."""
        return self._saved_modules()

    def _training_extras(self) -> dict[str, torch.Tensor]:
        """Other training state a checkpoint must hold (e.g. the data order), as tensors."""
        return {}

    def _load_training_extras(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`_training_extras` returned."""

    @contextlib.contextmanager
    def _sampling_weights(self) -> Iterator[None]:
        """Make :meth:`_saved_modules` hold the weights sampling would use now (e.g. the average)."""
        yield

    def _generate(self, n: int, gen: torch.Generator, condition: tuple[int, int] | None) -> torch.Tensor:
        raise NotImplementedError

    def _check_condition(self, condition: tuple[int, int]) -> None:
        raise ConditionError(f"{self.name} cannot sample with a condition natively; sample without 'condition' and filter the rows")

    # ------------------------------------------------------------------ fitting
    def fit(self, data: Any, layout: Layout | None = None, *, seed: int | None = None, callbacks: list | None = None,
            resume: Any = None) -> "TorchModel":
        """Learn from the encoded float32 matrix ``data`` described by ``layout``.

        Parameters
        ----------
        data : ndarray of shape (n_rows, layout.width)
        layout : Layout
        seed : int, optional
            The only source of randomness; ``None`` draws one and keeps it in ``seed_``.
        callbacks : list of Callback, optional
        resume : TrainingState, optional
            Continue from a checkpoint (see :mod:`synthgan.core.checkpoint`) written by
            a fit with the same data, config and seed; the result is identical to an
            uninterrupted fit.

        Returns
        -------
        self
        """
        cfg = self._checked_config()
        data, layout = table_input(data, layout, model=self.name)
        x = check_encoded(data, layout, model=self.name, encoding=self.capabilities.encoding)
        fit_seed = resolve_fit_seed(seed, model=self.name)
        device = resolve_device(cfg["device"], model=self.name)
        train_gen = torch_generator(fit_seed, "train", device=device.type)
        self._device = device
        self._cfg = cfg
        self._build(layout, cfg, torch_generator(fit_seed, "init"), train_gen)
        self._to_device(train=True)
        tensor = torch.as_tensor(x, device=device)
        self._fit_state(tensor, layout)
        epochs = cfg["epochs"] if cfg["epochs"] is not None else self.capabilities.budget.epochs(len(x), cfg["batch_size"])
        self._train_gen = train_gen
        self._optimizers: dict[str, Any] = {}  # filled by _make_step, read by checkpoints
        self._kept_weights: dict[str, torch.Tensor] | None = None
        step, log_names, steps_per_epoch = self._make_step(tensor, cfg, train_gen)
        if resume is not None:
            self.load_training_state(resume.tensors)
        Trainer(epochs, steps_per_epoch, log_names, callbacks).run(self, step, resume.history if resume is not None else None)
        self._finish_training()
        if self._kept_weights is not None:  # e.g. the best weights early stopping found
            self._load_weights(self._kept_weights)
        self._train_gen, self._optimizers, self._kept_weights = None, {}, None
        self._set_fitted(layout, fit_seed, self.history_)
        return self

    # ---------------------------------------------------- training-time access
    def training_state(self) -> dict[str, torch.Tensor]:
        """Everything the rest of training depends on, as CPU tensors (only during ``fit``).

        Weights of every training module, optimiser moments, the training generator's
        state (data order, noise, dropout) and model extras such as the weight average.
        """
        state = {f"module/{prefix}.{key}": value for prefix, module in self._training_modules().items()
                 for key, value in module.state_dict().items()}
        for name, opt in self._optimizers.items():
            state.update({f"optimizer/{name}.{key}": value for key, value in opt.state_tensors().items()})
        state.update({f"extra/{key}": value for key, value in self._training_extras().items()})
        state["rng/train"] = self._train_gen.get_state()
        return {key: value.detach().cpu().clone().contiguous() for key, value in state.items()}

    def load_training_state(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore :meth:`training_state` (after ``_make_step`` built the optimisers)."""
        try:
            for prefix, module in self._training_modules().items():
                part = {k[len(prefix) + 8 :]: v for k, v in tensors.items() if k.startswith(f"module/{prefix}.")}
                module.load_state_dict(part, strict=True)
            for name, opt in self._optimizers.items():
                opt.load_state_tensors({k[len(name) + 11 :]: v for k, v in tensors.items() if k.startswith(f"optimizer/{name}.")})
            self._load_training_extras({k[6:]: v for k, v in tensors.items() if k.startswith("extra/")})
            self._train_gen.set_state(tensors["rng/train"])
        except (KeyError, RuntimeError, ValueError) as exc:
            raise ModelFileError(f"{self.name}: the checkpoint does not match this model config and data ({exc}); delete it or fit without resume") from exc

    def sampling_weights(self) -> dict[str, torch.Tensor]:
        """A copy of the weights sampling would use if training stopped now (during ``fit``)."""
        with self._sampling_weights():
            return {f"{prefix}.{key}": value.detach().clone() for prefix, module in self._saved_modules().items()
                    for key, value in module.state_dict().items()}

    def keep_weights(self, weights: dict[str, torch.Tensor]) -> None:
        """Ask ``fit`` to end with these :meth:`sampling_weights` (e.g. the best ones seen)."""
        self._kept_weights = weights

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        for prefix, module in self._saved_modules().items():
            module.load_state_dict({k[len(prefix) + 1 :]: v for k, v in weights.items() if k.startswith(prefix + ".")}, strict=True)

    def preview(self, n: int, generator: torch.Generator) -> np.ndarray:
        """Sample ``n`` encoded rows from the current (averaged) weights during ``fit``, leaving training untouched.

        Randomness comes only from ``generator``; networks are switched to eval mode
        for the draw and back afterwards.
        """
        with self._sampling_weights():
            modules = list(self._saved_modules().values())
            modes = [m.training for m in modules]
            for m in modules:
                m.train(False)
            try:
                with torch.no_grad():
                    return self._generate(n, generator, None).cpu().numpy()
            finally:
                for m, mode in zip(modules, modes):
                    m.train(mode)

    def _to_device(self, *, train: bool) -> None:
        for module in self._saved_modules().values():
            module.to(self._device).train(train)

    def _set_fitted(self, layout: Layout, fit_seed: int, history: list[dict[str, float]]) -> None:
        self.seed_ = fit_seed
        self.device_ = str(self._device)
        self.epochs_ = len(history)
        self.history_ = list(history)
        self._sample_seeds = SampleSeeds(fit_seed)
        self._to_device(train=False)
        self.layout_ = layout

    # ----------------------------------------------------------------- sampling
    def sample(self, n: int, *, seed: int | None = None, condition: tuple[int, int] | None = None) -> np.ndarray:
        """Generate ``n`` encoded rows, float32 of shape ``(n, layout_.width)``.

        Parameters
        ----------
        n : int
        seed : int, optional
            Makes the call reproducible on its own; ``None`` continues the model's own seed stream.
        condition : (int, int), optional
            ``(k, j)``: category ``j`` of condition span ``k`` in every row (conditional models only).
        """
        check_is_fitted(self, "layout_")
        n = check_n(n, model=self.name)
        if condition is not None:
            self._check_condition(condition)
        gen = torch_generator(self._sample_seeds.resolve(seed, model=self.name), "sample", device=self._device.type)
        self._to_device(train=False)
        out = np.empty((self.layout_.width, n), dtype=np.float32).T  # the layout _generate's chunks come in
        with torch.no_grad():
            for start in range(0, n, SAMPLE_CHUNK_ROWS):
                size = min(SAMPLE_CHUNK_ROWS, n - start)
                out[start : start + size] = self._generate(size, gen, condition).cpu().numpy()
        return out

    # -------------------------------------------------------------- persistence
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Weights and buffers of the sampling networks plus extra state, as numpy arrays."""
        check_is_fitted(self, "layout_")
        arrays = {
            f"{prefix}.{key}": value.detach().cpu().numpy().copy()
            for prefix, module in self._saved_modules().items()
            for key, value in module.state_dict().items()
        }
        arrays.update(self._extra_arrays())
        arrays["seed"] = np.asarray(self.seed_, dtype=np.int64)
        return arrays

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: dict | Layout, history: list[dict[str, float]]) -> "TorchModel":
        """Rebuild a fitted model: same config and layout, weights loaded from ``arrays``."""
        layout = as_layout(spec, model=cls.name)
        model = cls(**config)
        cfg = model._checked_config()
        model._device = resolve_device(cfg["device"], model=cls.name)
        model._cfg = cfg
        model._build(layout, cfg, torch.Generator(), None)
        try:
            for prefix, module in model._saved_modules().items():
                part = {k[len(prefix) + 1 :]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(prefix + ".")}
                module.load_state_dict(part, strict=True)
            model._load_extra(arrays, layout)
            fit_seed = int(np.asarray(arrays["seed"]))
        except (KeyError, RuntimeError, ValueError) as exc:
            raise ModelFileError(f"{cls.name}: saved weights do not match the model config and layout ({exc}); fit the model again") from exc
        model._set_fitted(layout, fit_seed, list(history))
        return model
