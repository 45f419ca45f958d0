"""Evaluation of synthetic images against real ones, without downloaded weights.

Every metric lives in the feature space of a small CNN trained here on the real training
images (:class:`FeatureNet`); the Frechet distance there is **not comparable to published
Inception FIDs**.

* :mod:`.features`: :class:`FeatureNet` (classifier with labels, rotation prediction without);
* :mod:`.pixels`: file-convention pixels -> [0, 1] arrays and [-1, 1] network tensors;
* :mod:`.frechet`: :func:`frechet_distance` (the FID formula, in FeatureNet's space);
* :mod:`.prdc`: precision, recall, density and coverage (Naeem et al. 2020), blocked distances;
* :mod:`.conditional`: class-conditional accuracy, per-class counts and mode coverage;
* :mod:`.memorization`: nearest-training-image distances against a real holdout, near-copies;
* :mod:`.inputs`: the image sets and their checks; :mod:`.verdicts`: sentences and headline figures;
* :mod:`.suite`: :func:`evaluate_images` (one JSON-safe dict);
* :mod:`.report`: :func:`write_images_report` (one self-contained HTML file).
"""

from synthgan.images.evaluation.conditional import class_coverage, conditional_accuracy, conditional_scores
from synthgan.images.evaluation.features import FeatureNet
from synthgan.images.evaluation.frechet import frechet_distance
from synthgan.images.evaluation.memorization import memorization_scores, near_copy_test
from synthgan.images.evaluation.pixels import as_unit_float, to_network_input
from synthgan.images.evaluation.prdc import coverage, kth_neighbour_radii, prdc
from synthgan.images.evaluation.report import render_images_report, write_images_report
from synthgan.images.evaluation.suite import FID_NOTE, evaluate_images

__all__ = [
    "FID_NOTE", "FeatureNet", "as_unit_float", "class_coverage", "conditional_accuracy", "conditional_scores",
    "coverage", "evaluate_images", "frechet_distance", "kth_neighbour_radii", "memorization_scores",
    "near_copy_test", "prdc", "render_images_report", "to_network_input", "write_images_report",
]
