"""Singling out: can the synthetic rows tell an attacker a predicate that fits exactly one real person?

The attacker takes a synthetic row and ``n_columns`` of its columns and writes a predicate
from them: ``sex == Female AND age == 71 AND fnlwgt <= 12,040 ...`` (a category, or a number
column with few values, must match; any other number bounds the column on the side away
from the synthetic median; a missing value must be missing). Predicates that fit exactly one synthetic row are kept. An attack succeeds when its
predicate fits exactly one row of the targets. Training and control targets are subsampled to
the same size, since the chance that a predicate fits exactly one row depends on it. The
naive baseline writes predicates from values drawn column by column, ignoring rows.
Predicates are evaluated in batches, vectorised over rows and predicates.
"""

from __future__ import annotations

import numpy as np

from synthgan.errors import DataValidationError
from synthgan.evaluation.attacks.rates import Rate, attack_result
from synthgan.evaluation.attacks.tables import AttackTables

__all__ = ["singling_out"]

_EQ, _LE, _GE, _NAN = 0, 1, 2, 3
_BATCH = 256
FEW_VALUES = 50  # number columns with at most this many distinct synthetic values are matched exactly


def _predicates(values: np.ndarray, numeric: np.ndarray, medians: np.ndarray, n_columns: int,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # a number column with few values (counts, levels) is matched exactly, like a category: ``numeric``
    # marks only the columns bounded from one side
    """Per predicate: the column values and the comparison per column (-1 where the column is unused)."""
    p, d = values.shape
    ops = np.full((p, d), -1, dtype=np.int8)
    chosen = np.argsort(rng.random((p, d)), axis=1)[:, :n_columns]
    rows = np.arange(p)[:, None]
    v = values[rows, chosen]
    is_num = numeric[chosen]
    op = np.where(~is_num, _EQ, np.where(np.isnan(v), _NAN, np.where(v <= medians[chosen], _LE, _GE)))
    ops[rows, chosen] = op
    return values, ops


def count_matches(values: np.ndarray, ops: np.ndarray, data: np.ndarray, stop_at: int = 2) -> np.ndarray:
    """Rows of ``data`` each predicate fits (counted up to ``stop_at``)."""
    counts = np.empty(len(values), dtype=np.int64)
    for start in range(0, len(values), _BATCH):
        v, o = values[start:start + _BATCH], ops[start:start + _BATCH]
        fits = np.ones((len(v), len(data)), dtype=bool)
        for column in range(data.shape[1]):
            used = o[:, column] >= 0
            if not used.any():
                continue
            x = data[None, :, column]
            vc, oc = v[used, column][:, None], o[used, column][:, None]
            with np.errstate(invalid="ignore"):
                test = np.where(oc == _EQ, x == vc, np.where(oc == _LE, x <= vc, np.where(oc == _GE, x >= vc, np.isnan(x))))
            fits[used] &= test
        counts[start:start + _BATCH] = np.minimum(fits.sum(axis=1), stop_at)
    return counts


def singling_out(tables: AttackTables, *, n_attacks: int = 5_000, n_columns: int = 6,
                 rng: np.random.Generator) -> dict:
    """The singling-out attack's rates and risk (see the module docstring)."""
    synth = tables.synthetic
    n_columns = int(min(n_columns, synth.shape[1]))
    medians = np.full(synth.shape[1], np.nan)
    for column in np.flatnonzero(tables.numeric):
        present = synth[:, column][~np.isnan(synth[:, column])]
        medians[column] = np.median(present) if present.size else np.nan
    few_values = np.array([np.unique(synth[:, c]).size <= FEW_VALUES for c in range(synth.shape[1])])
    bounded = tables.numeric & ~few_values
    # One predicate per synthetic row at most: predicates written from the same row succeed or
    # fail together, and the intervals assume independent attempts.
    order = rng.permutation(len(synth))
    kept_v, kept_o, tried = [], [], 0
    for start in range(0, len(order), _BATCH * 4):
        if sum(len(v) for v in kept_v) >= n_attacks:
            break
        rows = order[start:start + _BATCH * 4]
        v, o = _predicates(synth[rows], bounded, medians, n_columns, rng)
        unique = count_matches(v, o, synth) == 1
        kept_v.append(v[unique])
        kept_o.append(o[unique])
        tried += len(rows)
    values, ops = np.concatenate(kept_v)[:n_attacks], np.concatenate(kept_o)[:n_attacks]
    if len(values) == 0:
        raise DataValidationError("no predicate singles out one synthetic row (every synthetic row has a twin on "
                                  f"{n_columns} columns); the singling-out attack cannot run on this table")
    size = min(len(tables.train), len(tables.control))
    train = tables.train[rng.choice(len(tables.train), size, replace=False)]
    control = tables.control[rng.choice(len(tables.control), size, replace=False)]
    naive = np.column_stack([synth[rng.integers(0, len(synth), len(values)), c] for c in range(synth.shape[1])])
    naive_v, naive_o = _predicates(naive, bounded, medians, n_columns, rng)
    hits = {name: int((count_matches(values if name != "baseline" else naive_v,
                                     ops if name != "baseline" else naive_o, data) == 1).sum())
            for name, data in (("train", train), ("control", control), ("baseline", train))}
    n = len(values)
    return attack_result("singling-out", Rate.of(hits["train"], n), Rate.of(hits["control"], n),
                         Rate.of(hits["baseline"], n),
                         {"predicates": n, "columns_per_predicate": n_columns, "targets_each": size,
                          "candidates_tried": tried})
