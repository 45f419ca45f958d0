"""Linkability and attribute inference: nearest synthetic rows as a bridge to real people.

*Linkability*: the attacker holds two halves of a person's record from two sources (columns
``A`` and columns ``B``). Through the synthetic table, the halves are linked when the
``n_neighbors`` synthetic rows nearest on ``A`` and those nearest on ``B`` share a row. The naive baseline
links a random synthetic row.

*Attribute inference*: the attacker knows every column but a ``secret`` one and guesses it
from the nearest synthetic row on the rest; a category must match, a number must fall within
``tolerance`` of the truth (relative). The naive baseline guesses from a random synthetic row.

Distances are those of the privacy metrics (:class:`synthgan.evaluation._embed.Embedding`:
standardised numbers, one-hot categories), fitted on the training rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgan.evaluation._embed import Embedding
from synthgan.evaluation._neighbors import nearest
from synthgan.evaluation._prep import CONTINUOUS, comparable_values, numeric_values
from synthgan.evaluation.attacks.rates import Rate, attack_result

__all__ = ["attribute_inference", "linkability", "split_columns"]


def split_columns(columns: list[str], rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """A seeded split of the columns into two halves (the two sources of a linkage attack)."""
    order = [columns[i] for i in rng.permutation(len(columns))]
    half = len(order) // 2
    return sorted(order[:half], key=columns.index), sorted(order[half:], key=columns.index)


def _targets(train: pd.DataFrame, control: pd.DataFrame, n: int, rng: np.random.Generator):
    size = min(n, len(train), len(control))
    return (train.iloc[np.sort(rng.choice(len(train), size, replace=False))],
            control.iloc[np.sort(rng.choice(len(control), size, replace=False))])


def linkability(synthetic: pd.DataFrame, train: pd.DataFrame, control: pd.DataFrame, kinds: dict[str, str],
                columns: list[str], *, n_attacks: int = 5_000, n_neighbors: int = 1,
                rng: np.random.Generator, halves: tuple[list[str], list[str]] | None = None) -> dict:
    """The linkability attack's rates and risk (see the module docstring)."""
    a, b = halves or split_columns(columns, rng)
    targets = dict(zip(("train", "control"), _targets(train, control, n_attacks, rng)))
    emb_a, emb_b = Embedding(train, kinds, a), Embedding(train, kinds, b)
    syn_a, syn_b = emb_a.transform(synthetic), emb_b.transform(synthetic)
    hits = {}
    for name, rows in targets.items():
        near_a = nearest(emb_a.transform(rows), syn_a, k=n_neighbors)[1]
        near_b = nearest(emb_b.transform(rows), syn_b, k=n_neighbors)[1]
        hits[name] = int((near_a[:, :, None] == near_b[:, None, :]).any(axis=(1, 2)).sum())  # the neighbour sets meet
    n = len(targets["train"])
    guess_a, guess_b = (rng.integers(0, len(synthetic), size=(n, n_neighbors)) for _ in range(2))
    hits["baseline"] = int((guess_a[:, :, None] == guess_b[:, None, :]).any(axis=(1, 2)).sum())
    return attack_result("linkability", Rate.of(hits["train"], n), Rate.of(hits["control"], n), Rate.of(hits["baseline"], n),
                         {"columns_a": a, "columns_b": b, "n_neighbors": n_neighbors, "targets_each": n})


def _correct(guess: pd.Series, truth: pd.Series, numeric: bool, tolerance: float) -> np.ndarray:
    if numeric:
        g, t = numeric_values(guess), numeric_values(truth)
        with np.errstate(invalid="ignore"):
            return (np.abs(g - t) <= tolerance * np.abs(t)) | (np.isnan(g) & np.isnan(t))
    g, t = comparable_values(guess).to_numpy(dtype=object), comparable_values(truth).to_numpy(dtype=object)
    same = pd.Series(g).eq(pd.Series(t)).to_numpy()
    return same | (pd.isna(g) & pd.isna(t))


def attribute_inference(synthetic: pd.DataFrame, train: pd.DataFrame, control: pd.DataFrame, kinds: dict[str, str],
                        columns: list[str], secret: str, *, n_attacks: int = 5_000, tolerance: float = 0.05,
                        rng: np.random.Generator) -> dict:
    """The attribute-inference attack on ``secret`` (see the module docstring)."""
    aux = [c for c in columns if c != secret]
    numeric = kinds[secret] in CONTINUOUS
    targets = dict(zip(("train", "control"), _targets(train, control, n_attacks, rng)))
    emb = Embedding(train, kinds, aux)
    syn = emb.transform(synthetic)
    hits = {}
    for name, rows in targets.items():
        idx = nearest(emb.transform(rows), syn, k=1)[1][:, 0]
        hits[name] = int(_correct(synthetic[secret].iloc[idx].reset_index(drop=True), rows[secret].reset_index(drop=True),
                                  numeric, tolerance).sum())
    n = len(targets["train"])
    random_rows = synthetic[secret].iloc[rng.integers(0, len(synthetic), size=n)].reset_index(drop=True)
    hits["baseline"] = int(_correct(random_rows, targets["train"][secret].reset_index(drop=True), numeric, tolerance).sum())
    return attack_result(f"attribute-inference ({secret})", Rate.of(hits["train"], n), Rate.of(hits["control"], n),
                         Rate.of(hits["baseline"], n),
                         {"secret": secret, "known_columns": aux, "tolerance": tolerance if numeric else None,
                          "targets_each": n})
