"""A feature network trained here, on the real training images, and the Frechet distance in its space.

No pretrained weights can be downloaded, so image metrics live in the feature space of
:class:`FeatureNet`, a small CNN trained in a few seconds on the real training images:

* with labels, a classifier of the real classes (cross-entropy); its penultimate layer is the
  embedding, and the same network reads the class of a synthetic image for the
  class-conditional accuracy;
* without labels, the same network learns to tell which of four rotations (0, 90, 180, 270
  degrees) was applied to an image (Gidaris et al. 2018, "RotNet"): a self-supervised task that
  needs to recognise the shapes in the image, so the embedding separates them too.

Architecture: three blocks ``conv 3x3 -> batch norm -> ReLU`` (16, 32, 64 channels), the first
two followed by a 2x2 max pool, then an adaptive average pool to 3x3, a linear layer to the
128-d embedding (taken before its ReLU) and a linear head. Images that are not square, or not
8 to 32 pixels a side, are first resized to 32x32. Weights, the validation split,
batches and the shift augmentation (up to 2 pixels each way) come from generators derived from
``seed``; global random state is never touched.

The Frechet distance (:func:`frechet_distance`, from :mod:`.frechet`) has the same formula as
FID, but in this network's space: its values are **not comparable to published Inception FIDs**.
Pixel conversion lives in :mod:`.pixels`; both are re-exported here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from synthgan._random import numpy_rng, torch_generator
from synthgan.errors import ConfigError, DataValidationError, NotFittedError
from synthgan.images.evaluation.frechet import frechet_distance, gaussian_stats
from synthgan.images.evaluation.pixels import MAX_SIDE, MIN_SIDE, as_unit_float, to_network_input

__all__ = ["FeatureNet", "as_unit_float", "cpu_threads", "frechet_distance", "gaussian_stats", "to_network_input",
           "MAX_SIDE", "MIN_SIDE"]

WIDTHS = (16, 32, 64)  # channels of the three convolution blocks
EMBEDDING = 128
ROTATIONS = 4
SHIFT = 2
BATCH = 1024  # images per inference batch


# ---------------------------------------------------------------------------------------- network
@contextlib.contextmanager
def cpu_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch CPU threads (None: as set), restoring the setting on exit."""
    import torch

    before = torch.get_num_threads()
    if threads is not None and threads != before:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)


def _seeded_conv(c_in: int, c_out: int, generator):
    """A 3x3 convolution (no bias: batch norm follows) with PyTorch's default initialisation, from ``generator``."""
    import torch
    from torch import nn

    layer = nn.utils.skip_init(nn.Conv2d, c_in, c_out, 3, padding=1, bias=False)
    bound = 1.0 / math.sqrt(c_in * 9)
    with torch.no_grad():
        layer.weight.uniform_(-bound, bound, generator=generator)
    return layer


def _build(channels: int, n_outputs: int, generator):
    from torch import nn

    from synthgan.core.layers import seeded_linear

    def block(c_in: int, c_out: int, pool: bool) -> list:
        layers = [_seeded_conv(c_in, c_out, generator), nn.BatchNorm2d(c_out), nn.ReLU()]
        return layers + ([nn.MaxPool2d(2)] if pool else [])

    c1, c2, c3 = WIDTHS
    trunk = nn.Sequential(*block(channels, c1, True), *block(c1, c2, True), *block(c2, c3, False),
                          nn.AdaptiveAvgPool2d(3), nn.Flatten(), seeded_linear(c3 * 9, EMBEDDING, generator))
    head = nn.Sequential(nn.ReLU(), seeded_linear(EMBEDDING, n_outputs, generator))
    return nn.ModuleDict({"trunk": trunk, "head": head})


def _shift(x, generator):
    """Every image moved by its own random offset of up to ``SHIFT`` pixels each way (edges replicated)."""
    import torch
    import torch.nn.functional as F

    n, _, h, w = x.shape
    padded = F.pad(x, (SHIFT, SHIFT, SHIFT, SHIFT), mode="replicate")
    dy = torch.randint(0, 2 * SHIFT + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * SHIFT + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h)[None, :]).to(x.device)  # (n, h)
    cols = (dx[:, None] + torch.arange(w)[None, :]).to(x.device)  # (n, w)
    index = torch.arange(n, device=x.device)[:, None, None, None]
    chan = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[index, chan, rows[:, None, :, None], cols[:, None, None, :]]


def _rotate(x, k):
    """Image ``i`` rotated by ``k[i] * 90`` degrees."""
    import torch

    out = x.clone()
    for turns in range(1, ROTATIONS):
        rows = k == turns
        if rows.any():
            out[rows] = torch.rot90(x[rows], turns, dims=(2, 3))
    return out


class FeatureNet:
    """A small CNN trained on real images: embedding for the image metrics, classifier for the labels.

    Parameters
    ----------
    epochs : int, default=5
        Passes over the training part of the images.
    batch_size : int, default=128
    learning_rate : float, default=2e-3
        Adam's step size, decayed linearly to 0 over the training steps.
    validation_fraction : float, default=0.1
        Share of the images held out of training to measure :attr:`accuracy_`.
    seed : int, default=0
        Seeds the weights, the split, the batches and the augmentation.
    device : str, default="auto"
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        CPU threads while training and embedding (torch's setting is restored afterwards);
        default: torch's current setting, all cores unless the caller changed it. On a 2-core
        machine shared with other jobs, one thread ran a training step 10x faster than two
        (0.12 s vs 1.19 s per batch of 128 at load 6.8), since idle-waiting threads spin.

    Attributes
    ----------
    objective_ : {"classes", "rotation"}
        Supervised class labels, or self-supervised rotation prediction (no labels).
    classes_ : ndarray or None
        The class labels, sorted (index ``i`` of :meth:`predict_proba` is ``classes_[i]``).
    accuracy_ : float
        Accuracy on the held-out part of the training images (of the classes, or of the
        rotations for the self-supervised objective).
    n_train_, n_validation_ : int
    input_shape_ : tuple
        ``(H, W, C)`` of the images the network was fitted on (before resizing; ``C`` without alpha).
    network_side_ : int
        Side of the square images the network sees (after resizing).
    history_ : list of float
        Mean training loss per epoch.
    """

    def __init__(self, *, epochs: int = 5, batch_size: int = 128, learning_rate: float = 2e-3,
                 validation_fraction: float = 0.1, seed: int = 0, device: str = "auto",
                 threads: int | None = None) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.seed = seed
        self.device = device
        self.threads = threads
        self.network_ = None

    # ------------------------------------------------------------------ fit
    def _check_params(self) -> None:
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ConfigError(f"FeatureNet: {name} must be a positive integer, got {value!r}")
        threads = self.threads
        bad = isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1
        if threads is not None and bad:
            raise ConfigError(f"FeatureNet: threads must be a positive integer or None, got {self.threads!r}")
        if not self.learning_rate > 0:
            raise ConfigError(f"FeatureNet: learning_rate must be > 0, got {self.learning_rate!r}")
        if not 0 < self.validation_fraction < 1:
            raise ConfigError("FeatureNet: validation_fraction must be strictly between 0 and 1, "
                              f"got {self.validation_fraction!r}")

    def fit(self, images: Any, labels: np.ndarray | None = None, *,
            value_range: tuple[float, float] | None = None) -> FeatureNet:
        """Train on real images (with ``labels``: their classes; without: rotation prediction).

        Parameters
        ----------
        images : ndarray or Tensor
            File convention ``(N, H, W[, C])`` or a float NCHW tensor in [-1, 1].
        labels : ndarray of shape (N,), optional
            Class labels (integers or strings); at least two classes.
        value_range : (low, high), optional
            See :func:`as_unit_float`.
        """
        import torch

        from synthgan.core.device import resolve_device

        self._check_params()
        x = to_network_input(images, value_range, where="FeatureNet.fit")
        n = len(x)
        n_val = max(1, int(round(n * self.validation_fraction)))
        if n - n_val < 2:
            raise DataValidationError(f"FeatureNet needs at least 3 training images, got {n}; give more real images")
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (n,):
                raise DataValidationError(f"FeatureNet.fit: {n} images but labels of shape {labels.shape}; "
                                          "give one label per image")
            self.classes_, y = np.unique(labels, return_inverse=True)
            if len(self.classes_) < 2:
                raise DataValidationError(f"FeatureNet.fit: every image has label {self.classes_[0]!r}; a classifier "
                                          "needs at least two classes (drop the labels to train without them)")
            self.objective_, n_out = "classes", len(self.classes_)
            target = torch.as_tensor(y, dtype=torch.long)
        else:
            self.classes_, self.objective_, n_out, target = None, "rotation", ROTATIONS, None
        device = resolve_device(self.device, model="FeatureNet")
        order = numpy_rng(self.seed, "featurenet", "split").permutation(n)
        val, train = torch.as_tensor(order[:n_val]), torch.as_tensor(order[n_val:])
        gen = torch_generator(self.seed, "featurenet", "weights")
        net = _build(x.shape[1], n_out, gen).to(device)
        shape = tuple(images.shape[2:]) if isinstance(images, torch.Tensor) else np.shape(images)[1:3]
        self.input_shape_ = (int(shape[0]), int(shape[1]), int(x.shape[1]))
        self.network_side_ = int(x.shape[2])
        with cpu_threads(self.threads):
            self._train(net, x, target, train, torch_generator(self.seed, "featurenet", "batches"), device)
        self.network_ = net.eval()
        self.n_train_, self.n_validation_ = int(len(train)), int(len(val))
        self.accuracy_ = self._validation_accuracy(x[val], None if target is None else target[val])
        return self

    def _task(self, xb, yb, gen):
        """The batch and its targets: classes, or a random rotation per image and its index."""
        import torch

        if yb is not None:
            return xb, yb
        k = torch.randint(0, ROTATIONS, (len(xb),), generator=gen)
        return _rotate(xb, k), k

    def _train(self, net, x, target, train, gen, device) -> None:
        import torch
        from torch import nn

        steps_per_epoch = math.ceil(len(train) / self.batch_size)
        total = self.epochs * steps_per_epoch
        optimizer = torch.optim.Adam(net.parameters(), lr=self.learning_rate)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / total)
        loss_fn = nn.CrossEntropyLoss()
        net.train()
        self.history_ = []
        for _ in range(self.epochs):
            rows = train[torch.randperm(len(train), generator=gen)]
            losses = []
            for start in range(0, len(rows), self.batch_size):
                batch = rows[start:start + self.batch_size]
                if len(batch) < 2:  # batch norm needs two images
                    continue
                xb, yb = self._task(_shift(x[batch], gen), None if target is None else target[batch], gen)
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(net["head"](net["trunk"](xb.to(device))), yb.to(device))
                loss.backward()
                optimizer.step()
                schedule.step()
                losses.append(float(loss.detach()))
            self.history_.append(float(np.mean(losses)) if losses else float("nan"))

    def _validation_accuracy(self, x, y) -> float:
        import torch

        if y is None:  # every rotation of every held-out image
            k = torch.arange(ROTATIONS).repeat_interleave(len(x))
            x, y = _rotate(x.repeat(ROTATIONS, 1, 1, 1), k), k
        return float((self._logits(x).argmax(dim=1) == y).float().mean())

    # ------------------------------------------------------------------ use
    def _check(self) -> None:
        if self.network_ is None:
            raise NotFittedError("This FeatureNet instance is not fitted yet. Call 'fit' with the real training "
                                 "images before using it.")

    def _input(self, images: Any, value_range: tuple[float, float] | None):
        x = images if _is_network_input(images) else to_network_input(images, value_range, where="FeatureNet")
        if x.shape[1] != self.network_["trunk"][0].in_channels:
            raise DataValidationError(f"FeatureNet was fitted on {self.network_['trunk'][0].in_channels}-channel "
                                      f"images but got {x.shape[1]}-channel ones; compare grey with grey and colour "
                                      "with colour images")
        return x

    def _run(self, x, part: str):
        import torch

        device = next(self.network_.parameters()).device
        out = []
        with torch.no_grad(), cpu_threads(self.threads):
            for start in range(0, len(x), BATCH):
                z = self.network_["trunk"](x[start:start + BATCH].to(device))
                out.append((z if part == "features" else self.network_["head"](z)).cpu())
        return torch.cat(out) if out else torch.empty((0, EMBEDDING if part == "features" else 0))

    def _logits(self, x):
        return self._run(x, "logits")

    def features(self, images: Any, value_range: tuple[float, float] | None = None) -> np.ndarray:
        """The 128-d embedding (penultimate layer, before its ReLU) of each image, float64 ``(N, 128)``."""
        self._check()
        return self._run(self._input(images, value_range), "features").numpy().astype(np.float64)

    def predict_proba(self, images: Any, value_range: tuple[float, float] | None = None) -> np.ndarray:
        """Class probabilities ``(N, n_classes)``, columns in the order of :attr:`classes_`."""
        import torch

        self._check()
        if self.objective_ != "classes":
            raise ConfigError("this FeatureNet was trained without labels (rotation prediction): it cannot read "
                              "classes; fit it with the real labels to predict them")
        return torch.softmax(self._logits(self._input(images, value_range)), dim=1).numpy().astype(np.float64)

    def predict(self, images: Any, value_range: tuple[float, float] | None = None) -> np.ndarray:
        """The most probable class label of each image (values from :attr:`classes_`)."""
        return self.classes_[self.predict_proba(images, value_range).argmax(axis=1)]

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        """:meth:`predict` from embeddings already computed by :meth:`features` (the head alone)."""
        import torch

        self._check()
        if self.objective_ != "classes":
            raise ConfigError("this FeatureNet was trained without labels (rotation prediction): it cannot read "
                              "classes; fit it with the real labels to predict them")
        head = self.network_["head"]
        device = next(head.parameters()).device
        with torch.no_grad():
            logits = head(torch.as_tensor(np.asarray(features), dtype=torch.float32, device=device)).cpu()
        return self.classes_[logits.argmax(dim=1).numpy()]

    def describe(self) -> dict[str, Any]:
        """What the network is and how well it learned, JSON-safe."""
        self._check()
        return {"objective": self.objective_, "accuracy": self.accuracy_, "n_train": self.n_train_,
                "n_validation": self.n_validation_, "epochs": int(self.epochs), "embedding": EMBEDDING,
                "input_shape": list(self.input_shape_), "network_side": self.network_side_,
                "classes": None if self.classes_ is None else self.classes_.tolist(),
                "final_loss": self.history_[-1] if self.history_ else None, "seed": self.seed}


def _is_network_input(x: Any) -> bool:
    import torch

    return isinstance(x, torch.Tensor)
