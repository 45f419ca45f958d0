"""Profile one training epoch of synthgan's ctgan on Adult: matrix work vs everything else.

Fits ``epochs`` epochs through the public API and runs torch's profiler over one epoch
after a warm-up epoch (a callback starts it at the end of epoch 1 and stops it at the
end of epoch 2). Operator self-times are split into *matrix work* (mm/addmm/bmm/...: the
FLOPs that set the compute floor) and *overhead* (element-wise kernels, autograd
bookkeeping, optimiser, sampling, Python), and the matrix FLOPs give the achieved GFLOP/s::

    python -m bench.profile_epoch                          # SDV's architecture, 2 threads
    python -m bench.profile_epoch --config default --out-prefix bench/results/profile_ctgan_default_adult

Writes PREFIX.txt (summary + top operators) and PREFIX.json (the figures).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, limit_threads, make_split, load_split, rounded, write_json
from bench.synthgan_models import SDV_ARCHITECTURE

MATRIX_OPS = frozenset({"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::addmv", "aten::mv",
                        "aten::dot", "aten::addbmm", "aten::_addmm_activation"})
CEILING_GFLOPS = 150.0  # float32 matmul ceiling of 2 cores on this machine class (the figure)


class _ProfileOneEpoch:
    """Callback: profile the epoch after ``warmup`` epochs (duck-typed synthgan Callback)."""

    def __init__(self, warmup: int = 1) -> None:
        self.warmup = warmup
        self.profiler: Any = None
        self.wall_seconds = float("nan")

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        if total_epochs < self.warmup + 1:
            raise SystemExit(f"--epochs must be at least {self.warmup + 1}")

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        from torch.profiler import ProfilerActivity, profile

        if epoch == self.warmup:
            self.profiler = profile(activities=[ProfilerActivity.CPU], with_flops=True)
            self.profiler.__enter__()
            self._started = time.perf_counter()
        elif epoch == self.warmup + 1 and self.profiler is not None:
            self.profiler.__exit__(None, None, None)
            self.wall_seconds = time.perf_counter() - self._started
        return False

    def on_train_end(self, model: Any) -> None:
        pass


def summarize(profiler: Any, wall_seconds: float) -> tuple[dict[str, Any], str]:
    """Figures and a top-operators table from the profiler's per-operator averages."""
    events = profiler.key_averages()
    rows = sorted(events, key=lambda e: e.self_cpu_time_total, reverse=True)
    matrix_us = sum(e.self_cpu_time_total for e in events if e.key in MATRIX_OPS)
    all_ops_us = sum(e.self_cpu_time_total for e in events)
    matrix_flops = sum((e.flops or 0) for e in events if e.key in MATRIX_OPS)
    wall_us = wall_seconds * 1e6
    figures = {
        "profiled_epoch_wall_seconds": rounded(wall_seconds, 4),
        "matrix_seconds": rounded(matrix_us / 1e6, 4),
        "all_operators_self_seconds": rounded(all_ops_us / 1e6, 4),
        "matrix_share_of_wall": rounded(matrix_us / wall_us, 4),
        "operator_overhead_share_of_wall": rounded((all_ops_us - matrix_us) / wall_us, 4),
        "outside_operators_share_of_wall": rounded(max(wall_us - all_ops_us, 0.0) / wall_us, 4),
        "matrix_gflop": rounded(matrix_flops / 1e9, 3),
        "matrix_gflops_per_second": rounded(matrix_flops / 1e9 / (matrix_us / 1e6), 2) if matrix_us else None,
        "epoch_gflops_per_second": rounded(matrix_flops / 1e9 / wall_seconds, 2),
        "compute_floor_seconds_at_ceiling": rounded(matrix_flops / 1e9 / CEILING_GFLOPS, 4),
        "ceiling_gflops_assumed": CEILING_GFLOPS,
    }
    lines = [f"{'operator':<44}{'self s':>10}{'share':>8}{'calls':>9}{'GFLOP':>9}"]
    for e in rows[:25]:
        lines.append(f"{e.key[:43]:<44}{e.self_cpu_time_total / 1e6:>10.4f}{e.self_cpu_time_total / wall_us:>8.1%}"
                     f"{e.count:>9}{(e.flops or 0) / 1e9:>9.2f}")
    return figures, "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="adult")
    parser.add_argument("--config", choices=("sdvarch", "default"), default="sdvarch")
    parser.add_argument("--epochs", type=int, default=3, help="epoch 1 warms up, epoch 2 is profiled")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rows", type=int, default=0, help="train on the first N train rows (smoke checks)")
    parser.add_argument("--out-prefix", default=None)
    args = parser.parse_args(argv)
    limit_threads(args.threads)
    from synthgan import Synthesizer

    make_split(args.dataset)
    train, _ = load_split(args.dataset)
    if args.max_rows:
        train = train.iloc[: args.max_rows].reset_index(drop=True)
    params = dict(SDV_ARCHITECTURE) if args.config == "sdvarch" else {}
    callback = _ProfileOneEpoch()
    syn = Synthesizer("ctgan", epochs=args.epochs, seed=args.seed, **params)
    syn.fit(train, callbacks=[callback])
    figures, table = summarize(callback.profiler, callback.wall_seconds)
    epoch_seconds = [rounded(h["seconds"], 4) for h in syn.history_]
    figures = {"dataset": args.dataset, "train_rows": len(train), "config": args.config, "threads": args.threads,
               "load_average_1min": rounded(os.getloadavg()[0], 2),  # other work on the machine inflates every time
               "model_params": {k: v for k, v in params.items()}, "batch_size": params.get("batch_size"),
               "unprofiled_epoch_seconds": epoch_seconds, "preprocess_seconds": rounded(syn.preprocess_seconds_, 3),
               **figures, "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    prefix = Path(args.out_prefix or RESULTS_DIR / f"profile_ctgan_{args.config}_{args.dataset}")
    write_json(prefix.with_suffix(".json"), figures)
    summary = [f"# torch profiler: one synthgan ctgan epoch ({args.config}) on {args.dataset}, "
               f"{len(train)} rows, {args.threads} threads", ""]
    summary += [f"{k}: {v}" for k, v in figures.items() if k != "model_params"]
    summary += ["", "Top operators by self CPU time (share of the profiled epoch's wall time):", "", table, ""]
    prefix.with_suffix(".txt").write_text("\n".join(summary), encoding="utf-8")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
