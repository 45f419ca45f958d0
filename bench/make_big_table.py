"""Build a large Parquet table from ``diabetes_health_indicators`` (derived data, never committed).

Rows are drawn with replacement from the 253,680 real rows and perturbed, so the big table
has the real table's structure without being 40 copies of it:

* binary columns flip with probability 0.5 %;
* ``BMI`` moves by -1, 0 or +1 (probabilities 0.15, 0.7, 0.15), clipped to the real range;
* ``MentHlth`` and ``PhysHlth`` move by -1/+1 with probability 0.1 each when non-zero,
  clipped to 0..30 (their point mass at 0 stays exact);
* the ordinal columns (``GenHlth``, ``Age``, ``Education``, ``Income``) are kept.

Written in parts of 1,000,000 rows (one file each, row groups of 100,000 rows), so memory
stays at one part whatever ``--rows``::

    python -m bench.make_big_table --rows 10000000 --out bench/.cache/diabetes_10m

The output folder must not exist or be empty; the default lies under the git-ignored
``bench/.cache``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import CACHE_DIR, read_dataset

PART_ROWS = 1_000_000
ROW_GROUP_ROWS = 100_000
BINARY_FLIP = 0.005


def perturbed_rows(real: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` rows drawn from ``real`` with replacement, with the noise of the module docstring."""
    frame = real.iloc[rng.integers(0, len(real), n)].reset_index(drop=True)
    binary = [c for c in frame.columns if real[c].nunique() == 2]
    for column in binary:
        flip = rng.random(n) < BINARY_FLIP
        values = frame[column].to_numpy()
        frame[column] = np.where(flip, 1 - values, values).astype(real[column].dtype)
    bmi = frame["BMI"].to_numpy() + rng.choice([-1, 0, 1], size=n, p=[0.15, 0.7, 0.15])
    frame["BMI"] = np.clip(bmi, real["BMI"].min(), real["BMI"].max()).astype(real["BMI"].dtype)
    for column in ("MentHlth", "PhysHlth"):
        values = frame[column].to_numpy()
        step = rng.choice([-1, 0, 1], size=n, p=[0.1, 0.8, 0.1]) * (values > 0)
        frame[column] = np.clip(values + step, 0, 30).astype(real[column].dtype)
    return frame


def write_big_table(out: Path, rows: int, seed: int = 0) -> dict:
    """Write ``rows`` perturbed rows into ``out`` as ``part-XXXXX.parquet`` files; return what was written."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty; remove it or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    real = read_dataset("diabetes_health_indicators")
    started = time.perf_counter()
    parts = 0
    for start in range(0, rows, PART_ROWS):
        n = min(PART_ROWS, rows - start)
        frame = perturbed_rows(real, n, np.random.default_rng([seed, parts]))
        frame.to_parquet(out / f"part-{parts:05d}.parquet", index=False, row_group_size=ROW_GROUP_ROWS)
        parts += 1
    size = sum(p.stat().st_size for p in out.glob("*.parquet"))
    return {"rows": rows, "parts": parts, "bytes": size, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=CACHE_DIR / "diabetes_10m")
    args = parser.parse_args(argv)
    print(write_big_table(args.out, args.rows, args.seed))


if __name__ == "__main__":
    main()
