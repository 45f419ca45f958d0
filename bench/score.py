"""Score one synthetic table with synthgan's evaluation suite, the same way for every model.

Runs in synthgan's environment, in its own subprocess (after the model's process has
ended, so scoring never overlaps a timed training)::

    python -m bench.score --dataset adult --synthetic RUN/synthetic/sdv-ctgan_s0.parquet --out scores.json
    python -m bench.score --dataset adult --synthetic REAL_TEST --out real.json   # the reference row

Against the train split: column shapes, column pair trends, LightGBM detection AUC and
the DCR closer-to-train share (with the test split as holdout); TSTR: LightGBM trained on
the synthetic rows, scored on the real test split (ROC AUC, or R² for a numeric target).
Column kinds are inferred once from the real train split and used for every model.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from bench.common import DATASETS, load_split, rounded, write_json

REAL_TEST = "REAL_TEST"


def align(synthetic: pd.DataFrame, real: pd.DataFrame) -> pd.DataFrame:
    """``synthetic`` with ``real``'s columns and dtype families (peers write from another pandas)."""
    out = {}
    for name in real.columns:
        col = synthetic[name]
        if pd.api.types.is_numeric_dtype(real[name]):
            out[name] = pd.to_numeric(col, errors="coerce")
        else:
            out[name] = col.astype(real[name].dtype) if col.dtype != real[name].dtype else col
    return pd.DataFrame(out)


def _utility(synthetic: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, target: str,
             kinds: dict[str, str], seed: int) -> dict[str, float | None]:
    """TSTR and TRTR (ROC AUC, or R² for a numeric target) from synthgan's utility run."""
    from synthgan.evaluation.utility import run_utility

    run = run_utility(train, synthetic, kinds, target, holdout=test, seed=seed)
    key = "roc_auc" if run.task == "classification" else "r2"
    if run.errors.get("tstr"):
        raise RuntimeError(run.errors["tstr"])
    return {scheme: run.scores.get(scheme, {}).get(key) for scheme in ("tstr", "trtr")}


def score(dataset: str, synthetic: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, seed: int = 0,
          reference: bool = False) -> dict[str, Any]:
    """Every benchmark figure for one synthetic table; a metric that fails gets None and its error.

    ``reference=True`` scores the real test split itself (``synthetic is test``): TSTR then
    trains on the real train split, and the closer-to-train share, which needs a holdout
    other than the scored rows, is left out.
    """
    from synthgan.evaluation import column_pair_trends, column_shapes, dcr_closer_to_train_share, detection_auc
    from synthgan.evaluation import infer_kinds

    spec = DATASETS[dataset]
    kinds = infer_kinds(train)
    metrics: dict[str, Callable[[], float]] = {
        "column_shapes": lambda: column_shapes(train, synthetic, kinds=kinds),
        "column_pair_trends": lambda: column_pair_trends(train, synthetic, kinds=kinds),
        "detection_auc": lambda: detection_auc(train, synthetic, kinds=kinds, seed=seed, model="lightgbm"),
        "tstr": lambda: _utility(synthetic, train, test, spec.target, kinds, seed)["trtr" if reference else "tstr"],
        "closer_to_train_share": lambda: dcr_closer_to_train_share(synthetic, train, test, kinds=kinds, seed=seed),
    }
    if reference:
        del metrics["closer_to_train_share"]
    out: dict[str, Any] = {"tstr_metric": "R2" if spec.task == "regression" else "ROC AUC", "seconds": {}, "errors": {}}
    for name, func in metrics.items():
        start = time.perf_counter()
        try:
            out[name] = rounded(float(func()), 4)
        except Exception as exc:  # one broken metric must not hide the others
            out[name] = None
            out["errors"][name] = f"{type(exc).__name__}: {exc}"
        out["seconds"][name] = rounded(time.perf_counter() - start, 2)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, choices=sorted(DATASETS))
    parser.add_argument("--synthetic", required=True, help=f"a parquet file, or {REAL_TEST} for the reference row")
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0, help="seeds the evaluation's subsamples and models")
    args = parser.parse_args(argv)
    train, test = load_split(args.dataset, Path(args.cache_dir))
    if args.synthetic == REAL_TEST:
        scores = score(args.dataset, test, train, test, args.seed, reference=True)
    else:
        scores = score(args.dataset, align(pd.read_parquet(args.synthetic), train), train, test, args.seed)
    write_json(Path(args.out), scores)


if __name__ == "__main__":
    main()
