"""Do synthgan's column-shape and pair-trend scores agree with SDMetrics' QualityReport?

Runs in the peers' environment only (sdmetrics pulls in the BSL-licensed copulas, so it is
never a dependency of synthgan or its tests):

    bash bench/setup_peers.sh
    bench/.peers-venv/bin/python bench/sdmetrics_agreement.py

For each shared dataset (a seeded subsample of at most 10,000 real rows) it scores two
synthetic tables, a synthgan Gaussian-copula sample and a deliberately perturbed copy
(noise on numbers, one column shuffled, a category merged), with both libraries, using
the same column kinds (synthgan's inference, given to SDMetrics as metadata) so that the
comparison isolates the metric definitions (where those kinds differ from SDV's own metadata
detection is recorded too). Pair trends are compared twice: over all
pairs (SDMetrics thresholds set to 0) and over associated pairs only (SDMetrics 0.32's
default thresholds, |r| > 0.5 / Cramér's V > 0.3). Writes
bench/results/sdmetrics_agreement.{json,md}; the target is |difference| <= 0.01.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.evaluation import infer_kinds
from synthgan.evaluation.fidelity import column_pair_trends, column_shapes

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parents[1] / "shared" / "datasets"
DEFAULT_DATASETS = ("adult", "california_housing", "bank_marketing", "stroke_prediction")
N_ROWS = 10_000
TOLERANCE = 0.01


def perturbed_copy(real: pd.DataFrame, kinds: dict[str, str], seed: int) -> pd.DataFrame:
    """Real rows made imperfect on purpose: numeric noise, one column shuffled, one category merged."""
    rng = np.random.default_rng(seed)
    out = real.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    numeric = [c for c, k in kinds.items() if k == "numerical"]
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    for name in numeric:
        values = out[name].to_numpy(dtype=float)
        out[name] = values + rng.normal(0.0, 0.1 * np.nanstd(values), len(values))
    if numeric:
        out[numeric[0]] = out[numeric[0]].to_numpy()[rng.permutation(len(out))]
    if categorical:
        name = categorical[0]
        counts = out[name].value_counts()
        if len(counts) > 1:
            out[name] = out[name].replace(counts.index[-1], counts.index[0])
    return out


def copula_sample(real: pd.DataFrame, seed: int) -> pd.DataFrame:
    from synthgan import Synthesizer

    return Synthesizer("copula", seed=seed).fit(real).sample(len(real), seed=seed)


def sdmetrics_scores(real: pd.DataFrame, synth: pd.DataFrame, kinds: dict[str, str]) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the single-table report's deprecation notice
        from sdmetrics.reports.single_table import QualityReport

    metadata = {"columns": {c: {"sdtype": k} for c, k in kinds.items()}}
    scores = {}
    for label, thresholds in (("all_pairs", (0, 0)), ("associated_pairs", None)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report = QualityReport()
        if thresholds is not None:
            report.real_correlation_threshold, report.real_association_threshold = thresholds
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            report.generate(real, synth, metadata, verbose=False)
        props = report.get_properties().set_index("Property")["Score"]
        scores["column_shapes"] = float(props["Column Shapes"])
        scores[f"column_pair_trends_{label}"] = float(props["Column Pair Trends"])
    return scores


def synthgan_scores(real: pd.DataFrame, synth: pd.DataFrame, kinds: dict[str, str]) -> dict[str, float]:
    return {
        "column_shapes": column_shapes(real, synth, kinds=kinds),
        "column_pair_trends_all_pairs": column_pair_trends(real, synth, kinds=kinds),
        "column_pair_trends_associated_pairs": column_pair_trends(real, synth, kinds=kinds, associated_only=True),
    }


def sdv_kind_differences(real: pd.DataFrame, kinds: dict[str, str]) -> dict[str, list[str]] | None:
    """Columns whose kind differs from SDV's own metadata detection (None when sdv is absent)."""
    try:
        from sdv.metadata import Metadata
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detected = Metadata.detect_from_dataframes({"t": real}).to_dict()["tables"]["t"]["columns"]
    # SDMetrics scores 'ordinal' and 'boolean' exactly like 'categorical'.
    same = {"ordinal": "categorical", "boolean": "categorical"}
    return {c: [kinds[c], d["sdtype"]] for c, d in detected.items() if same.get(d["sdtype"], d["sdtype"]) != kinds[c]}


def run(datasets: list[str], seed: int) -> dict:
    rows, kind_differences = [], {}
    for name in datasets:
        real = pd.read_csv(DATASETS / f"{name}.csv.gz")
        real = real.sample(min(N_ROWS, len(real)), random_state=seed).reset_index(drop=True)
        kinds = infer_kinds(real)
        kind_differences[name] = sdv_kind_differences(real, kinds)
        for synth_name, make in (("copula", lambda: copula_sample(real, seed)),
                                 ("perturbed", lambda: perturbed_copy(real, kinds, seed))):
            synth = make()
            t0 = time.perf_counter()
            ours = synthgan_scores(real, synth, kinds)
            t_ours = time.perf_counter() - t0
            t0 = time.perf_counter()
            theirs = sdmetrics_scores(real, synth, kinds)
            t_theirs = time.perf_counter() - t0
            for metric, value in ours.items():
                rows.append({"dataset": name, "synthetic": synth_name, "metric": metric, "synthgan": value,
                             "sdmetrics": theirs[metric], "difference": value - theirs[metric]})
            print(f"{name:20s} {synth_name:9s} synthgan {t_ours:5.2f} s  sdmetrics {t_theirs:5.2f} s  "
                  + "  ".join(f"{r['metric']}: {r['synthgan']:.4f} vs {r['sdmetrics']:.4f}" for r in rows[-3:]))
    worst = max(abs(r["difference"]) for r in rows)
    return {"sdmetrics_version": md.version("sdmetrics"), "seed": seed, "n_rows_max": N_ROWS,
            "tolerance": TOLERANCE, "max_abs_difference": worst, "within_tolerance": worst <= TOLERANCE,
            "kinds_vs_sdv_detection": kind_differences, "rows": rows}


def write_markdown(result: dict, path: Path) -> None:
    lines = [
        "# synthgan vs SDMetrics QualityReport",
        "",
        f"sdmetrics {result['sdmetrics_version']}, seed {result['seed']}, at most {result['n_rows_max']:,} real rows "
        "per dataset, same column kinds given to both. Produced by `bench/sdmetrics_agreement.py`.",
        "",
        f"Largest absolute difference: **{result['max_abs_difference']:.2e}** "
        f"(target <= {result['tolerance']}: {'met' if result['within_tolerance'] else 'NOT met'}).",
        "",
        "Column kinds that differ from SDV's metadata detection (synthgan kind, SDV sdtype; SDMetrics skips "
        "columns whose sdtype it does not score): "
        + "; ".join(f"{d}: {diff if diff else 'none'}" for d, diff in result["kinds_vs_sdv_detection"].items()) + ".",
        "",
        "| dataset | synthetic | metric | synthgan | sdmetrics | difference |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r['dataset']} | {r['synthetic']} | {r['metric']} | {r['synthgan']:.6f} | {r['sdmetrics']:.6f} | "
              f"{r['difference']:+.1e} |" for r in result["rows"]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DEFAULT_DATASETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    try:
        md.version("sdmetrics")
    except md.PackageNotFoundError:
        raise SystemExit("sdmetrics is not installed here: run `bash bench/setup_peers.sh` and use "
                         "bench/.peers-venv/bin/python") from None
    result = run(args.datasets, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "sdmetrics_agreement.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    write_markdown(result, args.out / "sdmetrics_agreement.md")
    print(f"max |difference| = {result['max_abs_difference']:.2e} (tolerance {TOLERANCE}); "
          f"wrote {args.out / 'sdmetrics_agreement.md'}")
    if not result["within_tolerance"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
