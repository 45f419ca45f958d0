"""The three tables of an attack as one numeric matrix each, with shared category codes.

Categorical values become integer codes shared by the synthetic, training and control
tables (missing -> -1); numbers stay floats (missing -> NaN). Predicates and distances then
work on plain arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgan.evaluation._prep import CONTINUOUS, numeric_values, shared_codes

__all__ = ["AttackTables"]


@dataclass
class AttackTables:
    """``synthetic``, ``train`` and ``control`` as float matrices over ``columns``; ``numeric`` marks number columns."""

    columns: list[str]
    numeric: np.ndarray
    synthetic: np.ndarray
    train: np.ndarray
    control: np.ndarray

    @classmethod
    def build(cls, synthetic: pd.DataFrame, train: pd.DataFrame, control: pd.DataFrame, kinds: dict[str, str],
              columns: list[str]) -> "AttackTables":
        frames = (synthetic, train, control)
        blocks: list[list[np.ndarray]] = [[], [], []]
        numeric = []
        for name in columns:
            if kinds[name] in CONTINUOUS:
                numeric.append(True)
                for block, frame in zip(blocks, frames):
                    block.append(numeric_values(frame[name]))
            else:
                numeric.append(False)
                codes, _ = shared_codes([frame[name] for frame in frames])
                for block, code in zip(blocks, codes):
                    block.append(code.astype(np.float64))
        mats = [np.column_stack(b) if b else np.empty((len(f), 0)) for b, f in zip(blocks, frames)]
        return cls(list(columns), np.asarray(numeric, dtype=bool), *mats)
