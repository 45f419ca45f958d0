"""Issue 11 acceptance harness: sequence generators side by side on S&P 500 daily log returns.

One run fits every model named with ``--models`` for every seed on the log returns of
``Close`` from 1950-01-01 to 2010-12-31 (``sp500_daily``), samples ``--paths`` paths of
``--length`` returns, and scores them with
:func:`synthgan.timeseries.evaluation.evaluate_returns` against the training returns,
with 2011-01-01..2020-12-31 as the real holdout (predictive test set, copying yardstick)::

    python -m bench.series_bench                                   # the real run (PAR: 1,000 epochs, hours on 2 cores)
    python -m bench.series_bench --models quant-gan,stationary-bootstrap,garch-t --seeds 0,1
    python -m bench.series_bench --seeds 0 --paths 4 --length 300 --par-epochs 2 \\
        --models stationary-bootstrap,garch-t,sdv-par --out-name series_smoke   # wiring check, minutes

Models:

* any registered sequence model (``synthgan models``: ``stationary-bootstrap``, ``garch-t``,
  ``quant-gan`` once registered), through :class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer`
  on the training rows (``time_column="Date", columns="Close", returns="log"``): each path is
  sampled with ``length + 1`` closes, whose log differences are the ``length`` returns scored;
* ``sdv-par``: SDV's PARSynthesizer in the peers' environment (``bench/peers_par.py`` run by
  ``bench/.peers-venv/bin/python``), trained on the training returns cut into non-overlapping
  ``--par-window``-step windows (one sequence each) for ``--par-epochs`` epochs (1,000, the
  issue's reference); it samples as many windows as make ``paths x length`` returns, and the
  windows are scored as paths (so ACF lags >= the window are n/a for it).

Each (model, seed) reports fit and sampling seconds (wall clock, this machine, whatever else
runs on it: the load average is recorded), the issue's acceptance figures and a pass/fail per
criterion against the issue's GAN targets (:data:`CRITERIA`). ``bench/results/OUT_NAME.{json,md}``
(default ``series_sp500``) are rewritten after every model, so an interrupted run keeps what it
finished; PAR's windows and samples go to ``bench/.cache/series_bench/OUT_NAME/``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from bench.common import (BENCH_DIR, CACHE_DIR, DATASETS_DIR, PEERS_PYTHON, RESULTS_DIR, limit_threads, rounded,
                          subprocess_env, write_json)

DATA = DATASETS_DIR / "sp500_daily.csv.gz"
TRAIN, HOLDOUT = ("1950-01-01", "2010-12-31"), ("2011-01-01", "2020-12-31")
PAR = "sdv-par"

# key: (label, test on the figures) -- the targets for the GAN
CRITERIA: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "disc": ("LightGBM |acc-0.5| < 0.12", lambda f: f["disc_lightgbm"] < 0.12),
    "pred": ("predictive MAE < 4.54e-3", lambda f: f["pred_mae_x1e3"] < 4.54),
    "copies": ("no exact copies, NN ratio >= 0.9", lambda f: f["exact_copy_share"] == 0 and f["nn_ratio"] >= 0.9),
    "skew": ("skew in [-1.4, -0.6]", lambda f: -1.4 <= f["skew"] <= -0.6),
    "hill": ("Hill index in [2.5, 3.6]", lambda f: 2.5 <= f["hill"] <= 3.6),
    "kurt20": ("20-day-sum kurtosis < 6", lambda f: f["kurtosis_20"] < 6),
    "acf": ("ACF|r| lag 1 >= 0.15, lag 100 >= 0.05", lambda f: f["acf_abs_1"] >= 0.15 and f["acf_abs_100"] >= 0.05),
    "leverage": ("L(1) = corr(r_t, r_t+1^2) < -0.03", lambda f: f["leverage_1"] < -0.03),
    "fit": ("fit < 600 s", lambda f: f["fit_seconds"] < 600),
}
# (figure key, column header) of the figures table
COLUMNS = (("fit_seconds", "fit s"), ("sample_seconds", "sample s"), ("disc_lightgbm", "disc LGBM"),
           ("disc_gru", "disc GRU"), ("pred_mae_x1e3", "pred MAE e-3"), ("pred_mae_real_x1e3", "(real-trained)"),
           ("skew", "skew"), ("hill", "Hill"), ("kurtosis_20", "kurt 20d"), ("acf_abs_1", "ACF|r| 1"),
           ("acf_abs_100", "ACF|r| 100"), ("leverage_1", "L(1)"), ("exact_copy_share", "copies"), ("nn_ratio", "NN ratio"))


def load_frames() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The training rows (Date, Close), and the training and holdout log returns (a return belongs to its end date)."""
    frame = pd.read_csv(DATA, usecols=["Date", "Close"])
    dates = frame["Date"].to_numpy(dtype=str)
    returns = np.diff(np.log(frame["Close"].to_numpy(dtype=np.float64)))
    within = lambda d, span: (d >= span[0]) & (d <= span[1])  # noqa: E731  ISO dates compare as text
    train_rows = frame[within(dates, TRAIN)].reset_index(drop=True)
    ends = dates[1:]
    train = returns[within(ends, TRAIN) & (ends > train_rows["Date"].iloc[0])]  # the first training close has no return
    return train_rows, train, returns[within(ends, HOLDOUT)]


def _param(text: str) -> tuple[str, str, Any]:
    model, sep, rest = text.partition(":")
    key, eq, value = rest.partition("=")
    if not sep or not eq or not key:
        raise argparse.ArgumentTypeError(f"expected MODEL:KEY=VALUE, got {text!r}")
    try:
        return model, key, json.loads(value)
    except json.JSONDecodeError:
        return model, key, value


def run_synthgan(model: str, seed: int, train_rows: pd.DataFrame, args: argparse.Namespace) -> dict[str, Any]:
    """Fit ``model`` through SeriesSynthesizer, sample ``paths`` x ``length + 1`` closes; returns the log returns."""
    from synthgan.timeseries.synthesizer import SeriesSynthesizer

    options = {k: v for m, k, v in args.param if m == model}
    syn = SeriesSynthesizer(model, time_column="Date", columns="Close", returns="log", seed=seed, device=args.device,
                            **options)
    started = time.perf_counter()
    syn.fit(train_rows)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    frame = syn.sample(args.paths, args.length + 1, seed=seed)
    sample_seconds = time.perf_counter() - started
    closes = frame["Close"].to_numpy(dtype=np.float64).reshape(args.paths, args.length + 1)
    return {"paths": np.diff(np.log(closes), axis=1), "fit_seconds": fit_seconds, "sample_seconds": sample_seconds,
            "config": {"model_params": options, "epochs_run": len(syn.history_) or None,
                       "stopped_early": syn.diagnostics_.get("stopped_early")}}


def run_par(seed: int, train: np.ndarray, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """SDV PAR in the peers' Python on ``--par-window``-step windows of the training returns; sampled windows back."""
    if not PEERS_PYTHON.exists():
        raise RuntimeError(f"{PEERS_PYTHON} is missing: run bash bench/setup_peers.sh first, or leave {PAR} out of --models")
    w = args.par_window
    n_windows = len(train) // w
    data = work / "par_train.parquet"
    pd.DataFrame({"window": np.repeat(np.arange(n_windows), w), "r": train[: n_windows * w]}).to_parquet(data, index=False)
    wanted = math.ceil(args.paths * args.length / w)
    out, times = work / f"par_s{seed}.parquet", work / f"par_s{seed}.json"
    cmd = [str(PEERS_PYTHON), str(BENCH_DIR / "peers_par.py"), str(data), "--sequence-key", "window",
           "--epochs", str(args.par_epochs), "--n-sequences", str(wanted), "--length", str(w), "--seed", str(seed),
           "--out", str(out), "--times-json", str(times)] + (["--cuda"] if args.par_cuda else [])
    done = subprocess.run(cmd, env=subprocess_env(args.threads), capture_output=True, text=True,
                          timeout=args.par_timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    timing = json.loads(times.read_text())
    sampled = pd.read_parquet(out)
    sizes = sampled.groupby("window", sort=False).size()
    if (sizes != w).any():
        raise RuntimeError(f"PAR sampled windows of {sorted(set(sizes))} steps, not {w}")
    paths = np.stack([g["r"].to_numpy(dtype=np.float64) for _, g in sampled.groupby("window", sort=False)])
    return {"paths": paths, "fit_seconds": timing["fit_seconds"], "sample_seconds": timing["sample_seconds"],
            "config": {"epochs": args.par_epochs, "window": w, "train_windows": n_windows, "sampled_windows": wanted,
                       "versions": timing.get("versions")}}


def figures(evaluation: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The acceptance figures of one evaluation: the synthetic paths', and the real training returns' (the reference)."""
    from synthgan.timeseries.evaluate import headline

    rows = {key: (real, synthetic) for key, _, real, synthetic in headline(evaluation)}
    stylized = ("skew", "hill", "kurtosis_20", "acf_abs_1", "acf_abs_100", "leverage_1")
    scores = ("disc_lightgbm", "disc_gru", "pred_mae_x1e3", "exact_copy_share", "nn_ratio")
    synthetic = {k: rows.get(k, (None, None))[1] for k in stylized + scores}
    reference = rows["pred_mae_x1e3"][0]
    synthetic["pred_mae_real_x1e3"] = reference
    return synthetic, {**{k: rows[k][0] for k in stylized}, "pred_mae_real_x1e3": reference}


def verdicts(fig: dict[str, Any]) -> dict[str, bool | None]:
    """Pass/fail per criterion; None where a figure is missing (n/a: not met)."""
    out = {}
    for key, (_, test) in CRITERIA.items():
        try:
            out[key] = bool(test(fig))
        except TypeError:  # a None figure
            out[key] = None
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _md(text: str) -> str:
    return text.replace("|", "\\|")  # a bar inside a cell ends it


def markdown(payload: dict[str, Any]) -> str:
    s = payload["settings"]
    lines = ["# Sequence generators on S&P 500 daily log returns (issue 11)", "",
             f"Close, log returns; train {TRAIN[0]}..{TRAIN[1]} ({payload['train_returns']:,} returns), holdout "
             f"{HOLDOUT[0]}..{HOLDOUT[1]} ({payload['holdout_returns']:,}). {s['paths']} paths x {s['length']:,} returns "
             f"per model and seed (PAR: {s['par_window']}-step windows, {s['par_epochs']} epochs). evaluate_returns(window=20, "
             f"repetitions={s['repetitions']}, seed=seed). Seconds are wall clock with {s['threads']} thread(s); load average "
             f"at the start {payload['load_average_start']:.1f} (the machine may be shared: see each run's `load_average`).",
             "", "| model | seed | " + " | ".join(_md(h) for _, h in COLUMNS) + " |", "|---|---|" + "---|" * len(COLUMNS)]
    real = payload.get("real")
    if real:
        lines.append("| real (train) | | | | | | " + " | ".join(_cell(real.get(k)) for k, _ in COLUMNS[4:]) + " |")
    for run in payload["runs"]:
        if "error" in run:
            lines.append(f"| {run['model']} | {run['seed']} | failed: {_md(run['error'][:80])} |")
            continue
        lines.append(f"| {run['model']} | {run['seed']} | " + " | ".join(_cell(run["figures"].get(k)) for k, _ in COLUMNS) + " |")
    lines += ["", "disc: |accuracy - 0.5| of a post-hoc classifier on 20-day windows (LightGBM on window features; GRU). "
              "pred MAE: next-day |r| predictor trained on synthetic, tested on the holdout (x 1e-3; real-trained reference "
              "beside it). copies: share of synthetic 20-day windows equal to a training window; NN ratio: median "
              "nearest-training-window distance, synthetic / holdout. L(1) is corr(r_t, r_{t+1}^2).", "",
              "## Criteria (the issue's GAN targets)", "",
              "| model | seed | " + " | ".join(_md(f"{k}: {label}") for k, (label, _) in CRITERIA.items()) + " | met |",
              "|---|---|" + "---|" * (len(CRITERIA) + 1)]
    for run in payload["runs"]:
        if "error" in run:
            continue
        marks = {True: "pass", False: "FAIL", None: "n/a"}
        met = sum(v is True for v in run["passed"].values())
        lines.append(f"| {run['model']} | {run['seed']} | " + " | ".join(marks[run["passed"][k]] for k in CRITERIA)
                     + f" | {met}/{len(CRITERIA)} |")
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    from synthgan.core.registry import available_models

    known = list(available_models("sequence")) + [PAR]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(known), help=f"comma-separated, run in this order (default: {', '.join(known)})")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--length", type=int, default=2520, help="returns per path")
    parser.add_argument("--repetitions", type=int, default=3, help="discriminative repetitions per classifier")
    parser.add_argument("--par-epochs", type=int, default=1000)
    parser.add_argument("--par-window", type=int, default=100, help="steps per PAR training and sampled window")
    parser.add_argument("--par-timeout", type=float, default=None, help="seconds before the PAR subprocess is killed")
    parser.add_argument("--par-cuda", action="store_true", help="train PAR on the GPU")
    parser.add_argument("--device", default="auto", help="synthgan models: auto, cpu or cuda")
    parser.add_argument("--param", type=_param, action="append", default=[], metavar="MODEL:KEY=VALUE",
                        help="model option for a synthgan model (JSON value), repeatable, e.g. quant-gan:epochs=50")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out-name", default="series_sp500", help="results/OUT_NAME.{json,md}")
    args = parser.parse_args(argv)
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in args.models if m not in known]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {known}")
    args.seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    for name in ("paths", "length", "repetitions", "par_epochs", "par_window", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive integer")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    limit_threads(args.threads)
    from synthgan.timeseries.evaluation import evaluate_returns

    train_rows, train, holdout = load_frames()
    work = CACHE_DIR / "series_bench" / args.out_name
    work.mkdir(parents=True, exist_ok=True)
    settings = {k: getattr(args, k) for k in ("models", "seeds", "paths", "length", "repetitions", "par_epochs",
                                              "par_window", "device", "threads")}
    settings["param"] = [list(p) for p in args.param]
    payload: dict[str, Any] = {"dataset": "sp500_daily", "column": "Close", "returns": "log", "train": TRAIN,
                               "holdout": HOLDOUT, "train_returns": len(train), "holdout_returns": len(holdout),
                               "settings": settings, "load_average_start": os.getloadavg()[0],
                               "criteria": {k: label for k, (label, _) in CRITERIA.items()}, "real": None, "runs": []}
    json_path, md_path = RESULTS_DIR / f"{args.out_name}.json", RESULTS_DIR / f"{args.out_name}.md"
    for model in args.models:
        for seed in args.seeds:
            run: dict[str, Any] = {"model": model, "seed": seed, "load_average": os.getloadavg()[0]}
            print(f"{model} seed {seed}: fitting ...", flush=True)
            try:
                got = run_par(seed, train, args, work) if model == PAR else run_synthgan(model, seed, train_rows, args)
            except Exception as exc:  # noqa: BLE001  one failed model must not lose the others
                run["error"] = f"{type(exc).__name__}: {exc}"
                print(f"  failed: {run['error']}", flush=True)
                payload["runs"].append(run)
                continue
            started = time.perf_counter()
            evaluation = evaluate_returns(train, got["paths"], holdout, window=20, repetitions=args.repetitions, seed=seed)
            fig, real = figures(evaluation)
            fig.update(fit_seconds=got["fit_seconds"], sample_seconds=got["sample_seconds"])
            payload["real"] = payload["real"] or {k: rounded(v, 5) for k, v in real.items()}
            run.update(fit_seconds=rounded(got["fit_seconds"], 2), sample_seconds=rounded(got["sample_seconds"], 3),
                       eval_seconds=rounded(time.perf_counter() - started, 1), paths_shape=list(got["paths"].shape),
                       config=got["config"], figures={k: rounded(v, 5) for k, v in fig.items()}, passed=verdicts(fig),
                       evaluation=evaluation)
            payload["runs"].append(run)
            met = sum(v is True for v in run["passed"].values())
            print(f"  fit {got['fit_seconds']:.1f} s, sample {got['sample_seconds']:.2f} s, {met}/{len(CRITERIA)} criteria met",
                  flush=True)
            write_json(json_path, payload)
            md_path.write_text(markdown(payload), encoding="utf-8")
    write_json(json_path, payload)
    md_path.write_text(markdown(payload), encoding="utf-8")
    print(markdown(payload))
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
