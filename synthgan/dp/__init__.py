"""Differential privacy for whole fits: one budget (accounting.py) over released statistics (statistics.py) and DP-SGD.

Work in progress (issue 12): the accounting and the statistics are in place and tested;
the DP encoder and DP-SGD training behind ``fit(epsilon=...)`` are not wired yet.
"""

from synthgan.dp.accounting import PrivacyBudget, gaussian_rdp, to_epsilon
from synthgan.dp.statistics import ColumnHistogram, HistogramRelease, numeric_edges, release_histograms

__all__ = ["ColumnHistogram", "HistogramRelease", "PrivacyBudget", "gaussian_rdp", "numeric_edges",
           "release_histograms", "to_epsilon"]
