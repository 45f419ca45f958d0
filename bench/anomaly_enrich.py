"""Rare-event enrichment on the four ODDS tables: 10 and 25 labelled anomalies, synthgan generators vs SMOTE,
random oversampling and the unsupervised detectors.

    python bench/anomaly_enrich.py                           # generator study (2 seeds), then the main run (5 seeds)
    python bench/anomaly_enrich.py --phase main --sets anomaly_cardio --seeds 2

Each run is one :class:`synthgan.anomaly.experiment.AnomalyExperiment` per table (see its
docstring for the design): per seed a stratified 60/40 split; the labelled set is every
normal training row plus k training anomalies (k = 10, 25, nested); the other training
anomalies are used by nothing. Enrichment arms (LightGBM and logistic regression fitted on
the labelled set as it is, with random oversampling, SMOTE(-NC), or anomalies drawn from a
synthgan model) and detectors (synthgan's default ``vae`` with trim=0, IsolationForest, LOF,
one-class SVM, ECOD when pyod is installed; fitted on the normal rows of the labelled set)
score the test rows. ROC AUC and PR AUC get 95 % t intervals over seeds and paired
differences; verdicts compare synthgan with the best baseline.

Phases:

``study``  which generator arm to run by default (3 seeds): ctgan, tvae and copula conditioned on the
           label and fitted on the labelled set, and tvae and copula fitted on the k anomalies
           alone (``@anomalies``); the arm with the best mean PR AUC over tables, shot
           counts and both classifiers wins.
``main``   the baselines, :data:`synthgan.anomaly.enrich.DEFAULT_GENERATOR` (``copula@anomalies``), the best
           neural arm of the study (``tvae@anomalies``) and the detectors, 5 seeds.

Budgets, kept small so both phases fit in about 40 minutes of CPU on 2 shared cores (the
library's defaults train longer): every neural generator gets :data:`STEPS` optimiser steps
(batch: a tenth of the rows, clipped to 100..300, at most the rows; at most 300 epochs);
synthgan's detector keeps its own default budget. Tables above :data:`MAX_ROWS` rows
(shuttle, mammography) are first subsampled to that many rows, stratified, with a fixed seed.
Results go to ``bench/results/anomaly_enrich.json`` and ``.md`` (rewritten after every
table); finished tables are cached in ``bench/.cache/anomaly_enrich/``. The load average is
recorded before and after each table (the machine is shared, so seconds are indicative).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthgan.anomaly.enrich import BASELINE_ARMS, DEFAULT_GENERATOR, arm_description  # noqa: E402
from synthgan.anomaly.experiment import AnomalyExperiment  # noqa: E402
from synthgan.anomaly.experiment_detectors import SKLEARN_DETECTORS, pyod_installed  # noqa: E402
from synthgan.augment.report import write_json  # noqa: E402

DATA_DIR = Path(os.environ.get("SYNTHGAN_DATASETS", "/work/shared/datasets"))
RESULTS = ROOT / "bench" / "results"
CACHE = ROOT / "bench" / ".cache" / "anomaly_enrich"
LABEL = "anomaly"
SETS = ("anomaly_thyroid", "anomaly_cardio", "anomaly_shuttle", "anomaly_mammography")
SHOTS = (10, 25)
MAX_ROWS = 10_000
STEPS = 600
STUDY_ARMS = BASELINE_ARMS + ("ctgan", "tvae", "copula", "tvae@anomalies", "copula@anomalies")
# the default, and the best neural generator arm of the study (its runner-up)
MAIN_ARMS = BASELINE_ARMS + tuple(dict.fromkeys((DEFAULT_GENERATOR, "tvae@anomalies")))
DETECTORS = ("synthgan:vae",) + SKLEARN_DETECTORS + (("ecod",) if pyod_installed() else ())
CLASSIFIERS = ("lightgbm", "logreg")
VERSION = 1  # part of the cache key: raise it when the experiment changes


def step_budget_factory(model: str, *, seed: int, n_rows: int):
    """A quiet Synthesizer trained for about :data:`STEPS` optimiser steps (copula: no training)."""
    from synthgan import Synthesizer
    from synthgan.augment.generators import experiment_budget

    epochs, batch = experiment_budget(model, n_rows)
    if epochs is not None:
        batch = max(10, min(batch, n_rows // 10 * 10))
        epochs = int(min(300, max(1, math.ceil(STEPS / max(n_rows // batch, 1)))))
    return Synthesizer(model, epochs=epochs, batch_size=batch, seed=seed, verbose=False)


def load(name: str) -> tuple[pd.DataFrame, str]:
    frame = pd.read_csv(DATA_DIR / f"{name}.csv.gz")
    if len(frame) <= MAX_ROWS:
        return frame, f"all {len(frame):,} rows"
    from sklearn.model_selection import train_test_split

    kept, _ = train_test_split(frame, train_size=MAX_ROWS, stratify=frame[LABEL], random_state=0)
    return kept.sort_index().reset_index(drop=True), f"{MAX_ROWS:,} of {len(frame):,} rows (stratified, seed 0)"


def run_table(phase: str, name: str, seeds: int) -> dict:
    arms = STUDY_ARMS if phase == "study" else MAIN_ARMS
    detectors = () if phase == "study" else DETECTORS
    key = json.dumps({"phase": phase, "set": name, "seeds": seeds, "arms": arms, "detectors": detectors,
                      "steps": STEPS, "max_rows": MAX_ROWS, "version": VERSION}, sort_keys=True)
    cached = CACHE / f"{phase}.{name}.{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    frame, rows_note = load(name)
    load_before = os.getloadavg()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exp = AnomalyExperiment(LABEL, seeds=seeds, labelled_anomalies=SHOTS, detectors=detectors, arms=arms,
                                classifiers=CLASSIFIERS, generator_factory=step_budget_factory, device="cpu",
                                progress=lambda line: print(f"  [{name}] {line}", flush=True)).fit(frame)
    result = exp.to_dict()
    result.pop("curves")  # ROC/PR points belong in the HTML report, not in the bench's JSON
    result["bench"] = {"rows": rows_note, "seconds": time.perf_counter() - started, "load_before": list(load_before),
                       "load_after": list(os.getloadavg())}
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(result, default=str))
    return result


# ----------------------------------------------------------------------------- summaries
def _cell(summary: list[dict], k: int, method: str, metric: str) -> dict | None:
    return next((r for r in summary if r["shots"] == k and r["method"] == method and r["metric"] == metric), None)


def _fmt(row: dict | None) -> str:
    if row is None or row["mean"] is None:
        return "–"
    if row["ci_low"] is None:
        return f"{row['mean']:.3f}"
    return f"{row['mean']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _diff(row: dict | None) -> str:
    if row is None:
        return "–"
    low = "?" if row["ci_low"] is None else f"{row['ci_low']:+.3f}"
    high = "?" if row["ci_high"] is None else f"{row['ci_high']:+.3f}"
    return f"{row['mean_diff']:+.3f} [{low}, {high}] {row['verdict']}"


def choose_generator(study: dict[str, dict]) -> dict:
    """Mean PR AUC of every study arm over tables, shot counts and classifiers; the best generator arm wins."""
    scores: dict[str, list[float]] = {}
    per_classifier: dict[str, dict[str, list[float]]] = {}
    for result in study.values():
        for row in result["summary"]:
            if row["metric"] != "pr_auc" or row["mean"] is None:
                continue
            classifier, _, arm = row["method"].partition("+")
            scores.setdefault(arm, []).append(row["mean"])
            per_classifier.setdefault(arm, {}).setdefault(classifier, []).append(row["mean"])
    table = {arm: {"mean_pr_auc": float(np.mean(v)), "cells": len(v),
                   **{f"mean_pr_auc_{c}": float(np.mean(x)) for c, x in per_classifier[arm].items()}}
             for arm, v in scores.items()}
    # the same cells for every arm: the tables and shot counts where no arm failed
    for result in study.values():
        for k in result["info"]["shots"]:
            rows = [r for r in result["summary"] if r["metric"] == "pr_auc" and r["shots"] == k]
            if all(r["mean"] is not None for r in rows):
                for r in rows:
                    table[r["method"].partition("+")[2]].setdefault("_common", []).append(r["mean"])
    for row in table.values():
        common = row.pop("_common", [])
        row["mean_pr_auc_where_all_ran"] = float(np.mean(common)) if common else None
    for result in study.values():
        for failure in result["info"].get("failures", []):
            arm = failure["method"].partition("+")[2]
            table[arm]["failed_runs"] = table[arm].get("failed_runs", 0) + 1
    # an arm that could not make its rows somewhere cannot be the default
    generators = {a: t for a, t in table.items() if a not in BASELINE_ARMS and not t.get("failed_runs")}
    best = max(generators, key=lambda a: generators[a]["mean_pr_auc"]) if generators else None
    return {"arms": table, "best_generator": best, "default_in_code": DEFAULT_GENERATOR,
            "agrees": best == DEFAULT_GENERATOR}


def markdown(results: dict) -> str:
    lines = ["# Rare-event enrichment on the ODDS tables", "",
             "Per seed a stratified 60/40 split; the labelled set is every normal training row plus k training anomalies "
             "(k = 10, 25, nested); the other training anomalies are used by nothing. Classifiers (LightGBM, logistic "
             "regression) are trained on the labelled set as it is (`none`), with random oversampling, with SMOTE(-NC), or "
             "with anomalies drawn from a synthgan model, up to as many anomalies as normal rows. Detectors are fitted on the "
             "normal rows of the labelled set (synthgan's `vae` with trim=0). PR AUC / ROC AUC on the test rows: mean [95 % t "
             "interval] over seeds; Δ = paired difference, and its verdict (helped / hurt only when the interval excludes 0).",
             "", f"Budgets: neural generators {STEPS} optimiser steps each (the library default trains longer); synthgan's "
             f"detector its own default; tables over {MAX_ROWS:,} rows subsampled (stratified). Threads: 1 per process.", ""]
    study = results.get("study", {})
    if study:
        choice = results["generator_choice"]
        lines += [f"## Generator study ({next(iter(study.values()))['info']['seeds']} seeds): mean PR AUC over tables, "
                  "shot counts and classifiers", "",
                  "| arm | mean PR AUC | LightGBM | logistic regression | failed runs | mean where every arm ran |",
                  "|---|---|---|---|---|---|"]
        order = sorted(choice["arms"].items(), key=lambda kv: (kv[1].get("failed_runs", 0) > 0, -kv[1]["mean_pr_auc"]))
        for arm, row in order:
            common = row.get("mean_pr_auc_where_all_ran")
            lines.append(f"| {arm_description(arm)} | {row['mean_pr_auc']:.3f} | {row.get('mean_pr_auc_lightgbm', math.nan):.3f} | "
                         f"{row.get('mean_pr_auc_logreg', math.nan):.3f} | {row.get('failed_runs', 0)} | "
                         f"{'–' if common is None else f'{common:.3f}'} |")
        lines += ["", "Means are over the runs that worked, so an arm with failed runs (a model without native conditions "
                  "that practically never drew the anomaly value, so rejection sampling gave up: tvae and copula conditioned "
                  "on the label, on shuttle and mammography, where 10-25 anomalies sit among 5,500 normal rows) is averaged "
                  "over easier tables; the last column compares every arm on the same cells (the tables and shot counts where "
                  "no arm failed). An arm with failed runs cannot be the default.", "",
                  f"Best generator arm: **{choice['best_generator']}**; the code's default is `{choice['default_in_code']}` "
                  f"({'agrees' if choice['agrees'] else 'DISAGREES: update DEFAULT_GENERATOR'}).", ""]
        lines += ["Per table (PR AUC, mean [interval]):", ""]
        for name, result in study.items():
            methods = [m["name"] for m in result["info"]["methods"]]
            lines += [f"### {name} (study)", "", "| method | " + " | ".join(f"k={k}" for k in SHOTS) + " |",
                      "|---|" + "---|" * len(SHOTS)]
            for method in methods:
                lines.append(f"| {method} | " + " | ".join(_fmt(_cell(result["summary"], k, method, "pr_auc")) for k in SHOTS) + " |")
            lines.append("")
    main = results.get("main", {})
    if main:
        lines += ["## Main run: verdicts", ""]
        for name, result in main.items():
            for verdict in result["verdicts"]:
                lines.append(f"- **{name}**: {verdict['sentence']}")
        lines.append("")
        lines += ["## Main run: the generator arms against each baseline (PR AUC, paired Δ)", "",
                  "| table | k | method | vs SMOTE-NC | vs random oversampling | vs no resampling | vs best detector |",
                  "|---|---|---|---|---|---|---|"]
        for name, result in main.items():
            detectors = [m["name"] for m in result["info"]["methods"] if m["kind"] == "detector" and not m["synthgan"]]
            for k in SHOTS:
                best_det = max(detectors, key=lambda m: (_cell(result["summary"], k, m, "pr_auc") or {"mean": -1})["mean"] or -1,
                               default=None)
                for method in [f"{c}+{a}" for a in MAIN_ARMS if a not in BASELINE_ARMS for c in CLASSIFIERS]:
                    classifier = method.partition("+")[0]
                    pick = lambda b: next((r for r in result["paired"] if r["shots"] == k and r["method"] == method  # noqa: E731
                                           and r["baseline"] == b and r["metric"] == "pr_auc"), None)
                    lines.append(f"| {name} | {k} | {method} | {_diff(pick(classifier + '+smote_nc'))} | "
                                 f"{_diff(pick(classifier + '+random_oversampling'))} | {_diff(pick(classifier + '+none'))} | "
                                 f"{_diff(pick(best_det))} ({best_det}) |")
        lines.append("")
        for name, result in main.items():
            bench = result["bench"]
            lines += [f"### {name}: {bench['rows']}, {result['info']['anomalies']} anomalies; {bench['seconds']:.0f} s; "
                      f"load average {bench['load_before'][0]:.2f} before, {bench['load_after'][0]:.2f} after", "",
                      "| method | " + " | ".join(f"PR AUC k={k}" for k in SHOTS) + " | " + " | ".join(f"ROC AUC k={k}" for k in SHOTS)
                      + " | fit s |", "|---|" + "---|" * (2 * len(SHOTS) + 1)]
            for method in result["info"]["methods"]:
                m = method["name"]
                fit = _cell(result["summary"], SHOTS[0], m, "fit_seconds")
                lines.append(f"| {'**' if method['synthgan'] else ''}{method['label']}{'**' if method['synthgan'] else ''} | "
                             + " | ".join(_fmt(_cell(result["summary"], k, m, "pr_auc")) for k in SHOTS) + " | "
                             + " | ".join(_fmt(_cell(result["summary"], k, m, "roc_auc")) for k in SHOTS)
                             + (f" | {fit['mean']:.1f} |" if fit and fit["mean"] is not None else " | – |"))
            lines.append("")
    return "\n".join(lines) + "\n"


def _rounded(value):
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def compact(result: dict) -> dict:
    """A table's result for the JSON file: per-seed values as ``{method: {metric: {shots: [by seed]}}}``, 5 decimals."""
    per_seed: dict = {}
    for row in result.get("results", []):
        per_seed.setdefault(row["method"], {}).setdefault(row["metric"], {}).setdefault(str(row["shots"]), []).append(row["value"])
    out = {k: v for k, v in result.items() if k != "results"}
    out["per_seed"] = per_seed
    return _rounded(out)


def save(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    shown = {k: ({name: compact(r) for name, r in v.items()} if k in ("study", "main") else v) for k, v in results.items()}
    for result in shown.get("study", {}).values():
        result.pop("paired")  # the study picks by means; its paired differences stay in the cache
    write_json(shown, RESULTS / "anomaly_enrich.json")
    (RESULTS / "anomaly_enrich.md").write_text(markdown(results), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phase", choices=("study", "main", "both"), default="both")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--study-seeds", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    sets = [s for s in args.sets.split(",") if s]
    results: dict = {"kind": "synthgan.bench.anomaly_enrich", "settings": {
        "shots": SHOTS, "steps": STEPS, "max_rows": MAX_ROWS, "study_arms": STUDY_ARMS, "main_arms": MAIN_ARMS, "detectors": DETECTORS,
        "classifiers": CLASSIFIERS, "default_generator": DEFAULT_GENERATOR, "cpus": os.cpu_count(),
        "load_at_start": list(os.getloadavg())}}
    for phase in ("study", "main"):
        if args.phase not in (phase, "both"):
            continue
        seeds = args.study_seeds if phase == "study" else args.seeds
        results[phase] = {}
        for name in sets:
            print(f"{phase}: {name} ({seeds} seeds)", flush=True)
            results[phase][name] = run_table(phase, name, seeds)
            if phase == "study":
                results["generator_choice"] = choose_generator(results["study"])
            save(results)
    results["settings"]["load_at_end"] = list(os.getloadavg())
    save(results)
    print((RESULTS / "anomaly_enrich.md").read_text())


if __name__ == "__main__":
    main()
