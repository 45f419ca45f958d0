"""A whole evaluation of synthetic images against real ones, as a JSON-safe dictionary.

:func:`evaluate_images` trains a :class:`~synthgan.images.evaluation.features.FeatureNet` on
the real training images, embeds every set with it, and reports

* ``frechet``: the Frechet distance of synthetic and of real holdout images to the training
  images in that feature space (not comparable to published Inception FIDs);
* ``prdc``: precision, recall, density and coverage, synthetic vs training and holdout vs
  training (the yardstick), on equal numbers of rows;
* ``conditional``: class-conditional accuracy, per-class counts and mode coverage (labels);
* ``memorization``: nearest-training-image distances, near-copies and exact copies;
* ``verdicts`` (one sentence and a pass/fail per family) and ``summary`` (headline figures).

The real holdout (images the generator never saw) is the yardstick of every figure. Without
one, ``holdout_fraction`` of the training images is split off (seeded), the feature network
and the reference set use the rest, and ``meta.holdout`` says so: the generator saw those
images, so copies of them are not counted as near-copies.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from synthgan._random import numpy_rng
from synthgan.errors import ConfigError, DataValidationError
from synthgan.evaluation.base import json_safe
from synthgan.images.evaluation.conditional import conditional_scores
from synthgan.images.evaluation.features import FeatureNet
from synthgan.images.evaluation.frechet import frechet_distance
from synthgan.images.evaluation.inputs import Images, as_images, check_sets
from synthgan.images.evaluation.memorization import memorization_scores
from synthgan.images.evaluation.pixels import as_unit_float
from synthgan.images.evaluation.prdc import NEAREST_K, prdc
from synthgan.images.evaluation.verdicts import summarize

HOLDOUT_FRACTION = 0.2
MAX_SAMPLES = 10_000
FID_NOTE = ("The Frechet distance is computed in the feature space of a small CNN trained here on the real training "
            "images, not in that of Inception-v3: it is not comparable to published Inception FIDs, only to other "
            "evaluations with the same real training images, seed and settings.")


def _check_options(seed: Any, k: Any, max_samples: Any, holdout_fraction: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer number of neighbours, got {k!r}")
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)) or max_samples <= k:
        raise ConfigError(f"max_samples must be an integer above k ({k}), got {max_samples!r}")
    if not 0 < holdout_fraction < 1:
        raise ConfigError(f"holdout_fraction must be strictly between 0 and 1, got {holdout_fraction!r}")


def _split(train: Images, fraction: float, seed: int) -> tuple[Images, Images, np.ndarray]:
    order = numpy_rng(seed, "images", "holdout_split").permutation(len(train))
    n_hold = int(round(len(train) * fraction))
    keep = np.sort(order[n_hold:])
    return train.subset(keep), Images(train.images[np.sort(order[:n_hold])], None if train.labels is None
                                      else train.labels[np.sort(order[:n_hold])], "holdout split from training"), keep


def _feature_net(given: FeatureNet | None, reference: Images, seed: int, device: str, value_range) -> FeatureNet:
    if given is None:
        return FeatureNet(seed=seed, device=device).fit(reference.images, reference.labels, value_range=value_range)
    if not isinstance(given, FeatureNet):
        raise ConfigError(f"feature_net must be a FeatureNet (fitted or not), got {type(given).__name__}")
    if getattr(given, "network_", None) is None:
        return given.fit(reference.images, reference.labels, value_range=value_range)
    if reference.labels is not None:
        if given.objective_ != "classes":
            raise ConfigError("the given feature_net was trained without labels but the real images have labels; "
                              "pass an unfitted FeatureNet (or one fitted on the labelled real training images)")
        missing = sorted(set(reference.labels.tolist()) - set(given.classes_.tolist()), key=str)
        if missing:
            raise ConfigError(f"the given feature_net does not know the real classes {missing[:5]}; fit it on the "
                              "real training images")
    return given


def _take(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if n <= cap else np.sort(rng.choice(n, cap, replace=False))


def _pixels(s: Images, value_range) -> np.ndarray:
    return as_unit_float(s.images, value_range, where=s.name).reshape(len(s), -1)


def evaluate_images(train: Any, synthetic: Any, holdout: Any = None, *, seed: int = 0, device: str = "auto",
                    k: int = NEAREST_K, max_samples: int = MAX_SAMPLES, holdout_fraction: float = HOLDOUT_FRACTION,
                    feature_net: FeatureNet | None = None,
                    value_range: tuple[float, float] | None = None) -> dict[str, Any]:
    """Evaluate synthetic images against real ones (see the module docstring).

    Parameters
    ----------
    train : ImageSet, (images, labels) or ndarray
        The real images the generator learned from; with labels, a classifier is trained.
    synthetic : ImageSet, (images, labels) or ndarray
        The synthetic images; their labels are the classes that were requested.
    holdout : ImageSet, (images, labels) or ndarray, optional
        Real images the generator never saw (with labels when ``train`` has them).
    seed : int, default=0
        Seeds the feature network, the split and every subsample.
    device : str, default="auto"
        Where the feature network trains and runs.
    k : int, default=5
        Neighbour rank of the precision/recall/density/coverage balls.
    max_samples : int, default=10,000
        Rows per side of the Frechet distance and PRDC (equal numbers of synthetic and holdout
        rows, and as many training rows for PRDC) and of the memorisation search.
    holdout_fraction : float, default=0.2
        Share of ``train`` split off as the holdout when none is given.
    feature_net : FeatureNet, optional
        A network to use instead of training a fresh one (a fitted one is used as is: the
        caller vouches it was trained on these real training images only); an unfitted one
        is fitted with its own settings.
    value_range : (low, high), optional
        The pixel values meaning black and white, for every set (see
        :func:`~synthgan.images.evaluation.features.as_unit_float`).

    Returns
    -------
    dict
        JSON-safe: ``kind`` ("images"), ``meta``, ``feature_net``, ``frechet``, ``prdc``,
        ``conditional``, ``memorization``, ``verdicts``, ``summary``.
    """
    _check_options(seed, k, max_samples, holdout_fraction)
    clock, seconds = time.perf_counter(), {}
    tr, sy = as_images(train, "real"), as_images(synthetic, "synthetic")
    ho = None if holdout is None else as_images(holdout, "holdout")
    sy, ho = check_sets(tr, sy, ho)
    given_holdout = ho is not None
    keep = None
    if ho is None:
        tr, ho, keep = _split(tr, holdout_fraction, seed)
    smallest = min(len(tr), len(ho), len(sy))
    if smallest <= k:
        raise DataValidationError(f"every set needs more than k = {k} images; got {len(tr)} training, "
                                  f"{len(ho)} holdout and {len(sy)} synthetic images: give more images "
                                  "(or a smaller k)")
    net = _feature_net(feature_net, tr, seed, device, value_range)
    seconds["feature_net"] = time.perf_counter() - clock

    clock = time.perf_counter()
    f_tr, f_ho, f_sy = (net.features(s.images, value_range) for s in (tr, ho, sy))
    seconds["features"] = time.perf_counter() - clock

    clock = time.perf_counter()
    n_eval = min(len(sy), len(ho), max_samples)
    rng = numpy_rng(seed, "images", "subsample")
    rows_sy, rows_ho, rows_tr = (_take(n, n_eval, rng) for n in (len(sy), len(ho), len(tr)))
    fid_train = f_tr[_take(len(tr), max(max_samples, n_eval), rng)]
    frechet = {"synthetic": frechet_distance(f_sy[rows_sy], fid_train),
               "holdout": frechet_distance(f_ho[rows_ho], fid_train), "n": int(n_eval),
               "n_train": int(len(fid_train)), "note": FID_NOTE}
    frechet["ratio"] = frechet["synthetic"] / frechet["holdout"] if frechet["holdout"] > 0 else None
    scores = {"synthetic": prdc(f_tr[rows_tr], f_sy[rows_sy], k=k), "holdout": prdc(f_tr[rows_tr], f_ho[rows_ho], k=k),
              "n": int(n_eval), "k": int(k)}
    seconds["frechet_prdc"] = time.perf_counter() - clock

    clock = time.perf_counter()
    if tr.labels is not None:
        conditional = conditional_scores(net.classes_, train_labels=tr.labels, train_features=f_tr,
                                         synthetic_features=f_sy, synthetic_predicted=net.predict_features(f_sy),
                                         synthetic_labels=sy.labels, holdout_predicted=net.predict_features(f_ho),
                                         holdout_labels=ho.labels, k=k, seed=seed)
    else:
        conditional = {"reason": "the real images carry no labels: the feature network learned rotation prediction "
                                 "instead, and classes cannot be checked", "accuracy": None}
    seconds["conditional"] = time.perf_counter() - clock

    clock = time.perf_counter()
    groups_sy = None  # classes of the synthetic images: requested, else as read
    if tr.labels is not None:
        groups_sy = sy.labels if sy.labels is not None else net.predict_features(f_sy)
    memo = memorization_scores(_pixels(tr, value_range), _pixels(sy, value_range), _pixels(ho, value_range), f_tr, f_sy,
                               f_ho, all_train_pixels=None if given_holdout else _pixels(as_images(train, "real"),
                                                                                          value_range),
                               synthetic_groups=groups_sy, holdout_groups=ho.labels, seed=seed,
                               max_queries=max_samples)
    if keep is not None:  # indices into the caller's training images
        for item in memo["closest"]:
            item["train"] = int(keep[item["train"]])
    seconds["memorization"] = time.perf_counter() - clock

    h, w, c = tr.shape
    out: dict[str, Any] = {
        "kind": "images", "feature_net": net.describe(), "frechet": frechet, "prdc": scores,
        "conditional": conditional, "memorization": memo,
        "meta": {"n_train": int(len(tr)), "n_holdout": int(len(ho)), "n_synthetic": int(len(sy)),
                 "holdout": "given" if given_holdout else
                 f"split from the training images ({holdout_fraction:.0%}, seeded): the generator saw them, so copies "
                 "of them are not counted as near-copies",
                 "holdout_given": given_holdout, "image": {"height": h, "width": w, "channels": c},
                 "labels": {"train": tr.labels is not None, "synthetic": sy.labels is not None,
                            "holdout": ho.labels is not None},
                 "seed": int(seed), "k": int(k), "max_samples": int(max_samples), "n_eval": int(n_eval),
                 "seconds": {key: round(v, 3) for key, v in seconds.items()}},
    }
    out.update(summarize(out))
    return json_safe(out)

