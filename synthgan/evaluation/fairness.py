"""Fairness: does the synthetic data keep (and not distort) group structure for sensitive columns?

For each sensitive column, rows are grouped by its value (the 10 most frequent real
values, the rest as "other", missing as "missing"; a continuous column by the real
quartiles). Groups with fewer than 20 rows are left out of the gaps (listed).

* group shares: total variation distance between real and synthetic group shares;
* demographic parity: the outcome rate per group (share of the positive, i.e.
  least frequent, target class; the mean target divided by its real standard
  deviation for regression), and how much the synthetic data changes the gap
  between the highest and lowest group;
* equalised odds: the largest gap between groups in true- or false-positive rate
  of the TSTR model, compared with the TRTR model's, on the real test rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan.evaluation._prep import CONTINUOUS, comparable_values, numeric_values
from synthgan.evaluation.base import Unavailable, compute, metric
from synthgan.evaluation.utility import UtilityRun

MIN_GROUP = 20
_TOP_GROUPS = 10

GROUP_SHARES = metric("fairness", "group_shares", "minimize", (0.0, 1.0),
                      "Per sensitive column: total variation distance between the real and synthetic group "
                      "shares (0 = every group is as frequent as in the real data).", ideal=0.0)
PARITY = metric("fairness", "demographic_parity_gap", "minimize", (0.0, None),
                "Per sensitive column: |parity gap in synthetic - parity gap in real|, where the parity gap is "
                "the highest minus the lowest group outcome rate (0 = the synthetic data keeps the real gap).",
                ideal=0.0)
EQUALIZED_ODDS = metric("fairness", "equalized_odds_gap", "minimize", (0.0, 1.0),
                        "Per sensitive column: |equalised-odds gap of the TSTR model - that of the TRTR model| on "
                        "real test rows; a model's gap is the largest between-group difference in true- or "
                        "false-positive rate (classification only).", ideal=0.0)


class _Groups:
    """Group labels for one sensitive column, defined on the real table."""

    def __init__(self, real_col: pd.Series, continuous: bool):
        self.continuous = continuous
        if continuous:
            values = numeric_values(real_col)
            self.edges = np.unique(np.nanquantile(values, [0.25, 0.5, 0.75])) if np.isfinite(values).any() else None
        else:
            counts = comparable_values(real_col).value_counts()
            self.top = pd.Index(counts.index[:_TOP_GROUPS])

    def labels(self, col: pd.Series) -> np.ndarray:
        if self.continuous:
            values = numeric_values(col)
            if self.edges is None:
                return np.full(len(col), "missing", dtype=object)
            bounds = np.r_[-np.inf, self.edges, np.inf]
            names = np.array([f"[{lo:.4g}, {hi:.4g})" for lo, hi in zip(bounds[:-1], bounds[1:])] + ["missing"],
                             dtype=object)
            idx = np.where(np.isnan(values), len(names) - 1, np.digitize(values, self.edges))
            return names[idx]
        values = comparable_values(col)
        idx = self.top.get_indexer(values)
        labels = np.asarray(self.top.astype(str), dtype=object)[np.maximum(idx, 0)]
        labels = np.where(idx < 0, "other", labels)
        return np.where(values.isna().to_numpy(), "missing", labels)


def _shares(labels: np.ndarray) -> pd.Series:
    return pd.Series(labels).value_counts(normalize=True)


def _outcome(frame: pd.DataFrame, run: UtilityRun) -> np.ndarray:
    """The per-row outcome: 1/0 for the positive class (NaN if unknown), or the standardised target."""
    if run.task == "regression":
        return numeric_values(frame[run.target])
    positive = run.classes[run.positive]
    values = comparable_values(frame[run.target])
    return np.where(values.isna().to_numpy(), np.nan, (values == positive).to_numpy(dtype=np.float64))


def _group_rates(labels: np.ndarray, outcome: np.ndarray) -> dict[str, float]:
    frame = pd.DataFrame({"g": labels, "y": outcome}).dropna(subset=["y"])
    stats = frame.groupby("g")["y"].agg(["mean", "size"])
    return stats.loc[stats["size"] >= MIN_GROUP, "mean"].to_dict()


def _gap(rates: dict[str, float]) -> float:
    return max(rates.values()) - min(rates.values()) if len(rates) >= 2 else float("nan")


def _parity(groups: _Groups, real: pd.DataFrame, synthetic: pd.DataFrame, name: str, run: UtilityRun):
    scale = 1.0
    if run.task == "regression":
        scale = float(np.nanstd(numeric_values(real[run.target]))) or 1.0
    rates = {label: {k: v / scale for k, v in _group_rates(groups.labels(frame[name]), _outcome(frame, run)).items()}
             for label, frame in (("real", real), ("synthetic", synthetic))}
    shared = sorted(set(rates["real"]) & set(rates["synthetic"]))
    if len(shared) < 2:
        raise Unavailable(f"fewer than two groups of '{name}' have {MIN_GROUP}+ rows with a known outcome in both tables")
    gaps = {k: _gap({g: rates[k][g] for g in shared}) for k in rates}
    return abs(gaps["synthetic"] - gaps["real"]), {
        "outcome": "share of the positive class" if run.task == "classification" else "mean target / real std",
        "positive_class": run.notes.get("positive_class"), "rates": rates,
        "gap_real": gaps["real"], "gap_synthetic": gaps["synthetic"]}


def _equalized_odds(labels: np.ndarray, y: np.ndarray, pred: np.ndarray, positive: int) -> tuple[float, dict]:
    truth, guess = (y == positive), (pred == positive)
    tpr = _group_rates(labels[truth], guess[truth].astype(float))
    fpr = _group_rates(labels[~truth], guess[~truth].astype(float))
    gaps = [g for g in (_gap(tpr), _gap(fpr)) if not np.isnan(g)]
    if not gaps:
        raise Unavailable(f"fewer than two groups have {MIN_GROUP}+ test rows of each outcome")
    return max(gaps), {"tpr": tpr, "fpr": fpr}


def _odds_gap(groups: _Groups, name: str, run: UtilityRun) -> tuple[float, dict[str, Any]]:
    if run.task != "classification":
        raise Unavailable("equalised odds is defined for classification targets only")
    missing = [s.upper() for s in ("tstr", "trtr") if s not in run.predictions]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise Unavailable(f"the {' and '.join(missing)} model{plural} could not be trained: {run.error_text()}")
    labels = groups.labels(run.test[name])
    tstr, tstr_rates = _equalized_odds(labels, run.y_test, run.predictions["tstr"], run.positive)
    trtr, trtr_rates = _equalized_odds(labels, run.y_test, run.predictions["trtr"], run.positive)
    return abs(tstr - trtr), {"gap_tstr": tstr, "gap_trtr": trtr, "rates_tstr": tstr_rates, "rates_trtr": trtr_rates}


def fairness_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], sensitive: list[str],
                     run: UtilityRun | None, no_run_reason: str = "no target column given (pass target= / --target)"
                     ) -> dict[str, dict]:
    """Entries ``group_shares:<col>``, ``demographic_parity_gap:<col>``, ``equalized_odds_gap:<col>``."""
    if not sensitive:
        reason = "no sensitive column given (pass sensitive= / --sensitive)"
        return {spec.name: spec.unavailable(reason) for spec in (GROUP_SHARES, PARITY, EQUALIZED_ODDS)}
    out = {}
    for name in sensitive:
        groups = _Groups(real[name], kinds[name] in CONTINUOUS)

        def shares(name=name, groups=groups):
            a, b = _shares(groups.labels(real[name])), _shares(groups.labels(synthetic[name]))
            both = a.index.union(b.index)
            a, b = a.reindex(both, fill_value=0.0), b.reindex(both, fill_value=0.0)
            return 0.5 * float((a - b).abs().sum()), {"real": a.to_dict(), "synthetic": b.to_dict()}

        def needs_run():
            if run is None:
                raise Unavailable(no_run_reason)
            return run

        out[f"group_shares:{name}"] = compute(GROUP_SHARES, shares)
        out[f"demographic_parity_gap:{name}"] = compute(
            PARITY, lambda name=name, groups=groups: _parity(groups, real, synthetic, name, needs_run()))
        out[f"equalized_odds_gap:{name}"] = compute(
            EQUALIZED_ODDS, lambda name=name, groups=groups: _odds_gap(groups, name, needs_run()))
    return out
