"""Full-size sanity checks and timing of the evaluation suite on Adult; the report screenshot.

    .venv/bin/python bench/evaluation_sanity.py [--seeds 0 1 2] [--screenshot docs/report_adult.png]

1. Sanity (the issue's acceptance, at full size, over several seeds): a random half of
   adult.csv against the other half; the same with every column shuffled independently;
   a copy of the training rows with adult_test as holdout.
2. Timing: the whole suite on Adult, 26,048 training rows (80 % of adult.csv) against
   26,048 rows sampled from a synthgan Gaussian copula fitted on them, with adult_test
   (16,281 rows) as holdout, target income, sensitive sex. Wall and CPU seconds and the
   machine's load average are recorded, since the 2 cores are shared.
3. The HTML report of that evaluation (bench/.cache/report_adult.html) and, with
   --screenshot, a PNG of its top rendered by headless Chromium.

Writes bench/results/evaluation_sanity.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.evaluation import evaluate
from synthgan.reports.html import write_report

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parents[1] / "shared" / "datasets"
N_TRAIN = 26_048


def _scores(result) -> dict[str, float]:
    return {name: result.value(family, name) for family, name in (
        ("fidelity", "column_shapes"), ("fidelity", "column_pair_trends"), ("detection", "detection_auc"))}


def sanity(adult: pd.DataFrame, test: pd.DataFrame, seeds: list[int]) -> dict:
    out: dict = {"half_vs_half": [], "shuffled": []}
    for seed in seeds:
        rows = adult.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        a, b = rows.iloc[: len(rows) // 2], rows.iloc[len(rows) // 2:].reset_index(drop=True)
        rng = np.random.default_rng(seed)
        shuffled = pd.DataFrame({c: b[c].to_numpy()[rng.permutation(len(b))] for c in b.columns})
        for key, synth in (("half_vs_half", b), ("shuffled", shuffled)):
            scores = _scores(evaluate(a, synth, metrics=["fidelity", "detection"], seed=seed))
            out[key].append({"seed": seed, **scores})
            print(key, seed, {k: round(v, 4) for k, v in scores.items()})
    train = adult.iloc[:N_TRAIN]
    priv = evaluate(train, train.copy(), holdout=test, metrics=["privacy"], seed=0).to_dict()["privacy"]
    out["copy_of_train"] = {k: priv[k]["value"] for k in
                            ("closer_to_train_share", "exact_copies", "membership_inference_auc", "privacy_alarm")}
    out["copy_of_train"]["message"] = priv["privacy_alarm"]["details"]["message"]
    print("copy_of_train", out["copy_of_train"])
    return out


def timing(adult: pd.DataFrame, test: pd.DataFrame, report: Path) -> tuple[dict, object, pd.DataFrame]:
    from synthgan import Synthesizer

    train = adult.iloc[:N_TRAIN].reset_index(drop=True)
    t0 = time.perf_counter()
    model = Synthesizer("copula", seed=0).fit(train)
    synth = model.sample(N_TRAIN, seed=1)
    fit_seconds = time.perf_counter() - t0
    load_before = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    result = evaluate(train, synth, holdout=test, target="income", sensitive="sex", seed=0)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    t0 = time.perf_counter()
    write_report(result, report, real=train, synthetic=synth, history=model.history_,
                 title="synthgan evaluation: Gaussian copula on UCI Adult")
    report_seconds = time.perf_counter() - t0
    figures = {"rows": {"train": len(train), "synthetic": len(synth), "holdout": len(test)},
               "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
               "seconds_per_family": result.meta["seconds"], "report_seconds": round(report_seconds, 1),
               "copula_fit_and_sample_seconds": round(fit_seconds, 1),
               "load_average_before": [round(x, 2) for x in load_before],
               "load_average_after": [round(x, 2) for x in os.getloadavg()], "cpu_count": os.cpu_count(),
               "headline": result.summary()["headline"], "verdicts": result.summary()["verdicts"]}
    print("timing", {k: v for k, v in figures.items() if k not in ("headline", "verdicts")})
    return figures, result, synth


def screenshot(html: Path, png: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
                        "--window-size=1280,2000", f"--screenshot={png}", html.as_uri()],
                       check=True, capture_output=True, timeout=180)
    print(f"wrote {png}")


def write_markdown(result: dict, path: Path) -> None:
    t = result["timing"]
    lines = ["# Evaluation suite: full-size sanity checks and timing on Adult", "",
             "Produced by `bench/evaluation_sanity.py`.", "",
             "## Sanity", "",
             "Acceptance: a random half of adult.csv against the other half scores >= 0.97 on shapes and trends",
             "and a detection AUC <= 0.55; independently shuffled columns keep shapes >= 0.97, lose trends and",
             "get an AUC >= 0.9; a copy of the training rows raises the privacy alarm.", "",
             "| table | seed | column_shapes | column_pair_trends | detection_auc |", "| --- | --- | --- | --- | --- |"]
    for key in ("half_vs_half", "shuffled"):
        lines += [f"| {key} | {r['seed']} | {r['column_shapes']:.4f} | {r['column_pair_trends']:.4f} | "
                  f"{r['detection_auc']:.4f} |" for r in result["sanity"][key]]
    c = result["sanity"]["copy_of_train"]
    lines += ["", f"Copy of the {N_TRAIN:,} training rows, adult_test as holdout: closer_to_train_share "
              f"{c['closer_to_train_share']:.4f}, exact_copies {c['exact_copies']:.4f}, membership AUC "
              f"{c['membership_inference_auc']:.4f}, alarm {c['privacy_alarm']:.0f}: \"{c['message']}\"", "",
              "## Timing of the full suite", "",
              f"Adult: {t['rows']['train']:,} training rows x {t['rows']['synthetic']:,} synthetic rows (copula), "
              f"{t['rows']['holdout']:,} holdout rows, target income, sensitive sex, all six families.", "",
              f"* wall time **{t['wall_seconds']} s**, process CPU time {t['cpu_seconds']} s "
              f"({t['cpu_count']} cores, shared: load average {t['load_average_before']} before, "
              f"{t['load_average_after']} after)",
              "* seconds per family: " + ", ".join(f"{k} {v}" for k, v in t["seconds_per_family"].items()),
              f"* HTML report: {t['report_seconds']} s more", "",
              "Headline scores of that evaluation: " + ", ".join(
                  f"{k} {v:.3f}" for k, v in t["headline"].items() if v is not None) + "."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--screenshot", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    adult = pd.read_csv(DATASETS / "adult.csv.gz")
    test = pd.read_csv(DATASETS / "adult_test.csv.gz")
    cache = HERE / ".cache"
    cache.mkdir(exist_ok=True)
    report = cache / "report_adult.html"
    figures, _, _ = timing(adult.sample(frac=1.0, random_state=0).reset_index(drop=True), test, report)
    result = {"timing": figures, "sanity": sanity(adult, test, args.seeds)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "evaluation_sanity.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_markdown(result, args.out / "evaluation_sanity.md")
    if args.screenshot:
        screenshot(report, args.screenshot)


if __name__ == "__main__":
    main()
