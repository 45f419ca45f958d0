"""Memorisation: are synthetic images closer to the training images than fresh real images are?

For every synthetic image and every real held-out image, the Euclidean distance to its nearest
training image is taken, in pixel space (pixels in [0, 1], flattened) and in the feature space
of the :class:`~synthgan.images.evaluation.features.FeatureNet`. The real holdout shows how
close an image the generator never copied gets by chance, so it sets the threshold: a
**near-copy** is an image closer to a training image than the ``NEAR_COPY_QUANTILE`` (1st
percentile) of the holdout's own distances. The holdout then has about 1 % near-copies by
construction; a generator that memorised has more.

Some classes lie closer to their training images than others (MNIST's thin 1s are nearer one
another than 8s are), so with class labels the share expected of the synthetic images is the
holdout's share *per class*, weighted by the synthetic class mix:
``p = sum_c w_c p_c``. The verdict (pixel space) says "no more near-copies than the real holdout"
unless the synthetic share exceeds ``p`` by more than ``Z`` (= 2) standard errors,
``sqrt(sum_c w_c^2 p_c (1 - p_c) / n_c + p (1 - p) / n_synthetic)`` (without classes:
``sqrt(p (1 - p) (1 / n_synthetic + 1 / n_holdout))``, ``p`` the holdout share); each ``p`` is
taken as at least one image's share in these errors. Feature-space figures are reported beside it: a good
generator draws typical images, which may sit nearer training images in feature space without
copying any. Exact copies (every pixel equal to a training image's, on the [0, 1] scale to
1e-6) are counted against all training images.

The search is exact and chunked (:func:`synthgan.evaluation._neighbors.nearest`); at most
``max_queries`` synthetic and holdout images are searched (a seeded subsample).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan._random import numpy_rng
from synthgan.evaluation._neighbors import nearest

NEAR_COPY_QUANTILE = 0.01
Z = 2.0
EXACT_TOLERANCE = 1e-6
MAX_QUERIES = 10_000
N_QUANTILES = 21
N_CLOSEST = 8


def _subsample(n: int, cap: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if n <= cap else np.sort(rng.choice(n, cap, replace=False))


def _expected_share(h_below: np.ndarray, n_synthetic: int, synthetic_groups: np.ndarray | None,
                    holdout_groups: np.ndarray | None) -> tuple[float, float]:
    """Near-copy share expected of the synthetic images and its standard error (see the module docstring)."""
    n_h = len(h_below)
    if synthetic_groups is None or holdout_groups is None:
        p = float(h_below.mean())
        q = max(p, 1.0 / n_h)
        return p, float(np.sqrt(q * (1.0 - q) * (1.0 / n_synthetic + 1.0 / n_h)))
    expected, variance = 0.0, 0.0
    overall = max(float(h_below.mean()), 1.0 / n_h)
    groups, counts = np.unique(synthetic_groups, return_counts=True)
    for group, count in zip(groups, counts):
        w = count / n_synthetic
        mine = holdout_groups == group
        n_g = int(mine.sum())
        p_g = float(h_below[mine].mean()) if n_g else overall
        q_g = max(p_g, 1.0 / max(n_g, 1))
        expected += w * p_g
        variance += w * w * q_g * (1.0 - q_g) / max(n_g, 1)
    q = max(expected, 1.0 / n_h)
    return expected, float(np.sqrt(variance + q * (1.0 - q) / n_synthetic))


def near_copy_test(synthetic_distances: np.ndarray, holdout_distances: np.ndarray, *,
                   synthetic_groups: np.ndarray | None = None, holdout_groups: np.ndarray | None = None,
                   quantile: float = NEAR_COPY_QUANTILE, z: float = Z) -> dict[str, Any]:
    """Near-copy threshold from the holdout's NN distances, the two shares and the verdict.

    Parameters
    ----------
    synthetic_distances, holdout_distances : ndarray
        Each image's distance to its nearest training image.
    synthetic_groups, holdout_groups : ndarray, optional
        Class of each image (requested or read for synthetic images, true for the holdout):
        the expected share then follows the synthetic class mix (see the module docstring).
    quantile : float, default=0.01
        Quantile of the holdout distances below which an image is a near-copy.
    z : float, default=2.0
        Standard errors the synthetic share may exceed the expected share by before the verdict fails.

    Returns
    -------
    dict
        ``threshold``, ``synthetic_count``, ``synthetic_share``, ``holdout_count``,
        ``holdout_share``, ``expected_share`` (the holdout's, matched to the synthetic class
        mix when groups are given), ``allowed_share`` (expected + z standard errors), ``passed``,
        ``class_matched``, ``median_ratio`` (median synthetic / median holdout distance; well
        below 1 = memorised), ``synthetic_quantiles`` and ``holdout_quantiles`` (21 quantiles, 0 to 1).
    """
    s, h = np.asarray(synthetic_distances, dtype=float), np.asarray(holdout_distances, dtype=float)
    threshold = float(np.quantile(h, quantile))
    s_count, h_below = int((s < threshold).sum()), h < threshold
    expected, se = _expected_share(h_below, len(s), synthetic_groups, holdout_groups)
    median_h = float(np.median(h))
    probs = np.linspace(0.0, 1.0, N_QUANTILES)
    return {"threshold": threshold, "quantile": quantile, "synthetic_count": s_count,
            "synthetic_share": s_count / len(s), "holdout_count": int(h_below.sum()),
            "holdout_share": float(h_below.mean()), "expected_share": expected, "allowed_share": expected + z * se,
            "passed": bool(s_count / len(s) <= expected + z * se),
            "class_matched": synthetic_groups is not None and holdout_groups is not None,
            "median_synthetic": float(np.median(s)), "median_holdout": median_h,
            "median_ratio": float(np.median(s)) / median_h if median_h > 0 else None,
            "synthetic_quantiles": np.quantile(s, probs).tolist(), "holdout_quantiles": np.quantile(h, probs).tolist(),
            "n_synthetic": int(len(s)), "n_holdout": int(len(h))}


def memorization_scores(train_pixels: np.ndarray, synthetic_pixels: np.ndarray, holdout_pixels: np.ndarray,
                        train_features: np.ndarray, synthetic_features: np.ndarray, holdout_features: np.ndarray, *,
                        all_train_pixels: np.ndarray | None = None, synthetic_groups: np.ndarray | None = None,
                        holdout_groups: np.ndarray | None = None, seed: int = 0, max_queries: int = MAX_QUERIES,
                        quantile: float = NEAR_COPY_QUANTILE, z: float = Z) -> dict[str, Any]:
    """Nearest-training-image distances of synthetic and holdout images, near-copies and exact copies.

    Parameters
    ----------
    train_pixels, synthetic_pixels, holdout_pixels : ndarray of shape (n, n_pixels)
        Flattened images in [0, 1]; the training images are the reference set.
    train_features, synthetic_features, holdout_features : ndarray of shape (n, d)
        The same images' FeatureNet embeddings (rows in the same order).
    all_train_pixels : ndarray, optional
        Every training image, when ``train_pixels`` is only part of them (the rest was split
        off as holdout): exact copies are counted against these.
    synthetic_groups, holdout_groups : ndarray, optional
        Class of each synthetic and holdout image (see :func:`near_copy_test`).
    seed : int, default=0
        Seeds the query subsamples.
    max_queries : int, default=10,000
    quantile, z
        See :func:`near_copy_test`.

    Returns
    -------
    dict
        ``pixel`` and ``feature`` (each from :func:`near_copy_test`), ``passed`` (the pixel
        verdict), ``exact_copies`` (count among the searched synthetic images),
        ``exact_copy_share``, ``closest`` (the ``N_CLOSEST`` synthetic images nearest a
        training image in pixel space: ``synthetic`` and ``train`` indices and ``distance``).
    """
    rng = numpy_rng(seed, "images", "memorization")
    s_rows = _subsample(len(synthetic_pixels), max_queries, rng)
    h_rows = _subsample(len(holdout_pixels), max_queries, rng)
    s_pix, s_index = nearest(synthetic_pixels[s_rows], train_pixels, 1)
    h_pix, _ = nearest(holdout_pixels[h_rows], train_pixels, 1)
    s_feat, _ = nearest(synthetic_features[s_rows], train_features, 1)
    h_feat, _ = nearest(holdout_features[h_rows], train_features, 1)
    groups = {} if synthetic_groups is None or holdout_groups is None else \
        {"synthetic_groups": np.asarray(synthetic_groups)[s_rows], "holdout_groups": np.asarray(holdout_groups)[h_rows]}
    pixel = near_copy_test(s_pix[:, 0], h_pix[:, 0], quantile=quantile, z=z, **groups)
    feature = near_copy_test(s_feat[:, 0], h_feat[:, 0], quantile=quantile, z=z, **groups)
    reference = train_pixels if all_train_pixels is None else all_train_pixels
    if all_train_pixels is None:
        exact_d = s_pix[:, 0]
    else:
        exact_d, _ = nearest(synthetic_pixels[s_rows], reference, 1)
        exact_d = exact_d[:, 0]
    # a Euclidean distance <= tolerance bounds every pixel's difference by it
    exact = int((exact_d <= EXACT_TOLERANCE).sum())
    order = np.argsort(s_pix[:, 0], kind="stable")[:N_CLOSEST]
    closest = [{"synthetic": int(s_rows[i]), "train": int(s_index[i, 0]), "distance": float(s_pix[i, 0])}
               for i in order]
    return {"pixel": pixel, "feature": feature, "passed": pixel["passed"], "exact_copies": exact,
            "exact_copy_share": exact / len(s_rows), "closest": closest, "n_train_reference": int(len(train_pixels)),
            "n_searched": {"synthetic": int(len(s_rows)), "holdout": int(len(h_rows))}}
