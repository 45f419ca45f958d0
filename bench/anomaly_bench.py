"""Anomaly detection on the four ODDS tables: synthgan's detectors side by side with pyod's.

    python bench/anomaly_bench.py                                  # 4 sets x 5 seeds x 2 settings: default detector + pyod's
    python bench/anomaly_bench.py --detectors all                  # also synthgan's alad and critic
    python bench/anomaly_bench.py --sets anomaly_cardio --seeds 1 --settings semi --detectors synthgan:vae,iforest
    python bench/anomaly_bench.py --detectors synthgan:vae -p embedding_dim=8 --out anomaly_vae_e8
    python bench/anomaly_bench.py --throughput 1000000 --threads 2 # scoring speed of the default detector (into the results)

Per seed, each table is split 60/40 (stratified on ``anomaly``, shuffled). Semi-supervised:
fit on the normal rows of the 60 % split, telling synthgan's detectors so (``trim=0``);
unsupervised: fit on every row of it (anomalies included), with the detectors' defaults.
Both score the 40 % split. synthgan's detectors read the raw columns (the encoder
normalises them); pyod's (IForest, LOF, OCSVM, ECOD, SO_GAAL, MO_GAAL, ALAD, AnoGAN)
read columns standardised on the training rows, with pyod's defaults except AnoGAN's
budget (:data:`PYOD_BUDGETS`: its fit trains 500 epochs of batches of 32 and then runs
20 optimiser steps per training row, one row at a time, which takes hours on shuttle;
it gets 100 epochs on at most 2,000 training rows drawn at random). A fit that runs
past ``--max-fit-seconds`` (or fails) is reported as not run, with the reason.

ROC AUC and PR AUC (average precision) get means with 95 % t intervals over seeds
(:func:`synthgan.augment.stats.mean_ci`); fit seconds, scoring rows/s and the 1-minute
load average around each run are recorded (other work on the machine slows every
figure of time; ``--throughput`` measures the default detector's scoring speed on its
own, to be run on a quiet machine, and stores it with the results). The acceptance
line per setting: the default detector's mean ROC AUC over the four tables is at least
IsolationForest's and above every pyod GAN detector's, and it scores at least
:data:`ACCEPT_ROWS_PER_S` rows/s (the ``--throughput`` figure). Results go to
``bench/results/<out>.json`` and ``.md`` (rewritten after every run, so an
interrupted bench still reports what finished); finished runs are cached in
``bench/.cache/anomaly/`` and skipped when the bench is run again.

pyod is not a synthgan dependency: install it into the venv for this bench
(``pip install pyod``, or the ``anomaly-bench`` extra).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import sys
import time
import warnings
from pathlib import Path


def _threads_from_argv(argv: list[str], default: int = 1) -> int:
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return default


THREADS = _threads_from_argv(sys.argv)
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthgan.anomaly import DEFAULT_DETECTOR, AnomalyDetector  # noqa: E402
from synthgan.augment.stats import mean_ci  # noqa: E402

DATA_DIR = Path(os.environ.get("SYNTHGAN_DATASETS", "/work/shared/datasets"))
RESULTS = ROOT / "bench" / "results"
CACHE = ROOT / "bench" / ".cache" / "anomaly"
LABEL = "anomaly"
SETS = ("anomaly_thyroid", "anomaly_cardio", "anomaly_shuttle", "anomaly_mammography")
SETTINGS = {"semi": "semi-supervised (fit on normal training rows)", "unsup": "unsupervised (fit on all training rows)"}
PYOD = {  # name -> (module, class, takes random_state)
    "iforest": ("pyod.models.iforest", "IForest", True),
    "lof": ("pyod.models.lof", "LOF", False),
    "ocsvm": ("pyod.models.ocsvm", "OCSVM", False),
    "ecod": ("pyod.models.ecod", "ECOD", False),
    "so_gaal": ("pyod.models.so_gaal", "SO_GAAL", False),
    "mo_gaal": ("pyod.models.mo_gaal", "MO_GAAL", False),
    "alad": ("pyod.models.alad", "ALAD", False),
    "anogan": ("pyod.models.anogan", "AnoGAN", False),
}
PYOD_GANS = ("so_gaal", "mo_gaal", "alad", "anogan")
# pyod detectors that get a budget instead of pyod's defaults (see the module docstring): constructor
# arguments, and the most training rows they fit on (a seeded random subsample)
PYOD_BUDGETS = {"anogan": {"params": {"epochs": 100}, "max_train_rows": 2000}}
SYNTHGAN = tuple(f"synthgan:{name}" for name in ("vae", "alad", "critic"))
ALL_DETECTORS = SYNTHGAN + tuple(PYOD)
DEFAULT_DETECTORS = (f"synthgan:{DEFAULT_DETECTOR}",) + tuple(PYOD)
METRICS = ("roc_auc", "pr_auc")
SYNTHGAN_RESULTS = 4  # part of the cache key of synthgan runs: raise it when the detectors change
ACCEPT_ROWS_PER_S = 100_000  # the acceptance's scoring speed (default detector, --throughput, 2 threads)
MAX_FIT_SECONDS = 1800


def split(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified, shuffled 60/40 split of ``frame`` for ``seed``."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(frame, test_size=0.4, stratify=frame[LABEL], random_state=seed, shuffle=True)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def run_synthgan(name: str, train: pd.DataFrame, test: pd.DataFrame, seed: int, params: dict, epochs: int | None) -> dict:
    det = AnomalyDetector(name, seed=seed, epochs=epochs, device="cpu", **params)
    started = time.perf_counter()
    det.fit(train.drop(columns=[LABEL]))
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    scores = det.score(test.drop(columns=[LABEL]))
    return {"scores": scores, "fit_seconds": fit_s, "score_seconds": time.perf_counter() - started}


def run_pyod(name: str, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> dict:
    import importlib

    from sklearn.preprocessing import StandardScaler

    module, cls, seeded = PYOD[name]
    budget = PYOD_BUDGETS.get(name, {})
    if len(train) > budget.get("max_train_rows", len(train)):
        train = train.sample(n=budget["max_train_rows"], random_state=seed).reset_index(drop=True)
    scaler = StandardScaler().fit(train.drop(columns=[LABEL]).to_numpy(dtype=np.float64))
    x_train = scaler.transform(train.drop(columns=[LABEL]).to_numpy(dtype=np.float64))
    x_test = scaler.transform(test.drop(columns=[LABEL]).to_numpy(dtype=np.float64))
    torch.manual_seed(seed)  # pyod's torch detectors draw from the global generators: the bench seeds them
    np.random.seed(seed)
    model = getattr(importlib.import_module(module), cls)(**({"random_state": seed} if seeded else {}), **budget.get("params", {}))
    started = time.perf_counter()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # the GAALs print every epoch
        warnings.simplefilter("ignore")
        model.fit(x_train)
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        scores = model.decision_function(x_test)
    return {"scores": np.asarray(scores, dtype=np.float64), "fit_seconds": fit_s, "score_seconds": time.perf_counter() - started,
            "fit_rows": len(x_train)}


class FitTimeout(Exception):
    """A run took longer than ``--max-fit-seconds``."""


@contextlib.contextmanager
def time_limit(seconds: float | None):
    """Raise :class:`FitTimeout` in this (main) thread after ``seconds`` (the detectors' loops run Python code often)."""
    import signal

    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum, frame):
        raise FitTimeout(f"stopped after {seconds:.0f} s (--max-fit-seconds)")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def one_run(data: str, setting: str, seed: int, detector: str, params: dict, epochs: int | None,
            max_seconds: float | None = MAX_FIT_SECONDS) -> dict:
    """One detector on one split: metrics, times and load, or ``not_run`` with the reason."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    frame = pd.read_csv(DATA_DIR / f"{data}.csv.gz")
    train, test = split(frame, seed)
    if setting == "semi":
        train = train[train[LABEL] == 0].reset_index(drop=True)
    base = {"set": data, "setting": setting, "seed": seed, "detector": detector, "train_rows": len(train),
            "test_rows": len(test), "load_before": os.getloadavg()[0]}
    try:
        with time_limit(max_seconds):
            if detector.startswith("synthgan:"):
                out = run_synthgan(detector.split(":", 1)[1], train, test, seed, params, epochs)
            else:
                out = run_pyod(detector, train, test, seed)
    except Exception as exc:  # noqa: BLE001 - a failed or stopped run (FitTimeout) is reported, not fatal
        return {**base, "not_run": f"{type(exc).__name__}: {exc}"[:300], "load_after": os.getloadavg()[0]}
    scores, y = out.pop("scores"), test[LABEL].to_numpy()
    if not np.isfinite(scores).all():
        scores = np.nan_to_num(scores, nan=np.nanmax(scores[np.isfinite(scores)], initial=0.0), posinf=1e300, neginf=-1e300)
    return {**base, "roc_auc": float(roc_auc_score(y, scores)), "pr_auc": float(average_precision_score(y, scores)),
            "rows_per_second": len(test) / max(out["score_seconds"], 1e-9), "load_after": os.getloadavg()[0], **out}


def setting_params(setting: str, params: dict) -> dict:
    """synthgan detector options for a setting: semi-supervised fits say their rows are normal (``trim=0``)."""
    return {**params, "trim": 0.0} if setting == "semi" and "trim" not in params else dict(params)


def _cache_key(data: str, setting: str, seed: int, detector: str, params: dict, epochs: int | None) -> Path:
    if detector.startswith("synthgan:"):
        extra = json.dumps({"params": params, "epochs": epochs, "version": SYNTHGAN_RESULTS}, sort_keys=True)
    else:
        extra = json.dumps(PYOD_BUDGETS[detector], sort_keys=True) if detector in PYOD_BUDGETS else ""
    digest = hashlib.sha256(f"{data}|{setting}|{seed}|{detector}|{extra}".encode()).hexdigest()[:16]
    return CACHE / f"{data}.{setting}.{seed}.{detector.replace(':', '-')}.{digest}.json"


# --------------------------------------------------------------------------- summary
def summarize(records: list[dict], speed: dict | None = None) -> dict:
    """Per (setting, detector): per-set means with CIs over seeds, the mean over sets, runs not run, and the acceptance."""
    out: dict = {"per_set": [], "overall": [], "not_run": [r for r in records if "not_run" in r]}
    ran = pd.DataFrame([r for r in records if "not_run" not in r])
    loads = [r["load_before"] for r in records if "load_before" in r] + [r["load_after"] for r in records if "load_after" in r]
    out["load_average"] = {"mean": float(np.mean(loads)), "max": float(np.max(loads))} if loads else None
    if ran.empty:
        return out
    for (setting, detector, data), group in ran.groupby(["setting", "detector", "set"], sort=False):
        row = {"setting": setting, "detector": detector, "set": data, "seeds": int(len(group))}
        for metric in METRICS + ("fit_seconds", "score_seconds", "rows_per_second"):
            mean, low, high = mean_ci(group[metric])
            row[metric] = {"mean": mean, "ci_low": low, "ci_high": high}
        out["per_set"].append(row)
    expected = {(r["setting"], r["detector"]): set() for r in records}
    for r in records:
        expected[(r["setting"], r["detector"])].add(r["set"])
    for (setting, detector), group in ran.groupby(["setting", "detector"], sort=False):
        sets = sorted(group["set"].unique())
        wide = group.pivot_table(index="seed", columns="set", values="roc_auc")
        row = {"setting": setting, "detector": detector, "sets": sets,
               "every_set": set(sets) == expected[(setting, detector)], "seeds_complete": int(len(wide.dropna()))}
        for metric in METRICS:
            per_set = group.groupby("set")[metric].mean()
            # CI over seeds of the per-seed mean over sets, for the seeds that ran every set
            per_seed = group.pivot_table(index="seed", columns="set", values=metric).dropna().mean(axis=1)
            _, low, high = mean_ci(per_seed)
            row[metric] = {"mean_over_sets": float(per_set.mean()), "ci_low": low, "ci_high": high}
        row["fit_seconds"] = float(group["fit_seconds"].mean())
        row["rows_per_second"] = float(group["rows_per_second"].median())
        out["overall"].append(row)
    out["acceptance"] = acceptance(out["overall"], speed)
    return out


def acceptance(overall: list[dict], speed: dict | None = None) -> dict:
    """Per setting: the default detector's mean ROC AUC over the sets >= IForest's and > every pyod GAN's, and its speed.

    A comparator counts only when it ran on every set the default ran on; the speed is
    the ``--throughput`` measurement (in memory, its threads recorded), ``None`` when not measured.
    """
    result = {}
    default = f"synthgan:{DEFAULT_DETECTOR}"
    fast = None if not speed else bool(speed["in_memory_rows_per_s"] >= ACCEPT_ROWS_PER_S)
    for setting in SETTINGS:
        rows = {r["detector"]: r for r in overall if r["setting"] == setting}
        if default not in rows:
            continue
        mine = rows[default]["roc_auc"]["mean_over_sets"]
        checks, missing = {}, []
        for other in ("iforest",) + PYOD_GANS:
            if other in rows and rows[other]["sets"] == rows[default]["sets"] and rows[other]["every_set"]:
                theirs = rows[other]["roc_auc"]["mean_over_sets"]
                checks[other] = bool(mine >= theirs) if other == "iforest" else bool(mine > theirs)
            else:
                missing.append(other)
        result[setting] = {"default": default, "roc_auc_mean_over_sets": mine, "every_set": rows[default]["every_set"],
                           "beats": checks, "not_compared": missing, "rows_per_second_ok": fast,
                           "passed": bool(rows[default]["every_set"] and not missing and all(checks.values()) and fast)}
    return result


def _fmt(cell: dict, digits: int = 3) -> str:
    mean, low, high = cell["mean"], cell["ci_low"], cell["ci_high"]
    if mean is None or (isinstance(mean, float) and np.isnan(mean)):
        return "–"
    if low is None or (isinstance(low, float) and np.isnan(low)):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def _budget_text() -> str:
    parts = []
    for name, budget in PYOD_BUDGETS.items():
        args = ", ".join(f"{k}={v}" for k, v in budget.get("params", {}).items())
        rows = f", fit on at most {budget['max_train_rows']:,} training rows (seeded random subsample)" if "max_train_rows" in budget else ""
        parts.append(f"{PYOD[name][1]}: {args}{rows}")
    return "; ".join(parts)


def markdown(summary: dict, meta: dict) -> str:
    load = summary.get("load_average")
    lines = ["# Anomaly detection on the ODDS tables", "",
             f"{meta['note']}", "",
             f"Seeds: {meta['seeds']}; sets: {', '.join(meta['sets'])}; synthgan params: {meta['params'] or 'defaults'}"
             f"{'; epochs ' + str(meta['epochs']) if meta['epochs'] else ''}; {meta['threads']} thread(s) per run"
             f"{'; machine: ' + str(meta['cpus']) + ' CPUs' if meta.get('cpus') else ''}.", "",
             f"Budgets instead of pyod's defaults: {_budget_text()}. A run is stopped after "
             f"{meta.get('max_fit_seconds') or 'no limit'} s.", ""]
    if load:
        lines += [f"Load average (1 min) around the runs: mean {load['mean']:.1f}, max {load['max']:.1f} "
                  "(other work shared the machine: fit seconds and the per-run rows/s below are slowed by it; "
                  "see 'Scoring speed' for a measurement on its own).", ""]
    for setting, title in SETTINGS.items():
        per_set = [r for r in summary["per_set"] if r["setting"] == setting]
        if not per_set:
            continue
        sets = [s for s in meta["sets"] if any(r["set"] == s for r in per_set)]
        detectors = [d for d in meta["detectors"] if any(r["detector"] == d for r in per_set)]
        overall = {r["detector"]: r for r in summary["overall"] if r["setting"] == setting}
        for metric, label in (("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC")):
            lines += [f"## {title}: {label} (mean [95 % CI] over seeds)", "",
                      "| detector | " + " | ".join(s.replace("anomaly_", "") for s in sets)
                      + " | mean over sets [95 % CI] | fit s | score rows/s |",
                      "|---" * (len(sets) + 4) + "|"]
            for det in detectors:
                cells = []
                for s in sets:
                    row = next((r for r in per_set if r["detector"] == det and r["set"] == s), None)
                    cells.append((_fmt(row[metric]) + (f" ({row['seeds']} seeds)" if row["seeds"] != len(meta["seeds"]) else ""))
                                 if row else "not run")
                o = overall[det]
                m = o[metric]
                mean = (_fmt({"mean": m["mean_over_sets"], "ci_low": m["ci_low"], "ci_high": m["ci_high"]})
                        if o["every_set"] else f"({m['mean_over_sets']:.3f} over {len(o['sets'])} sets)")
                lines.append(f"| {det} | " + " | ".join(cells) + f" | {mean} | {o['fit_seconds']:.1f} | {o['rows_per_second']:,.0f} |")
            lines.append("")
    not_run = summary.get("not_run") or []
    if not_run:
        lines += ["## Not run", "", "| setting | detector | set | seed | reason |", "|---|---|---|---|---|"]
        lines += [f"| {r['setting']} | {r['detector']} | {r['set']} | {r['seed']} | {r['not_run']} |" for r in not_run]
        lines.append("")
    speed = meta.get("throughput")
    lines += ["## Scoring speed of the default detector", ""]
    if speed:
        lines += [f"`--throughput {speed['rows']}`: {speed['rows']:,} shuttle-like rows (test rows drawn with replacement), "
                  f"detector fitted on shuttle (seed 0, defaults), {speed['threads']} threads, load average "
                  f"{speed['load_before']:.1f} before and {speed['load_after']:.1f} after (best of {speed['repeats']}): "
                  f"**{speed['in_memory_rows_per_s']:,} rows/s** in memory (`score`), {speed['csv_to_csv_rows_per_s']:,} rows/s "
                  f"CSV -> CSV streamed (`synthgan anomaly score`). Measured {speed['measured']}.", ""]
    else:
        lines += ["Not measured yet: run `python bench/anomaly_bench.py --throughput 1000000 --threads 2` on a quiet machine.", ""]
    lines += ["## Acceptance", ""]
    for setting in SETTINGS:
        acc = summary.get("acceptance", {}).get(setting)
        if not acc:
            continue
        beats = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in acc["beats"].items()) or "nothing"
        missing = f"; not compared (did not run on every set): {', '.join(acc['not_compared'])}" if acc["not_compared"] else ""
        speed_text = {None: "speed not measured", True: f">= {ACCEPT_ROWS_PER_S:,} rows/s: yes",
                      False: f">= {ACCEPT_ROWS_PER_S:,} rows/s: NO"}[acc["rows_per_second_ok"]]
        lines += [f"* {SETTINGS[setting]}: {acc['default']} mean ROC AUC {acc['roc_auc_mean_over_sets']:.3f}; "
                  f"beats {beats}{missing}; {speed_text}; **{'PASSED' if acc['passed'] else 'NOT PASSED'}**."]
    return "\n".join(lines) + "\n"


def write_results(records: list[dict], meta: dict, out: str) -> None:
    from synthgan.augment.report import write_json
    from synthgan.io.atomic import atomic_path

    summary = summarize(records, meta.get("throughput"))
    write_json({"meta": meta, "records": records, "summary": summary}, RESULTS / f"{out}.json")
    with atomic_path(RESULTS / f"{out}.md", what="markdown") as tmp:
        tmp.write_text(markdown(summary, meta), encoding="utf-8")


# ------------------------------------------------------------------------ throughput
def throughput(rows: int, params: dict, epochs: int | None, out: str, repeats: int = 3) -> dict:
    """Scoring speed of the default detector on ``rows`` shuttle-like rows: in memory (best of ``repeats``), and CSV -> CSV.

    Stored in ``bench/results/<out>.json`` (``meta.throughput``) when that file exists, and the Markdown is rewritten.
    """
    import datetime
    import tempfile

    from synthgan.anomaly.run import score_table

    frame = pd.read_csv(DATA_DIR / "anomaly_shuttle.csv.gz")
    train, test = split(frame, 0)
    det = AnomalyDetector(DEFAULT_DETECTOR, seed=0, epochs=epochs, device="cpu", **params).fit(train.drop(columns=[LABEL]))
    big = test.drop(columns=[LABEL]).sample(n=rows, replace=True, random_state=0).reset_index(drop=True)
    det.score(big.head(1000))  # warm up (first calls allocate)
    load_before = os.getloadavg()[0]
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        det.score(big)
        best = max(best, rows / (time.perf_counter() - started))
    with tempfile.TemporaryDirectory() as folder:
        src, dst = Path(folder) / "in.csv", Path(folder) / "out.csv"
        big.to_csv(src, index=False)
        result = score_table(det, src, output=dst)
    speed = {"rows": rows, "threads": THREADS, "repeats": repeats, "in_memory_rows_per_s": round(best),
             "csv_to_csv_rows_per_s": round(result.rows / result.seconds), "csv_seconds": round(result.seconds, 2),
             "load_before": load_before, "load_after": os.getloadavg()[0],
             "measured": datetime.datetime.now().isoformat(timespec="minutes")}
    print(json.dumps(speed))
    path = RESULTS / f"{out}.json"
    if path.exists():
        saved = json.loads(path.read_text())
        saved["meta"]["throughput"] = speed
        write_results(saved["records"], saved["meta"], out)
    return speed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated ODDS tables")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--settings", default="semi,unsup", help="semi, unsup or both")
    parser.add_argument("--detectors", default=",".join(DEFAULT_DETECTORS),
                        help=f"comma-separated, from {', '.join(ALL_DETECTORS)}, or 'all' (default: synthgan's default detector and pyod's)")
    parser.add_argument("--param", "-p", action="append", default=[], help="synthgan detector option KEY=VALUE (JSON)")
    parser.add_argument("--epochs", type=int, default=None, help="synthgan detectors' epochs (default: their budget)")
    parser.add_argument("--out", default="anomaly_odds", help="results file stem in bench/results")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--throughput", type=int, default=None, help="only measure scoring speed on this many rows (stored in --out's results)")
    parser.add_argument("--max-fit-seconds", type=float, default=MAX_FIT_SECONDS, help="stop a run after this long and report it as not run")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    params = {}
    for pair in args.param:
        key, _, text = pair.partition("=")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        params[key] = tuple(value) if isinstance(value, list) else value
    if args.throughput:
        throughput(args.throughput, params, args.epochs, args.out)
        return
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    settings = [s.strip() for s in args.settings.split(",") if s.strip()]
    detectors = list(ALL_DETECTORS) if args.detectors == "all" else [d.strip() for d in args.detectors.split(",") if d.strip()]
    unknown = [d for d in detectors if d not in ALL_DETECTORS] + [s for s in settings if s not in SETTINGS]
    if unknown:
        parser.error(f"unknown detector or setting: {', '.join(unknown)}")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    meta = {"sets": sets, "seeds": seeds, "settings": settings, "detectors": detectors, "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
            "epochs": args.epochs, "threads": args.threads, "default_detector": DEFAULT_DETECTOR, "cpus": os.cpu_count(),
            "pyod_budgets": PYOD_BUDGETS, "max_fit_seconds": args.max_fit_seconds,
            "note": "Split 60/40 per seed (stratified); semi-supervised fits on the normal rows of the 60 % (synthgan told so: trim=0), "
                    "unsupervised on all of them (synthgan defaults); both score the 40 %. pyod detectors with their defaults on "
                    "standardised columns (AnoGAN with a budget, below)."}
    previous = RESULTS / f"{args.out}.json"
    if previous.exists():  # keep a scoring speed measured earlier
        speed = json.loads(previous.read_text()).get("meta", {}).get("throughput")
        if speed:
            meta["throughput"] = speed
    CACHE.mkdir(parents=True, exist_ok=True)
    records = []
    for data in sets:
        for setting in settings:
            for seed in seeds:
                for detector in detectors:
                    own = setting_params(setting, params)
                    key = _cache_key(data, setting, seed, detector, own, args.epochs)
                    if key.exists():
                        record = json.loads(key.read_text())
                    else:
                        record = one_run(data, setting, seed, detector, own, args.epochs, args.max_fit_seconds)
                        if "not_run" not in record:  # a run stopped or failed is tried again next time
                            key.write_text(json.dumps(record))
                    records.append(record)
                    if "not_run" in record:
                        print(f"{data:22s} {setting:5s} seed {seed} {detector:16s} NOT RUN: {record['not_run']}", flush=True)
                    else:
                        print(f"{data:22s} {setting:5s} seed {seed} {detector:16s} ROC {record['roc_auc']:.4f} PR {record['pr_auc']:.4f} "
                              f"fit {record['fit_seconds']:.1f} s, {record['rows_per_second']:,.0f} rows/s, "
                              f"load {record['load_before']:.1f}", flush=True)
                    write_results(records, meta, args.out)


if __name__ == "__main__":
    main()
