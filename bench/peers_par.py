"""SDV's PARSynthesizer on long-format sequences: fit, sample, write the samples and the timings.

Runs with the PEERS' python (``bench/.peers-venv``, see ``setup_peers.sh``) and never imports
synthgan, so it also runs in an environment that has only SDV. A single long series (a stock
index) must be cut into windows by the caller first, each window with its own sequence key.

Example::

    bench/.peers-venv/bin/python bench/peers_par.py windows.parquet \\
        --sequence-key window --sequence-index step --epochs 128 \\
        --n-sequences 200 --length 60 --seed 0 --out par.parquet --times-json par.json

The JSON holds ``fit_seconds`` and ``sample_seconds`` (wall clock, this process) with the
run's settings and the library versions. SDV has no seed argument: PAR draws from the
process-wide ``random``, numpy and torch generators, so this script (one process, one
model) seeds those.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib import metadata as md
from pathlib import Path

import pandas as pd


def read_frame(path: Path) -> pd.DataFrame:
    """A CSV (optionally compressed) or Parquet file as a DataFrame."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return pd.read_csv(path)


def seed_globals(seed: int) -> None:
    """Seed the generators PAR draws from (it takes no seed of its own)."""
    import random

    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def par_metadata(frame: pd.DataFrame, table: str, key: str, index: str | None):
    """SDV metadata for one table with its sequence key (and index); no other keys inferred."""
    from sdv.metadata import Metadata

    meta = Metadata.detect_from_dataframes({table: frame}, infer_keys=None)
    meta.update_column(key, table, sdtype="id")
    meta.set_sequence_key(key, table)
    if index is not None:
        meta.set_sequence_index(index, table)
    meta.validate()
    return meta


def run(args: argparse.Namespace) -> dict:
    from sdv.sequential import PARSynthesizer

    train = read_frame(args.data)
    missing = [c for c in (args.sequence_key, args.sequence_index, *args.context_columns) if c and c not in train.columns]
    if missing:
        sys.exit(f"peers_par: columns {missing} are not in {args.data} (it has {list(train.columns)})")
    table = "sequences"
    seed_globals(args.seed)
    synth = PARSynthesizer(par_metadata(train, table, args.sequence_key, args.sequence_index), epochs=args.epochs,
                           context_columns=list(args.context_columns) or None, cuda=args.cuda, verbose=False)
    started = time.perf_counter()
    synth.fit({table: train})  # SDV 2 takes {table name: frame} even for one table
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sampled = synth.sample_sequences(args.n_sequences, sequence_length=args.length)
    sample_seconds = time.perf_counter() - started
    frame = sampled[table] if isinstance(sampled, dict) else sampled
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(args.out, index=False)
    versions = {}
    for name in ("sdv", "deepecho", "torch", "pandas"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return {
        "model": "sdv-par", "fit_seconds": fit_seconds, "sample_seconds": sample_seconds,
        "epochs": args.epochs, "seed": args.seed, "train_rows": len(train),
        "train_sequences": int(train[args.sequence_key].nunique()),
        "n_sequences": args.n_sequences, "length": args.length, "sampled_rows": len(frame),
        "cuda": args.cuda, "versions": versions,
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="long-format training data (.csv, .csv.gz or .parquet)")
    parser.add_argument("--sequence-key", required=True, help="column naming each sequence (entity or window)")
    parser.add_argument("--sequence-index", default=None, help="column ordering the steps (numeric or datetime)")
    parser.add_argument("--context-columns", nargs="*", default=[], help="columns constant within a sequence")
    parser.add_argument("--epochs", type=int, default=128, help="PAR epochs (SDV's default: 128)")
    parser.add_argument("--n-sequences", type=int, required=True, help="sequences to sample")
    parser.add_argument("--length", type=int, default=None, help="steps per sampled sequence (default: PAR draws them)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cuda", action=argparse.BooleanOptionalAction, default=False, help="train on the GPU")
    parser.add_argument("--out", type=Path, required=True, help="sampled long frame (.parquet)")
    parser.add_argument("--times-json", type=Path, required=True, help="fit/sample seconds and settings (.json)")
    args = parser.parse_args(argv)
    for name in ("epochs", "n_sequences"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    if args.length is not None and args.length < 1:
        parser.error("--length must be a positive integer")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    result = run(args)
    args.times_json.parent.mkdir(parents=True, exist_ok=True)
    args.times_json.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("fit_seconds", "sample_seconds", "sampled_rows")}))


if __name__ == "__main__":
    main()
