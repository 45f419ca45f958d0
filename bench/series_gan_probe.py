"""Probe of the sequence GAN on S&P 500 daily log returns (issue 11 acceptance figures).

Fits ``quant-gan`` on the log returns of Close for 1950-2010 (15,348 returns), standardised
with their own mean and standard deviation (what the sequence encoder hands a model:
``temporal`` of shape (1, T, 1)), samples ``--paths`` paths of ``--length`` steps (10 years
of 252 days each by default) and scores them with
:func:`synthgan.timeseries.evaluation.evaluate_returns` against the training returns, with
2011-2020 (2,478 returns) as the real held-out set of the predictive and copying scores.

Usage::

    python -m bench.series_gan_probe 0                    # seed 0, the model's defaults
    python -m bench.series_gan_probe 1 --set epochs=2 --set facts_weight=0
    python -m bench.series_gan_probe 0 --model stationary-bootstrap   # a baseline, same figures

Prints the acceptance figures with fit and sampling seconds and writes
``bench/results/series_gan_probe_seed{N}.json`` (``--tag`` adds a suffix). Pass/fail
thresholds are those of the issue; the CPU is shared, so seconds are wall-clock under load.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DATA = Path("/work/shared/datasets/sp500_daily.csv.gz")
RESULTS = Path(__file__).resolve().parent / "results"
TRAIN_YEARS, HOLDOUT_YEARS = (1950, 2010), (2011, 2020)

# name: (figure, test) -- the acceptance criteria
CRITERIA = {
    "discriminative": ("|acc - 0.5|, LightGBM on 20-day window features", lambda v: v < 0.12),
    "predictive_mae": ("next-day |r| MAE, synthetic-trained (real-trained 4.49e-3)", lambda v: v < 4.54e-3),
    "exact_copy_share": ("share of synthetic 20-day windows copied from training", lambda v: v == 0.0),
    "distance_ratio": ("NN distance ratio synthetic/holdout", lambda v: v >= 0.9),
    "skew": ("skewness (real -1.06)", lambda v: -1.4 <= v <= -0.6),
    "hill": ("Hill tail index of |r|, top 5% (real 2.98)", lambda v: 2.5 <= v <= 3.6),
    "kurtosis_20": ("excess kurtosis of 20-day sums (real 3.3)", lambda v: v < 6.0),
    "acf_abs_1": ("ACF |r| lag 1 (real 0.25)", lambda v: v >= 0.15),
    "acf_abs_100": ("ACF |r| lag 100 (real 0.12)", lambda v: v >= 0.05),
    "leverage_1": ("corr(r_t, r_{t+1}^2) (real -0.088)", lambda v: v < -0.03),
    "fit_seconds": ("fit seconds on 2 shared CPU cores", lambda v: v < 600.0),
    "drift_ratio": ("max/min yearly std over the 10 simulated years", lambda v: v < 1.5),
}


def load_returns() -> tuple[np.ndarray, np.ndarray]:
    """Daily log returns of Close: (train 1950-2010, holdout 2011-2020)."""
    frame = pd.read_csv(DATA, parse_dates=["Date"])
    returns = np.diff(np.log(frame["Close"].to_numpy(dtype=np.float64)))
    years = frame["Date"].dt.year.to_numpy()[1:]
    train = returns[(years >= TRAIN_YEARS[0]) & (years <= TRAIN_YEARS[1])]
    holdout = returns[(years >= HOLDOUT_YEARS[0]) & (years <= HOLDOUT_YEARS[1])]
    return train, holdout


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def make_model(name: str, overrides: dict[str, Any]):
    if name == "quant-gan":
        from synthgan.timeseries.models.gan import QuantGAN

        return QuantGAN(device="cpu", **overrides)
    from synthgan.core.registry import get_model_class

    return get_model_class(name)(**overrides)


def drift(paths: np.ndarray) -> dict[str, Any]:
    """Yearly (252-step) standard deviation and mean across all paths: flat for a stationary generator."""
    years = paths.shape[1] // 252
    blocks = paths[:, : years * 252].reshape(len(paths), years, 252)
    std, mean = blocks.std(axis=(0, 2)), blocks.mean(axis=(0, 2))
    return {"yearly_std": std.tolist(), "yearly_mean": mean.tolist(), "ratio": float(std.max() / std.min()),
            "max_abs_return": float(np.abs(paths).max())}


def headline(report: dict[str, Any], fit_seconds: float, drift_info: dict[str, Any]) -> dict[str, float]:
    syn = report["stylized"][0]["synthetic"]
    return {
        "discriminative": report["summary"]["discriminative_lightgbm"],
        "predictive_mae": report["predictive"]["mae_synthetic_trained"],
        "exact_copy_share": report["copying"]["exact_copy_share"],
        "distance_ratio": report["copying"]["distance_ratio"],
        "skew": syn["moments"]["skew"],
        "hill": syn["tail_index"]["abs"],
        "kurtosis_20": syn["kurtosis_of_sums"]["20"],
        "acf_abs_1": syn["acf"]["abs"][1],
        "acf_abs_100": syn["acf"]["abs"][100],
        "leverage_1": syn["leverage_correlation"][0],
        "fit_seconds": fit_seconds,
        "drift_ratio": drift_info["ratio"],
    }


def gaussian_facts(model: Any, temporal: np.ndarray) -> dict[str, Any] | None:
    """The GAN's stylized-facts targets next to the same statistics of its samples, in its gaussianised space."""
    target = getattr(model, "_facts_target", None)
    if target is None:
        return None
    import torch

    from synthgan.timeseries.models.facts import stylized_facts

    cfg = model._cfg
    window, lags, short = cfg["window"], cfg["acf_lags"], cfg["short_lags"]
    g = model.transform_.transform(temporal)
    cut = g[:, : g.shape[1] // window * window].reshape(-1, window, g.shape[2])
    found = stylized_facts(torch.as_tensor(cut, dtype=torch.float64), model._facts)[0].numpy()[0]
    t = target[0]

    def pick(offset: int, ks: tuple[int, ...], limit: int) -> list[tuple[float, float]]:
        return [(round(float(t[offset + k - 1]), 3), round(float(found[offset + k - 1]), 3)) for k in ks if k <= limit]

    from scipy import stats

    flat = g.reshape(-1, g.shape[2])[:, 0]
    return {"acf_abs": pick(0, (1, 5, 20, 50, 100), lags), "acf": pick(lags, (1, 2), short),
            "leverage": pick(lags + short, (1, 2, 5), short),
            "shape": [(round(float(a), 3), round(float(b), 3)) for a, b in zip(t[lags + 2 * short :], found[lags + 2 * short :])][:8],
            "sums": [(round(float(a), 3), round(float(b), 3)) for a, b in zip(t[lags + 2 * short + 8 :], found[lags + 2 * short + 8 :])][:6],
            "regimes": [(round(float(a), 3), round(float(b), 3)) for a, b in zip(t[lags + 2 * short + 14 :], found[lags + 2 * short + 14 :])],
            "moments": [round(float(v), 3) for v in (stats.skew(flat), stats.kurtosis(flat), flat.min(), flat.max(),
                                                     np.quantile(flat, 1e-4), np.quantile(flat, 1 - 1e-4))]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=int)
    parser.add_argument("--model", default="quant-gan")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="constructor argument (JSON value)")
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--length", type=int, default=2520)
    parser.add_argument("--repetitions", type=int, default=10, help="discriminative repetitions (noise ~0.03/sqrt(r))")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is far steadier on a busy 2-core machine)")
    parser.add_argument("--tag", default="")
    parser.add_argument("--save", action="store_true", help="keep the fitted model in bench/.cache/ (state arrays, npz)")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from synthgan.core.encoded import EncodedData
    from synthgan.timeseries.evaluation import evaluate_returns

    train, holdout = load_returns()
    mean, std = train.mean(), train.std()
    data = EncodedData(temporal=((train - mean) / std).astype(np.float32)[None, :, None])
    overrides = dict(item.split("=", 1) for item in args.set)
    overrides = {k: _value(v) for k, v in overrides.items()}
    model = make_model(args.model, overrides)

    clock = time.perf_counter()
    model.fit(data, seed=args.seed)
    fit_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    sampled = model.sample(args.paths, length=args.length, seed=args.seed)
    sample_seconds = time.perf_counter() - clock
    paths = sampled.temporal[..., 0].astype(np.float64) * std + mean

    clock = time.perf_counter()
    report = evaluate_returns(train, paths, holdout, classifiers=("lightgbm",), repetitions=args.repetitions, seed=args.seed)
    eval_seconds = time.perf_counter() - clock
    drift_info = drift(paths)
    figures = headline(report, fit_seconds, drift_info)
    verdicts = {k: bool(CRITERIA[k][1](v)) if v is not None else False for k, v in figures.items()}

    history = getattr(model, "history_", None) or []
    print(f"{args.model} seed {args.seed} {overrides}  fit {fit_seconds:.1f}s  sample {sample_seconds:.2f}s "
          f"({args.paths} x {args.length})  eval {eval_seconds:.1f}s  load {os.getloadavg()[0]:.1f}")
    if history:
        last = history[-1]
        print("  last epoch:", {k: round(v, 4) for k, v in last.items()}, f"epochs {len(history)}")
    for key, value in figures.items():
        print(f"  {'ok ' if verdicts[key] else 'BAD'} {key:17s} {value:10.5g}   {CRITERIA[key][0]}")
    acf_abs = report["stylized"][0]["synthetic"]["acf"]["abs"]
    print("  acf|r| lags 1,5,20,50,100:", [round(acf_abs[k], 3) for k in (1, 5, 20, 50, 100)],
          " real:", [round(report["stylized"][0]["real"]["acf"]["abs"][k], 3) for k in (1, 5, 20, 50, 100)])
    print("  real-trained MAE", report["predictive"]["mae_real_trained"], " yearly std", np.round(drift_info["yearly_std"], 5))
    print(f"  passed {sum(verdicts.values())}/{len(verdicts)}")
    facts = gaussian_facts(model, sampled.temporal)
    if facts is not None:
        print("  g-space facts (target / sampled): acf|g| 1,5,20,50,100", facts["acf_abs"], " acf g 1,2", facts["acf"],
              " leverage 1,2,5", facts["leverage"])
        print("  g-space skew, kurt, quantiles (target / sampled):", facts["shape"])
        print("  g-space 20-step sums q.01 .05 .5 .95 .99, kurtosis (target / sampled):", facts["sums"])
        print("  g-space vol quantiles .1 .5 .9 .98 .995, next |g| by vol bin (target / sampled):", facts["regimes"])
        print("  g-space skew, kurt, min, max, q1e-4, q(1-1e-4) of samples:", facts["moments"])

    if args.save and hasattr(model, "state_arrays"):
        cache = Path(__file__).resolve().parent / ".cache"
        cache.mkdir(exist_ok=True)
        stem = cache / f"series_gan_seed{args.seed}{'_' + args.tag if args.tag else ''}"
        np.savez(stem.with_suffix(".npz"), **model.state_arrays())
        stem.with_suffix(".json").write_text(json.dumps({"config": model.get_config(), "spec": model.data_spec(),
                                                         "history": model.history_}))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"series_gan_probe_seed{args.seed}{'_' + args.tag if args.tag else ''}.json"
    payload = {"model": args.model, "seed": args.seed, "config": model.get_config(), "overrides": overrides,
               "data": {"train_years": TRAIN_YEARS, "holdout_years": HOLDOUT_YEARS, "train_returns": len(train),
                        "holdout_returns": len(holdout), "encoding": "log returns of Close, standardised with the train mean/std"},
               "fit_seconds": fit_seconds, "sample_seconds": sample_seconds, "eval_seconds": eval_seconds,
               "load_average": os.getloadavg()[0], "paths": args.paths, "length": args.length,
               "figures": figures, "passed": verdicts, "drift": drift_info, "history_tail": history[-3:],
               "evaluation": report}
    out.write_text(json.dumps(payload, indent=1, default=float))
    print("  wrote", out)


if __name__ == "__main__":
    main()
