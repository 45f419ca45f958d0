"""Classes: does each synthetic image show the class it was asked for, and is every real class there?

* **Class-conditional accuracy**: the share of synthetic images whose requested label the
  real-trained :class:`~synthgan.images.evaluation.features.FeatureNet` reads back. Its
  yardstick is the same network's accuracy on real held-out images: a perfect conditional
  generator scores about that, not 1.
* **Per-class counts**: real shares, requested synthetic shares and the shares the classifier
  reads among the synthetic images.
* **Mode coverage**: ``classes_present`` is the share of real classes that the classifier finds
  among the synthetic images at no less than a quarter of their real share
  (:data:`PRESENT_FRACTION`); ``class_coverage`` is, per class, the coverage (Naeem et al. 2020)
  of the real images of that class by the synthetic images of that class (the requested label,
  or the one read when the synthetic images have none), in feature space, on equal numbers of
  rows per side. A generator that drops a class, or draws a few prototypes per class, has low
  coverage there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan._random import numpy_rng
from synthgan.images.evaluation.prdc import NEAREST_K, coverage

PRESENT_FRACTION = 0.25


def label_key(value: Any) -> str:
    """A class label as a JSON object key."""
    return str(value.item() if isinstance(value, np.generic) else value)


def conditional_accuracy(predicted: np.ndarray, requested: np.ndarray, classes: np.ndarray) -> dict[str, Any]:
    """Share of images whose predicted class equals the requested one, overall and per requested class."""
    predicted, requested = np.asarray(predicted), np.asarray(requested)
    hit = predicted == requested
    per_class = {label_key(c): (float(hit[requested == c].mean()) if (requested == c).any() else None) for c in classes}
    return {"accuracy": float(hit.mean()) if len(hit) else None, "per_class": per_class, "n": int(len(hit))}


def _shares(labels: np.ndarray | None, classes: np.ndarray) -> tuple[dict | None, dict | None]:
    if labels is None:
        return None, None
    counts = {label_key(c): int((labels == c).sum()) for c in classes}
    total = max(1, len(labels))
    return counts, {k: v / total for k, v in counts.items()}


def class_coverage(real_features: np.ndarray, real_labels: np.ndarray, synthetic_features: np.ndarray,
                   synthetic_labels: np.ndarray, classes: np.ndarray, *, k: int = NEAREST_K, seed: int = 0,
                   max_per_class: int = 2_000) -> dict[str, float | None]:
    """Per class: coverage of its real rows by its synthetic rows, both subsampled to the same size.

    Each side is cut to ``min(real rows, max(synthetic rows, k + 1), max_per_class)`` rows (the
    real side needs ``k + 1`` for its radii); a class with no synthetic row has coverage 0, a
    class with ``k`` real rows or fewer has None.
    """
    out: dict[str, float | None] = {}
    for c in classes:
        rng = numpy_rng(seed, "images", "class_coverage", label_key(c))
        real_c, synth_c = real_features[real_labels == c], synthetic_features[synthetic_labels == c]
        if len(real_c) <= k:
            out[label_key(c)] = None
            continue
        n_real = min(len(real_c), max(len(synth_c), k + 1), max_per_class)
        n_synth = min(len(synth_c), n_real)
        real_c = real_c[rng.choice(len(real_c), n_real, replace=False)]
        synth_c = synth_c[rng.choice(len(synth_c), n_synth, replace=False)]
        out[label_key(c)] = coverage(real_c, synth_c, k=k)
    return out


def conditional_scores(classes: np.ndarray, *, train_labels: np.ndarray, train_features: np.ndarray,
                       synthetic_features: np.ndarray, synthetic_predicted: np.ndarray,
                       synthetic_labels: np.ndarray | None, holdout_predicted: np.ndarray | None = None,
                       holdout_labels: np.ndarray | None = None, k: int = NEAREST_K, seed: int = 0) -> dict[str, Any]:
    """Class-conditional accuracy, per-class counts and mode coverage (see the module docstring).

    Parameters
    ----------
    classes : ndarray
        The real classes (the classifier's :attr:`~FeatureNet.classes_`).
    train_labels, train_features : ndarray
        The real training images' labels and feature rows.
    synthetic_features, synthetic_predicted : ndarray
        The synthetic images' feature rows and the classes the classifier reads.
    synthetic_labels : ndarray or None
        The requested labels (None for an unconditional generator: no accuracy, grouping by the
        classes read).
    holdout_predicted, holdout_labels : ndarray, optional
        The classifier's reading of real held-out images and their labels: the yardstick.
    k, seed
        Neighbour rank of the coverage radii; seed of the per-class subsamples.

    Returns
    -------
    dict
        ``accuracy`` (None without requested labels, with ``reason``), ``accuracy_holdout``,
        ``per_class`` ({label: counts, shares, accuracy, coverage}), ``classes_present``,
        ``missing_classes``, ``mean_class_coverage``, ``present_fraction``.
    """
    out: dict[str, Any] = {"accuracy": None, "accuracy_holdout": None, "reason": None}
    acc = None
    if synthetic_labels is not None:
        acc = conditional_accuracy(synthetic_predicted, synthetic_labels, classes)
        out["accuracy"] = acc["accuracy"]
    else:
        out["reason"] = "the synthetic images carry no labels: nothing was requested, so classes are only counted"
    hold = None
    if holdout_predicted is not None and holdout_labels is not None:
        hold = conditional_accuracy(holdout_predicted, holdout_labels, classes)
        out["accuracy_holdout"] = hold["accuracy"]
    real_counts, real_shares = _shares(train_labels, classes)
    req_counts, req_shares = _shares(synthetic_labels, classes)
    read_counts, read_shares = _shares(synthetic_predicted, classes)
    groups = synthetic_labels if synthetic_labels is not None else synthetic_predicted
    cover = class_coverage(train_features, train_labels, synthetic_features, groups, classes, k=k, seed=seed)
    per_class, missing = {}, []
    for c in classes:
        key = label_key(c)
        present = read_shares[key] >= PRESENT_FRACTION * real_shares[key]
        if not present:
            missing.append(key)
        per_class[key] = {
            "real_count": real_counts[key], "real_share": real_shares[key],
            "requested_count": None if req_counts is None else req_counts[key],
            "requested_share": None if req_shares is None else req_shares[key],
            "read_count": read_counts[key], "read_share": read_shares[key], "present": bool(present),
            "accuracy": None if acc is None else acc["per_class"][key],
            "accuracy_holdout": None if hold is None else hold["per_class"][key], "coverage": cover[key]}
    values = [v for v in cover.values() if v is not None]
    out.update(per_class=per_class, classes_present=1.0 - len(missing) / len(classes), missing_classes=missing,
               mean_class_coverage=float(np.mean(values)) if values else None, present_fraction=PRESENT_FRACTION,
               n_classes=int(len(classes)))
    return out
