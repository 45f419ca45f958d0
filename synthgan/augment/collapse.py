"""Model-collapse study: train generation 1 on real data, each later generation only on the previous one's samples.

Every generation's samples are scored against the *real* table, so the curves
show whether, and how fast, the tails and rare categories vanish when synthetic
data feeds the next model. The scores come from :mod:`synthgan.evaluation`
(tail and category coverage, column shapes, column pair trends) plus the
rare-category coverage defined here.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

import pandas as pd

from synthgan.tabular import DEFAULT_TABLE_MODEL
from synthgan._random import child_seed
from synthgan.augment.generators import synthesizer_factory, training_budget
from synthgan.errors import ConfigError, DataValidationError, check_is_fitted

RARE_SHARE = 0.05
DEFINITIONS = {
    "tail_coverage": "mean over continuous columns of min(1, synthetic share beyond the real 1st/99th percentiles / real share beyond them)",
    "rare_category_coverage": f"share of the real table's rare categories (under {RARE_SHARE:.0%} of rows in their column) that appear in the generation's samples",
    "category_coverage": "mean over categorical columns of the share of real categories that appear in the samples",
    "column_shapes": "mean per-column similarity of marginals (KS complement for continuous, TV complement for categorical)",
    "column_pair_trends": "mean similarity of pairwise correlations (continuous pairs) and contingency tables (other pairs)",
}


def rare_category_coverage(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], *,
                           rare_share: float = RARE_SHARE) -> tuple[float, dict[str, list[str]]]:
    """Share of rare real categories present in ``synthetic``, and the lost ones per column.

    A category is rare when it holds fewer than ``rare_share`` of its column's
    non-missing real values. NaN when the real table has no rare category.
    """
    found, total, lost = 0, 0, {}
    for column in [c for c, kind in kinds.items() if kind == "categorical"]:
        shares = real[column].astype("string").value_counts(normalize=True, dropna=True)
        rare = shares.index[shares < rare_share]
        if len(rare) == 0:
            continue
        present = rare.isin(synthetic[column].astype("string").dropna().unique())
        found += int(present.sum())
        total += len(rare)
        if not present.all():
            lost[column] = [str(v) for v in rare[~present]]
    return (found / total if total else float("nan")), lost


def generation_scores(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]) -> dict[str, Any]:
    """All collapse scores of one generation's samples against the real table (NaN when undefined)."""
    from synthgan.evaluation.base import Unavailable
    from synthgan.evaluation.diversity import category_coverage, tail_coverage
    from synthgan.evaluation.fidelity import column_pair_trends, column_shapes

    scores: dict[str, Any] = {}
    for name, func in (("tail_coverage", tail_coverage), ("category_coverage", category_coverage)):
        try:
            scores[name] = float(func(real, synthetic, kinds)[0])
        except Unavailable:
            scores[name] = float("nan")
    scores["rare_category_coverage"], scores["lost_rare_categories"] = rare_category_coverage(real, synthetic, kinds)
    scores["column_shapes"] = column_shapes(real, synthetic, kinds=kinds)
    scores["column_pair_trends"] = column_pair_trends(real, synthetic, kinds=kinds)
    return scores


class CollapseStudy:
    """Repeatedly fit a model on the previous generation's samples and score each generation against the real data.

    Parameters
    ----------
    model : str, default=DEFAULT_TABLE_MODEL ("autoregressive")
        Registered synthgan model.
    generations : int, default=5
        Generation 1 is trained on the real table; generation ``k`` on generation ``k - 1``'s samples.
    n_rows : int, optional
        Rows sampled per generation (default: as many as the real table).
    drop : sequence of str, default=()
        Columns to leave out (identifiers).
    epochs, batch_size : int, optional
        Training options; by default the experiment's data-size budget
        (:func:`~synthgan.augment.generators.experiment_budget`).
    seed : int, default=0
    generator_factory : callable, optional
        ``(model, seed=..., n_rows=...) -> synthesizer``; default builds :class:`~synthgan.Synthesizer`.
    progress : callable, optional
        Called with one line of text per generation.

    Attributes
    ----------
    generations_ : pandas.DataFrame
        One row per generation: the scores of :data:`DEFINITIONS`, ``lost_rare_categories`` and ``fit_seconds``.
    info_ : dict
    """

    def __init__(self, model: str = DEFAULT_TABLE_MODEL, *, generations: int = 5, n_rows: int | None = None, drop=(),
                 epochs: int | None = None, batch_size: int | None = None, seed: int = 0,
                 generator_factory: Callable[..., Any] | None = None, progress: Callable[[str], None] | None = None) -> None:
        self.model = model
        self.generations = generations
        self.n_rows = n_rows
        self.drop = drop
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.generator_factory = generator_factory
        self.progress = progress

    def _check(self, data: pd.DataFrame) -> pd.DataFrame:
        if isinstance(self.generations, bool) or not isinstance(self.generations, int) or self.generations < 1:
            raise ConfigError(f"generations must be a positive integer (5 is a good start), got {self.generations!r}")
        if self.n_rows is not None and (isinstance(self.n_rows, bool) or not isinstance(self.n_rows, int) or self.n_rows < 10):
            raise ConfigError(f"n_rows (--rows) must be an integer of at least 10, got {self.n_rows!r}")
        if not isinstance(data, pd.DataFrame) or data.empty:
            raise DataValidationError("the collapse study needs a non-empty table")
        missing = [c for c in self.drop if c not in data.columns]
        if missing:
            raise DataValidationError(f"--drop column(s) {missing} are not in the table; check the names")
        return data.drop(columns=list(self.drop)).reset_index(drop=True)

    def run(self, data: pd.DataFrame) -> "CollapseStudy":
        """Fit and score every generation; returns ``self``."""
        from synthgan.evaluation import infer_kinds

        real = self._check(data)
        kinds = infer_kinds(real)
        n_rows = self.n_rows or len(real)
        factory = self.generator_factory or functools.partial(synthesizer_factory, epochs=self.epochs, batch_size=self.batch_size)
        rows, previous = [], real
        for generation in range(1, self.generations + 1):
            started = time.perf_counter()
            seed = child_seed(self.seed, "collapse", str(generation))
            generator = factory(self.model, seed=seed, n_rows=len(previous)).fit(previous)
            samples = generator.sample(n_rows, seed=child_seed(seed, "sample"))[list(real.columns)]
            seconds = time.perf_counter() - started
            rows.append({"generation": generation, "rows": int(len(samples)), "fit_seconds": seconds,
                         **generation_scores(real, samples, kinds)})
            if self.progress is not None:
                self.progress(f"generation {generation}/{self.generations}: tail coverage {rows[-1]['tail_coverage']:.3f}, "
                              f"rare categories {rows[-1]['rare_category_coverage']:.3f} ({seconds:.1f}s)")
            previous = samples
        self.generations_ = pd.DataFrame(rows)
        budget = training_budget(self.model, len(real), self.epochs, self.batch_size)
        self.info_ = {"model": self.model, "rows": int(len(real)), "n_rows": int(n_rows), "generations": self.generations,
                      "seed": self.seed, "epochs": budget[0], "batch_size": budget[1], "kinds": kinds}
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe results (NaN becomes None)."""
        check_is_fitted(self, "generations_")
        return {"kind": "synthgan.collapse_study", "info": self.info_, "definitions": DEFINITIONS,
                "generations": json.loads(self.generations_.to_json(orient="records", double_precision=10))}
