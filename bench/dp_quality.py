"""Issue 12 DP acceptance: quality against epsilon, synthgan's DP model beside smartnoise-synth's, in one run.

For each dataset (adult, stroke_prediction), seed and epsilon (1, 3, 10), this fits

* synthgan ``autoregressive`` with ``epsilon`` (noisy column statistics + DP-SGD, RDP accountant),
* smartnoise-synth's DPCTGAN, PATECTGAN and MST at the same epsilon (``bench/dp_peers_worker.py``
  in the DP peers' environment, ``bash bench/setup_dp_peers.sh``; run as a subprocess next to ours),

and, once per seed, synthgan ``autoregressive`` without DP (the "no DP" reference). Every
synthetic table is scored by synthgan's evaluation suite against the same real rows: column
shapes, column pair trends, detection AUC (LightGBM, lower is better) and TSTR ROC AUC
(LightGBM trained on synthetic rows, tested on real held-out rows)::

    python -m bench.dp_quality                                   # adult + stroke, seeds 0 1, eps 1 3 10
    python -m bench.dp_quality --datasets stroke_prediction --seeds 0 --epsilons 3 --out-name dp_smoke

Splits: adult's own test file for adult; a 70/30 split (seed 0) of stroke_prediction (``id`` dropped).
Peers get the same training CSV. Acceptance: synthgan's DP model beats DPCTGAN and PATECTGAN on
every metric at every epsilon; at epsilon 3 its shapes stay within 0.05 of synthgan without DP;
MST reported as it is. Writes ``bench/results/OUT_NAME.{json,md}`` (default ``dp_quality``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from bench.common import BENCH_DIR, CACHE_DIR, DATASETS_DIR, RESULTS_DIR, rounded, write_json

PEERS_PYTHON = BENCH_DIR / ".dp-peers-venv" / "bin" / "python"
PEERS = ("dpctgan", "patectgan", "mst")
METRICS = ("column_shapes", "column_pair_trends", "detection_auc", "tstr_roc_auc")
HIGHER_IS_BETTER = {"column_shapes": True, "column_pair_trends": True, "detection_auc": False, "tstr_roc_auc": True}
EVAL_ROWS = 5000
ROLES = json.loads((BENCH_DIR / "dp_peers_columns.json").read_text())


def load_split(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if name == "adult":
        return pd.read_csv(DATASETS_DIR / "adult.csv.gz"), pd.read_csv(DATASETS_DIR / "adult_test.csv.gz")
    frame = pd.read_csv(DATASETS_DIR / f"{name}.csv.gz").drop(columns=ROLES[name]["drop"])
    order = np.random.default_rng(0).permutation(len(frame))
    cut = int(0.7 * len(frame))
    return frame.iloc[order[:cut]].reset_index(drop=True), frame.iloc[order[cut:]].reset_index(drop=True)


def run_peer(dataset: str, train_csv: Path, synth: str, epsilon: float, seed: int, rows: int, out_dir: Path,
             epochs: dict[str, int] | None) -> dict:
    out, meta = out_dir / f"{dataset}_{synth}_e{epsilon:g}_s{seed}.csv", out_dir / f"{dataset}_{synth}_e{epsilon:g}_s{seed}.json"
    cmd = [str(PEERS_PYTHON), str(BENCH_DIR / "dp_peers_worker.py"), "--train", str(train_csv), "--out", str(out),
           "--synth", synth, "--epsilon", str(epsilon), "--seed", str(seed), "--rows", str(rows), "--dataset", dataset,
           "--meta", str(meta)]
    if synth == "dpctgan" and dataset in (epochs or {}):
        cmd += ["--epochs", str(epochs[dataset])]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}",
                "seconds": time.perf_counter() - started}
    info = json.loads(meta.read_text())
    return {"path": str(out), "seconds_fit": info.get("seconds_fit"), "meta": info}


def run_ours(train: pd.DataFrame, epsilon: float | None, seed: int, rows: int) -> tuple[pd.DataFrame, dict]:
    import torch

    from synthgan import Synthesizer

    torch.set_num_threads(1)  # beside a peer process on a 2-core machine
    started = time.perf_counter()
    syn = Synthesizer("autoregressive", seed=seed, epsilon=epsilon, device="cpu").fit(train)
    seconds = time.perf_counter() - started
    return syn.sample(rows, seed=seed + 100), {"seconds_fit": seconds, "privacy": syn.privacy_}


def score(real: pd.DataFrame, test: pd.DataFrame, synthetic: pd.DataFrame, target: str, seed: int) -> dict:
    from synthgan.evaluation import evaluate

    synthetic = synthetic[real.columns]
    for column in real.columns:  # peers write CSVs: give their columns the real dtypes where they parse
        if pd.api.types.is_numeric_dtype(real[column]) and not pd.api.types.is_numeric_dtype(synthetic[column]):
            synthetic[column] = pd.to_numeric(synthetic[column], errors="coerce")
        elif not pd.api.types.is_numeric_dtype(real[column]):
            synthetic[column] = synthetic[column].astype(str).where(synthetic[column].notna(), None).astype(real[column].dtype)
        elif pd.api.types.is_integer_dtype(real[column]) and synthetic[column].notna().all():
            synthetic[column] = synthetic[column].round().astype(real[column].dtype)
    sample = real.sample(min(EVAL_ROWS, len(real)), random_state=seed).reset_index(drop=True)
    result = evaluate(sample, synthetic.reset_index(drop=True), holdout=test, target=target, seed=seed,
                      metrics=["fidelity", "detection", "utility"])
    headline = result.summary()["headline"]
    return {name: headline.get(name) for name in METRICS}


def run(datasets: list[str], seeds: list[int], epsilons: list[float], epochs: dict[str, int], rows: int) -> dict:
    out_dir = CACHE_DIR / "dp_quality"
    out_dir.mkdir(parents=True, exist_ok=True)
    records = []
    for dataset in datasets:
        train, test = load_split(dataset)
        target = ROLES[dataset]["target"]
        train_csv = out_dir / f"{dataset}_train.csv"
        train.to_csv(train_csv, index=False)
        for seed in seeds:
            synthetic, info = run_ours(train, None, seed, rows)
            records.append({"dataset": dataset, "seed": seed, "epsilon": None, "synth": "synthgan", **info,
                            "metrics": score(train, test, synthetic, target, seed)})
            print(json.dumps(rounded(records[-1]))[:400], flush=True)
            for epsilon in epsilons:
                with ThreadPoolExecutor(max_workers=1) as pool:  # the peers run beside ours, one after the other
                    peers = pool.submit(lambda: {p: run_peer(dataset, train_csv, p, epsilon, seed, rows, out_dir, epochs) for p in PEERS})
                    synthetic, info = run_ours(train, epsilon, seed, rows)
                    records.append({"dataset": dataset, "seed": seed, "epsilon": epsilon, "synth": "synthgan-dp", **info,
                                    "metrics": score(train, test, synthetic, target, seed)})
                    print(json.dumps(rounded(records[-1]))[:400], flush=True)
                    for synth, peer in peers.result().items():
                        record = {"dataset": dataset, "seed": seed, "epsilon": epsilon, "synth": synth, **peer}
                        if "path" in peer:
                            record["metrics"] = score(train, test, pd.read_csv(peer["path"]), target, seed)
                        records.append(record)
                        print(json.dumps(rounded({k: v for k, v in record.items() if k != "meta"}))[:400], flush=True)
    return {"records": records}


def summarise(records: list[dict]) -> list[dict]:
    """Mean of each metric over seeds, per (dataset, epsilon, synth)."""
    frame = pd.DataFrame([{"dataset": r["dataset"], "epsilon": r["epsilon"] if r["epsilon"] is not None else "none",
                           "synth": r["synth"], **(r.get("metrics") or {})} for r in records])
    return (frame.groupby(["dataset", "epsilon", "synth"], sort=False)[list(METRICS)].mean().reset_index()
            .to_dict("records"))


def acceptance(summary: list[dict]) -> dict:
    table = {(r["dataset"], r["epsilon"], r["synth"]): r for r in summary}
    beats, misses = True, []
    for (dataset, epsilon, synth), row in table.items():
        if synth not in ("dpctgan", "patectgan"):
            continue
        ours = table.get((dataset, epsilon, "synthgan-dp"))
        for metric in METRICS:
            a, b = (ours or {}).get(metric), row.get(metric)
            if a is None or b is None or (isinstance(b, float) and np.isnan(b)):
                continue
            better = a > b if HIGHER_IS_BETTER[metric] else a < b
            if not better:
                beats = False
                misses.append(f"{dataset} eps {epsilon}: {metric} {a:.3f} vs {synth} {b:.3f}")
    shapes = {}
    for dataset in {k[0] for k in table}:
        dp, plain = table.get((dataset, 3.0, "synthgan-dp")), table.get((dataset, "none", "synthgan"))
        if dp and plain:
            shapes[dataset] = plain["column_shapes"] - dp["column_shapes"]
    return {"beats_dpctgan_and_patectgan_everywhere": beats, "misses": misses,
            "shapes_gap_at_eps3": shapes, "shapes_within_0.05": all(v <= 0.05 for v in shapes.values()) if shapes else None}


def markdown(result: dict) -> str:
    lines = ["# DP quality: synthgan's DP model beside smartnoise-synth (issue 12)", "",
             f"Run {result['finished']} on {result['machine']}; seeds {result['seeds']}; {result['rows']} synthetic rows each; "
             f"metrics on {EVAL_ROWS} real training rows and the real held-out split. Detection AUC: lower is better. "
             f"DPCTGAN epochs capped: {result['dpctgan_epochs'] or 'no'}.", "",
             "| dataset | epsilon | generator | shapes | pair trends | detection AUC | TSTR ROC AUC |",
             "|---|---|---|---|---|---|---|"]
    for r in result["summary"]:
        cells = [f"{r[m]:.3f}" if r[m] is not None and not pd.isna(r[m]) else "-" for m in METRICS]
        lines.append(f"| {r['dataset']} | {r['epsilon']} | {r['synth']} | " + " | ".join(cells) + " |")
    acc = result["acceptance"]
    lines += ["", "## Acceptance", "",
              f"* beats DPCTGAN and PATECTGAN on every metric at every epsilon: **{acc['beats_dpctgan_and_patectgan_everywhere']}**"]
    lines += [f"  * miss: {m}" for m in acc["misses"]]
    lines += [f"* shapes gap to synthgan without DP at epsilon 3: " + ", ".join(f"{k} {v:+.3f}" for k, v in acc["shapes_gap_at_eps3"].items())
              + f" (within 0.05: **{acc['shapes_within_0.05']}**)", "", "## Accountant figures (synthgan)", "",
              "| dataset | seed | epsilon | spent | noise multiplier | steps | sample rate | fit s |", "|---|---|---|---|---|---|---|---|"]
    for r in result["records"]:
        if r["synth"] == "synthgan-dp":
            p = r["privacy"]
            lines.append(f"| {r['dataset']} | {r['seed']} | {p['epsilon']:g} | {p['epsilon_spent']:.3f} | "
                         f"{p['sgd']['noise_multiplier']:.2f} | {p['sgd']['steps_taken']} | {p['sgd']['sample_rate']:.4f} | {r['seconds_fit']:.0f} |")
    lines += ["", "## Peers' fits", "", "| dataset | seed | epsilon | peer | fit s | note |", "|---|---|---|---|---|---|"]
    for r in result["records"]:
        if r["synth"] in PEERS:
            note = r.get("error") or ""
            lines.append(f"| {r['dataset']} | {r['seed']} | {r['epsilon']:g} | {r['synth']} | {r.get('seconds_fit') or 0:.0f} | {note} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["adult", "stroke_prediction"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--epsilons", nargs="+", type=float, default=[1.0, 3.0, 10.0])
    parser.add_argument("--dpctgan-epochs", nargs="*", default=["adult=5"],
                        help="DATASET=N caps DPCTGAN's epochs there (default adult=5: snsynth's 300-epoch default, which "
                             "the budget cuts to ~15 at epsilon 1, takes ~45 s an epoch on adult on 2 cores)")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--out-name", default="dp_quality")
    args = parser.parse_args()
    if not PEERS_PYTHON.exists():
        sys.exit("the DP peers' environment is missing: bash bench/setup_dp_peers.sh")
    started = time.perf_counter()
    caps = {k: int(v) for k, v in (item.split("=") for item in args.dpctgan_epochs)}
    result = run(args.datasets, args.seeds, args.epsilons, caps, args.rows)
    result.update({"seeds": args.seeds, "epsilons": args.epsilons, "rows": args.rows, "dpctgan_epochs": caps,
                   "machine": f"{platform.machine()}, {os.cpu_count()} cores", "seconds": time.perf_counter() - started,
                   "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    result["summary"] = summarise(result["records"])
    result["acceptance"] = acceptance(result["summary"])
    RESULTS_DIR.mkdir(exist_ok=True)
    write_json(RESULTS_DIR / f"{args.out_name}.json", rounded(result))
    (RESULTS_DIR / f"{args.out_name}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
