"""Differential privacy for whole table fits: one budget (accounting.py) over released statistics
(statistics.py) and DP-SGD (sgd.py), put together by table.py behind ``Synthesizer(epsilon=...)``
and ``synthgan fit --epsilon``; describe.py says what a fit spent.
"""

from synthgan.dp.accounting import PrivacyBudget, gaussian_rdp, to_epsilon
from synthgan.dp.statistics import ColumnHistogram, HistogramRelease, numeric_edges, release_histograms

__all__ = ["ColumnHistogram", "HistogramRelease", "PrivacyBudget", "gaussian_rdp", "numeric_edges",
           "release_histograms", "to_epsilon"]
