"""Anomaly detection with what synthgan learns: score, flag and explain rows of mixed-type tables.

>>> from synthgan.anomaly import AnomalyDetector                     # doctest: +SKIP
>>> det = AnomalyDetector("vae", seed=0).fit(normal_rows)           # doctest: +SKIP
>>> det.score_frame(new_rows, contamination=0.02)                   # doctest: +SKIP
>>> det.explain(new_rows, top=3)                                    # doctest: +SKIP

See :mod:`synthgan.anomaly.detector` (the estimator), :mod:`synthgan.anomaly.detectors`
(``vae``, ``alad``, ``critic``) and :mod:`synthgan.anomaly.run` (files, streamed).
The estimator is imported when first asked for, so the detector names (and the CLI's
help) do not pay for torch.
"""

from __future__ import annotations

from typing import Any

from synthgan.anomaly.detectors import DEFAULT_DETECTOR, DETECTORS, detector_names

__all__ = ["AnomalyDetector", "DEFAULT_DETECTOR", "DETECTORS", "FLAG_COLUMN", "SCORE_COLUMN", "detector_names"]


def __getattr__(name: str) -> Any:
    if name in ("AnomalyDetector", "FLAG_COLUMN", "SCORE_COLUMN"):
        from synthgan.anomaly import detector

        return getattr(detector, name)
    raise AttributeError(f"module 'synthgan.anomaly' has no attribute {name!r}")
