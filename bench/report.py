"""Benchmark results: per-model means over seeds, the ratios synthgan/peer, the issue's checks.

:func:`write_results` turns the raw runs of one dataset into ``bench_DATASET.json`` and a
Markdown table next to it. It is called after every model, so the files always show
what has finished so far.
"""

from __future__ import annotations

import math
import platform
import time
from pathlib import Path
from typing import Any

from bench.common import MODELS, PAIRS, SDV_EPOCHS, read_json, rounded, write_json

# (key, header, where it lives: "run" or "scores", how to print it)
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("preprocess_seconds", "preprocess s", "run", "{:.2f}"),
    ("seconds_per_epoch", "s/epoch", "run", "{:.3f}"),
    ("epochs", "epochs", "run", "{:.0f}"),
    ("fit_seconds", "fit s", "run", "{:.1f}"),
    ("sample_rows_per_second", "sample rows/s", "run", "{:,.0f}"),
    ("peak_rss_mb", "peak MB", "run", "{:,.0f}"),
    ("column_shapes", "shapes", "scores", "{:.3f}"),
    ("column_pair_trends", "trends", "scores", "{:.3f}"),
    ("detection_auc", "detection AUC", "scores", "{:.3f}"),
    ("tstr", "TSTR", "scores", "{:.3f}"),
    ("closer_to_train_share", "closer-to-train", "scores", "{:.3f}"),
)
RATIO_KEYS = ("preprocess_seconds", "seconds_per_epoch", "fit_seconds", "sample_rows_per_second", "peak_rss_mb",
              "column_shapes", "column_pair_trends", "detection_auc", "tstr", "closer_to_train_share")

def _argn_claims(model: str, prefix: str) -> tuple[tuple[str, str, str, str, float, str], ...]:
    """The issue's claims against TabularARGN for one synthgan model."""
    return tuple((model, "argn", key, relation, bound, prefix + claim) for key, relation, bound, claim in (
        ("column_shapes", ">=peer", 0.0, "shapes >= TabularARGN's"),
        ("column_pair_trends", ">=peer", 0.0, "trends >= TabularARGN's"),
        ("detection_auc", "<=peer", 0.0, "detection AUC <= TabularARGN's"),
        ("tstr", ">=peer", 0.0, "TSTR >= TabularARGN's"),
        ("fit_seconds", "ratio<=", 1.0, "fit time <= TabularARGN's"),
        ("sample_rows_per_second", "ratio>=", 10.0, "sampling >= 10x TabularARGN's"),
    ))


# The product issue's targets: (synthgan model, peer, key, relation, bound, claim).
# "ratio<=" / "ratio>=" compare synthgan/peer with the bound; "<=peer" / ">=peer" compare values.
CHECKS: tuple[tuple[str, str, str, str, float, str], ...] = (
    ("synthgan-ctgan-sdvarch", "sdv-ctgan", "seconds_per_epoch", "ratio<=", 1 / 3, "epoch at SDV's architecture <= 1/3 of SDV's"),
    ("synthgan-ctgan-sdvarch", "sdv-ctgan", "preprocess_seconds", "ratio<=", 0.1, "preprocessing <= 1/10 of SDV's"),
    ("synthgan-ctgan-sdvarch", "sdv-ctgan", "sample_rows_per_second", "ratio>=", 4.0, "sampling >= 4x SDV's rows/s"),
    ("synthgan-ctgan", "sdv-ctgan", "fit_seconds", "ratio<=", 0.1, "default ctgan fit <= 1/10 of SDV CTGAN's"),
    ("synthgan-ctgan", "sdv-ctgan", "column_shapes", ">=peer", 0.0, "default ctgan shapes >= SDV CTGAN's"),
    ("synthgan-ctgan", "sdv-ctgan", "column_pair_trends", ">=peer", 0.0, "default ctgan trends >= SDV CTGAN's"),
    ("synthgan-ctgan", "sdv-ctgan", "detection_auc", "<=peer", 0.0, "default ctgan detection AUC <= SDV CTGAN's"),
    *_argn_claims("synthgan-ctgan", ""),
    *_argn_claims("synthgan-autoregressive", "autoregressive: "),
    *_argn_claims("synthgan-tvae", "tvae: "),  # synthgan's closest model to TabularARGN on Adult
)


def load_results(path: Path) -> dict[str, Any]:
    """The results file at ``path`` (an empty dict when there is none yet)."""
    return read_json(path) if Path(path).exists() else {}


def _value(run: dict[str, Any], key: str, where: str) -> float | None:
    source = run if where == "run" else (run.get("scores") or {})
    value = source.get(key)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _where(key: str) -> str:
    return next(where for k, _, where, _ in COLUMNS if k == key)


def aggregate(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per model: the mean of every figure over the seeds that finished, and those seeds."""
    out: dict[str, dict[str, Any]] = {}
    for model in MODELS:
        done = [r for r in runs if r["model"] == model and r.get("status") == "ok"]
        if not done:
            continue
        means: dict[str, Any] = {"seeds": [r["seed"] for r in done]}
        for key, _, where, _ in COLUMNS:
            values = [v for v in (_value(r, key, where) for r in done) if v is not None]
            means[key] = rounded(sum(values) / len(values), 4) if values else None
        out[model] = means
    return out


def ratios(means: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """synthgan/peer for every figure of every pair in :data:`bench.common.PAIRS` that both ran."""
    rows = []
    for ours, peer, what in PAIRS:
        if ours not in means or peer not in means:
            continue
        values = {}
        for key in RATIO_KEYS:
            a, b = means[ours].get(key), means[peer].get(key)
            values[key] = rounded(a / b, 4) if a is not None and b not in (None, 0) else None
        rows.append({"synthgan": ours, "peer": peer, "what": what, "ratios": values})
    return rows


def checks(means: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each met / not met / not measured in this run."""
    rows = []
    for ours, peer, key, relation, bound, claim in CHECKS:
        a = means.get(ours, {}).get(key)
        b = means.get(peer, {}).get(key)
        row: dict[str, Any] = {"claim": claim, "synthgan": ours, "peer": peer, "figure": key, "relation": relation,
                               "bound": rounded(bound, 4), "synthgan_value": a, "peer_value": b}
        short = _short_peer_fit(means.get(peer, {})) if key == "fit_seconds" and peer == "sdv-ctgan" else None
        if short is not None:  # the claim is against SDV's 300 epochs: extrapolate a shortened run
            b, row["peer_value"], row["peer_extrapolated_from_epochs"] = short[0], short[0], short[1]
        if a is None or b is None or (relation.startswith("ratio") and b == 0):
            row.update(observed=None, met=None)
        elif relation.startswith("ratio"):
            ratio = a / b
            row.update(observed=rounded(ratio, 4), met=ratio <= bound if relation == "ratio<=" else ratio >= bound)
        else:
            row.update(observed=rounded(a - b, 4), met=a >= b if relation == ">=peer" else a <= b)
        rows.append(row)
    return rows


def _short_peer_fit(peer: dict[str, Any]) -> tuple[float, float] | None:
    """``(fit seconds extrapolated to SDV's 300 epochs, epochs run)`` for a run cut short, else None."""
    epochs, per_epoch, preprocess = peer.get("epochs"), peer.get("seconds_per_epoch"), peer.get("preprocess_seconds")
    if epochs is None or per_epoch is None or preprocess is None or round(epochs) == SDV_EPOCHS:
        return None
    return preprocess + per_epoch * SDV_EPOCHS, epochs


def write_results(path: Path, results: dict[str, Any]) -> None:
    """Recompute means, ratios and checks from ``results["runs"]``; write the JSON and the Markdown."""
    means = aggregate(results.get("runs", []))
    results["updated_utc"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["machine"] = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "python": platform.python_version()}
    results["means"] = means
    results["ratios"] = ratios(means)
    results["checks"] = checks(means)
    write_json(Path(path), results)
    Path(path).with_suffix(".md").write_text(markdown(results), encoding="utf-8")


def _header(key: str) -> str:
    return next(h for k, h, _, _ in COLUMNS if k == key)


def _fmt(value: Any, spec: str) -> str:
    if value is None:
        return "—"
    return spec.format(value)


def _ratio(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _run_rows(results: dict[str, Any]) -> list[str]:
    lines = ["| model | seed | " + " | ".join(h for _, h, _, _ in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for run in results.get("runs", []):
        if run.get("status") != "ok":
            continue
        cells = [_fmt(_value(run, k, w), spec) for k, _, w, spec in COLUMNS]
        lines.append(f"| {run['model']} | {run['seed']} | " + " | ".join(cells) + " |")
    reference = (results.get("reference") or {}).get("real_test")
    if reference:
        cells = [_fmt(reference.get(k), spec) if w == "scores" else "" for k, _, w, spec in COLUMNS]
        lines.append("| *real test split (reference)* | | " + " | ".join(cells) + " |")
    return lines


def _mean_rows(results: dict[str, Any]) -> list[str]:
    means = results.get("means", {})
    if not any(len(m["seeds"]) > 1 for m in means.values()):
        return []
    lines = ["", "Means over seeds:", "", "| model | seeds | " + " | ".join(h for _, h, _, _ in COLUMNS) + " |",
             "|---|---|" + "---|" * len(COLUMNS)]
    for model, m in means.items():
        cells = [_fmt(m.get(k), spec) for k, _, _, spec in COLUMNS]
        lines.append(f"| {model} | {','.join(map(str, m['seeds']))} | " + " | ".join(cells) + " |")
    return lines


def markdown(results: dict[str, Any]) -> str:
    """The results of one dataset as a Markdown page."""
    s = results.get("settings", {})
    lines = [
        f"# Benchmark: {results['dataset']}",
        "",
        f"{results.get('train_rows')} train rows, {results.get('test_rows')} test rows (target `{results.get('target')}`, "
        f"{results.get('task')}); {s.get('threads')} threads per model, one model at a time; seeds {s.get('seeds')}; "
        f"epochs scale {s.get('epochs_scale')}{' (SMOKE RUN: figures mean nothing)' if s.get('smoke') else ''}; "
        f"sampling timed on {s.get('sample_rows'):,} rows. Updated {results.get('updated_utc')}.",
        "",
        "Every synthetic table is scored by synthgan's evaluation suite against the train split "
        "(shapes, trends, LightGBM detection AUC, closer-to-train share with the test split as holdout) and on the "
        f"test split (TSTR: {'R²' if results.get('task') == 'regression' else 'ROC AUC'} of LightGBM trained on the "
        "synthetic rows). Times in seconds; s/epoch = (fit − preprocess) / epochs. See bench/README.md.",
        "",
        *_run_rows(results),
        *_mean_rows(results),
        "",
        "## Ratios synthgan / peer",
        "",
        "| synthgan | peer | what | " + " | ".join(_header(k) for k in RATIO_KEYS) + " |",
        "|---|---|---|" + "---|" * len(RATIO_KEYS),
    ]
    for row in results.get("ratios", []):
        cells = [_ratio(row["ratios"].get(k)) for k in RATIO_KEYS]
        lines.append(f"| {row['synthgan']} | {row['peer']} | {row['what']} | " + " | ".join(cells) + " |")
    lines += ["", "## The issue's targets", "", "| target | observed | met |", "|---|---|---|"]
    for row in results.get("checks", []):
        if row["observed"] is None:
            observed = "not measured"
        elif row["relation"].startswith("ratio"):
            observed = f"ratio {_ratio(row['observed'])}"
            if row.get("peer_extrapolated_from_epochs") is not None:
                observed += f" (SDV's fit extrapolated to {SDV_EPOCHS} epochs from {row['peer_extrapolated_from_epochs']:.0f})"
        else:
            observed = f"{row['synthgan_value']:.3f} vs {row['peer_value']:.3f}"
        met = {True: "yes", False: "**no**", None: "—"}[row["met"]]
        lines.append(f"| {row['claim']} | {observed} | {met} |")
    failed = [r for r in results.get("runs", []) if r.get("status") != "ok"]
    if failed or results.get("notes"):
        lines += ["", "## Notes and limits", ""]
        lines += [f"- {note}" for note in results.get("notes") or []]
        lines += [f"- {r['model']} seed {r['seed']}: {r.get('status')}" for r in failed]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Re-render a results file (e.g. after adding notes on what limited the run)."""
    import argparse

    parser = argparse.ArgumentParser(description="Re-render bench_DATASET.json/.md, optionally adding notes.")
    parser.add_argument("results", type=Path)
    parser.add_argument("--note", action="append", default=[], help="a line to add to the notes")
    args = parser.parse_args(argv)
    results = load_results(args.results)
    if not results:
        raise SystemExit(f"{args.results} does not exist")
    results["notes"] = list(results.get("notes") or []) + args.note
    write_results(args.results, results)


if __name__ == "__main__":
    main()
