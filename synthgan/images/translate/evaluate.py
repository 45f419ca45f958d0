"""Judge a translation: content kept, style changed, cycle error; and the same for not translating at all.

:func:`evaluate_translation` trains two small classifiers here
(:class:`~synthgan.images.evaluation.features.FeatureNet`), since no pretrained network can
be downloaded:

* **content kept**: a classifier of the classes, trained on labelled *target-domain* images,
  reads the translated source images; the share it reads as their source label. A
  translation that keeps the digit and dresses it in the target's style scores near the
  classifier's own accuracy on real target images (reported as ``content_classifier_accuracy``);
* **style changed**: a two-class domain classifier, trained on real source images (channels
  matched to the target's: grey repeated three times, or colour averaged to grey) against real
  target images, calls each translated image source or target; the share called target. Its
  own held-out accuracy is reported (``domain_classifier_accuracy``): near 1 means the
  domains are easy to tell apart, so a high target share is earned;
* **realism** (stricter than style): a second two-class classifier is trained to tell real
  target images from translated ones; its held-out accuracy (``real_vs_translated_accuracy``)
  is 0.5 when translations pass for real target images and 1 when they are told apart
  every time. The domain classifier may call an image target for its colours alone; this
  one has to find what is still wrong with them;
* **cycle error**: mean ``|F(G(x)) - x|`` over the source images, in [-1, 1] pixel units (0:
  the round trip gives the image back).

The **identity baseline** (the source images untranslated, channels matched) gets the same
content and style figures, so a reader sees that the measures discriminate: it should keep
the content (if the classifier generalises) but be called target rarely.

The classifiers are seeded from ``seed``; same inputs and seed, same figures.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from synthgan.errors import ConfigError, DataValidationError, check_is_fitted
from synthgan.images.translate.model import as_image_set

__all__ = ["evaluate_translation", "match_channels"]


def match_channels(x: Any, channels: int):
    """Float NCHW tensor -> ``channels`` channels: grey repeated, colour averaged to grey, else unchanged."""
    if x.shape[1] == channels:
        return x
    if x.shape[1] == 1:
        return x.repeat(1, channels, 1, 1)
    if channels == 1:
        return x.mean(dim=1, keepdim=True)
    raise DataValidationError(f"cannot match {x.shape[1]}-channel images to {channels} channels")


def evaluate_translation(translator: Any, source_test_images: Any, target_train_images: Any,
                         target_train_labels: np.ndarray | None = None, source_test_labels: np.ndarray | None = None, *,
                         seed: int = 0, epochs: int = 10, threads: int | None = None,
                         device: str = "auto") -> dict[str, Any]:
    """Content kept, style changed and cycle error of ``translator`` on ``source_test_images``.

    Parameters
    ----------
    translator : ImageTranslator
        A fitted translator (forward direction: source -> target).
    source_test_images : ImageSet, ndarray or path
        Source-domain images to translate (ideally not used to fit the translator).
    target_train_images : ImageSet, ndarray or path
        Real target-domain images: the domain classifier's target class and, with labels,
        the content classifier's training set.
    target_train_labels, source_test_labels : ndarray, optional
        Class labels (taken from the ImageSets when not given). Without both, content kept is
        not measured (``None``).
    seed : int, default=0
        Seeds the classifiers.
    epochs : int, default=10
        Training epochs of each classifier.
    threads : int, optional
        torch CPU threads (None: as set).
    device : str, default="auto"

    Returns
    -------
    dict
        ``translated`` (``content_accuracy``, ``target_share``, ``cycle_error``),
        ``identity_baseline`` (``content_accuracy``, ``target_share``),
        ``content_classifier_accuracy``, ``domain_classifier_accuracy``, ``real_vs_translated_accuracy``, ``n_source``,
        ``n_target``, ``seconds``.

    Raises
    ------
    NotFittedError
        ``translator`` is not fitted.
    DataValidationError
        Images or labels that do not match the translator's domains or each other.
    """
    import torch

    from synthgan.images.evaluation.features import FeatureNet, cpu_threads

    check_is_fitted(translator, "networks_")
    started = time.perf_counter()
    source = as_image_set(source_test_images, "source test images")
    target = as_image_set(target_train_images, "target training images")
    y_target = target.labels if target_train_labels is None else np.asarray(target_train_labels)
    y_source = source.labels if source_test_labels is None else np.asarray(source_test_labels)
    for labels, images, name in ((y_target, target, "target_train_labels"), (y_source, source, "source_test_labels")):
        if labels is not None and labels.shape != (len(images),):
            raise DataValidationError(f"{name}: one label per image expected ({len(images)}), got shape {labels.shape}")
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise ConfigError(f"epochs must be a positive integer, got {epochs!r}")

    x_source = torch.from_numpy(translator.encode(source, "forward"))
    x_target = torch.from_numpy(translator.encode(target, "backward"))
    with cpu_threads(threads):
        translated = torch.from_numpy(translator.translate_encoded(x_source.numpy(), "forward"))
        cycled = torch.from_numpy(translator.translate_encoded(translated.numpy(), "backward"))
        cycle_error = float((cycled - x_source).abs().mean())
        identity = match_channels(x_source, x_target.shape[1])

        domain = FeatureNet(epochs=epochs, seed=seed, threads=threads, device=device)
        domain.fit(torch.cat([identity, x_target]), np.repeat(np.array([0, 1]), [len(identity), len(x_target)]))
        result: dict[str, Any] = {
            "translated": {"content_accuracy": None, "target_share": _share_target(domain, translated),
                           "cycle_error": cycle_error},
            "identity_baseline": {"content_accuracy": None, "target_share": _share_target(domain, identity),
                                  "cycle_error": 0.0},
            "content_classifier_accuracy": None,
            "domain_classifier_accuracy": float(domain.accuracy_),
        }
        realism = FeatureNet(epochs=epochs, seed=seed + 2, threads=threads, device=device)
        realism.fit(torch.cat([x_target, translated]), np.repeat(np.array([1, 0]), [len(x_target), len(translated)]))
        result["real_vs_translated_accuracy"] = float(realism.accuracy_)
        if y_target is not None and y_source is not None:
            content = FeatureNet(epochs=epochs, seed=seed + 1, threads=threads, device=device).fit(x_target, y_target)
            result["translated"]["content_accuracy"] = float(np.mean(content.predict(translated) == y_source))
            result["identity_baseline"]["content_accuracy"] = float(np.mean(content.predict(identity) == y_source))
            result["content_classifier_accuracy"] = float(content.accuracy_)
    result.update({"n_source": len(source), "n_target": len(target), "seconds": round(time.perf_counter() - started, 2)})
    return result


def _share_target(domain: Any, x: Any) -> float:
    return float(np.mean(domain.predict(x) == 1))
