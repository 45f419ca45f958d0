"""``privacy_attacks``: singling out, linkability and attribute inference, each against its control.

The training rows are what the generator saw, the holdout rows are real rows it never saw
(the control). Every attack reports ``risk``, ``ci_low``, ``ci_high`` and a ``verdict`` (see
:mod:`synthgan.evaluation.attacks.rates`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from synthgan._random import numpy_rng
from synthgan.errors import ConfigError, DataValidationError
from synthgan.evaluation._prep import infer_kinds, scored_columns, subsample
from synthgan.evaluation.attacks.linkability import attribute_inference, linkability
from synthgan.evaluation.attacks.singling_out import singling_out
from synthgan.evaluation.attacks.tables import AttackTables

__all__ = ["ATTACKS", "privacy_attacks"]

ATTACKS = ("singling_out", "linkability", "attribute_inference")
N_ROWS = 50_000  # rows of each table searched at most (a seeded subsample beyond)


def privacy_attacks(train: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame, *,
                    secret: str | list[str] | None = None, n_attacks: int = 5_000, seed: int = 0,
                    kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """Run the attacks; ``{"singling_out": {...}, "linkability": {...}, "attribute_inference": {secret: {...}}}``.

    Parameters
    ----------
    train : DataFrame
        The rows the generator was fitted on.
    synthetic : DataFrame
        Its synthetic rows (same columns).
    holdout : DataFrame
        Real rows from the same population the generator never saw: the control targets.
    secret : str or list of str, optional
        Columns for the attribute-inference attack (none: that attack is skipped).
    n_attacks : int, default=5000
        Predicates (singling out) and targets per side (the others; at most the smaller of
        the training and holdout tables).
    seed : int, default=0
        Seeds every draw.
    kinds : dict, optional
        Column kinds (default: inferred from ``train``).
    """
    if holdout is None:
        raise ConfigError("privacy attacks need a holdout: real rows the generator never saw (--holdout); "
                          "without one, no attack can tell leakage from what any real data would reveal")
    if isinstance(n_attacks, bool) or not isinstance(n_attacks, int) or n_attacks < 50:
        raise ConfigError(f"n_attacks must be a whole number >= 50, got {n_attacks!r}")
    for name, frame in (("synthetic", synthetic), ("holdout", holdout)):
        missing = [c for c in train.columns if c not in frame.columns]
        if missing:
            raise DataValidationError(f"the {name} table has no column {missing[0]!r} of the training table")
    secrets = [secret] if isinstance(secret, str) else list(secret or [])
    unknown = [s for s in secrets if s not in train.columns]
    if unknown:
        raise ConfigError(f"--secret {unknown[0]!r} is not a column; choose one of {', '.join(map(str, train.columns))}")
    kinds = kinds or infer_kinds(train)
    columns = scored_columns(kinds)
    rng = numpy_rng(seed, "privacy-attacks")
    train, synthetic, holdout = (subsample(f[columns].reset_index(drop=True), N_ROWS, rng) for f in (train, synthetic, holdout))
    tables = AttackTables.build(synthetic, train, holdout, kinds, columns)
    out: dict[str, Any] = {
        "singling_out": singling_out(tables, n_attacks=n_attacks, rng=numpy_rng(seed, "privacy-attacks", "singling-out")),
        "linkability": linkability(synthetic, train, holdout, kinds, columns, n_attacks=n_attacks,
                                   rng=numpy_rng(seed, "privacy-attacks", "linkability")),
        "attribute_inference": {s: attribute_inference(synthetic, train, holdout, kinds, columns, s, n_attacks=n_attacks,
                                                       rng=numpy_rng(seed, "privacy-attacks", "inference", s))
                                for s in secrets},
    }
    return out
