"""Diversity and mode collapse: does the synthetic data cover all of the real data, not just its bulk?

* precision / recall / density / coverage (Naeem et al. 2020, "Reliable Fidelity and
  Diversity Metrics for Generative Models") with k = 5 nearest neighbours on the
  standardised one-hot embedding of at most 5,000 rows per table; a point counts as
  inside a neighbourhood when its distance is <= the radius (so exact matches count
  on discrete data, where radii are often 0);
* category coverage, tail coverage and the synthetic duplicate rate;
* a plain-language mode-collapse alarm built from those numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from synthgan._random import numpy_rng
from synthgan.evaluation._embed import Embedding
from synthgan.evaluation._neighbors import distance_chunks, nearest
from synthgan.evaluation._prep import CATEGORICAL, CONTINUOUS, numeric_values, scored_columns, shared_codes, subsample
from synthgan.evaluation.base import Unavailable, compute, metric

_K = 5
_N_MAX = 5_000
_EPS = 1e-4  # slack on squared distances: float32 round-off must not turn an exact match into a miss

PRECISION = metric("diversity", "precision", "maximize", (0.0, 1.0),
                   "Share of synthetic rows inside the k-NN ball (k=5) of at least one real row: realism.", ideal=1.0)
RECALL = metric("diversity", "recall", "maximize", (0.0, 1.0),
                "Share of real rows inside the k-NN ball (k=5) of at least one synthetic row: how much of "
                "the real data the synthetic data reaches.", ideal=1.0)
DENSITY = metric("diversity", "density", "target", (0.0, None),
                 "Mean number of real k-NN balls containing a synthetic row, divided by k: about 1 when "
                 "synthetic rows are spread like real ones, > 1 when they crowd into dense regions.", ideal=1.0)
COVERAGE = metric("diversity", "coverage", "maximize", (0.0, 1.0),
                  "Share of real rows whose k-NN ball (k=5) contains at least one synthetic row "
                  "(about 0.97 for two samples of the same distribution).", ideal=1.0)
CATEGORY_COVERAGE = metric("diversity", "category_coverage", "maximize", (0.0, 1.0),
                           "Mean over categorical columns of the share of real categories that appear in the "
                           "synthetic data; details list the missing ones, rarest last.", ideal=1.0)
TAIL_COVERAGE = metric("diversity", "tail_coverage", "maximize", (0.0, 1.0),
                       "Mean over continuous columns of min(1, synthetic share beyond the real 1st/99th "
                       "percentiles / real share beyond them): 1 when tails are as populated as in the real data.",
                       ideal=1.0)
DUPLICATES = metric("diversity", "duplicate_rate", "minimize", (0.0, 1.0),
                    "Share of synthetic rows that exactly repeat an earlier synthetic row; details give the "
                    "real table's own rate for comparison.", ideal=0.0)
MODE_COLLAPSE = metric("diversity", "mode_collapse", "minimize", (0.0, 1.0),
                       "1 when recall < 0.5, coverage < 0.5, category coverage < 0.9, tail coverage < 0.5 or "
                       "the duplicate rate exceeds max(5 %, 5 x the real rate), else 0; details say which.",
                       ideal=0.0)


def prdc(real_emb: np.ndarray, synth_emb: np.ndarray, k: int = _K) -> dict[str, float]:
    """Precision, recall, density and coverage of embedded synthetic rows against embedded real rows."""
    if len(real_emb) <= k or len(synth_emb) <= k:
        raise Unavailable(f"needs more than {k} rows in each table")
    real_r2 = torch.from_numpy(nearest(real_emb, real_emb, k, exclude_self=True)[0][:, -1] ** 2).float() + _EPS
    synth_r2 = torch.from_numpy(nearest(synth_emb, synth_emb, k, exclude_self=True)[0][:, -1] ** 2).float() + _EPS
    precision_hits = torch.zeros(len(synth_emb), dtype=torch.bool)
    density_counts = torch.zeros(len(synth_emb), dtype=torch.float64)
    recall_hits = torch.zeros(len(real_emb), dtype=torch.bool)
    closest_to_real = torch.full((len(real_emb),), float("inf"))
    for start, d2 in distance_chunks(synth_emb, real_emb):  # rows: synthetic chunk, columns: real
        stop = start + d2.shape[0]
        inside_real = d2 <= real_r2[None, :]
        precision_hits[start:stop] = inside_real.any(dim=1)
        density_counts[start:stop] = inside_real.sum(dim=1).double()
        recall_hits |= (d2 <= synth_r2[start:stop, None]).any(dim=0)
        closest_to_real = torch.minimum(closest_to_real, d2.min(dim=0).values)
    return {
        "precision": float(precision_hits.double().mean()),
        "recall": float(recall_hits.double().mean()),
        "density": float(density_counts.mean() / k),
        "coverage": float((closest_to_real <= real_r2).double().mean()),
    }


def category_coverage(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]) -> tuple[float, dict]:
    """Mean share of real categories present in the synthetic data, with the missing ones per column."""
    shares, missing = {}, {}
    for name in [c for c in scored_columns(kinds) if kinds[c] == CATEGORICAL]:
        (cr, cs), cats = shared_codes([real[name], synthetic[name]])
        real_counts = np.bincount(cr[cr >= 0], minlength=len(cats))
        present = np.bincount(cs[cs >= 0], minlength=len(cats)) > 0
        seen = real_counts > 0
        if not seen.any():
            continue
        shares[name] = float(present[seen].mean())
        lost = np.flatnonzero(seen & ~present)
        lost = lost[np.argsort(-real_counts[lost])]
        if lost.size:
            missing[name] = {str(cats[i]): float(real_counts[i] / cr.size) for i in lost[:20]}
    if not shares:
        raise Unavailable("the table has no categorical column")
    return float(np.mean(list(shares.values()))), {"columns": shares, "missing_categories": missing}


def tail_coverage(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str]) -> tuple[float, dict]:
    """Mean over continuous columns of min(1, synthetic tail share / real tail share)."""
    per_column, skipped = {}, {}
    for name in [c for c in scored_columns(kinds) if kinds[c] in CONTINUOUS]:
        vr, vs = numeric_values(real[name]), numeric_values(synthetic[name])
        vr, vs = vr[~np.isnan(vr)], vs[~np.isnan(vs)]
        if vr.size == 0 or vs.size == 0:
            skipped[name] = "no values in one of the tables"
            continue
        lo, hi = np.percentile(vr, [1, 99])
        real_tail = float(np.mean((vr < lo) | (vr > hi)))
        if real_tail == 0:
            skipped[name] = "the real column has no mass beyond its 1st/99th percentiles (point masses)"
            continue
        synth_tail = float(np.mean((vs < lo) | (vs > hi)))
        per_column[name] = {"real_share": real_tail, "synthetic_share": synth_tail, "ratio": synth_tail / real_tail}
    if not per_column:
        raise Unavailable("no continuous column has real values beyond its 1st/99th percentiles")
    value = float(np.mean([min(1.0, d["ratio"]) for d in per_column.values()]))
    return value, {"columns": per_column, "not_scored": skipped}


def _mode_collapse(values: dict[str, float | None], real_dup: float) -> tuple[float, dict[str, Any]]:
    checks = [
        ("recall", 0.5, "the synthetic rows reach only {:.0%} of the real rows' neighbourhoods (recall)"),
        ("coverage", 0.5, "only {:.0%} of real rows have a synthetic row nearby (coverage)"),
        ("category_coverage", 0.9, "only {:.0%} of real categories appear in the synthetic data"),
        ("tail_coverage", 0.5, "the tails hold only {:.0%} of their real share of rows"),
    ]
    reasons = [msg.format(values[key]) for key, limit, msg in checks
               if values.get(key) is not None and values[key] < limit]
    dup = values.get("duplicate_rate")
    if dup is not None and dup > max(0.05, 5 * real_dup):
        reasons.append(f"{dup:.1%} of synthetic rows are duplicates (real: {real_dup:.1%})")
    message = ("Possible mode collapse: " + "; ".join(reasons) + ".") if reasons else \
        "No sign of mode collapse: the synthetic rows cover the real data's modes, categories and tails."
    return float(bool(reasons)), {"alarm": bool(reasons), "reasons": reasons, "message": message}


def diversity_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], *,
                      seed: int = 0, n_max: int = _N_MAX) -> dict[str, dict]:
    """All diversity entries and the mode-collapse alarm."""
    columns = scored_columns(kinds)
    rng = numpy_rng(seed, "evaluation", "diversity", "sample")
    real_s, synth_s = subsample(real, n_max, rng), subsample(synthetic, n_max, rng)
    embedding = Embedding(real_s, kinds, columns)
    try:
        scores: dict[str, Any] = prdc(embedding.transform(real_s), embedding.transform(synth_s))
        prdc_error = None
    except Unavailable as exc:
        scores, prdc_error = {}, str(exc)

    def prdc_value(key: str):
        if prdc_error:
            raise Unavailable(prdc_error)
        return scores[key], {"k": _K, "n_real": len(real_s), "n_synthetic": len(synth_s)}

    real_dup = float(real.duplicated().mean())
    out = {spec.name: compute(spec, lambda key=spec.name: prdc_value(key))
           for spec in (PRECISION, RECALL, DENSITY, COVERAGE)}
    out["category_coverage"] = compute(CATEGORY_COVERAGE, lambda: category_coverage(real, synthetic, kinds))
    out["tail_coverage"] = compute(TAIL_COVERAGE, lambda: tail_coverage(real, synthetic, kinds))
    out["duplicate_rate"] = DUPLICATES.entry(float(synthetic.duplicated().mean()), real_rate=real_dup)
    values = {name: entry["value"] for name, entry in out.items()}
    out["mode_collapse"] = compute(MODE_COLLAPSE, lambda: _mode_collapse(values, real_dup))
    return out
