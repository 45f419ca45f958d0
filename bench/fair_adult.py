"""Issue 12 fairness acceptance: does training on fair synthetic Adult shrink the demographic-parity gap?

For each seed, synthgan's default table model (ctgan, default epochs) is fitted once on
``adult.csv.gz`` with ``fair_target="income", fair_sensitive="sex"``. Fairness is a property of
sampling only (the fit records the two columns' real marginals), so the same fitted model
gives both the *fair* synthetic table (cells drawn from P(sex) x P(income)) and, with its fair
cells switched off, the *plain* one (the learned joint). A LightGBM classifier is trained on
each, and on the real training rows, and scored on ``adult_test.csv.gz`` with fairlearn's
metrics (:func:`synthgan.evaluation.fair_outcomes.fair_outcomes`); fairlearn's
ThresholdOptimizer (demographic parity) on the real-trained model is the reference mitigation::

    python -m bench.fair_adult                      # seeds 0 and 1
    python -m bench.fair_adult --seeds 0 --epochs 5 --out-name fair_smoke   # wiring check

Acceptance (the issue): the fair-trained model's demographic-parity difference on the real
test rows is at most half the real-trained model's, at a ROC AUC cost of at most 0.03.
Writes ``bench/results/OUT_NAME.{json,md}`` (default ``fair_adult``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from bench.common import DATASETS_DIR, RESULTS_DIR, rounded, write_json

TARGET, SENSITIVE = "income", "sex"
ARMS = ("real", "fair_synthetic", "plain_synthetic", "threshold_optimizer")


def run_seed(train: pd.DataFrame, test: pd.DataFrame, seed: int, epochs: int | None) -> dict:
    from synthgan import Synthesizer
    from synthgan.evaluation.fair_outcomes import fair_outcomes

    started = time.perf_counter()
    syn = Synthesizer("ctgan", seed=seed, epochs=epochs, fair_target=TARGET, fair_sensitive=SENSITIVE).fit(train)
    fit_seconds = time.perf_counter() - started
    fair = syn.sample(len(train), seed=seed + 100)
    cells, syn.fairness_ = syn.fairness_, None  # the same model, sampling its learned joint
    plain = syn.sample(len(train), seed=seed + 100)
    syn.fairness_ = cells
    outcome = fair_outcomes({"real": train, "fair_synthetic": fair, "plain_synthetic": plain}, test,
                            target=TARGET, sensitive=SENSITIVE, seed=seed)
    rates = {name: frame.groupby(SENSITIVE)[TARGET].apply(lambda s: float((s == outcome["positive_class"]).mean())).to_dict()
             for name, frame in (("real", train), ("fair_synthetic", fair), ("plain_synthetic", plain))}
    return {"seed": seed, "fit_seconds": fit_seconds, "epochs": len(syn.history_), "outcomes": outcome["results"],
            "training_positive_rate_by_group": rates, "positive_class": outcome["positive_class"]}


def verdict(record: dict) -> dict:
    real, fair = record["outcomes"]["real"], record["outcomes"]["fair_synthetic"]
    ratio = fair["demographic_parity_difference"] / real["demographic_parity_difference"]
    cost = real["roc_auc"] - fair["roc_auc"]
    return {"parity_ratio": ratio, "roc_auc_cost": cost, "parity_passed": bool(ratio <= 0.5),
            "auc_passed": bool(cost <= 0.03)}


def markdown(result: dict) -> str:
    lines = ["# Fair generation on Adult (target income, sensitive sex)", "",
             f"Machine: {result['machine']}; load average before the run {result['load_before']}, after {result['load_after']}.",
             "LightGBM trained on each table, scored on the 16,281 real test rows (adult_test.csv.gz) with fairlearn's "
             "metrics. DP diff = demographic_parity_difference, EO diff = equalized_odds_difference.", ""]
    for record in result["seeds"]:
        lines += [f"## Seed {record['seed']} (ctgan, {record['epochs']} epochs, fit {record['fit_seconds']:.0f} s)", "",
                  "| trained on | ROC AUC | accuracy | positive rate | DP diff | EO diff | positive rate F / M |",
                  "|---|---|---|---|---|---|---|"]
        for arm in ARMS:
            o = record["outcomes"][arm]
            by = o["positive_rate_by_group"]
            auc = "—" if o["roc_auc"] is None else f"{o['roc_auc']:.3f}"
            lines.append(f"| {arm} | {auc} | {o['accuracy']:.3f} | {o['positive_rate']:.3f} | "
                         f"{o['demographic_parity_difference']:.3f} | {o['equalized_odds_difference']:.3f} | "
                         f"{by.get('Female', float('nan')):.3f} / {by.get('Male', float('nan')):.3f} |")
        v = record["verdict"]
        lines += ["", f"Fair / real DP difference: **{v['parity_ratio']:.2f}** (target <= 0.5: "
                      f"{'pass' if v['parity_passed'] else 'MISS'}); ROC AUC cost **{v['roc_auc_cost']:+.3f}** "
                      f"(target <= 0.03: {'pass' if v['auc_passed'] else 'MISS'}).",
                  f"High-income share in the training tables, F / M: " + ", ".join(
                      f"{name} {r.get('Female', float('nan')):.3f} / {r.get('Male', float('nan')):.3f}"
                      for name, r in record["training_positive_rate_by_group"].items()), ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--epochs", type=int, default=None, help="ctgan epochs (default: chosen from the data size)")
    parser.add_argument("--out-name", default="fair_adult")
    args = parser.parse_args()
    train = pd.read_csv(DATASETS_DIR / "adult.csv.gz")
    test = pd.read_csv(DATASETS_DIR / "adult_test.csv.gz")
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "load_before": os.getloadavg(), "seeds": []}
    for seed in (int(s) for s in args.seeds.split(",")):
        record = run_seed(train, test, seed, args.epochs)
        record["verdict"] = verdict(record)
        result["seeds"].append(record)
        result["load_after"] = os.getloadavg()
        write_json(RESULTS_DIR / f"{args.out_name}.json", rounded(result))
        (RESULTS_DIR / f"{args.out_name}.md").write_text(markdown(result), encoding="utf-8")
        v = record["verdict"]
        print(f"seed {seed}: DP ratio {v['parity_ratio']:.2f}, AUC cost {v['roc_auc_cost']:+.3f}", flush=True)
    print((RESULTS_DIR / f"{args.out_name}.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
