"""The low-shot image experiment: does GAN augmentation help a small CNN trained on a few labelled images per class?

For every seed and shot count ``k``, ``k`` images per class are drawn from the training pool
(stratified; the draws are nested: the 10-shot set is part of the 50-shot set of the same
seed). A class-conditional image GAN (:class:`~synthgan.images.synthesizer.ImageSynthesizer`)
is fitted on exactly those images, which :class:`~.leakage.ImageLeakageGuard` checks by id and
by content against the test images, and samples ``ratio x k`` synthetic images per class. Then
a small CNN (:class:`~.classifier.LowShotClassifier`, a fixed number of steps, the same initial
weights in every arm) is trained per arm of :data:`~.arms.ARMS`:

* ``none``: the labelled images as they are;
* ``affine``: the labelled images, warped on the fly by :class:`~.affine.RandomAffine`;
* ``gan``: the labelled images plus the synthetic ones;
* ``gan+affine``: both.

Test accuracy and macro-F1 are measured on the test images; :mod:`.verdicts` turns them into
means with t intervals over seeds, paired differences and one verdict per shot count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np

from synthgan._random import child_seed, numpy_rng
from synthgan.errors import ConfigError, DataValidationError, check_is_fitted
from synthgan.images.io import ImageSet
from synthgan.images.lowshot.affine import RandomAffine
from synthgan.images.lowshot.classifier import LowShotClassifier
from synthgan.images.lowshot.leakage import ImageLeakageGuard
from synthgan.images.lowshot.arms import (ARMS, DEFAULT_CLASSIFIER_STEPS, DEFAULT_GENERATOR_PARAMS, DEFAULT_GENERATOR_STEPS,
                                          DEFAULT_RATIO, DEFAULT_SHOTS)
from synthgan.images.lowshot.verdicts import differences, summarize, verdict_sentences

__all__ = ["ImageAugmentExperiment", "within_class_spread"]

GRID_PER_CLASS = 8  # synthetic images per class in the report's sample grid


def _positive_int(value: Any, what: str, example: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral) or value < 1:
        raise ConfigError(f"{what} must be a positive integer, got {value!r}; {example}")
    return int(value)


def within_class_spread(images: np.ndarray, labels: np.ndarray, value_range: tuple[float, float]) -> float:
    """Mean Euclidean distance between two images of the same class (pixels in [0, 1]), averaged over classes.

    Synthetic images far less spread than the real ones they were learned from mean the
    generator collapsed within classes (it draws a few images per class, whatever the noise).
    """
    import torch

    from synthgan.images.evaluation.pixels import as_unit_float

    flat = torch.from_numpy(as_unit_float(images, value_range).reshape(len(images), -1))
    spreads = []
    for c in np.unique(labels):
        rows = flat[torch.from_numpy(np.flatnonzero(labels == c))]
        if len(rows) > 1:
            spreads.append(float(torch.cdist(rows, rows).sum()) / (len(rows) * (len(rows) - 1)))
    return float(np.mean(spreads)) if spreads else float("nan")


def _value_range(images: np.ndarray) -> tuple[float, float]:
    """The pixel values meaning black and white, from the training images' dtype and values."""
    if images.dtype.kind in "iu":
        return (0.0, 255.0) if images.min() >= 0 and images.max() <= 255 else (0.0, float(np.iinfo(images.dtype).max))
    low, high = float(images.min()), float(images.max())
    return (-1.0, 1.0) if low < 0 else (0.0, 1.0) if high <= 1.0 else (0.0, 255.0)


class ImageAugmentExperiment:
    """Compare no augmentation, classic augmentation, GAN augmentation and both on a few labelled images per class.

    Parameters
    ----------
    shots : tuple of int, default=(10, 50, 100)
        Labelled images per class (each at most the smallest class of the training pool).
    seeds : int, default=5
        Repetitions: each draws its own labelled images, fits its own generators and classifiers.
    arms : tuple of str, default=ARMS
        Any of ``none``, ``affine``, ``gan``, ``gan+affine``.
    ratio : float, default=DEFAULT_RATIO
        Synthetic images per labelled image, per class, in the GAN arms.
    generator : str, default="sngan"
        The image model (``sngan``, ``dcgan`` or ``cvae``).
    generator_steps : int, default=DEFAULT_GENERATOR_STEPS
        Optimiser steps of each generator fit, whatever the shot count.
    generator_params : dict, optional
        Options of the image model; default :data:`DEFAULT_GENERATOR_PARAMS`.
    classifier_steps : int, default=DEFAULT_CLASSIFIER_STEPS
        Steps of every classifier, whatever its training pool's size.
    affine : RandomAffine, optional
        The classic augmentation (default: ``RandomAffine()``).
    seed : int, default=0
        The root of every draw, weight and batch: same data + seed + machine = same results.
    device : str, default="auto"
        ``"auto"`` (CUDA when present), ``"cpu"`` or ``"cuda"``.
    threads : int, optional
        Torch CPU threads during ``fit`` (restored afterwards).
    progress : callable, optional
        Called with one line of text per finished step.
    on_seed : callable, optional
        Called with the results so far (:meth:`to_dict`'s structure) after every seed.

    Attributes
    ----------
    records_ : list of dict
        One per (seed, shots, arm): ``accuracy``, ``macro_f1``, ``n_train``, ``seconds``.
    generator_fits_ : list of dict
        One per (seed, shots): images, steps, epochs, seconds, and the within-class spread
        (:func:`within_class_spread`) of the synthetic images and of the labelled images.
    summary_, differences_, verdicts_ : list of dict
        See :mod:`synthgan.images.lowshot.verdicts`.
    sample_grids_ : dict
        Shot count -> base64 PNG of the first seed's synthetic images (``GRID_PER_CLASS`` per class).
    classes_ : ndarray
    leakage_checks_ : dict
        Images checked by the leakage guard, per consumer.
    seconds_ : float
    """

    def __init__(self, *, shots: tuple[int, ...] = DEFAULT_SHOTS, seeds: int = 5, arms: tuple[str, ...] = ARMS,
                 ratio: float = DEFAULT_RATIO, generator: str = "sngan", generator_steps: int = DEFAULT_GENERATOR_STEPS,
                 generator_params: dict[str, Any] | None = None, classifier_steps: int = DEFAULT_CLASSIFIER_STEPS,
                 affine: RandomAffine | None = None, seed: int = 0, device: str = "auto", threads: int | None = None,
                 progress: Callable[[str], None] | None = None,
                 on_seed: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.shots = shots
        self.seeds = seeds
        self.arms = arms
        self.ratio = ratio
        self.generator = generator
        self.generator_steps = generator_steps
        self.generator_params = generator_params
        self.classifier_steps = classifier_steps
        self.affine = affine
        self.seed = seed
        self.device = device
        self.threads = threads
        self.progress = progress
        self.on_seed = on_seed

    # ------------------------------------------------------------------ checks
    def _check_params(self) -> tuple[list[int], list[str]]:
        if isinstance(self.shots, (str, bytes)) or not hasattr(self.shots, "__iter__") or not len(self.shots):
            raise ConfigError(f"shots must be a non-empty list of labelled images per class, got {self.shots!r}; "
                              "e.g. shots=(10, 50, 100)")
        shots = sorted({_positive_int(k, "every shot count", "e.g. shots=(10, 50, 100)") for k in self.shots})
        _positive_int(self.seeds, "seeds", "e.g. seeds=5")
        if isinstance(self.arms, (str, bytes)) or not hasattr(self.arms, "__iter__") or not len(self.arms):
            raise ConfigError(f"arms must be a non-empty list drawn from {', '.join(ARMS)}, got {self.arms!r}")
        unknown = [a for a in self.arms if a not in ARMS]
        if unknown:
            raise ConfigError(f"unknown arm {unknown[0]!r}; choose from {', '.join(ARMS)} (e.g. arms=('none', 'gan'))")
        arms = [a for a in ARMS if a in self.arms]  # report order, duplicates dropped
        if isinstance(self.ratio, bool) or not isinstance(self.ratio, Real) or not np.isfinite(self.ratio) or self.ratio <= 0:
            raise ConfigError(f"ratio must be a positive number of synthetic images per labelled image, got {self.ratio!r}")
        _positive_int(self.generator_steps, "generator_steps", "e.g. generator_steps=1500")
        _positive_int(self.classifier_steps, "classifier_steps", "e.g. classifier_steps=500")
        if isinstance(self.seed, bool) or not isinstance(self.seed, Integral) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.generator_params is not None and not isinstance(self.generator_params, dict):
            raise ConfigError(f"generator_params must be a dict of image-model options, got {self.generator_params!r}")
        if self.affine is not None and not isinstance(self.affine, RandomAffine):
            raise ConfigError(f"affine must be a RandomAffine, got {type(self.affine).__name__}")
        if self.threads is not None:
            _positive_int(self.threads, "threads", "e.g. threads=2")
        return shots, arms

    @staticmethod
    def _check_data(train: Any, test: Any, shots: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        for name, data in (("training images", train), ("test images", test)):
            if not isinstance(data, ImageSet):
                raise ConfigError(f"{name} must be an ImageSet, got {type(data).__name__}; read files with "
                                  "synthgan.images.io.read_images")
            if data.labels is None:
                raise ConfigError(f"the {name} ({data.source}) have no labels: the low-shot experiment needs a class per "
                                  "image; give an .npz with a 'labels' array, or a folder with one subfolder per class")
        if train.images.shape[1:] != test.images.shape[1:]:
            raise DataValidationError(f"training images are {train.images.shape[1:]} but test images "
                                      f"{test.images.shape[1:]}; give images of one size")
        classes, counts = np.unique(train.labels, return_counts=True)
        if len(classes) < 2:
            raise DataValidationError(f"the training images all have label {classes[0]!r}; a classifier needs at least "
                                      "two classes")
        unknown = np.setdiff1d(np.unique(test.labels), classes)
        if len(unknown):
            raise DataValidationError(f"test label {unknown[0]!r} does not occur among the training images; every test "
                                      "class must be learnable")
        smallest = int(counts.min())
        if shots[-1] > smallest:
            raise ConfigError(f"--shots {shots[-1]} asks for {shots[-1]} labelled images per class, but class "
                              f"{classes[counts.argmin()]!r} has only {smallest} training images; use shots of at most "
                              f"{smallest}")
        return classes, np.searchsorted(classes, train.labels), np.searchsorted(classes, test.labels)

    # --------------------------------------------------------------------- fit
    def fit(self, train: ImageSet, test: ImageSet) -> "ImageAugmentExperiment":
        """Run every seed, shot count and arm; ``train`` is the pool the labelled images are drawn from.

        Raises
        ------
        ConfigError
            Bad option, unlabelled images, shots larger than the smallest class.
        DataValidationError
            Images of different sizes, a single class, a test class absent from training.
        LeakageError
            A test image reached a generator (a bug, never user error).
        """
        from synthgan.images.evaluation.features import cpu_threads, to_network_input

        shots, arms = self._check_params()
        classes, y_train, y_test = self._check_data(train, test, shots)
        started = time.perf_counter()
        span = _value_range(train.images)
        x_train, x_test = to_network_input(train.images, span), to_network_input(test.images, span)
        self.classes_ = classes
        self.guard_ = ImageLeakageGuard(train.images, test.images)
        self.records_, self.generator_fits_, self.sample_grids_ = [], [], {}
        self._meta = {"n_pool": len(train), "n_test": len(test), "shape": list(train.images.shape[1:]),
                      "value_range": list(span), "shots": shots, "arms": arms}
        with cpu_threads(self.threads):
            for s in range(int(self.seeds)):
                self._run_seed(s, train, x_train, y_train, x_test, y_test, shots, arms, span)
                self.seconds_ = time.perf_counter() - started
                if self.on_seed is not None:
                    self.on_seed(self._result())
        self.seconds_ = time.perf_counter() - started
        self.summary_ = summarize(self.records_, shots, arms)
        self.differences_ = differences(self.records_, shots, arms)
        self.verdicts_ = verdict_sentences(self.summary_, self.differences_, shots, int(self.seeds))
        self.leakage_checks_ = dict(self.guard_.checked)
        return self

    def _draw(self, seed: int, y: np.ndarray, k: int) -> np.ndarray:
        """Ids of ``k`` training images per class; nested over ``k`` for one seed (a per-class permutation)."""
        rng = numpy_rng(seed, "labelled")
        return np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k] for c in range(len(self.classes_))]))

    def _generator_images(self, train: ImageSet, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(ids, images, labels)`` handed to the generator's fit: the labelled images themselves."""
        return ids, train.images[ids], train.labels[ids]

    def _synthetic(self, s: int, s_seed: int, k: int, train: ImageSet, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fit the generator on the labelled images ``ids`` (after the leakage check) and draw ``ratio x k`` images per class."""
        from synthgan.images.synthesizer import ImageSynthesizer

        given_ids, images, labels = self._generator_images(train, ids)
        self.guard_.check("generator", given_ids, images, ids)
        params = dict(DEFAULT_GENERATOR_PARAMS if self.generator_params is None else self.generator_params)
        steps_per_epoch = max(len(images) // int(params.get("batch_size", 64)), 1)
        epochs = -(-int(self.generator_steps) // steps_per_epoch)
        started = time.perf_counter()
        syn = ImageSynthesizer(self.generator, seed=child_seed(s_seed, "generator", str(k)), epochs=epochs,
                               validation=False, device=self.device, **params).fit(ImageSet(images, labels))
        fit_seconds = time.perf_counter() - started
        n = max(1, int(round(self.ratio * k)))
        drawn = [syn.sample(n, conditions={"label": label}, seed=child_seed(s_seed, "sample", str(k), str(c)))
                 for c, label in enumerate(self.classes_)]
        x = np.concatenate([d.images for d in drawn])
        y = np.repeat(np.arange(len(self.classes_)), n)
        if s == 0:  # the report shows the first seed's images
            from synthgan.images.lowshot.report import sample_grid

            self.sample_grids_[k] = sample_grid(x.reshape(len(self.classes_), n, *x.shape[1:])[:, :GRID_PER_CLASS],
                                                self._meta["value_range"])
        span = tuple(self._meta["value_range"])
        self.generator_fits_.append({"seed": s, "shots": k, "images": len(images), "epochs": epochs,
                                     "steps": epochs * steps_per_epoch, "seconds": fit_seconds,
                                     "synthetic_per_class": n, "synthetic_spread": within_class_spread(x, y, span),
                                     "real_spread": within_class_spread(images, np.searchsorted(self.classes_, labels), span)})
        return x, y

    def _run_seed(self, s: int, train, x_train, y_train, x_test, y_test, shots, arms, span) -> None:
        import torch
        from sklearn.metrics import f1_score

        from synthgan.images.evaluation.features import to_network_input

        s_seed = child_seed(int(self.seed), "lowshot", str(s))
        affine = self.affine if self.affine is not None else RandomAffine()
        for k in shots:
            ids = self._draw(s_seed, y_train, k)
            x_real, y_real = x_train[torch.as_tensor(ids)], y_train[ids]
            synthetic = None
            if any(arm.startswith("gan") for arm in arms):
                x_syn, y_syn = self._synthetic(s, s_seed, k, train, ids)
                synthetic = (to_network_input(x_syn, span), y_syn)
                self._say(f"seed {s}, {k} per class: generator fitted in {self.generator_fits_[-1]['seconds']:.0f} s")
            for arm in arms:
                x, y = x_real, y_real
                if arm.startswith("gan"):
                    x, y = torch.cat([x_real, synthetic[0]]), np.concatenate([y_real, synthetic[1]])
                started = time.perf_counter()
                clf = LowShotClassifier(steps=int(self.classifier_steps), augment=affine if arm.endswith("affine") else None,
                                        seed=child_seed(s_seed, "classifier", str(k)), device=self.device).fit(
                    x, y, len(self.classes_))
                predicted = clf.predict(x_test)
                record = {"seed": s, "shots": k, "arm": arm, "accuracy": float((predicted == y_test).mean()),
                          "macro_f1": float(f1_score(y_test, predicted, average="macro",
                                                     labels=np.arange(len(self.classes_)), zero_division=0)),
                          "n_train": int(len(x)), "final_loss": clf.final_loss_,
                          "seconds": time.perf_counter() - started}
                self.records_.append(record)
                self._say(f"seed {s}, {k} per class, {arm}: accuracy {record['accuracy']:.4f} ({record['seconds']:.0f} s)")

    def _say(self, line: str) -> None:
        if self.progress is not None:
            self.progress(line)

    # ------------------------------------------------------------------ result
    def _result(self) -> dict[str, Any]:
        shots, arms = self._meta["shots"], self._meta["arms"]
        done = sorted({r["seed"] for r in self.records_})
        summary = summarize(self.records_, shots, arms)
        diffs = differences(self.records_, shots, arms)
        params = dict(DEFAULT_GENERATOR_PARAMS if self.generator_params is None else self.generator_params)
        affine = self.affine if self.affine is not None else RandomAffine()
        return {
            "info": {**self._meta, "seeds": int(self.seeds), "seeds_done": len(done), "seed": int(self.seed),
                     "classes": [c.item() if hasattr(c, "item") else c for c in self.classes_],
                     "ratio": float(self.ratio),
                     "generator": {"model": self.generator, "steps": int(self.generator_steps), "params": params},
                     "classifier": {"steps": int(self.classifier_steps), "batch_size": 64, "learning_rate": 2e-3},
                     "affine": {"rotation": affine.rotation, "translation": affine.translation,
                                "scale": list(affine.scale), "shear": affine.shear},
                     "device": self.device, "threads": self.threads},
            "records": list(self.records_),
            "generator_fits": list(self.generator_fits_),
            "summary": summary,
            "differences": diffs,
            "verdicts": verdict_sentences(summary, diffs, shots, len(done)),
            "sample_grids": {str(k): v for k, v in self.sample_grids_.items()},
            "leakage_checks": dict(self.guard_.checked),
            "timings": {"total_seconds": getattr(self, "seconds_", 0.0)},
        }

    def to_dict(self) -> dict[str, Any]:
        """The results, JSON-safe: settings, per-run records, summaries, paired differences, verdicts, sample grids."""
        check_is_fitted(self, "verdicts_")
        return self._result()
