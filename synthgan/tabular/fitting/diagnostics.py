"""Mode-collapse alarm: cheap checks of the generator's samples on the encoded matrix every few epochs.

Two signals, both compared with the real data at the same sample size:

* **category coverage**: the share of *frequent* real categories (at least 1% of the
  real rows, over every softmax span: categories and the modes of numeric columns)
  that appear at least once among the sampled rows. A fair sampler of 1,000 rows
  misses such a category with probability below 0.01%, so a coverage well below
  the real data's means the generator dropped modes.
* **distinct rows**: the share of distinct sampled rows (values rounded to 2
  decimals), relative to the same share in real rows. A generator that emits the
  same few rows whatever the noise scores near 0.

The monitor samples with its own generator (seeded once, the same draw each time),
so watching training never changes it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synthgan._random import child_seed, numpy_rng, torch_generator
from synthgan.tabular.layout import Layout
from synthgan.core.callbacks import Callback

FREQUENT_SHARE = 0.01  # categories at least this common in the real rows must be generated
COVERAGE_ALARM = 0.8  # alarm when coverage falls below this share of the real coverage
DISTINCT_ALARM = 0.5  # ... or the distinct-row share below this share of the real one
MONITOR_ROWS = 1_000


def _softmax_spans(layout: Layout) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in layout.spans if s.activation == "softmax"]


def category_frequencies(x: np.ndarray, layout: Layout) -> list[np.ndarray]:
    """Per softmax span, the share of rows whose argmax is each category."""
    return [np.bincount(x[:, a:b].argmax(axis=1), minlength=b - a) / max(len(x), 1) for a, b in _softmax_spans(layout)]


def category_coverage(x: np.ndarray, layout: Layout, frequent: list[np.ndarray]) -> float:
    """Share of the ``frequent`` (boolean per span) categories that occur in ``x``; 1.0 when there are none."""
    total = sum(int(f.sum()) for f in frequent)
    if total == 0:
        return 1.0
    seen = sum(int((freq > 0)[mask].sum()) for freq, mask in zip(category_frequencies(x, layout), frequent))
    return seen / total


def distinct_share(x: np.ndarray) -> float:
    """Share of distinct rows after rounding to 2 decimals."""
    if len(x) == 0:
        return 0.0
    return len(np.unique(np.round(x, 2), axis=0)) / len(x)


class CollapseMonitor(Callback):
    """Every ``every`` epochs (and at epoch 1), log category coverage and distinct rows; raise an alarm on collapse.

    Adds ``category_coverage``, ``distinct_rows`` (relative to the real data) and
    ``mode_collapse_alarm`` (1.0 or 0.0) to that epoch's logs (so to ``history_``).

    Parameters
    ----------
    real : ndarray
        Encoded real rows (the training matrix, or a sample of it).
    layout : Layout
    every : int, optional
        Epochs between checks; ``None`` checks about ``checks`` times over the planned epochs.
    rows : int, default=1000
        Rows sampled per check.
    seed : int, optional
    checks : int, default=20
    """

    name = "collapse_monitor"

    def __init__(self, real: np.ndarray, layout: Layout, *, every: int | None = None, rows: int = MONITOR_ROWS,
                 seed: int | None = 0, checks: int = 20) -> None:
        self.every = every
        self.checks = checks
        self.rows = rows
        self.layout = layout
        self._seed = child_seed(seed, "collapse-monitor")
        sample = real
        if len(real) > rows:
            sample = real[np.sort(numpy_rng(self._seed, "real").choice(len(real), rows, replace=False))]
        self._frequent = [f >= FREQUENT_SHARE for f in category_frequencies(real, layout)]
        self.real_coverage_ = category_coverage(sample, layout, self._frequent)
        self.real_distinct_ = distinct_share(sample)

    def check(self, encoded: np.ndarray) -> dict[str, float]:
        """Coverage, relative distinct share and the alarm flag for sampled encoded rows."""
        coverage = category_coverage(encoded, self.layout, self._frequent)
        distinct = distinct_share(encoded) / max(self.real_distinct_, 1e-12)
        alarm = coverage < COVERAGE_ALARM * self.real_coverage_ or distinct < DISTINCT_ALARM
        return {"category_coverage": coverage, "distinct_rows": min(distinct, 1.0), "mode_collapse_alarm": float(alarm)}

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        self._every = self.every or max(1, round(total_epochs / self.checks))

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        if epoch == 1 or epoch % self._every == 0:
            gen = torch_generator(self._seed, "sample", device=model._device.type)
            logs.update(self.check(model.preview(self.rows, gen)))
        return False


def collapse_alarms(history: list[dict[str, float]]) -> list[str]:
    """One line per run of consecutive alarmed checks, e.g. ``"epochs 5-20: mode collapse (coverage 0.41, distinct 0.90)"``."""
    checks = [row for row in history if "mode_collapse_alarm" in row]
    alarms, run = [], []
    for row in checks + [None]:
        if row is not None and row["mode_collapse_alarm"]:
            run.append(row)
            continue
        if run:
            first, last = int(run[0]["epoch"]), int(run[-1]["epoch"])
            worst = min(run, key=lambda r: r["category_coverage"])
            span = f"epoch {first}" if first == last else f"epochs {first}-{last}"
            alarms.append(f"{span}: mode collapse (category coverage {worst['category_coverage']:.2f}, "
                          f"distinct rows {min(r['distinct_rows'] for r in run):.2f} of the real data's)")
            run = []
    return alarms
