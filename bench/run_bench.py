"""Side-by-side benchmark of synthgan against SDV (CTGAN, TVAE, GaussianCopula) and TabularARGN.

One command runs every model on the same split of the same shared dataset, one after the
other (never two trainings at once: it would corrupt the timings), each in a fresh
subprocess with 2 threads, in its own environment. Every synthetic table is scored the
same way, by synthgan's evaluation suite, and the results (JSON + Markdown) are rewritten
after each model, so an interrupted run loses only the model in progress::

    bash bench/setup_peers.sh                                  # once: the peers' venv
    python -m bench.run_bench --datasets adult                 # the full Adult benchmark
    python -m bench.run_bench --smoke                          # 2 epochs, 2,000 rows: checks the wiring
    python -m bench.run_bench --datasets bank_marketing --models sdv-ctgan,synthgan-ctgan --seeds 0,1

See bench/README.md for every option and how the figures are defined.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

from bench.common import (
    CACHE_DIR, DATASETS, MODELS, PEERS_PYTHON, REPO_DIR, RESULTS_DIR, make_split, read_json, subprocess_env, write_json,
)
from bench.report import load_results, write_results

SMOKE_ROWS = 2_000
SMOKE_SAMPLE_ROWS = 5_000
MIN_SECONDS_LEFT = 30


def _csv(text: str, allowed: dict | None = None) -> list[str]:
    items = [t.strip() for t in text.split(",") if t.strip()]
    if allowed is not None:
        unknown = [t for t in items if t not in allowed]
        if unknown:
            raise SystemExit(f"unknown name(s) {unknown}; choose from: {', '.join(allowed)}")
    return items


def _model_scales(items: list[str]) -> dict[str, float]:
    scales = {}
    for item in items:
        model, _, value = item.partition("=")
        if model not in MODELS or not value:
            raise SystemExit(f"--model-epochs-scale takes MODEL=SCALE with MODEL from: {', '.join(MODELS)}; got {item!r}")
        scales[model] = float(value)
    return scales


def _deadline(text: str | None, now: dt.datetime | None = None) -> float | None:
    """``HH:MM`` (UTC) as a time.time() stamp: the next such time, or a past one if it passed < 12 h ago.

    ``now`` (an aware UTC datetime) defaults to the current time.
    """
    if not text:
        return None
    hour, minute = (int(x) for x in text.split(":"))
    now = now or dt.datetime.now(dt.timezone.utc)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    delta = (target - now).total_seconds() % 86_400
    return now.timestamp() + (delta if delta < 43_200 else delta - 86_400)


def _python_for(model: str) -> str:
    if MODELS[model].side == "peer":
        if not PEERS_PYTHON.exists():
            raise SystemExit(f"{PEERS_PYTHON} is missing: run `bash bench/setup_peers.sh` first")
        return str(PEERS_PYTHON)
    return sys.executable


def _run(cmd: list[str], log: Path, timeout: float, threads: int) -> tuple[str, float]:
    """Run ``cmd`` with its output in ``log``; returns (status, seconds)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        try:
            proc = subprocess.run(cmd, cwd=REPO_DIR, env=subprocess_env(threads), stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
            status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode})"
        except subprocess.TimeoutExpired:
            status = f"timeout after {timeout:.0f} s"
    return status, time.perf_counter() - start


def _log_tail(log: Path, lines: int = 6) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _time_left(deadline: float | None, timeout: float) -> float:
    return timeout if deadline is None else min(timeout, deadline - time.time())


def _score(args, dataset: str, synthetic: Path, out: Path, log: Path, deadline: float | None) -> dict | None:
    left = _time_left(deadline, args.score_timeout)
    if left < MIN_SECONDS_LEFT:
        return None
    cmd = [sys.executable, "-m", "bench.score", "--dataset", dataset, "--synthetic", str(synthetic),
           "--cache-dir", str(args.cache_dir), "--out", str(out)]
    status, _ = _run(cmd, log, left, args.threads)
    if status != "ok":
        print(f"    scoring {status}: {_log_tail(log, 2)}", flush=True)
        return None
    return read_json(out)


def _run_model(args, dataset: str, model: str, seed: int, run_dir: Path, deadline: float | None) -> dict:
    tag = f"{model}_s{seed}"
    record_path = run_dir / "records" / f"{tag}.json"
    record_path.unlink(missing_ok=True)
    left = _time_left(deadline, args.timeout)
    if left < MIN_SECONDS_LEFT:
        return {"model": model, "seed": seed, "status": "skipped: the --deadline left no time"}
    cmd = [_python_for(model), "-m", "bench.worker", "--dataset", dataset, "--model", model, "--seed", str(seed),
           "--run-dir", str(run_dir), "--cache-dir", str(args.cache_dir),
           "--epochs-scale", str(args.model_epochs_scale.get(model, args.epochs_scale)),
           "--threads", str(args.threads), "--sample-rows", str(args.sample_rows), "--eval-rows", str(args.eval_rows),
           "--max-train-rows", str(args.max_train_rows)]
    if args.smoke:
        cmd.append("--smoke")
    log = run_dir / "logs" / f"{tag}.log"
    status, seconds = _run(cmd, log, left, args.threads)
    if status != "ok" or not record_path.exists():
        return {"model": model, "seed": seed, "status": status, "wall_seconds": round(seconds, 1), "log_tail": _log_tail(log)}
    record = read_json(record_path)
    record["wall_seconds"] = round(seconds, 1)
    record["settings"] = {"epochs_scale": args.model_epochs_scale.get(model, args.epochs_scale), "smoke": args.smoke,
                          "sample_rows": args.sample_rows}
    if not args.no_score:
        scores = _score(args, dataset, Path(record["synthetic_path"]), run_dir / "scores" / f"{tag}.json",
                        run_dir / "logs" / f"{tag}.score.log", deadline)
        record["scores"] = scores
    return record


def _reference(args, dataset: str, run_dir: Path, deadline: float | None) -> dict | None:
    """The real test split scored as if it were synthetic: the ceiling every model is measured against."""
    if args.no_score or args.no_reference:
        return None
    return _score(args, dataset, Path("REAL_TEST"), run_dir / "scores" / "real_test.json",
                  run_dir / "logs" / "real_test.score.log", deadline)


def run_dataset(args, dataset: str, deadline: float | None) -> Path:
    run_dir = Path(args.run_dir) / dataset
    n_train, n_test = make_split(dataset, Path(args.cache_dir))
    out_json = Path(args.out_dir) / f"bench_{dataset}{args.suffix}.json"
    results = load_results(out_json) if args.merge else {}
    results.update({
        "dataset": dataset, "target": DATASETS[dataset].target, "task": DATASETS[dataset].task,
        "train_rows": n_train if not args.max_train_rows else min(n_train, args.max_train_rows), "test_rows": n_test,
        "settings": {"smoke": args.smoke, "epochs_scale": args.epochs_scale, "seeds": args.seeds, "threads": args.threads,
                     "sample_rows": args.sample_rows, "max_train_rows": args.max_train_rows or None},
        "notes": args.note or results.get("notes", []),
    })
    runs = [r for r in results.get("runs", []) if (r["model"], r["seed"]) not in {(m, s) for m in args.models for s in args.seeds}]
    results["runs"] = runs
    print(f"[{dataset}] {n_train} train / {n_test} test rows -> {out_json}", flush=True)
    reference = _reference(args, dataset, run_dir, deadline)
    if reference is not None:
        results["reference"] = {"real_test": reference}
    write_results(out_json, results)
    for model in args.models:
        for seed in args.seeds:
            print(f"  {model} seed {seed} ...", flush=True)
            record = _run_model(args, dataset, model, seed, run_dir, deadline)
            runs.append(record)
            write_results(out_json, results)  # after every model: a crash later loses nothing
            print(f"    {record['status']}  fit {record.get('fit_seconds')} s  "
                  f"wall {record.get('wall_seconds')} s", flush=True)
    return out_json


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="adult", help=f"comma-separated, from: {', '.join(DATASETS)}")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, run in this order; from: {', '.join(MODELS)}")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds; tables show the mean over seeds")
    parser.add_argument("--epochs-scale", type=float, default=1.0,
                        help="multiplies the explicit epoch counts (SDV's 300, synthgan at SDV's architecture)")
    parser.add_argument("--model-epochs-scale", action="append", default=[], metavar="MODEL=SCALE",
                        help="a scale for one model only (e.g. synthgan-ctgan-sdvarch=0.5: s/epoch stays comparable)")
    parser.add_argument("--smoke", action="store_true",
                        help=f"wiring check: {SMOKE_ROWS} train rows, 2 epochs, {SMOKE_SAMPLE_ROWS} sampled rows, results to bench/.cache")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample-rows", type=int, default=1_000_000, help="rows sampled to time sampling (and peak memory)")
    parser.add_argument("--eval-rows", type=int, default=0, help="synthetic rows scored (0: as many as the train split)")
    parser.add_argument("--max-train-rows", type=int, default=0, help="train on the first N rows of the (shuffled) train split")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per model (fit + sample)")
    parser.add_argument("--score-timeout", type=float, default=900)
    parser.add_argument("--deadline", help="HH:MM UTC: no model starts or runs past it")
    parser.add_argument("--out-dir", default=str(RESULTS_DIR))
    parser.add_argument("--run-dir", default=str(CACHE_DIR / "runs"), help="synthetic samples, logs, per-model records")
    parser.add_argument("--cache-dir", default=str(CACHE_DIR))
    parser.add_argument("--suffix", default="", help="added to the result file names, e.g. _seed1")
    parser.add_argument("--merge", action="store_true", help="keep the existing file's runs of models not run now")
    parser.add_argument("--no-score", action="store_true")
    parser.add_argument("--no-reference", action="store_true", help="do not score the real test split")
    parser.add_argument("--note", action="append", help="a line for the report's notes (what limited the run)")
    args = parser.parse_args(argv)
    args.datasets = _csv(args.datasets, DATASETS)
    args.models = _csv(args.models, MODELS)
    args.seeds = [int(s) for s in _csv(args.seeds)]
    args.model_epochs_scale = _model_scales(args.model_epochs_scale)
    if args.smoke:
        args.max_train_rows = args.max_train_rows or SMOKE_ROWS
        args.sample_rows = min(args.sample_rows, SMOKE_SAMPLE_ROWS)
        if args.out_dir == str(RESULTS_DIR):  # smoke figures are never the committed ones
            args.out_dir = str(CACHE_DIR / "smoke-results")
        if args.run_dir == str(CACHE_DIR / "runs"):
            args.run_dir = str(CACHE_DIR / "smoke-runs")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    deadline = _deadline(args.deadline)
    for dataset in args.datasets:
        path = run_dataset(args, dataset, deadline)
        print(f"[{dataset}] written {path} and {path.with_suffix('.md')}", flush=True)


if __name__ == "__main__":
    main()
