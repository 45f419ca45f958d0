"""Data parallel fit: adult with one process and with N torchrun ranks (gloo, CPU), same quality?

Each fit runs the public command line in its own subprocess, at the model's default budget::

    python -m bench.distributed_fit                    # ctgan, 1 process vs 2 ranks, 1 thread each
    python -m bench.distributed_fit --model tvae --nproc 2 --single-threads 2

1. ``synthgan fit TRAIN.csv`` in one process (``--single-threads`` BLAS/OpenMP threads).
2. ``torchrun --nproc-per-node N -m synthgan fit TRAIN.csv`` (gloo, 1 thread per rank):
   every rank trains on its own part of the rows, gradients averaged at every step
   (``batch_size`` is per rank, so a step sees N x as many rows).
3. Each model samples as many rows as the train split (seed 0); ``bench.score.score``
   gives column shapes, column pair trends, detection AUC, TSTR and the closer-to-train share.

Writes ``bench/results/distributed_fit.{json,md}``: the scores, the fit's own
``fit_seconds`` (from the model file) and the subprocess' wall seconds, for both runs.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import CACHE_DIR, RESULTS_DIR, load_split, make_split, rounded, split_paths, subprocess_env, write_json

DATASET = "adult"
METRICS = ("column_shapes", "column_pair_trends", "detection_auc", "tstr", "closer_to_train_share")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fit(cmd: list[str], threads: int, model_file: Path) -> dict[str, Any]:
    model_file.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=subprocess_env(threads), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return {"command": " ".join(cmd), "wall_seconds": rounded(wall, 2)}


def _score(model_file: Path, train, test) -> dict[str, Any]:
    import synthgan
    from bench.score import align, score

    syn = synthgan.load(model_file)
    synthetic = align(syn.sample(len(train), seed=0), train)
    return {"fit_seconds": rounded(syn.fit_seconds_, 2), "epochs": len(syn.history_),
            "scores": score(DATASET, synthetic, train, test, seed=0)}


def _markdown(payload: dict[str, Any]) -> str:
    runs = payload["runs"]
    lines = [f"# Data parallel fit: {DATASET}, {payload['model']}, default budget", "",
             f"Train rows {payload['train_rows']:,}, test rows {payload['test_rows']:,}; "
             f"{payload['nproc']} gloo ranks, 1 thread each, vs one process with {payload['single_threads']} thread(s). "
             "batch_size is per rank.", "",
             "| run | fit s | wall s | epochs | " + " | ".join(METRICS) + " |",
             "|---|---|---|---|" + "---|" * len(METRICS)]
    for name, run in runs.items():
        scores = run["scores"]
        lines.append(f"| {name} | {run['fit_seconds']} | {run['wall_seconds']} | {run['epochs']} | "
                     + " | ".join(str(scores.get(m)) for m in METRICS) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ctgan")
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--single-threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if not all(p.exists() for p in split_paths(DATASET)):
        make_split(DATASET)
    train, test = load_split(DATASET)
    work = CACHE_DIR / "distributed_fit"
    work.mkdir(parents=True, exist_ok=True)
    train_csv = work / f"{DATASET}_train.csv"
    train.to_csv(train_csv, index=False)
    fit_args = ["fit", str(train_csv), "--model", args.model, "--seed", str(args.seed), "--device", "cpu", "--quiet"]

    runs: dict[str, dict[str, Any]] = {}
    single_file = work / f"{args.model}_1proc.synthgan"
    runs["1 process"] = _fit([sys.executable, "-m", "synthgan", *fit_args, "-o", str(single_file)],
                             args.single_threads, single_file)
    ranks_file = work / f"{args.model}_{args.nproc}ranks.synthgan"
    runs[f"{args.nproc} ranks"] = _fit([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(args.nproc),
                                       "--master-addr", "127.0.0.1", "--master-port", str(_free_port()),
                                       "-m", "synthgan", *fit_args, "-o", str(ranks_file)], 1, ranks_file)
    for name, path in (("1 process", single_file), (f"{args.nproc} ranks", ranks_file)):
        runs[name].update(_score(path, train, test))  # after every fit: scoring never overlaps a timed fit

    payload = {"dataset": DATASET, "model": args.model, "nproc": args.nproc, "single_threads": args.single_threads,
               "train_rows": len(train), "test_rows": len(test), "runs": runs}
    write_json(RESULTS_DIR / "distributed_fit.json", payload)
    (RESULTS_DIR / "distributed_fit.md").write_text(_markdown(payload), encoding="utf-8")
    print(_markdown(payload))


if __name__ == "__main__":
    main()
