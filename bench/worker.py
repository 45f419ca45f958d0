"""Fit one model on one dataset, time it, sample from it, and record what happened.

Run by :mod:`bench.run_bench` in a fresh subprocess per model, so that peak memory
(``ru_maxrss``) belongs to that model alone, and with the Python of the model's own
environment (synthgan's ``.venv`` or ``bench/.peers-venv``)::

    python -m bench.worker --dataset adult --model sdv-ctgan --seed 0 --run-dir bench/.cache/run

Writes ``RUN_DIR/records/MODEL_sSEED.json`` (timings, memory, config) and
``RUN_DIR/synthetic/MODEL_sSEED.parquet`` (the rows that get scored).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import platform
import time
from pathlib import Path

from bench.common import MODELS, Clock, limit_threads, load_split, peak_rss_mb, rounded, write_json

VERSIONED = ("synthgan", "torch", "numpy", "pandas", "scikit-learn", "sdv", "ctgan", "rdt", "mostlyai-engine")


def _fitter(model: str):
    if MODELS[model].side == "peer":
        from bench.peers import PEER_MODELS

        return PEER_MODELS[model]
    from bench.synthgan_models import SYNTHGAN_MODELS

    return SYNTHGAN_MODELS[model]


def _versions() -> dict[str, str]:
    found = {}
    for name in VERSIONED:
        try:
            found[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return found


def run(args: argparse.Namespace) -> dict:
    load_before = os.getloadavg()[0]  # other work on the machine skews every timing: record it
    limit_threads(args.threads)
    run_dir = Path(args.run_dir)
    train, _ = load_split(args.dataset, Path(args.cache_dir))
    if args.max_train_rows:
        train = train.iloc[: args.max_train_rows].reset_index(drop=True)  # the split is already shuffled
    rss_loaded = peak_rss_mb()
    workdir = run_dir / "work" / f"{args.model}_s{args.seed}"
    workdir.mkdir(parents=True, exist_ok=True)

    fitted = _fitter(args.model)(train, args.seed, args.epochs_scale, args.smoke, workdir)
    rss_fit = peak_rss_mb()

    n_eval = args.eval_rows or len(train)
    n_sample = max(args.sample_rows, n_eval)
    with Clock() as clock:
        synthetic = fitted.sample(n_sample)
    if len(synthetic) != n_sample:
        raise RuntimeError(f"{args.model} returned {len(synthetic)} rows, asked for {n_sample}")
    rss_sample = peak_rss_mb()

    out = run_dir / "synthetic" / f"{args.model}_s{args.seed}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    synthetic.iloc[:n_eval][list(train.columns)].to_parquet(out, index=False)
    return {
        "model": args.model,
        "dataset": args.dataset,
        "seed": args.seed,
        "status": "ok",
        "finished_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "train_rows": len(train),
        "threads": args.threads,
        "preprocess_seconds": rounded(fitted.preprocess_seconds, 3),
        "fit_seconds": rounded(fitted.fit_seconds, 3),
        "epochs": fitted.epochs,
        "seconds_per_epoch": rounded(fitted.seconds_per_epoch, 4),
        "sample_rows": n_sample,
        "sample_seconds": rounded(clock.seconds, 3),
        "sample_rows_per_second": rounded(n_sample / clock.seconds, 1),
        "load_average_1min": [rounded(load_before, 2), rounded(os.getloadavg()[0], 2)],
        "peak_rss_mb_loaded": rounded(rss_loaded, 1),
        "peak_rss_mb_fit": rounded(rss_fit, 1),
        "peak_rss_mb": rounded(rss_sample, 1),
        "synthetic_path": str(out),
        "config": fitted.config,
        "history_tail": fitted.history[-3:],
        "versions": _versions(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--epochs-scale", type=float, default=1.0)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample-rows", type=int, default=1_000_000)
    parser.add_argument("--eval-rows", type=int, default=0, help="rows kept for scoring (0: as many as the train split)")
    parser.add_argument("--max-train-rows", type=int, default=0)
    args = parser.parse_args(argv)
    record = run(args)
    write_json(Path(args.run_dir) / "records" / f"{args.model}_s{args.seed}.json", record)


if __name__ == "__main__":
    main()
