"""Tiny stand-in generators and tables for the augmentation tests (plus tests of the stand-ins themselves).

The stand-ins have the Synthesizer's fit/sample surface, own their random
generators and are fast, so the experiment machinery can be tested on cases
whose answer is known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import ConditionError


class BootstrapGenerator:
    """Samples training rows with replacement; conditions filter the rows first."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, data: pd.DataFrame) -> "BootstrapGenerator":
        self.data_ = data.reset_index(drop=True).copy()
        self.model_ = "bootstrap"
        self._rng = np.random.default_rng(self.seed)
        return self

    def sample(self, n: int, *, conditions: dict | None = None, seed: int | None = None) -> pd.DataFrame:
        rng = np.random.default_rng(seed) if seed is not None else self._rng
        pool = self.data_
        for column, value in (conditions or {}).items():
            if value not in set(pool[column].dropna()):
                raise ConditionError(f"value {value!r} is unknown in column '{column}'")
            pool = pool[pool[column] == value]
        return pool.iloc[rng.integers(0, len(pool), size=n)].reset_index(drop=True)


def bootstrap_factory(model: str, *, seed: int, n_rows: int) -> BootstrapGenerator:
    return BootstrapGenerator(seed)


def planted_table(n: int = 3000, *, minority: float = 0.03, n_features: int = 20, shift: float = 0.35,
                  seed: int = 0) -> pd.DataFrame:
    """Binary target 'y' ('yes' rare) whose minority rows are shifted by ``shift`` in every numeric feature."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < minority
    x = rng.normal(size=(n, n_features)) + shift * y[:, None]
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(n_features)])
    frame["colour"] = np.where(rng.random(n) < 0.5, "red", "blue")
    frame["y"] = np.where(y, "yes", "no")
    return frame


class OracleGenerator:
    """Knows how ``planted_table`` was made: draws fresh rows of the requested class from the true distribution."""

    def __init__(self, seed: int = 0, shift: float = 0.35) -> None:
        self.seed = seed
        self.shift = shift

    def fit(self, data: pd.DataFrame) -> "OracleGenerator":
        self.columns_ = list(data.columns)
        self.model_ = "oracle"
        return self

    def sample(self, n: int, *, conditions: dict | None = None, seed: int | None = None) -> pd.DataFrame:
        rng = np.random.default_rng(seed if seed is not None else self.seed)
        label = (conditions or {}).get("y", "no")
        features = [c for c in self.columns_ if c.startswith("x")]
        x = rng.normal(size=(n, len(features))) + (self.shift if label == "yes" else 0.0)
        frame = pd.DataFrame(x, columns=features)
        frame["colour"] = np.where(rng.random(n) < 0.5, "red", "blue")
        frame["y"] = label
        return frame[self.columns_]


def test_bootstrap_generator_honours_conditions_and_seed():
    data = planted_table(400)
    gen = BootstrapGenerator(1).fit(data)
    rows = gen.sample(50, conditions={"y": "yes"}, seed=3)
    assert len(rows) == 50 and set(rows["y"]) == {"yes"}
    pd.testing.assert_frame_equal(rows, gen.sample(50, conditions={"y": "yes"}, seed=3))
    with pytest.raises(ConditionError, match="'y'"):
        gen.sample(5, conditions={"y": "maybe"})


def test_planted_table_has_the_planted_shift():
    data = planted_table(4000, minority=0.5, shift=0.35)
    means = data.groupby("y")[["x0", "x1"]].mean()
    assert (means.loc["yes"] - means.loc["no"]).between(0.25, 0.45).all()
