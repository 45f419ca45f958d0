"""What every neural model shares, whatever its kind of data: config checks, seeds, device,
the fit through the shared :class:`~synthgan.core.trainer.Trainer`, chunked sampling,
checkpoint state and saved weights.

A subclass supplies its networks (:meth:`_build`), its optimisers, its batch sampler and
its step (:meth:`_training_step`), and generation of one chunk (:meth:`_generate`). It reads
networks during training through the :class:`~synthgan.core.trainer.TrainingContext`, so
the hooks of :meth:`fit` (DP-SGD, DistributedDataParallel) apply without edits to it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from synthgan._random import child_seed, torch_generator
from synthgan.core.batches import BatchSampler
from synthgan.core.device import resolve_device
from synthgan.core.encoded import EncodedData
from synthgan.core.hooks import TrainingHooks
from synthgan.core.model import BaseModel
from synthgan.core.params import ConfigMixin
from synthgan.core.streamed import StreamedData, streamed_step
from synthgan.core.seeds import SampleSeeds, check_n, resolve_fit_seed
from synthgan.core.trainer import OptimizerSpec, Trainer, TrainingContext
from synthgan.errors import ConditionError, ConfigError, ModelFileError, check_is_fitted

# Items generated per chunk: small enough for the intermediates to stay in cache and in the
# allocator's reused memory (8,192 sampled Adult 10-15 % faster than 50,000 for ctgan and tvae).
SAMPLE_CHUNK_ROWS = 8_192


class NeuralModel(ConfigMixin, BaseModel):
    """Base of the torch models; see the subclasses for their parameters.

    Fitted attributes: ``spec_`` (the data description from :meth:`_check_data`),
    ``history_``, ``seed_``, ``device_``, ``epochs_``.
    """

    # ---------------------------------------------------------------- subclass hooks
    def _check_data(self, data: Any, spec: Any) -> tuple[EncodedData, Any]:
        """Validate the input; return it as EncodedData and the spec to keep (default: as given)."""
        if not isinstance(data, EncodedData):
            raise ConfigError(f"{self.name}: fit takes EncodedData; wrap arrays with synthgan.core.encoded.EncodedData")
        if spec is not None:
            return data, spec
        if data.static is not None and data.temporal is not None:
            return data, {"static": data.static_spec, "temporal": data.temporal_spec}
        return data, data.static_spec if data.temporal is None else data.temporal_spec

    def _tensors(self, data: EncodedData) -> dict[str, torch.Tensor]:
        """The training tensors on the device (default: each part of ``data`` that is present, by name)."""
        out = {}
        for part in ("static", "temporal", "lengths", "labels"):
            value = getattr(data, part)
            if value is not None:
                out[part] = torch.as_tensor(np.ascontiguousarray(value), device=self._device)
        return out

    def _build(self, spec: Any, cfg: dict[str, Any], init: torch.Generator, train: torch.Generator | None) -> dict[str, nn.Module]:
        """Create every network (on CPU, initialised from ``init``; ``train`` feeds dropout masks)."""
        raise NotImplementedError

    def _sampling_networks(self) -> tuple[str, ...]:
        """Names of the networks sampling needs (saved in model files)."""
        raise NotImplementedError

    def _fit_state(self, tensors: dict[str, torch.Tensor]) -> None:
        """Learn non-network state from the data before training (e.g. category counts)."""

    def _refresh_data(self, tensors: dict[str, torch.Tensor]) -> None:
        """The training tensors now hold the next streamed chunk: rebuild what was derived from them (e.g. row indexes)."""

    def _optimizers(self, cfg: dict[str, Any]) -> dict[str, OptimizerSpec]:
        raise NotImplementedError

    def _batch_sampler(self, tensors: dict[str, torch.Tensor], cfg: dict[str, Any], gen: torch.Generator) -> BatchSampler:
        raise NotImplementedError

    def _training_step(self, ctx: TrainingContext, tensors: dict[str, torch.Tensor], cfg: dict[str, Any]) -> tuple[Callable[[], torch.Tensor], list[str]]:
        """``(step, log_names)``: one optimisation step reading networks through ``ctx``."""
        raise NotImplementedError

    def _finish_training(self) -> None:
        """Called after the last epoch (e.g. to swap in averaged weights, drop training-only networks)."""

    def _extra_arrays(self) -> dict[str, np.ndarray]:
        return {}

    def _load_extra(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`_extra_arrays` saved."""

    def _training_extras(self) -> dict[str, torch.Tensor]:
        """Other training state a checkpoint must hold (e.g. a weight average), as tensors."""
        return {}

    def _load_training_extras(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`_training_extras` returned."""

    @contextlib.contextmanager
    def _sampling_weights(self) -> Iterator[None]:
        """Make the sampling networks hold the weights sampling would use now (e.g. the average)."""
        yield

    def _generate(self, n: int, gen: torch.Generator, condition: Any) -> torch.Tensor:
        raise NotImplementedError

    def _check_condition(self, condition: Any) -> None:
        raise ConditionError(f"{self.name} cannot sample with a condition natively; sample without 'condition' and filter the rows")

    def _sample_shape(self) -> tuple[int, ...]:
        """Shape of one generated item (tables: ``(width,)``)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ fitting
    def fit(self, data: Any, spec: Any = None, *, seed: int | None = None, callbacks: list | None = None,
            resume: Any = None, hooks: Sequence[TrainingHooks] = ()) -> "NeuralModel":
        """Learn from encoded data.

        Parameters
        ----------
        data : EncodedData or StreamedData
            (Table models also take the encoded matrix, with its layout as ``spec``.)
            :class:`~synthgan.core.streamed.StreamedData` trains on one chunk at a time;
            an epoch is then one chunk, and the default budget counts steps over all
            items; it cannot ``resume`` or take ``hooks``.
        spec : optional
            The data description, when ``data`` does not carry it.
        seed : int, optional
            The only source of randomness; ``None`` draws one and keeps it in ``seed_``.
        callbacks : list of Callback, optional
            Per-epoch hooks (progress, early stopping, checkpoints).
        resume : TrainingState, optional
            Continue from a checkpoint (see :mod:`synthgan.core.checkpoint`) written by a
            fit with the same data, config and seed; the result is identical to an
            uninterrupted fit.
        hooks : sequence of TrainingHooks, optional
            Wrap networks, optimisers and the batch sampler (DP-SGD, DDP, clipping).

        Returns
        -------
        self
        """
        cfg = self._checked_config()
        fit_seed = resolve_fit_seed(seed, model=self.name)
        streamed, chunks = None, None
        if isinstance(data, StreamedData):  # train on one chunk at a time, in the same tensors
            if resume is not None or hooks:
                raise ConfigError(f"{self.name}: a streamed fit cannot resume from a checkpoint or run under DP-SGD or DDP; "
                                  "fit from a table in memory for those")
            streamed, chunks = data, data.open(child_seed(fit_seed, "stream"))
            data = next(chunks)
        data, spec = self._check_data(data, spec)
        self._device = resolve_device(cfg["device"], model=self.name)
        self._cfg = cfg
        rank_keys = tuple(key for hook in hooks for key in getattr(hook, "stream_keys", ()))  # () unless e.g. DDP names the rank
        train_gen = torch_generator(fit_seed, "train", *rank_keys, device=self._device.type)
        self.spec_ = spec
        self.networks_ = self._build(spec, cfg, torch_generator(fit_seed, "init"), train_gen)
        for network in self.networks_.values():
            network.to(self._device).train()
        tensors = self._tensors(data)
        self._fit_state(tensors)
        budget = self.capabilities.budget
        if streamed is None:
            epochs = cfg["epochs"] if cfg["epochs"] is not None else budget.epochs(data.n_items, cfg["batch_size"])
        else:  # an epoch is one chunk; by default the budget's steps over the whole data, however few chunks that is
            epochs = cfg["epochs"] or max(-(-budget.steps(streamed.n_items) // max(data.n_items // cfg["batch_size"], 1)), 1)
        sampler = self._batch_sampler(tensors, cfg, train_gen)
        self._train_gen = train_gen
        self._kept_weights: dict[str, torch.Tensor] | None = None
        self._context = TrainingContext(self.networks_, self._optimizers(cfg), sampler, train_gen, hooks)
        steps_per_epoch = max(data.n_items // cfg["batch_size"], 1)
        self._planned_steps = epochs * steps_per_epoch  # what a learning-rate schedule spans
        try:
            step, log_names = self._training_step(self._context, tensors, cfg)
            if resume is not None:
                self.load_training_state(resume.tensors)
            if streamed is not None:
                step = streamed_step(step, steps_per_epoch, lambda: self._next_chunk(chunks, spec, tensors))
            Trainer(epochs, steps_per_epoch, log_names, callbacks).run(self, step, resume.history if resume is not None else None)
        finally:
            self._context.close()
        self._finish_training()
        if self._kept_weights is not None:  # e.g. the best weights early stopping found
            self._load_weights(self._kept_weights)
        self._train_gen, self._context, self._kept_weights = None, None, None
        self._set_fitted(fit_seed, self.history_)
        return self

    def _next_chunk(self, chunks: Iterator[EncodedData], spec: Any, tensors: dict[str, torch.Tensor]) -> None:
        """Copy the next streamed chunk into the training tensors in place, then let the model refresh."""
        chunk, _ = self._check_data(next(chunks), spec)
        for part, value in self._tensors(chunk).items():
            if value.shape != tensors[part].shape:
                raise ConfigError(f"{self.name}: streamed chunks must all have shape {tuple(tensors[part].shape)}, got {tuple(value.shape)}")
            tensors[part].copy_(value)
        self._refresh_data(tensors)

    # ---------------------------------------------------- training-time access
    def _sampling_modules(self) -> dict[str, nn.Module]:
        return {name: self.networks_[name] for name in self._sampling_networks()}

    def training_state(self) -> dict[str, torch.Tensor]:
        """Everything the rest of training depends on, as CPU tensors (only during ``fit``).

        Weights of every network, optimiser moments, the batch sampler's state, the
        training generator's state (data order, noise, dropout) and model extras such
        as the weight average.
        """
        state = {f"module/{prefix}.{key}": value for prefix, module in self.networks_.items()
                 for key, value in module.state_dict().items()}
        state.update(self._context.state_tensors())
        state.update({f"extra/{key}": value for key, value in self._training_extras().items()})
        state["rng/train"] = self._train_gen.get_state()
        return {key: value.detach().cpu().clone().contiguous() for key, value in state.items()}

    def load_training_state(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore :meth:`training_state` (after the optimisers were built)."""
        try:
            for prefix, module in self.networks_.items():
                part = {k[len(prefix) + 8 :]: v for k, v in tensors.items() if k.startswith(f"module/{prefix}.")}
                module.load_state_dict(part, strict=True)
            self._context.load_state_tensors(tensors)
            self._load_training_extras({k[6:]: v for k, v in tensors.items() if k.startswith("extra/")})
            self._train_gen.set_state(tensors["rng/train"])
        except (KeyError, RuntimeError, ValueError) as exc:
            raise ModelFileError(f"{self.name}: the checkpoint does not match this model config and data ({exc}); delete it or fit without resume") from exc

    def sampling_weights(self) -> dict[str, torch.Tensor]:
        """A copy of the weights sampling would use if training stopped now (during ``fit``)."""
        with self._sampling_weights():
            return {f"{prefix}.{key}": value.detach().clone() for prefix, module in self._sampling_modules().items()
                    for key, value in module.state_dict().items()}

    def keep_weights(self, weights: dict[str, torch.Tensor]) -> None:
        """Ask ``fit`` to end with these :meth:`sampling_weights` (e.g. the best ones seen)."""
        self._kept_weights = weights

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        for prefix, module in self._sampling_modules().items():
            module.load_state_dict({k[len(prefix) + 1 :]: v for k, v in weights.items() if k.startswith(prefix + ".")}, strict=True)

    def preview(self, n: int, generator: torch.Generator, condition: Any = None) -> np.ndarray:
        """Sample ``n`` encoded items from the current (averaged) weights during ``fit``, leaving training untouched.

        Randomness comes only from ``generator``; networks are switched to eval mode
        for the draw and back afterwards. ``condition`` is handed to the model's
        generation as in :meth:`sample` (e.g. one class of a class-conditional model).
        """
        with self._sampling_weights():
            modules = list(self._sampling_modules().values())
            modes = [m.training for m in modules]
            for m in modules:
                m.train(False)
            try:
                with torch.no_grad():
                    return self._generate(n, generator, condition).cpu().numpy()
            finally:
                for m, mode in zip(modules, modes):
                    m.train(mode)

    def _set_fitted(self, fit_seed: int, history: list[dict[str, float]]) -> None:
        self.seed_ = fit_seed
        self.device_ = str(self._device)
        self.epochs_ = len(history)
        self.history_ = list(history)
        self._sample_seeds = SampleSeeds(fit_seed)
        for module in self._sampling_modules().values():
            module.to(self._device).train(False)

    # ----------------------------------------------------------------- sampling
    def sample(self, n: int, *, seed: int | None = None, condition: Any = None) -> np.ndarray:
        """Generate ``n`` encoded items, float32 of shape ``(n, *item shape)``.

        Parameters
        ----------
        n : int
        seed : int, optional
            Makes the call reproducible on its own; ``None`` continues the model's own seed stream.
        condition : optional
            What to condition on (conditional models only; tables: ``(k, j)``, category
            ``j`` of condition span ``k``).
        """
        n, gen = self._sampling_stream(n, seed)
        if condition is not None:
            self._check_condition(condition)
        shape = self._sample_shape()
        # chunks come transposed for tables: fill a column-major buffer to avoid a copy
        out = np.empty(shape[::-1] + (n,), dtype=np.float32).T
        with torch.no_grad():
            for start in range(0, n, SAMPLE_CHUNK_ROWS):
                size = min(SAMPLE_CHUNK_ROWS, n - start)
                out[start : start + size] = self._generate(size, gen, condition).cpu().numpy()
        return out

    def _sampling_stream(self, n: int, seed: int | None) -> tuple[int, torch.Generator]:
        """``n`` checked and the generator one sampling call draws from (``seed``, or the model's own stream)."""
        check_is_fitted(self, "spec_")
        n = check_n(n, model=self.name)
        return n, torch_generator(self._sample_seeds.resolve(seed, model=self.name), "sample", device=self._device.type)

    # -------------------------------------------------------------- persistence
    def state_arrays(self) -> dict[str, np.ndarray]:
        """Weights and buffers of the sampling networks plus extra state, as numpy arrays."""
        check_is_fitted(self, "spec_")
        arrays = {
            f"{prefix}.{key}": value.detach().cpu().numpy().copy()
            for prefix, module in self._sampling_modules().items()
            for key, value in module.state_dict().items()
        }
        arrays.update(self._extra_arrays())
        arrays["seed"] = np.asarray(self.seed_, dtype=np.int64)
        return arrays

    def data_spec(self) -> Any:
        """The data description kept at fit (JSON-safe for the built-in kinds)."""
        check_is_fitted(self, "spec_")
        return self.spec_

    def _restore_spec(self, spec: Any) -> Any:
        """Turn a saved :meth:`data_spec` back into what ``_build`` takes (default: as saved)."""
        return spec

    @classmethod
    def from_state(cls, config: dict[str, Any], arrays: dict[str, np.ndarray], spec: Any, history: list[dict[str, float]]) -> "NeuralModel":
        """Rebuild a fitted model: same config and data spec, weights loaded from ``arrays``."""
        model = cls(**config)
        cfg = model._checked_config()
        model._device = resolve_device(cfg["device"], model=cls.name)
        model._cfg = cfg
        model.spec_ = model._restore_spec(spec)
        model.networks_ = model._build(model.spec_, cfg, torch.Generator(), None)
        try:
            for prefix, module in model._sampling_modules().items():
                part = {k[len(prefix) + 1 :]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(prefix + ".")}
                module.load_state_dict(part, strict=True)
            model._load_extra(arrays)
            fit_seed = int(np.asarray(arrays["seed"]))
        except (KeyError, RuntimeError, ValueError) as exc:
            raise ModelFileError(f"{cls.name}: saved weights do not match the model config and data spec ({exc}); fit the model again") from exc
        model._set_fitted(fit_seed, list(history))
        return model
