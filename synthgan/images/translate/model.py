"""ImageTranslator: learn an unpaired mapping between two image sets (CycleGAN) and translate images both ways.

``fit(source, target)`` takes two image sets of the same height and width (channels may
differ: grey digits and colour digits), with or without labels; nothing pairs an image of
one set with an image of the other. Each domain gets its own
:class:`~synthgan.images.encoder.ImageEncoder`, so translated images come back in the other
domain's dtype, value range and layout (``(N, H, W)`` for grey sets read that way,
``(N, H, W, C)`` otherwise). The networks are in :mod:`.nets`, the training loop in
:mod:`.training`.

The model file is the one format of :mod:`synthgan.core.files` with ``kind="image"`` and
``pipeline="translate"``: the two generators' (averaged) weights, both encoders' states, the
options and the training log, never pickled. It holds no wall-clock time, so the same data,
seed, thread count and machine give the same manifest and weights, byte for byte (the file's
bytes may still differ in the order safetensors writes its two metadata entries).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from synthgan._random import child_seed, torch_generator
from synthgan.core.files import read_model_file
from synthgan.errors import ConfigError, DataValidationError, ModelFileError, check_is_fitted
from synthgan.images.encoder import ImageEncoder
from synthgan.images.io import ImageSet, read_images
from synthgan.images.translate.options import OPTIONS, check_options
from synthgan.io.manifest import Choice, ListOf, MapOf, Opt, one_line, require

__all__ = ["DIRECTIONS", "ImageTranslator", "MANIFEST", "MODEL_NAME", "PIPELINE", "as_image_set"]

PIPELINE = "translate"  # the ``pipeline`` entry of its model files
MODEL_NAME = "cyclegan"
DIRECTIONS = ("forward", "backward")
BATCH = 256  # images per translation batch
SIDES = (8, 64)  # smallest and largest image side the networks are sized for

#: the pipeline's own manifest entries (encoder states are checked by ImageEncoder.from_state)
MANIFEST = {
    "encoders": {"source": dict, "target": dict},
    "seed": int,
    "fit": {"source_images": int, "target_images": int, "steps": int, "stopped_early": bool},
    "data_spec": {"source": ListOf(int), "target": ListOf(int)},
    "model_config": {"width": int, "blocks": int, "loss": Choice("lsgan", "hinge"), "spectral_norm": bool},
    "options": MapOf(Opt(object)),
}


def as_image_set(data: Any, what: str) -> ImageSet:
    """An ImageSet from an ImageSet, an array of images, or a path (``.npz`` or image folder)."""
    if isinstance(data, ImageSet):
        return data
    if isinstance(data, np.ndarray):
        return ImageSet(data, None, None, what)
    if isinstance(data, (str, os.PathLike)):
        return read_images(data)
    raise ConfigError(f"{what} must be an ImageSet, a numpy array of images or a path to an .npz file or image "
                      f"folder, got {type(data).__name__}")


class ImageTranslator:
    """Unpaired image-to-image translation between a source and a target image set (CycleGAN).

    Parameters
    ----------
    steps : int, default=5000
        Training steps (one generator and one critic update each).
    batch_size : int, default=16
        Images drawn from each domain per step.
    width : int, default=16
        Generator channels at full resolution (twice that at half resolution).
    blocks : int, default=2
        Residual blocks of each generator.
    critic_width : int, default=16
        Channels of the patch critics' first layer.
    cycle_weight : float, default=10.0
        Weight of the cycle-consistency loss ``|F(G(a)) - a| + |G(F(b)) - b|``.
    identity_weight : float, default=0.5
        Identity loss ``|G(b) - b| + |F(a) - a|``, times ``cycle_weight``; used only when both
        domains have the same channels.
    loss : {"lsgan", "hinge"}, default="lsgan"
        The adversarial game.
    generator_lr, critic_lr : float, default=2e-4
        Adam step sizes (constant for half the steps, then linearly down to 0).
    betas : (float, float), default=(0.5, 0.999)
    spectral_norm : bool, default=False
        Spectrally normalise every critic layer.
    generator_ema : float or None, default=0.999
        Decay of the generators' weight averages, which translation uses (None: last weights).
    seed : int, default=0
        The one source of randomness (weights, batches); same data, seed, threads and machine
        give the same weights and manifest.
    max_time : float, optional
        Seconds after which training stops. The step size then decays with whichever of the
        steps or the time runs out first, so such a fit is not reproducible bit for bit.
    device : str, default="auto"
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        torch CPU threads while training and translating (restored afterwards); None: as set.
    verbose : bool, default=False
        Show a progress bar.

    Attributes
    ----------
    source_encoder_, target_encoder_ : ImageEncoder
        Each domain's pixel convention.
    networks_ : dict of str to torch.nn.Module
        ``forward`` (source -> target) and ``backward`` (target -> source) generators.
    history_ : list of dict
        Mean losses every 50 steps (``step``, ``generator_loss``, ``critic_loss``, ``cycle_loss``).
    steps_ : int
        Steps run (fewer than ``steps`` when ``max_time`` stopped the fit).
    stopped_early_ : bool
    fit_seconds_ : float
    n_source_, n_target_ : int

    Examples
    --------
    >>> translator = ImageTranslator(steps=5000).fit("mnist.npz", "mnistm.npz")  # doctest: +SKIP
    >>> colour = translator.transform(grey_digits)  # doctest: +SKIP
    """

    def __init__(self, *, steps: int = 5000, batch_size: int = 16, width: int = 16, blocks: int = 2,
                 critic_width: int = 16, cycle_weight: float = 10.0, identity_weight: float = 0.5, loss: str = "lsgan",
                 generator_lr: float = 2e-4, critic_lr: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999),
                 spectral_norm: bool = False, generator_ema: float | None = 0.999, seed: int = 0,
                 max_time: float | None = None, device: str = "auto", threads: int | None = None,
                 verbose: bool = False) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.width = width
        self.blocks = blocks
        self.critic_width = critic_width
        self.cycle_weight = cycle_weight
        self.identity_weight = identity_weight
        self.loss = loss
        self.generator_lr = generator_lr
        self.critic_lr = critic_lr
        self.betas = betas
        self.spectral_norm = spectral_norm
        self.generator_ema = generator_ema
        self.seed = seed
        self.max_time = max_time
        self.device = device
        self.threads = threads
        self.verbose = verbose

    # ------------------------------------------------------------------ options
    def _checked(self) -> dict[str, Any]:
        """Every option checked (before any image is read); the training configuration."""
        return check_options(self.get_params())

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, as in scikit-learn."""
        return {name: getattr(self, name) for name in (*OPTIONS, "seed", "max_time", "device", "threads", "verbose")}

    # ------------------------------------------------------------------ fitting
    def fit(self, source: Any, target: Any, *, callbacks: list | None = None) -> "ImageTranslator":
        """Learn to translate ``source`` images into ``target`` images and back (unpaired).

        Parameters
        ----------
        source, target : ImageSet, ndarray or path
            Two image sets of the same height and width (channels may differ); labels, if
            any, are ignored.
        callbacks : list, optional
            :class:`~synthgan.core.callbacks.Callback` objects; an "epoch" is 50 steps.

        Raises
        ------
        ConfigError
            A bad option.
        DataValidationError
            Images that are empty, of different sizes between the domains, or outside 8 to 64 pixels a side.
        InputFileError
            A path that is missing or not an image file.
        """
        import torch

        from synthgan.core.callbacks import RichProgress, TimeLimit
        from synthgan.core.ema import WeightAverage
        from synthgan.images.evaluation.features import cpu_threads
        from synthgan.images.translate.nets import PatchCritic
        from synthgan.images.translate.training import CycleTrainer

        cfg = self._checked()
        source_set, target_set = as_image_set(source, "source"), as_image_set(target, "target")
        source_enc, target_enc = ImageEncoder().fit(source_set), ImageEncoder().fit(target_set)
        _check_domains(source_enc, target_enc, source_set.source, target_set.source)
        started = time.perf_counter()
        device = cfg["device"]
        init = torch_generator(child_seed(self.seed, "translate", "weights"), "init")
        with cpu_threads(self.threads):
            generators = self._generators(source_enc.shape_[0], target_enc.shape_[0], init)
            critics = {"critic_source": PatchCritic(source_enc.shape_[0], cfg["critic_width"], init, cfg["spectral_norm"]),
                       "critic_target": PatchCritic(target_enc.shape_[0], cfg["critic_width"], init, cfg["spectral_norm"])}
            networks = {name: net.to(device) for name, net in {**generators, **critics}.items()}
            averages: dict[str, Any] = {}
            for name in ("forward", "backward"):
                if cfg["generator_ema"] is None:
                    averages[name] = None
                else:
                    shadow = self._generators(source_enc.shape_[0], target_enc.shape_[0], torch.Generator())[name]
                    averages[name] = WeightAverage(networks[name], shadow.to(device), cfg["generator_ema"])
            x_source = torch.from_numpy(source_enc.transform(source_set.images)).to(device)
            x_target = torch.from_numpy(target_enc.transform(target_set.images)).to(device)
            batches = torch_generator(child_seed(self.seed, "translate", "batches"), "batches")
            trainer = CycleTrainer(networks, averages, cfg, batches)
            extra = list(callbacks or []) + ([RichProgress()] if self.verbose else [])
            limit = [TimeLimit(float(self.max_time))] if self.max_time is not None else []
            result = trainer.run(x_source, x_target, steps=cfg["steps"], deadline=None, callbacks=limit + extra,
                                 log_every=50)
        self.networks_ = {name: (averages[name].shadow if averages[name] is not None else networks[name]).eval()
                          for name in ("forward", "backward")}
        self.source_encoder_, self.target_encoder_ = source_enc, target_enc
        self.history_ = result.history
        self.steps_, self.stopped_early_ = result.steps, result.stopped_early
        self.n_source_, self.n_target_ = len(source_set), len(target_set)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _generators(self, c_source: int, c_target: int, init: Any) -> dict[str, Any]:
        from synthgan.images.translate.nets import TranslationGenerator

        return {"forward": TranslationGenerator(c_source, c_target, int(self.width), int(self.blocks), init),
                "backward": TranslationGenerator(c_target, c_source, int(self.width), int(self.blocks), init)}

    # ------------------------------------------------------------------ translating
    def transform(self, images: Any, direction: str = "forward") -> np.ndarray:
        """Translate images: ``"forward"`` source -> target, ``"backward"`` target -> source.

        Parameters
        ----------
        images : ImageSet, ndarray or path
            Images in the convention of the domain they come from (its channels, height, width).
        direction : {"forward", "backward"}

        Returns
        -------
        ndarray
            The translated images in the other domain's dtype, value range and layout.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ConfigError
            An unknown ``direction``.
        DataValidationError
            Images whose size or channels are not those of the domain they should come from.
        """
        check_is_fitted(self, "networks_")
        x = self.encode(images, direction)
        return self.decode(self.translate_encoded(x, direction), "backward" if direction == "forward" else "forward")

    def _direction(self, direction: Any) -> str:
        if direction not in DIRECTIONS:
            raise ConfigError(f"direction must be 'forward' (source -> target) or 'backward' (target -> source), "
                              f"got {direction!r}")
        return direction

    def encode(self, images: Any, direction: str = "forward") -> np.ndarray:
        """Images of the domain ``direction`` starts from -> float32 NCHW in [-1, 1]."""
        check_is_fitted(self, "networks_")
        direction = self._direction(direction)
        data = as_image_set(images, "images")
        encoder, domain = ((self.source_encoder_, "source") if direction == "forward" else (self.target_encoder_, "target"))
        c, h, w = encoder.shape_
        got = data.images.shape
        got_c = got[3] if data.images.ndim == 4 else 1
        if got[1:3] != (h, w) or got_c != c:
            other = "backward" if direction == "forward" else "forward"
            raise DataValidationError(
                f"{data.source}: images of {got[1]}x{got[2]} pixels with {got_c} channel(s) cannot be translated "
                f"{direction}: the {domain} domain's images are {h}x{w} with {c} channel(s); give images like the "
                f"{domain} set (or translate the other way with direction='{other}')")
        if data.images.ndim == 3 and encoder.channels_axis_:
            return encoder.transform(data.images[..., None])
        if data.images.ndim == 4 and not encoder.channels_axis_:
            return encoder.transform(data.images[..., 0])
        return encoder.transform(data.images)

    def decode(self, x: np.ndarray, domain_direction: str) -> np.ndarray:
        """float32 NCHW in [-1, 1] -> images of the domain ``direction`` starts from (their dtype, range, layout)."""
        encoder = self.source_encoder_ if self._direction(domain_direction) == "forward" else self.target_encoder_
        return encoder.inverse_transform(x)

    def translate_encoded(self, x: np.ndarray, direction: str = "forward") -> np.ndarray:
        """float32 NCHW in [-1, 1] of one domain -> the other's, by the (averaged) generator."""
        import torch

        from synthgan.images.evaluation.features import cpu_threads

        check_is_fitted(self, "networks_")
        net = self.networks_[self._direction(direction)]
        device = next(net.parameters()).device
        out = []
        with torch.no_grad(), cpu_threads(self.threads):
            for start in range(0, len(x), BATCH):
                out.append(net(torch.from_numpy(np.ascontiguousarray(x[start:start + BATCH])).to(device)).cpu().numpy())
        return np.concatenate(out).astype(np.float32)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> Path:
        """Save to one model file (``kind="image"``, ``pipeline="translate"``; atomic, never pickled)."""
        from synthgan import __version__
        from synthgan.io.serialization import save_model_file

        check_is_fitted(self, "networks_")
        arrays = {f"model/{name}/{key}": value.detach().cpu().numpy()
                  for name, net in self.networks_.items() for key, value in net.state_dict().items()}
        options = {name: (list(v) if isinstance(v, tuple) else v) for name in OPTIONS for v in [getattr(self, name)]}
        manifest = {
            "synthgan_version": __version__,
            "kind": "image",
            "pipeline": PIPELINE,
            "model": MODEL_NAME,
            "model_config": {"width": int(self.width), "blocks": int(self.blocks), "loss": self.loss,
                             "spectral_norm": bool(self.spectral_norm)},
            "data_spec": {"source": [int(s) for s in self.source_encoder_.shape_],
                          "target": [int(s) for s in self.target_encoder_.shape_]},
            "history": self.history_,
            "encoders": {"source": self.source_encoder_.to_state(), "target": self.target_encoder_.to_state()},
            "seed": int(self.seed),
            "fit": {"source_images": self.n_source_, "target_images": self.n_target_, "steps": self.steps_,
                    "stopped_early": self.stopped_early_},
            "options": options,
        }
        return save_model_file(path, manifest, arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "ImageTranslator":
        """Load a model file written by :meth:`save`; nothing is unpickled."""
        manifest, arrays = read_model_file(path)
        if manifest.get("pipeline") != PIPELINE:
            what = manifest.get("pipeline") or "bare"
            raise ModelFileError(f"'{path}' holds a {manifest['kind']} model of the {what!r} pipeline, not an "
                                 "ImageTranslator; fit one with `synthgan translate fit`, or load this one with synthgan.load")
        return cls.from_file_contents(manifest, arrays, path)

    @classmethod
    def from_file_contents(cls, manifest: dict[str, Any], arrays: dict[str, np.ndarray],
                           path: str | os.PathLike) -> "ImageTranslator":
        """Rebuild a fitted translator from a model file's manifest and arrays (see :func:`synthgan.core.files.load`)."""
        import torch

        require(manifest, MANIFEST, "manifest", path)
        try:
            options = {k: (tuple(v) if k == "betas" else v) for k, v in manifest["options"].items() if k in OPTIONS}
            obj = cls(**options, seed=int(manifest["seed"]), device="cpu")
            obj.source_encoder_ = ImageEncoder.from_state(manifest["encoders"]["source"])
            obj.target_encoder_ = ImageEncoder.from_state(manifest["encoders"]["target"])
            if list(obj.source_encoder_.shape_) != manifest["data_spec"]["source"] or \
                    list(obj.target_encoder_.shape_) != manifest["data_spec"]["target"]:
                raise ValueError("the encoders do not describe the images of data_spec")
            networks = obj._generators(obj.source_encoder_.shape_[0], obj.target_encoder_.shape_[0], torch.Generator())
            for name, net in networks.items():
                prefix = f"model/{name}/"
                state = {k[len(prefix):]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith(prefix)}
                net.load_state_dict(state, strict=True)
                net.eval()
            obj.networks_ = networks
            obj.history_ = list(manifest["history"])
            fit = manifest["fit"]
            obj.n_source_, obj.n_target_ = int(fit["source_images"]), int(fit["target_images"])
            obj.steps_, obj.stopped_early_ = int(fit["steps"]), bool(fit["stopped_early"])
            obj.fit_seconds_ = float("nan")  # not stored: the same fit writes the same manifest
            c, h, w = obj.source_encoder_.shape_
            obj.translate_encoded(np.zeros((1, c, h, w), np.float32), "forward")  # wrong-sized arrays show now
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
            raise ModelFileError(f"'{path}' has an incomplete or inconsistent translation model ({exc.__class__.__name__}: "
                                 f"{one_line(exc)}); the file was damaged or edited, fit it again") from exc
        return obj

    def __repr__(self) -> str:
        fitted = "fitted" if getattr(self, "networks_", None) is not None else "not fitted"
        return f"ImageTranslator(steps={self.steps!r}, seed={self.seed!r}) [{fitted}]"


def _check_domains(source: ImageEncoder, target: ImageEncoder, source_name: str, target_name: str) -> None:
    (cs, hs, ws), (ct, ht, wt) = source.shape_, target.shape_
    if (hs, ws) != (ht, wt):
        raise DataValidationError(f"the source images ({source_name}) are {hs}x{ws} pixels but the target images "
                                  f"({target_name}) are {ht}x{wt}; translation keeps the size: resize one set to the other's")
    if not SIDES[0] <= min(hs, ws) or max(hs, ws) > SIDES[1]:
        raise DataValidationError(f"images of {hs}x{ws} pixels: the translation networks are sized for {SIDES[0]} to "
                                  f"{SIDES[1]} pixels a side; resize the images")
    for name, c in ((source_name, cs), (target_name, ct)):
        if c == 4:
            raise DataValidationError(f"{name}: images with an alpha channel (RGBA) are not translated; drop the alpha "
                                      "channel (e.g. images[..., :3])")
