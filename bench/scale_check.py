"""The scale case: fit on all of diabetes_health_indicators, then stream 1,000,000 rows to Parquet.

Checks the product issue's scale claims with the public entry points a user would call,
each in a fresh subprocess so that peak memory belongs to that step alone::

    python -m bench.scale_check                      # ~3 min on 2 cores
    python -m bench.scale_check --rows 1000000 --model ctgan

1. ``synthgan fit`` on all 253,680 rows (every row, no split: this is about memory and
   time, not quality): peak RSS of the process and ``preprocess_seconds_`` (schema,
   validation, encoder fit + transform) from the saved model.
2. ``synthgan sample --n N --output x.parquet`` for N = 100,000 and N = ``--rows``: the
   peak RSS of each process and its resident memory polled every 0.2 s. Flat memory means
   the process does not grow while it writes more chunks: the peak in the second half of
   the run is at most 1.1x the peak in the first half.

Writes ``bench/results/scale_diabetes.{json,md}``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import CACHE_DIR, DATASETS_DIR, RESULTS_DIR, subprocess_env, write_json

DATASET = "diabetes_health_indicators"
MEMORY_LIMIT_MB = 2_048
PREPROCESS_LIMIT_S = 10.0


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def run_measured(cmd: list[str], env: dict[str, str]) -> dict:
    """Run ``cmd``; return its wall time, peak RSS (wait4's ru_maxrss) and an RSS trace."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    trace: list[tuple[float, float]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            rss = _rss_mb(proc.pid)
            if rss is not None:
                trace.append((round(time.perf_counter() - start, 2), round(rss, 1)))
            done.wait(0.2)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    output = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    poller.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output}")
    return {
        "command": " ".join(cmd[2:] if cmd[1] == "-m" else cmd),
        "wall_seconds": round(time.perf_counter() - start, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024.0, 1),
        "rss_trace_mb": trace[:: max(1, len(trace) // 60)],
        "output_tail": output[-2_000:],
    }


def _model_facts(model_path: Path) -> dict:
    from synthgan import load

    syn = load(model_path)
    return {
        "rows_fit": int(syn.n_rows_fit_),
        "preprocess_seconds": round(float(syn.preprocess_seconds_), 2),
        "fit_seconds": round(float(syn.fit_seconds_), 2),
        "epochs": len(getattr(syn, "history_", None) or []) or None,
    }


def _markdown(result: dict) -> str:
    fit, small, big = result["fit"], result["sample_small"], result["sample_big"]
    ratio = big["peak_rss_mb"] / small["peak_rss_mb"]
    lines = [
        f"# Scale check: {DATASET} ({result['rows']:,} rows x {result['columns']} columns)",
        "",
        f"Model `{result['model']}` with its defaults, {result['threads']} threads, "
        f"load average before the run {result['load_before']:.2f}. Produced by `python -m bench.scale_check`.",
        "",
        "| step | wall s | peak RSS MB | target | met |",
        "| --- | ---: | ---: | --- | --- |",
        f"| `synthgan fit` (all rows; preprocessing {fit['preprocess_seconds']:.2f} s, {fit['epochs']} epochs) | "
        f"{fit['wall_seconds']:.1f} | {fit['peak_rss_mb']:,.0f} | peak < {MEMORY_LIMIT_MB:,} MB, preprocessing < {PREPROCESS_LIMIT_S:.0f} s | "
        f"{'yes' if result['fit_met'] else 'NO'} |",
        f"| `synthgan sample` {small['rows']:,} rows → Parquet | {small['wall_seconds']:.1f} | {small['peak_rss_mb']:,.0f} | | |",
        f"| `synthgan sample` {big['rows']:,} rows → Parquet, chunks of {result['chunk_rows']:,} | {big['wall_seconds']:.1f} | "
        f"{big['peak_rss_mb']:,.0f} | flat: no growth while writing (2nd-half peak ≤ 1.1 × 1st-half peak) | "
        f"{'yes' if result['flat_met'] else 'NO'} (growth {result['growth_second_half_over_first']:.2f}×; "
        f"peak {ratio:.2f}× the {small['rows']:,}-row run's) |",
        "",
        f"Parquet file: {big['file_mb']:.1f} MB, {big['rows_in_file']:,} rows "
        f"({big['rows'] / big['wall_seconds']:,.0f} rows/s end to end, process start and model load included).",
        "",
        "Resident memory of the 1,000,000-row sampling process over time (s, MB): "
        + ", ".join(f"{t:.0f}: {m:.0f}" for t, m in big["rss_trace_mb"][:: max(1, len(big["rss_trace_mb"]) // 15)]),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="ctgan")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--chunk-rows", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=str(RESULTS_DIR))
    parser.add_argument("--render-only", action="store_true", help="re-judge and re-render the saved JSON; runs nothing")
    args = parser.parse_args(argv)
    if args.render_only:
        from bench.common import read_json

        return _finish(read_json(Path(args.out_dir) / "scale_diabetes.json"), Path(args.out_dir))

    import pandas as pd
    import pyarrow.parquet as pq

    work = CACHE_DIR / "scale"
    work.mkdir(parents=True, exist_ok=True)
    data_path = DATASETS_DIR / f"{DATASET}.csv.gz"
    env = subprocess_env(args.threads)
    cli = [sys.executable, "-m", "synthgan.cli.main"]
    rows, columns = pd.read_csv(data_path).shape

    load_before = os.getloadavg()[0]
    model_path = work / f"{DATASET}_{args.model}.synthgan"
    print(f"fitting {args.model} on {rows:,} rows ...", flush=True)
    fit = run_measured(cli + ["fit", str(data_path), "--model", args.model, "--output", str(model_path),
                              "--seed", str(args.seed), "--quiet"], env)
    fit.update(_model_facts(model_path))
    results = {}
    for key, n in (("sample_small", args.small_rows), ("sample_big", args.rows)):
        out = work / f"{DATASET}_{n}.parquet"
        print(f"sampling {n:,} rows to {out.name} ...", flush=True)
        step = run_measured(cli + ["sample", str(model_path), "--n", str(n), "--output", str(out),
                                   "--chunk-rows", str(args.chunk_rows), "--seed", str(args.seed)], env)
        step.update(rows=n, rows_in_file=pq.ParquetFile(out).metadata.num_rows, file_mb=round(out.stat().st_size / 2**20, 1))
        results[key] = step
    result = {
        "dataset": DATASET, "rows": rows, "columns": columns, "model": args.model, "threads": args.threads,
        "chunk_rows": args.chunk_rows, "load_before": load_before, "fit": fit, **results,
        "fit_met": fit["peak_rss_mb"] < MEMORY_LIMIT_MB and fit["preprocess_seconds"] < PREPROCESS_LIMIT_S,
    }
    return _finish(result, Path(args.out_dir))


def _growth(trace: list) -> float:
    """Peak resident memory in the second half of a run over the peak in its first half."""
    end = trace[-1][0]
    first = [m for t, m in trace if t <= end / 2]
    second = [m for t, m in trace if t > end / 2]
    return max(second) / max(first) if first and second else float("nan")


def _finish(result: dict, out_dir: Path) -> int:
    """Judge flat memory, write the JSON and Markdown, print; exit status 0 when both claims hold.

    Flat memory: the sampling process does not grow while it writes more chunks (10% allowed
    for the allocator), so its peak is one chunk's working set, not the whole table's.
    """
    big = result["sample_big"]
    result["growth_second_half_over_first"] = round(_growth(big["rss_trace_mb"][:-1]), 3)  # last point: exiting
    result["flat_met"] = bool(result["growth_second_half_over_first"] <= 1.10 and big["rows_in_file"] == big["rows"])
    write_json(out_dir / "scale_diabetes.json", result)
    markdown = _markdown(result)
    (out_dir / "scale_diabetes.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0 if result["fit_met"] and result["flat_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
