"""Proof that no held-out row reaches a generator or resampler.

Every row of the experiment carries a unique integer id as its index. The guard
knows the ids and the content hashes of the rows held out in one seed (test and
validation). Whatever is handed to a generator's ``fit`` or a resampler is
checked twice: by id, and by content, so a leaked row is caught even if its
index was reset. A held-out row whose exact content also occurs among the
training rows cannot leak anything and is not counted (tables such as
diabetes_health_indicators have many duplicate rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class LeakageError(AssertionError):
    """Held-out rows were handed to a generator or resampler (a bug in the experiment, never user error)."""


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit content hash per row over ``columns``, independent of dtype details (``1`` and ``1.0`` hash alike)."""
    canonical = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        canonical[column] = values.astype("string")
    return pd.util.hash_pandas_object(canonical, index=False).to_numpy()


@dataclass
class LeakageGuard:
    """Checks frames against the held-out rows of one seed.

    Parameters
    ----------
    held_out : pandas.DataFrame
        Test and validation rows, indexed by row id.
    training : pandas.DataFrame
        The training rows of the same seed (their contents are allowed even when a
        held-out row has the same values).
    columns : list of str
        Columns compared by content (the features and the target).
    """

    held_out: pd.DataFrame
    training: pd.DataFrame
    columns: list[str]
    checked: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = set(self.held_out.index.tolist())
        allowed = set(row_hashes(self.training, self.columns).tolist())
        self._hashes = set(row_hashes(self.held_out, self.columns).tolist()) - allowed

    def check(self, who: str, frame: pd.DataFrame) -> None:
        """Raise :class:`LeakageError` if ``frame`` holds any held-out row; count the rows checked for ``who``."""
        leaked_ids = self._ids.intersection(frame.index.tolist())
        present = [c for c in self.columns if c in frame.columns]
        leaked_rows = 0
        if len(present) == len(self.columns) and self._hashes:
            leaked_rows = int(np.isin(row_hashes(frame, self.columns), list(self._hashes)).sum())
        if leaked_ids or leaked_rows:
            raise LeakageError(
                f"{who} was given held-out rows ({len(leaked_ids)} by id, {leaked_rows} by content); "
                "generators and resamplers may only see training rows"
            )
        self.checked[who] = self.checked.get(who, 0) + len(frame)
