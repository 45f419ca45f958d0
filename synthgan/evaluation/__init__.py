"""Evaluate synthetic tables: fidelity, detection, diversity, privacy, utility and fairness.

``evaluate`` runs the whole suite; the fast helpers below are meant for early
stopping and benchmarks. Every metric's definition, direction and range is in its
entry (``result.to_dict()``) and in ``docs/metrics.md``.
"""

from __future__ import annotations

from synthgan.evaluation._prep import infer_kinds
from synthgan.evaluation.detection import detection_auc
from synthgan.evaluation.fidelity import column_pair_trends, column_shapes
from synthgan.evaluation.privacy import dcr_closer_to_train_share
from synthgan.evaluation.suite import EvaluationResult, evaluate
from synthgan.evaluation.utility import tstr_auc

__all__ = [
    "EvaluationResult",
    "evaluate",
    "infer_kinds",
    "column_shapes",
    "column_pair_trends",
    "detection_auc",
    "dcr_closer_to_train_share",
    "tstr_auc",
]
