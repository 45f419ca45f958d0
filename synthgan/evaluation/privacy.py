"""Privacy: do synthetic rows sit closer to the training rows than unseen real rows do?

The holdout (real rows the generator never saw) is the yardstick: a generator that
learned the distribution, not the records, produces rows that are no closer to the
training rows than holdout rows are. Distances are Euclidean on the standardised
one-hot embedding fitted on the training table (see ``_embed``). Without a holdout
the comparisons cannot be judged and say so instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from synthgan._random import numpy_rng
from synthgan.evaluation._embed import Embedding
from synthgan.evaluation._neighbors import nearest
from synthgan.evaluation._prep import CONTINUOUS, comparable_values, numeric_values, round_safe, scored_columns, subsample
from synthgan.evaluation.base import Unavailable, compute, metric

NEEDS_HOLDOUT = "needs a holdout: real rows the generator never saw (pass holdout= / --holdout)"
N_SYNTH = 10_000     # synthetic rows whose closest records are searched
N_REFERENCE = 50_000  # train, holdout and synthetic rows searched (all of Adult)
N_ATTACK = 5_000     # members and non-members each, for the inference attacks

DCR_RATIO = metric("privacy", "dcr_ratio", "target", (0.0, None),
                   "Median distance from synthetic rows to their closest training row divided by the same "
                   "median for holdout rows: < 1 means synthetic rows sit closer to training records than "
                   "unseen real rows do (memorisation); details hold both distance distributions.", ideal=1.0)
CLOSER_SHARE = metric("privacy", "closer_to_train_share", "target", (0.0, 1.0),
                      "Share of synthetic rows closer to the training table than to the holdout (ties count "
                      "half), re-weighted to equal table sizes: 0.5 when synthetic rows are no closer to the "
                      "training rows than to unseen ones, near 1 for copies.", ideal=0.5)
EXACT_COPIES = metric("privacy", "exact_copies", "minimize", (0.0, 1.0),
                      "Share of synthetic rows identical to a training row; details give the holdout's own "
                      "rate of identical training rows, the level expected by chance.", ideal=0.0)
NNDR = metric("privacy", "nndr", "maximize", (0.0, 1.0),
              "Median nearest-neighbour distance ratio of synthetic rows to the training table (closest / "
              "second closest): low values mean a synthetic row singles out one training record; details "
              "give the holdout's median.", ideal=None)
MIA = metric("privacy", "membership_inference_auc", "target", (0.0, 1.0),
             "ROC AUC of a distance attack that calls a real row a training member when a synthetic row lies "
             "close to it, on equal numbers of training rows and holdout rows (0.5 = no membership leak).",
             ideal=0.5)
ATTRIBUTE = metric("privacy", "attribute_inference", "target", (-1.0, 1.0),
                   "Per sensitive column: accuracy with which the nearest synthetic row (on all other columns) "
                   "guesses a training row's value, minus the same accuracy on holdout rows (0 = the synthetic "
                   "data reveals nothing specific to training records).", ideal=0.0)
ALARM = metric("privacy", "privacy_alarm", "minimize", (0.0, 1.0),
               "1 when closer_to_train_share > 0.6, the exact-copy rate exceeds the holdout's by more than "
               "1 point, the membership AUC > 0.6, or an attribute-inference gap > 0.05; else 0.", ideal=0.0)


def row_keys(frame: pd.DataFrame, kinds: dict[str, str], columns: Sequence[str]) -> np.ndarray:
    """A 64-bit hash per row of the normalised values, so equal rows match across tables and dtypes."""
    normal = {c: round_safe(numeric_values(frame[c]), 9) if kinds[c] in CONTINUOUS else comparable_values(frame[c])
              for c in columns}
    return pd.util.hash_pandas_object(pd.DataFrame(normal), index=False).to_numpy()


def closer_to_train_share(d_train: np.ndarray, d_holdout: np.ndarray, n_train: int, n_holdout: int) -> dict:
    """Raw and size-balanced share of rows closer to train than to holdout (ties count half).

    With ``n_train`` training and ``n_holdout`` holdout rows, a row drawn like the
    real data is closer to train with probability ``n_train / (n_train + n_holdout)``;
    re-weighting the odds by ``n_holdout / n_train`` maps that to 0.5.
    """
    raw = float(np.mean((d_train < d_holdout) + 0.5 * (d_train == d_holdout)))
    odds = raw * n_holdout
    balanced = odds / (odds + (1.0 - raw) * n_train) if odds + (1.0 - raw) * n_train > 0 else 0.5
    return {"balanced": float(balanced), "raw": raw, "expected_raw": n_train / (n_train + n_holdout)}


def dcr_closer_to_train_share(synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, *,
                              kinds: dict[str, str] | None = None, seed: int = 0) -> float:
    """Size-balanced share of synthetic rows closer to ``train`` than to ``holdout`` (ideal 0.5).

    Parameters
    ----------
    synthetic, train, holdout : DataFrame
        Tables with the same columns; ``holdout`` are real rows the generator never saw.
    kinds : dict, optional
        Column kinds; inferred from ``train`` when omitted.
    seed : int, default=0
        Seeds the subsamples.

    Returns
    -------
    float
        Share in [0, 1]; near 1 when synthetic rows copy training rows.
    """
    from synthgan.evaluation._prep import infer_kinds

    kinds = kinds or infer_kinds(train)
    ctx = _Distances(train, synthetic, holdout, kinds, seed)
    return closer_to_train_share(ctx.syn_train[:, 0], ctx.syn_holdout, ctx.n_train, ctx.n_holdout)["balanced"]


class _Distances:
    """The closest-record searches shared by the privacy metrics (computed once)."""

    def __init__(self, train, synthetic, holdout, kinds, seed):
        rng = numpy_rng(seed, "evaluation", "privacy", "sample")
        self.columns = scored_columns(kinds)
        self.train = subsample(train, N_REFERENCE, rng)
        # The attacks search every synthetic row (an attacker holds them all); the distance
        # distributions only need a sample of them.
        self.synth_all = subsample(synthetic, N_REFERENCE, rng)
        self.synth = subsample(self.synth_all, N_SYNTH, rng)
        self.embedding = Embedding(self.train, kinds, self.columns)
        self.train_emb = self.embedding.transform(self.train)
        self.synth_emb = self.embedding.transform(self.synth)
        self.n_train = len(self.train)
        self.syn_train = nearest(self.synth_emb, self.train_emb, k=min(2, self.n_train))[0]
        self.holdout = None
        if holdout is not None:
            self.holdout = subsample(holdout, N_REFERENCE, rng)
            self.n_holdout = len(self.holdout)
            holdout_emb = self.embedding.transform(self.holdout)
            self.syn_holdout = nearest(self.synth_emb, holdout_emb, k=1)[0][:, 0]
            queries = subsample(self.holdout, N_ATTACK, rng)  # the yardstick distribution needs fewer rows
            self.holdout_train = nearest(self.embedding.transform(queries), self.train_emb, k=min(2, self.n_train))[0]


def _quantiles(d: np.ndarray) -> list[float]:
    return np.quantile(d, np.linspace(0, 1, 21)).tolist()


def _nndr(d: np.ndarray) -> float:
    if d.shape[1] < 2:
        raise Unavailable("needs at least two training rows")
    ratio = np.divide(d[:, 0], d[:, 1], out=np.ones(len(d)), where=d[:, 1] > 0)
    return float(np.median(ratio))


def _attack_rows(train, holdout, rng):
    m = min(len(train), len(holdout), N_ATTACK)
    return subsample(train, m, rng), subsample(holdout, m, rng)


def membership_auc(ctx: _Distances, seed: int) -> tuple[float, dict]:
    """Distance attack: members are closer to some synthetic row than non-members."""
    members, others = _attack_rows(ctx.train, ctx.holdout, numpy_rng(seed, "evaluation", "privacy", "mia"))
    synth_emb = ctx.embedding.transform(ctx.synth_all)
    d_in = nearest(ctx.embedding.transform(members), synth_emb, k=1)[0][:, 0]
    d_out = nearest(ctx.embedding.transform(others), synth_emb, k=1)[0][:, 0]
    labels = np.r_[np.ones(len(d_in)), np.zeros(len(d_out))]
    return float(roc_auc_score(labels, -np.r_[d_in, d_out])), {"n_members": len(d_in), "n_non_members": len(d_out)}


def _sensitive_labels(col: pd.Series, kinds: dict[str, str], name: str, edges: np.ndarray | None) -> np.ndarray:
    if kinds[name] in CONTINUOUS:
        return np.digitize(numeric_values(col), edges).astype(np.float64)  # quartile bins; NaN -> own bin
    return comparable_values(col).to_numpy()


def attribute_inference(ctx: _Distances, kinds: dict[str, str], sensitive: str, seed: int) -> tuple[float, dict]:
    """1-NN attack: guess ``sensitive`` from the closest synthetic row on all other columns."""
    others = [c for c in ctx.columns if c != sensitive]
    if not others:
        raise Unavailable(f"'{sensitive}' is the only column, so there is nothing to infer it from")
    members, outsiders = _attack_rows(ctx.train, ctx.holdout,
                                      numpy_rng(seed, "evaluation", "privacy", "attribute", sensitive))
    embedding = Embedding(ctx.train, kinds, others)
    synth_emb = embedding.transform(ctx.synth_all)
    edges = None
    if kinds[sensitive] in CONTINUOUS:
        values = numeric_values(ctx.train[sensitive])
        edges = np.unique(np.nanquantile(values, [0.25, 0.5, 0.75])) if np.isfinite(values).any() else np.zeros(1)
    synth_labels = _sensitive_labels(ctx.synth_all[sensitive], kinds, sensitive, edges)
    accuracy = {}
    for label, rows in (("train", members), ("holdout", outsiders)):
        idx = nearest(embedding.transform(rows), synth_emb, k=1)[1][:, 0]
        truth = _sensitive_labels(rows[sensitive], kinds, sensitive, edges)
        accuracy[label] = float(np.mean(pd.Series(synth_labels[idx]).eq(pd.Series(truth)).to_numpy()))
    majority = float(pd.Series(_sensitive_labels(members[sensitive], kinds, sensitive, edges)).value_counts(
        normalize=True, dropna=False).iloc[0])
    return accuracy["train"] - accuracy["holdout"], {
        "accuracy_train": accuracy["train"], "accuracy_holdout": accuracy["holdout"],
        "majority_baseline": majority, "binned": edges is not None}


def _alarm(values: dict[str, Any], copy_rate: float, holdout_rate: float | None) -> tuple[float, dict]:
    reasons = []
    share = values.get("closer_to_train_share")
    if share is not None and share > 0.6:
        reasons.append(f"{share:.0%} of synthetic rows are closer to training rows than to unseen ones (ideal 50%)")
    if holdout_rate is None and copy_rate > 0.01:
        reasons.append(f"{copy_rate:.1%} of synthetic rows exactly copy a training row (without a holdout, "
                       "chance matches on coarse data cannot be told from memorisation)")
    elif holdout_rate is not None and copy_rate - holdout_rate > 0.01:
        reasons.append(f"exact copies of training rows exceed the holdout's chance level by {copy_rate - holdout_rate:.1%}")
    auc = values.get("membership_inference_auc")
    if auc is not None and auc > 0.6:
        reasons.append(f"a distance attack tells training members from unseen rows (AUC {auc:.2f})")
    for name, gap in values.items():
        if name.startswith("attribute_inference:") and gap is not None and gap > 0.05:
            reasons.append(f"'{name.split(':', 1)[1]}' is guessed {gap:.0%} more often for training rows")
    message = ("Privacy alarm: " + "; ".join(reasons) + ".") if reasons else \
        "No privacy alarm: synthetic rows are no closer to training records than unseen real rows are."
    return float(bool(reasons)), {"alarm": bool(reasons), "reasons": reasons, "message": message}


def privacy_metrics(train: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict[str, str], *,
                    holdout: pd.DataFrame | None = None, sensitive: Sequence[str] = (),
                    seed: int = 0) -> dict[str, dict]:
    """All privacy entries; those that need a holdout say so when it is missing."""
    ctx = _Distances(train, synthetic, holdout, kinds, seed)
    columns = ctx.columns
    train_keys = row_keys(train, kinds, columns)
    synth_keys = row_keys(synthetic, kinds, columns)
    copies = np.isin(synth_keys, train_keys)
    holdout_rate = float(np.isin(row_keys(holdout, kinds, columns), train_keys).mean()) if holdout is not None else None
    has_holdout = ctx.holdout is not None

    def need_holdout():
        if not has_holdout:
            raise Unavailable(NEEDS_HOLDOUT)

    def dcr_ratio():
        quantiles = {"synthetic_quantiles": _quantiles(ctx.syn_train[:, 0])}  # plotted even when no ratio
        if not has_holdout:
            raise Unavailable(NEEDS_HOLDOUT, **quantiles)
        quantiles["holdout_quantiles"] = _quantiles(ctx.holdout_train[:, 0])
        syn_med, hold_med = np.median(ctx.syn_train[:, 0]), np.median(ctx.holdout_train[:, 0])
        if hold_med == 0:
            raise Unavailable("at least half of the holdout rows exactly repeat a training row, so median "
                              "distances cannot be compared", **quantiles)
        return syn_med / hold_med, quantiles

    def closer_share():
        need_holdout()
        share = closer_to_train_share(ctx.syn_train[:, 0], ctx.syn_holdout, ctx.n_train, ctx.n_holdout)
        return share["balanced"], {**share, "n_synthetic": len(ctx.synth), "n_train": ctx.n_train,
                                   "n_holdout": ctx.n_holdout}

    def nndr():
        baseline = _nndr(ctx.holdout_train) if has_holdout else None
        return _nndr(ctx.syn_train), {"holdout_median": baseline}

    def mia():
        need_holdout()
        return membership_auc(ctx, seed)

    out = {
        "dcr_ratio": compute(DCR_RATIO, dcr_ratio),
        "closer_to_train_share": compute(CLOSER_SHARE, closer_share),
        "exact_copies": EXACT_COPIES.entry(float(copies.mean()), n_copies=int(copies.sum()),
                                           holdout_rate=holdout_rate,
                                           note=None if has_holdout else NEEDS_HOLDOUT + " to judge the chance level"),
        "nndr": compute(NNDR, nndr),
        "membership_inference_auc": compute(MIA, mia),
    }
    for name in sensitive or []:
        key = f"attribute_inference:{name}"
        out[key] = ATTRIBUTE.unavailable(NEEDS_HOLDOUT) if not has_holdout else \
            compute(ATTRIBUTE, lambda name=name: attribute_inference(ctx, kinds, name, seed))
    if not sensitive:
        out["attribute_inference"] = ATTRIBUTE.unavailable("no sensitive column given (pass sensitive= / --sensitive)")
    values = {k: v["value"] for k, v in out.items()}
    out["privacy_alarm"] = compute(ALARM, lambda: _alarm(values, float(copies.mean()), holdout_rate))
    return out
