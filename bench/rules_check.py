"""Issue 15, point 2: rules between columns, tails and spikes on california_housing and stroke_prediction.

Fits the default :class:`~synthgan.Synthesizer` (its default model, default epochs, seed 0) on each
whole table, samples as many rows as the table has (seed 1), and measures:

* every fitted rule: the share of real rows that break it (where it can be checked)
  and of synthetic rows, with the rules kept (the default) and, from the same fitted
  model, without them; the other measures also for the "model alone" (the same
  fitted model without its rules and without its value calibration,
  :mod:`synthgan.tabular.transforms.calibration`);
* california's listed relations: ``households <= population`` and
  ``total_bedrooms <= total_rooms`` (target: synthetic share at most twice the real one);
* correlations: the largest absolute difference between the real and synthetic
  Pearson correlation of two numeric columns (pairwise complete rows; target <= 0.1);
* spikes: the **frequency ratio**: for every column (identifiers aside) and every value
  (missing counts as one) held by at least max(20, 0.1 % of) synthetic rows, its
  synthetic share over its real share, the real share floored at one row
  (1 / real rows); the largest over values and columns (target <= 3). For numeric
  columns with more than 30 distinct values the real share of a value is the larger of
  its own and the mean share of the 5 distinct real values nearest it (itself
  included), so a real value that happens to be held by 1 row among neighbours held by
  10 is not read as a synthetic spike; the exact-value ratio is reported beside it;
* missing rates per column, real and synthetic;
* stroke: married under-15s (target 0); the share of rows above the real 99th
  percentile of glucose and BMI (target within 1.5x of the real share).

Prints and writes ``bench/results/rules_check.{json,md}``.

Usage: python -m bench.rules_check [--datasets california_housing stroke_prediction] [--epochs N]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan import Synthesizer, __version__
from synthgan.tabular import DEFAULT_TABLE_MODEL
from synthgan.tabular.rules import LessEqual
from synthgan.tabular.rules_apply import RuleSet

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets"
RESULTS = ROOT / "bench" / "results"
LISTED = {"california_housing": [("households", "population"), ("total_bedrooms", "total_rooms")]}
TAILS = {"stroke_prediction": ["avg_glucose_level", "bmi"]}


def shares(rule: Any, frame: pd.DataFrame, schema: Any) -> dict[str, Any]:
    applies = rule.applies(frame, schema)
    broken = int(rule.broken(frame, schema).sum())
    return {"broken": broken, "checked": int(applies.sum()), "share": broken / max(int(applies.sum()), 1)}


def max_correlation_difference(real: pd.DataFrame, synth: pd.DataFrame, numeric: list[str]) -> dict[str, Any]:
    diff = (real[numeric].corr() - synth[numeric].corr()).abs()
    values = diff.to_numpy()
    i, j = np.unravel_index(np.nanargmax(values), values.shape)
    return {"max_abs_difference": float(values[i, j]), "pair": [numeric[i], numeric[j]],
            "real": float(real[numeric].corr().iloc[i, j]), "synthetic": float(synth[numeric].corr().iloc[i, j])}


def _neighbour_share(real: pd.Series, values: pd.Index) -> np.ndarray:
    """Mean real share of the 5 distinct real values nearest each of ``values`` (missing: its own share)."""
    counts = real.value_counts(normalize=True).sort_index()
    levels, shares = counts.index.to_numpy(dtype=float), counts.to_numpy()
    x = np.asarray(values, dtype=float)
    pos = np.clip(np.searchsorted(levels, x), 0, levels.size - 1)
    window = np.clip(pos[:, None] + np.arange(-2, 3)[None, :], 0, levels.size - 1)
    out = shares[window].mean(axis=1)
    return np.where(np.isnan(x), 0.0, out)


def frequency_ratio(real: pd.DataFrame, synth: pd.DataFrame, columns: list[str], smooth: set[str]) -> dict[str, Any]:
    floor, least = 1.0 / len(real), max(20, 0.001 * len(synth))
    worst: dict[str, Any] = {"ratio": 0.0}
    per_column = {}
    for name in columns:
        s = synth[name].value_counts(dropna=False)
        s = s[s >= least] / len(synth)
        if s.empty:
            continue
        r = real[name].value_counts(dropna=False, normalize=True).reindex(s.index).fillna(0.0)
        if name in smooth:
            r = pd.Series(np.maximum(r.to_numpy(), _neighbour_share(real[name], s.index)), index=s.index)
        ratio = s / r.clip(lower=floor)
        top = ratio.idxmax()
        value = None if pd.isna(top) else (top.item() if hasattr(top, "item") else top)
        per_column[name] = {"ratio": float(ratio.max()), "value": value, "synthetic_share": float(s[top]), "real_share": float(r[top])}
        if ratio.max() > worst["ratio"]:
            worst = {"column": name, **per_column[name]}
    return {"worst": worst, "per_column": per_column}


def check(name: str, epochs: int | None, seed: int) -> dict[str, Any]:
    real = pd.read_csv(DATA / f"{name}.csv.gz")
    started = time.perf_counter()
    syn = Synthesizer(epochs=epochs, seed=seed).fit(real)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    synth = syn.sample(len(real), seed=seed + 1)
    sample_seconds = time.perf_counter() - started
    bare = copy.copy(syn)  # the same fitted model, sampled without its rules
    bare.rules_ = RuleSet([], syn.schema_, [])
    bare._reset_sampling()
    unruled = bare.sample(len(real), seed=seed + 1)
    bare.calibration_ = None  # ... and without its value calibration either: the model alone
    bare._reset_sampling()
    alone = bare.sample(len(real), seed=seed + 1)
    schema = syn.schema_
    rules = [{"rule": rule.describe(), "kind": rule.kind, "real": shares(rule, real, schema),
              "synthetic": shares(rule, synth, schema), "synthetic_without_rules": shares(rule, unruled, schema)}
             for rule in syn.rules_.rules]
    numeric = [c.name for c in schema if c.kind in ("continuous", "integer")]
    columns = [c.name for c in schema if c.kind != "id"]
    smooth = {name for name in numeric if real[name].nunique() > 30}
    out: dict[str, Any] = {
        "dataset": name, "rows": len(real), "epochs": len(syn.history_), "fit_seconds": round(fit_seconds, 1),
        "sample_seconds": round(sample_seconds, 2), "rules": rules,
        "correlation": max_correlation_difference(real, synth, numeric),
        "correlation_model_alone": max_correlation_difference(real, alone, numeric),
        "frequency_ratio": frequency_ratio(real, synth, columns, smooth),
        "frequency_ratio_exact": frequency_ratio(real, synth, columns, set()),
        "frequency_ratio_model_alone": frequency_ratio(real, alone, columns, smooth),
        "missing": {c: {"real": float(real[c].isna().mean()), "synthetic": float(synth[c].isna().mean()),
                        "model_alone": float(alone[c].isna().mean())} for c in columns if real[c].isna().any()},
    }
    listed = []
    for left, right in LISTED.get(name, []):
        rule = LessEqual(left, right)
        r, s, u = shares(rule, real, schema), shares(rule, synth, schema), shares(rule, unruled, schema)
        listed.append({"rule": rule.describe(), "real": r, "synthetic": s, "synthetic_without_rules": u,
                       "met": s["share"] <= 2 * r["share"]})
    if listed:
        out["listed_relations"] = listed
    if name == "stroke_prediction":
        out["married_under_15"] = {"real": int(((real.ever_married == "Yes") & (real.age < 15)).sum()),
                                   "synthetic": int(((synth.ever_married == "Yes") & (synth.age < 15)).sum()),
                                   "synthetic_without_rules": int(((unruled.ever_married == "Yes") & (unruled.age < 15)).sum())}
    tails = {}
    for column in TAILS.get(name, []):
        q99 = float(real[column].quantile(0.99))
        r, s = float((real[column] > q99).mean()), float((synth[column] > q99).mean())
        tails[column] = {"real_q99": q99, "real_share": r, "synthetic_share": s, "ratio": s / r,
                         "model_alone_share": float((alone[column] > q99).mean()),
                         "at_real_max": int((synth[column] == real[column].max()).sum()), "met": 1 / 1.5 <= s / r <= 1.5}
    if tails:
        out["tails"] = tails
    return out


def markdown(results: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = ["# Rules between columns, tails and spikes (issue 15, point 2)", "",
             f"Default `Synthesizer()` ({DEFAULT_TABLE_MODEL}, {meta['epochs_note']}, seed {meta['seed']}) fitted on each whole table; "
             "as many synthetic rows as real ones (seed 1). \"without rules\" samples the same fitted model with its "
             "rules switched off; \"model alone\" with its rules and its value calibration switched off. "
             "Frequency ratio: for each column and each value held by at least max(20, 0.1 % of) synthetic rows, "
             "synthetic share / real share (real share floored at one row; for numeric columns with over 30 "
             "distinct values, the larger of the value's own real share and the mean of the 5 nearest distinct real values); "
             "the largest. "
             f"synthgan {meta['version']}, {meta['machine']}, {meta['date']}; load average after the run "
             f"{meta.get('load_after', 'not recorded')}: a quality check, not a timing benchmark (fit seconds grow with the load).", ""]
    for res in results:
        lines += [f"## {res['dataset']}", "",
                  f"{res['rows']:,} rows; {res['epochs']} epochs; fit {res['fit_seconds']} s; sampling {res['sample_seconds']} s.", "",
                  "| rule | real broken | synthetic broken | without rules |", "|---|---|---|---|"]
        for r in res["rules"]:
            lines.append(f"| {r['rule']} | {r['real']['broken']:,} / {r['real']['checked']:,} | "
                         f"{r['synthetic']['broken']:,} / {r['synthetic']['checked']:,} | "
                         f"{r['synthetic_without_rules']['broken']:,} / {r['synthetic_without_rules']['checked']:,} |")
        lines += ["", "| target | observed | met |", "|---|---|---|"]
        for r in res.get("listed_relations", []):
            lines.append(f"| {r['rule']}: synthetic share <= 2x real ({r['real']['share']:.5f}) | "
                         f"{r['synthetic']['share']:.5f} (without rules {r['synthetic_without_rules']['share']:.5f}) | "
                         f"{'yes' if r['met'] else '**no**'} |")
        c, ca = res["correlation"], res["correlation_model_alone"]
        lines.append(f"| max abs correlation difference <= 0.1 | {c['max_abs_difference']:.3f} ({' / '.join(c['pair'])}: "
                     f"real {c['real']:.2f}, synthetic {c['synthetic']:.2f}); model alone {ca['max_abs_difference']:.3f} | "
                     f"{'yes' if c['max_abs_difference'] <= 0.1 else '**no**'} |")
        f, e = res["frequency_ratio"]["worst"], res["frequency_ratio_exact"]["worst"]
        fa = res["frequency_ratio_model_alone"]["worst"]
        lines.append(f"| frequency ratio <= 3 | {f['ratio']:.2f} ({f.get('column')} = {f.get('value')!r}: synthetic "
                     f"{f.get('synthetic_share', 0):.4f}, real near it {f.get('real_share', 0):.5f}); exact-value ratio "
                     f"{e['ratio']:.2f} ({e.get('column')} = {e.get('value')!r}); model alone {fa['ratio']:.2f} "
                     f"({fa.get('column')} = {fa.get('value')!r}) | {'yes' if f['ratio'] <= 3 else '**no**'} |")
        if "married_under_15" in res:
            m = res["married_under_15"]
            lines.append(f"| no married under-15s | {m['synthetic']} (real {m['real']}, without rules {m['synthetic_without_rules']}) | "
                         f"{'yes' if m['synthetic'] == 0 else '**no**'} |")
        for column, t in res.get("tails", {}).items():
            lines.append(f"| {column} share above real p99 ({t['real_q99']:.2f}) within 1.5x of real {t['real_share']:.4f} | "
                         f"{t['synthetic_share']:.4f} (ratio {t['ratio']:.2f}; {t['at_real_max']} rows at the real max; "
                         f"model alone {t['model_alone_share']:.4f}) | "
                         f"{'yes' if t['met'] else '**no**'} |")
        for column, m in res["missing"].items():
            lines.append(f"| {column} missing rate | real {m['real']:.4f}, synthetic {m['synthetic']:.4f} "
                         f"(model alone {m['model_alone']:.4f}) | — |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["california_housing", "stroke_prediction"])
    parser.add_argument("--epochs", type=int, default=None, help="cap the epochs (default: the model's own budget)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = []
    for name in args.datasets:
        res = check(name, args.epochs, args.seed)
        results.append(res)
        print(json.dumps({k: v for k, v in res.items() if k not in ("rules",)}, indent=1, default=str)[:3000])
    meta = {"version": __version__, "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
            "date": time.strftime("%Y-%m-%d"), "seed": args.seed, "load_after": [round(x, 2) for x in os.getloadavg()],
            "epochs_note": f"epochs capped at {args.epochs}" if args.epochs else "default epochs"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rules_check.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str) + "\n")
    text = markdown(results, meta)
    (RESULTS / "rules_check.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
