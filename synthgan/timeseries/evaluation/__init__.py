"""Evaluation of synthetic time series against real ones: pure functions over arrays and frames.

Returns (prices, indices) come as a real history ``(T,)`` or ``(T, d)`` and synthetic
paths ``(n_paths, length)`` or ``(n_paths, length, d)``; sensors as long frames (optional
entity column, time column, value columns). Nothing here depends on how the series were
generated.

* :mod:`.stylized`: moments, Hill tail indices, ACFs of r, |r| and r^2, leverage,
  aggregational Gaussianity, Wasserstein-1 of aggregated sums;
* :mod:`.discriminative`: post-hoc LightGBM and GRU classifiers, ``|accuracy - 0.5|``;
* :mod:`.predictive`: next-step ``|r|`` forecast trained on synthetic, tested on real;
* :mod:`.copying`: nearest-training-window distances and exact copies;
* :mod:`.sensors`: lagged cross-correlations, daily/weekly profiles, event shares, static attributes;
* :mod:`.suite`: :func:`evaluate_returns` and :func:`evaluate_sensors` (JSON-safe dicts);
* :mod:`.report`: :func:`write_series_report` (one self-contained HTML file).
"""

from synthgan.timeseries.evaluation.copying import copying_scores
from synthgan.timeseries.evaluation.discriminative import discriminative_score, window_features
from synthgan.timeseries.evaluation.predictive import predictive_score
from synthgan.timeseries.evaluation.report import render_series_report, write_series_report
from synthgan.timeseries.evaluation.sensors import lagged_correlations, sensor_metrics
from synthgan.timeseries.evaluation.stylized import (
    acf,
    aggregational_gaussianity,
    as_paths,
    hill_tail_index,
    leverage,
    returns_statistics,
    wasserstein_sums,
    windows,
)
from synthgan.timeseries.evaluation.suite import evaluate_returns, evaluate_sensors

__all__ = [
    "acf", "aggregational_gaussianity", "as_paths", "copying_scores", "discriminative_score", "evaluate_returns",
    "evaluate_sensors", "hill_tail_index", "lagged_correlations", "leverage", "predictive_score",
    "render_series_report", "returns_statistics", "sensor_metrics", "wasserstein_sums", "window_features",
    "windows", "write_series_report",
]
