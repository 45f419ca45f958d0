"""Run the augmentation experiment on the shared imbalanced tables and write commit-ready results.

    python bench/augment_experiments.py                      # all four tables, 5 seeds
    python bench/augment_experiments.py stroke_prediction --seeds 5
    python bench/augment_experiments.py --collapse adult     # also the model-collapse study

For each table this writes ``bench/results/augment_<table>.json`` and ``.html``;
``bench/results/augment_summary.md`` is rebuilt from every JSON present after each
table, so it always shows what has finished. diabetes_health_indicators is
subsampled (stratified, seeded) to keep the run within minutes on 2 cores; the
summary says so. The data never enters the repository: only results are written.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path


def _threads_from_argv(argv: list[str], default: int = 1) -> int:
    """``--threads N`` read before numpy and torch are imported, so BLAS pools get the same size."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return default


# On a shared CPU, thread pools larger than the free cores spin against each other and a fit
# can slow down 10-50x (measured: a TVAE fit took 3 s with 1 torch thread, 171 s with 2, under load).
THREADS = _threads_from_argv(sys.argv)
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

import pandas as pd  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthgan.augment import AugmentExperiment  # noqa: E402
from synthgan.augment.arms import arm_label  # noqa: E402
from synthgan.augment.classifiers import CLASSIFIER_LABELS  # noqa: E402
from synthgan.augment.collapse import CollapseStudy  # noqa: E402
from synthgan.augment.report import collapse_text, write_collapse_html, write_experiment_html, write_json  # noqa: E402

DATA_DIR = Path(os.environ.get("SYNTHGAN_DATASETS", "/work/shared/datasets"))
RESULTS = ROOT / "bench" / "results"
DATASETS = {
    "stroke_prediction": {"file": "stroke_prediction.csv.gz", "target": "stroke", "drop": ("id",)},
    "bank_marketing": {"file": "bank_marketing.csv.gz", "target": "y"},
    "diabetes_health_indicators": {"file": "diabetes_health_indicators.csv.gz", "target": "Diabetes_binary", "subsample": 30_000},
    "adult": {"file": "adult.csv.gz", "test": "adult_test.csv.gz", "target": "income"},
}
COLLAPSE_ROWS = 5_000


def load(name: str, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None, dict]:
    """The table (subsampled, stratified, when configured), its separate test table if any, and its config."""
    config = DATASETS[name]
    data = pd.read_csv(DATA_DIR / config["file"])
    config = {**config, "rows_total": len(data)}
    if "subsample" in config:
        share = config["subsample"] / len(data)
        data = data.groupby(config["target"], group_keys=False).sample(frac=share, random_state=seed).sort_index()
    test = pd.read_csv(DATA_DIR / config["test"]) if "test" in config else None
    return data.reset_index(drop=True), test, config


def run_dataset(name: str, seeds: int, seed: int) -> dict:
    data, test, config = load(name, seed)
    started, cpu_started = time.perf_counter(), time.process_time()
    experiment = AugmentExperiment(config["target"], seeds=seeds, seed=seed, drop=config.get("drop", ()),
                                   progress=lambda line: print(f"[{name}] {line}", flush=True)).run(data, test)
    result = experiment.to_dict()
    result["bench"] = {"dataset": name, "file": config["file"], "test_file": config.get("test"),
                       "subsample": config.get("subsample"), "rows_total": config["rows_total"], "rows_used": int(len(data)),
                       "wall_seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu_started,
                       "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "load_average": list(os.getloadavg()),
                       "python": platform.python_version(), "machine": platform.machine()}
    write_json(result, RESULTS / f"augment_{name}.json")
    write_experiment_html(result, RESULTS / f"augment_{name}.html", title=f"Augmentation experiment: {name}")
    return result


def run_collapse(name: str, generations: int, seed: int) -> None:
    data, _, config = load(name, seed)
    data = data.sample(n=min(COLLAPSE_ROWS, len(data)), random_state=seed).reset_index(drop=True)
    study = CollapseStudy("ctgan", generations=generations, drop=config.get("drop", ()), seed=seed,
                          progress=lambda line: print(f"[collapse {name}] {line}", flush=True)).run(data)
    result = study.to_dict()
    write_json(result, RESULTS / f"augment_collapse_{name}.json")
    write_collapse_html(result, RESULTS / f"augment_collapse_{name}.html", title=f"Model collapse study: {name} (ctgan)")
    print(collapse_text(result))


def _pr_auc_line(result: dict, classifier: str, arm: str) -> str:
    summary = {(r["classifier"], r["arm"], r["metric"]): r for r in result["summary"]}
    paired = {(r["classifier"], r["arm"], r["metric"]): r for r in result["paired"]}
    s = summary[(classifier, arm, "pr_auc")]
    cell = f"{s['mean']:.4f} [{s['ci_low']:.4f}, {s['ci_high']:.4f}]"
    p = paired.get((classifier, arm, "pr_auc"))
    if p is None:
        return f"| {arm_label(arm)} | {cell} | – | baseline |"
    return f"| {arm_label(arm)} | {cell} | {p['mean_diff']:+.4f} [{p['ci_low']:+.4f}, {p['ci_high']:+.4f}] | {p['verdict']} |"


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def write_summary() -> Path:
    """Rebuild augment_summary.md from every augment_<table>.json in the results folder."""
    lines = ["# Augmentation experiments: does resampling or synthetic data help?", "",
             "Written by `bench/augment_experiments.py`. PR AUC on the real test rows, mean over seeds with its 95 % t interval, "
             "and the paired difference against no resampling (same split and seeds); a verdict says helped/hurt only when "
             "that interval excludes 0. Full tables (ROC AUC, F1/recall at the validation-tuned threshold, balanced accuracy, "
             "Brier score) and plots are in each table's HTML report.", ""]
    collapse = []
    for path in sorted(RESULTS.glob("augment_*.json")):
        result = json.loads(path.read_text())
        if result.get("kind") == "synthgan.collapse_study":
            collapse.append((path.stem.removeprefix("augment_collapse_"), result))
        if result.get("kind") != "synthgan.augment_experiment":
            continue
        info, bench, timings = result["info"], result.get("bench", {}), result["timings"]
        lines += [f"## {bench.get('dataset', path.stem)}", ""]
        sub = (f"; subsampled (stratified, seeded) from {bench.get('rows_total', 0):,} to {bench['subsample']:,} rows for time"
               if bench.get("subsample") else "")
        budget = ", ".join(f"{m}: {b['epochs']} epochs x batch {b['batch_size']}" if b["epochs"] else f"{m}: no epochs"
                           for m, b in info["generator_budget"].items())
        lines += [f"- {info['rows']:,} rows used, minority `{info['positive_label']}` {100 * info['minority_share']:.2f} %{sub}; "
                  f"test rows: {info['test']}; {info['seeds']} seeds; generators: {budget}.",
                  f"- Wall time {timings['total_seconds']:.0f} s on {bench.get('cpu_count', '?')} cores, "
                  f"{bench.get('torch_threads', '?')} torch thread(s) "
                  f"(process CPU time {bench.get('cpu_seconds', float('nan')):.0f} s; load average at the end "
                  f"{(bench.get('load_average') or [float('nan')])[0]:.1f}) "
                  f"(generators {sum(v for k, v in timings['arm_seconds'].items() if k in info['generator_budget']):.0f} s, "
                  f"classifiers {sum(timings['classifier_seconds'].values()):.0f} s).", ""]
        lines += ["**Verdicts (PR AUC):**", ""] + [f"- {v['sentence']}" for v in result["verdicts"]] + [""]
        for classifier in info["classifiers"]:
            lines += [f"**{CLASSIFIER_LABELS[classifier]}**", "", "| arm | PR AUC | difference vs none | verdict |", "|---|---|---|---|"]
            lines += [_pr_auc_line(result, classifier, arm) for arm in info["arms"]] + [""]
        shares: dict[str, list[float]] = {}
        for row in result["privacy"]:
            if row["closer_to_train_share"] is not None:
                shares.setdefault(row["arm"], []).append(row["closer_to_train_share"])
        lines += ["Privacy of the created minority rows (closer-to-train share, ideal 0.5, copies 1.0): " +
                  ", ".join(f"{arm_label(a)} {sum(v) / len(v):.3f}" for a, v in shares.items()), ""]
    for name, study in collapse:
        info = study["info"]
        lines += [f"## Model collapse study: {name} ({info['model']}, {info['n_rows']:,} rows per generation, "
                  f"{info['epochs']} epochs x batch {info['batch_size']})", "",
                  "| generation | tail coverage | rare-category coverage | category coverage | column shapes | pair trends |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {g['generation']} | " + " | ".join(_fmt(g.get(k)) for k in ("tail_coverage", "rare_category_coverage",
                  "category_coverage", "column_shapes", "column_pair_trends")) + " |" for g in study["generations"]] + [""]
    out = RESULTS / "augment_summary.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="*", help=f"tables to run (default: all): {', '.join(DATASETS)}")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--collapse", nargs="*", default=[], help="tables for the model-collapse study (ctgan, 5 generations)")
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads (1 is fastest on a busy 2-core machine)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    unknown = [n for n in [*args.datasets, *args.collapse] if n not in DATASETS]
    if unknown:
        parser.error(f"unknown table(s) {unknown}; choose from {', '.join(DATASETS)}")
    args.datasets = args.datasets or ([] if args.collapse else list(DATASETS))
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in args.datasets:
        result = run_dataset(name, args.seeds, args.seed)
        print(f"[{name}] done in {result['timings']['total_seconds']:.0f} s", flush=True)
        for verdict in result["verdicts"]:
            print(f"[{name}] {verdict['sentence']}", flush=True)
        write_summary()
    for name in args.collapse:
        run_collapse(name, args.generations, args.seed)
        write_summary()


if __name__ == "__main__":
    main()
