"""Fit one smartnoise-synth DP synthesizer on a training CSV and write synthetic rows.

Runs with the DP peers' Python (``bench/.dp-peers-venv``, made by
``bench/setup_dp_peers.sh``), never with synthgan's: it needs only pandas, numpy and
snsynth (smartnoise-synth), and imports nothing from this repository::

    bench/.dp-peers-venv/bin/python bench/dp_peers_worker.py \\
        --train TRAIN.csv --out SYNTH.csv --synth {dpctgan,patectgan,mst} \\
        --epsilon E --seed S --rows N --categorical a,b,c --continuous x,y \\
        --meta OUT.json [--epochs K] [--preprocessor-eps P] [--nullable auto|true|false]

``--dataset adult`` (or ``stroke_prediction``) takes the column roles from
``bench/dp_peers_columns.json`` instead of ``--categorical/--continuous``. Every column
of the training CSV must be named in exactly one of the two lists (drop identifiers
such as stroke's ``id`` before writing the CSV).

How smartnoise is driven (snsynth 1.0.8, read from its source):

* Privacy budget. ``epsilon`` is the total. Continuous columns need bounds; they are
  never taken from the data (that would void the DP claim). Instead snsynth spends
  ``preprocessor_eps`` on DP bounds (``snsql`` ``approx_bounds``: a Laplace-noised
  histogram over power-of-two bins, the budget split evenly across the continuous
  columns) and subtracts what it spent from the synthesizer's budget. Default here:
  ``0.25 * epsilon`` when there are continuous columns, else 0. The split, the bounds
  found and the training budget are all written to the meta JSON.
* DPCTGAN (opacus 0.14 DP-SGD on the discriminator) trains until its RDP accountant
  passes the training budget or ``epochs`` run out. It checks the budget at the start of
  each epoch, after the previous epoch was trained, so when the budget stops it the
  final spend exceeds the budget by up to one epoch's worth; the meta JSON reports the
  spend (what DPCTGAN's ``epsilon_list`` says, and a recomputation with opacus'
  accountant, which agree). Epochs: snsynth's default (300) is kept; the budget stops
  it first (adult at epsilon 1 with 0.25 for bounds: after 15 epochs).
* Threads: DPCTGAN and PATECTGAN run with ONE torch thread by default
  (``--torch-threads`` to change). Their steps are many small ops, and with 2 intra-op
  threads on this 2-core machine every op waits for both threads: as soon as another
  process holds a core, they slow down 4-9x (measured back to back under a load of ~3:
  DPCTGAN on adult 145 s an epoch with 2 threads vs ~18 s with 1; PATECTGAN on adult
  96 s vs 11 s). DPCTGAN also churns memory: opacus materialises 500 per-sample
  gradients of every discriminator layer at each step (~130 MB tensors, mmap'd and
  unmapped each time, ~8.5 M page faults an epoch on adult, about 2/3 of its CPU time
  is system time). MST (JAX) uses ``OMP_NUM_THREADS`` / its own defaults.
* PATECTGAN runs until its moments accountant passes the training budget; snsynth
  ignores ``epochs`` for it. It does not expose what it spent: the worker observes the
  moments (wrapping snsynth's ``moments_acc`` without changing it) and recomputes
  epsilon exactly as snsynth's loop does.
* MST takes categorical data only. With ``continuous_columns`` snsynth's "cube" style
  bins each continuous column into 10 equal-width bins between the DP bounds
  (``BinTransformer``) and decodes a bin to its midpoint, so that path is used as is.
  MST spends its training budget exactly by construction (zCDP calibrated to
  (epsilon, delta=1e-9)); it reports nothing, so the reported spend is null.
* Missing values: snsynth's nullable transformers. ``--nullable auto`` (default) makes
  only the columns that have a missing value in the training CSV nullable, built exactly
  as snsynth's own ``TypeMap`` builds them with ``nullable=True`` and passed through
  ``fit(transformer={column: ...})``; snsynth's global ``nullable=True`` (``--nullable
  true``) also gives every complete column a "missing" level, which MST's noisy marginals
  then fill (about 1-4% missing cells in columns that have none). Categorical columns get
  a "missing" category; continuous columns a null indicator. In the GANs that indicator
  goes through tanh and decodes to missing only when exactly 1.0, so DPCTGAN/PATECTGAN
  output almost never has missing continuous values (missing rows are trained as the
  middle of the bounds). The meta JSON records the missing share per column, real vs
  synthetic.
* Row order: MST's sampler (mbi "randomized rounding") returns rows grouped by value, so
  the synthetic rows are shuffled with the seed before writing (rows are exchangeable).
* Seeding: numpy, random and torch are seeded globally (separate process). smartnoise is
  not fully deterministic: opendp draws its Laplace/Gaussian noise (bounds, MST
  measurements) from the OS RNG, and snsynth's GAN discriminators call
  ``torch.manual_seed(0)`` in their constructors, resetting torch's stream after the
  generator is built.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import math
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS_FILE = Path(__file__).resolve().with_name("dp_peers_columns.json")
SYNTHS = ("dpctgan", "patectgan", "mst")
DEFAULT_PREPROCESSOR_SHARE = 0.25  # of epsilon, when there are continuous columns
GAN_TORCH_THREADS = 1  # 2 intra-op threads make the GANs 4-9x slower on a shared 2-core machine (see above)
VERSIONED = ("smartnoise-synth", "smartnoise-sql", "opacus", "mbi", "opendp", "torch", "jax", "numpy", "pandas")

# snsynth 1.0.8 DPCTGAN constants needed to recompute its RDP accountant.
_DPCTGAN_ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", required=True, help="training CSV (read with pandas defaults)")
    p.add_argument("--out", required=True, help="where to write the synthetic CSV")
    p.add_argument("--synth", required=True, choices=SYNTHS)
    p.add_argument("--epsilon", required=True, type=float, help="total privacy budget (bounds + training)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rows", required=True, type=int, help="synthetic rows to write")
    p.add_argument("--categorical", help="comma-separated categorical columns")
    p.add_argument("--continuous", help="comma-separated continuous columns")
    p.add_argument("--dataset", help=f"take the column roles from {COLUMNS_FILE.name} (overridden by the lists)")
    p.add_argument("--meta", required=True, help="where to write the JSON record")
    p.add_argument("--epochs", type=int, default=None,
                   help="DPCTGAN/PATECTGAN epochs (default: snsynth's, 300; DPCTGAN stops earlier when the budget is spent, "
                        "PATECTGAN ignores it and trains until the budget is spent)")
    p.add_argument("--preprocessor-eps", type=float, default=None,
                   help=f"epsilon spent on DP bounds of continuous columns (default {DEFAULT_PREPROCESSOR_SHARE} * epsilon, 0 without continuous columns)")
    p.add_argument("--torch-threads", type=int, default=None,
                   help=f"torch intra-op threads (default: {GAN_TORCH_THREADS} for dpctgan/patectgan, else OMP_NUM_THREADS)")
    p.add_argument("--nullable", choices=("auto", "true", "false"), default="auto",
                   help="auto: nullable transformers for the columns with missing values only; "
                        "true/false: snsynth's global nullable flag")
    args = p.parse_args(argv)
    if args.epsilon <= 0:
        p.error("--epsilon must be > 0")
    if args.rows < 1:
        p.error("--rows must be >= 1")
    return args


def resolve_columns(args: argparse.Namespace, columns: list[str]) -> tuple[list[str], list[str]]:
    categorical, continuous = _split(args.categorical), _split(args.continuous)
    if args.dataset:
        presets = json.loads(COLUMNS_FILE.read_text())
        if args.dataset not in presets or args.dataset.startswith("_"):
            raise SystemExit(f"unknown --dataset {args.dataset!r}; known: {[k for k in presets if not k.startswith('_')]}")
        preset = presets[args.dataset]
        categorical = preset["categorical"] if categorical is None else categorical
        continuous = preset["continuous"] if continuous is None else continuous
    categorical, continuous = list(categorical or []), list(continuous or [])
    both = set(categorical) & set(continuous)
    unknown = [c for c in categorical + continuous if c not in columns]
    unlisted = [c for c in columns if c not in categorical and c not in continuous]
    problems = []
    if both:
        problems.append(f"columns in both lists: {sorted(both)}")
    if unknown:
        problems.append(f"columns not in the training CSV: {unknown}")
    if unlisted:
        problems.append(f"training CSV columns in neither list (drop them first): {unlisted}")
    if problems:
        raise SystemExit("bad column lists: " + "; ".join(problems))
    return categorical, continuous


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            found[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return found


def _observe_pate_moments(record: dict[str, Any]) -> None:
    """Sum the moments PATECTGAN adds to its accountant, leaving its behaviour unchanged."""
    from snsynth.pytorch.nn import patectgan as module

    original = module.moments_acc

    def observed(*args: Any, **kwargs: Any):
        out = original(*args, **kwargs)
        moments = out.detach().cpu().numpy().astype(np.float64)
        record["alphas"] = moments if record["alphas"] is None else record["alphas"] + moments
        record["calls"] += 1
        return out

    module.moments_acc = observed


def _pate_epsilon(alphas: np.ndarray | None, moments_order: int, delta: float) -> float:
    """snsynth's own formula: eps = min_l (alpha_l - log delta) / l, l = 1..moments_order."""
    if alphas is None:
        alphas = np.zeros(moments_order)
    orders = 1.0 + np.arange(moments_order)
    return float(np.min((alphas - math.log(delta)) / orders))


def _dpctgan_epsilon(synth: Any, n_rows: int, epochs_trained: int) -> float:
    """Recompute DPCTGAN's RDP accountant: two discriminator optimizer steps per batch."""
    from opacus import privacy_analysis

    batch = synth._batch_size
    steps = 2 * max(n_rows // batch, 1) * epochs_trained
    if steps == 0:
        return 0.0
    rdp = privacy_analysis.compute_rdp(batch / n_rows, synth.sigma, steps, _DPCTGAN_ALPHAS)
    eps, _ = privacy_analysis.get_privacy_spent(_DPCTGAN_ALPHAS, rdp, synth.delta)
    return float(eps)


def training_spend(synth_name: str, synth: Any, n_rows: int, pate: dict[str, Any]) -> dict[str, Any]:
    """What the synthesizer reports (or we can recompute) about epsilon spent in training."""
    budget = float(synth.epsilon)  # snsynth has already subtracted the preprocessor's spend
    if synth_name == "dpctgan":
        eps_list = [float(e) for e in synth.epsilon_list]
        stopped = bool(eps_list) and eps_list[-1] > budget
        trained = len(eps_list) - 1 if stopped else len(eps_list)
        recomputed = _dpctgan_epsilon(synth, n_rows, trained)
        return {
            "reported": eps_list[-1] if stopped else None,
            "source": ("DPCTGAN.epsilon_list[-1]: the accountant after the last trained epoch (it stopped because this passed the budget)"
                       if stopped else
                       "DPCTGAN ran all its epochs; epsilon_list only holds the spend before the last one, so the spend is recomputed"),
            "recomputed": recomputed,
            "epochs_trained": trained,
            "stopped_by_budget": stopped,
            "epsilon_list": eps_list,
            "delta": float(synth.delta),
        }
    if synth_name == "patectgan":
        iterations = pate["calls"] // max(int(synth.student_iters), 1)
        return {
            "reported": None,
            "source": "PATECTGAN exposes no spend; recomputed from the moments its accountant accumulated, with its own formula",
            "recomputed": _pate_epsilon(pate["alphas"], int(synth.moments_order), float(synth.delta)),
            "iterations": iterations,
            "teachers": int(getattr(synth, "num_teachers", 0)),
            "delta": float(synth.delta),
        }
    return {
        "reported": None,
        "source": "MST reports nothing; it spends its training budget exactly by construction (zCDP rho calibrated to (epsilon, delta))",
        "recomputed": budget,
        "delta": float(synth.delta),
    }


def dp_bounds(synth: Any, continuous: list[str]) -> dict[str, list[float] | None]:
    """The DP-estimated bounds each continuous column's transformer ended up with."""
    transformer = synth._transformer
    names = list(transformer._columns) if transformer._columns is not None else []
    out: dict[str, list[float] | None] = {}
    for name, t in zip(names, transformer.transformers):
        if name in continuous:
            lo, hi = getattr(t, "fit_lower", None), getattr(t, "fit_upper", None)
            out[name] = None if lo is None or hi is None else [float(lo), float(hi)]
    return out


def nullable_transformers(synth_name: str, columns: list[str], continuous: list[str]) -> dict[str, Any]:
    """snsynth's own transformers for nullable columns (as TypeMap builds them with nullable=True)."""
    from snsynth.transform import BinTransformer, ChainTransformer, LabelTransformer, MinMaxTransformer, OneHotEncoder

    cube = synth_name == "mst"  # MST fits the "cube" style, the GANs the "gan" style
    out: dict[str, Any] = {}
    for name in columns:
        if name in continuous:
            out[name] = BinTransformer(nullable=True) if cube else MinMaxTransformer(nullable=True)
        else:
            out[name] = LabelTransformer(nullable=True) if cube else ChainTransformer([LabelTransformer(nullable=True), OneHotEncoder()])
    return out


def _describe(transformer: Any) -> str:
    inner = getattr(transformer, "transformers", None)
    if inner:
        return f"{type(transformer).__name__}([{', '.join(_describe(t) for t in inner)}])"
    params = {k: getattr(transformer, k) for k in ("nullable", "bins") if hasattr(transformer, k)}
    return f"{type(transformer).__name__}({', '.join(f'{k}={v}' for k, v in params.items())})"


def match_training_types(synthetic: pd.DataFrame, train: pd.DataFrame, continuous: list[str]) -> pd.DataFrame:
    """Same columns and order as the training file; integer columns as integers."""
    out = pd.DataFrame(index=range(len(synthetic)))
    for name in train.columns:
        col = synthetic[name].reset_index(drop=True)
        dtype = train[name].dtype
        if pd.api.types.is_integer_dtype(dtype):
            values = pd.to_numeric(col, errors="coerce")
            if name in continuous:
                values = values.round()
            out[name] = values.astype("Int64") if values.isna().any() else values.astype("int64")
        elif pd.api.types.is_float_dtype(dtype):
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif pd.api.types.is_bool_dtype(dtype):
            out[name] = col.astype("boolean")
        else:
            out[name] = col.where(col.notna(), None)
    return out


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> dict[str, Any]:
    wall0 = time.perf_counter()
    load_before = os.getloadavg()[0]  # other work on the machine skews every timing: record it
    seed_everything(args.seed)
    import torch

    if args.torch_threads is not None:
        torch_threads, threads_reason = args.torch_threads, "--torch-threads"
    elif args.synth in ("dpctgan", "patectgan"):
        torch_threads, threads_reason = GAN_TORCH_THREADS, "worker default for the GANs (2 threads: 4-9x slower when another process holds a core)"
    elif os.environ.get("OMP_NUM_THREADS"):
        torch_threads, threads_reason = int(os.environ["OMP_NUM_THREADS"]), "OMP_NUM_THREADS"
    else:
        torch_threads, threads_reason = None, "torch default"
    if torch_threads is not None:
        torch.set_num_threads(torch_threads)
    from snsynth import Synthesizer

    train = pd.read_csv(args.train)
    categorical, continuous = resolve_columns(args, list(train.columns))
    listed = categorical + continuous
    missing_columns = [c for c in listed if train[c].isna().any()]
    nullable = args.nullable == "true"
    constraints = nullable_transformers(args.synth, missing_columns, continuous) if args.nullable == "auto" else {}

    if args.preprocessor_eps is None:
        preprocessor_eps = DEFAULT_PREPROCESSOR_SHARE * args.epsilon if continuous else 0.0
    else:
        preprocessor_eps = float(args.preprocessor_eps)
    if continuous and not 0.0 < preprocessor_eps < args.epsilon:
        raise SystemExit(f"--preprocessor-eps must be in (0, epsilon) with continuous columns; got {preprocessor_eps}")

    notes: list[str] = []
    create_kwargs: dict[str, Any] = {}
    if args.epochs is not None:
        if args.synth == "mst":
            notes.append("--epochs ignored: MST has no epochs")
        else:
            create_kwargs["epochs"] = int(args.epochs)
            if args.synth == "patectgan":
                notes.append("epochs passed to PATECTGAN, which ignores it (it trains until the budget is spent)")
    synth = Synthesizer.create(args.synth, epsilon=float(args.epsilon), **create_kwargs)

    pate: dict[str, Any] = {"alphas": None, "calls": 0}
    if args.synth == "patectgan":
        _observe_pate_moments(pate)

    fit_kwargs = {
        "categorical_columns": list(categorical),
        "continuous_columns": list(continuous),
        "preprocessor_eps": preprocessor_eps,
        "nullable": nullable,
    }
    if constraints:
        fit_kwargs["transformer"] = constraints
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    synth.fit(train, **fit_kwargs)
    cpu_fit = _cpu_seconds() - cpu0
    if constraints:  # JSON-friendly record of the keyword arguments
        fit_kwargs["transformer"] = {name: _describe(t) for name, t in constraints.items()}
    seconds_fit = time.perf_counter() - t0

    t0 = time.perf_counter()
    raw = synth.sample(args.rows)
    seconds_sample = time.perf_counter() - t0
    if not isinstance(raw, pd.DataFrame):
        raw = pd.DataFrame(raw, columns=list(train.columns))
    order = np.random.default_rng(args.seed).permutation(len(raw))
    synthetic = match_training_types(raw.iloc[order], train, continuous)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    synthetic.to_csv(args.out, index=False)

    pre_spent, pre_delta = synth._transformer.odometer.spent
    spend = training_spend(args.synth, synth, len(train), pate)
    train_spent = spend["reported"] if spend["reported"] is not None else spend["recomputed"]
    total_spent = float(pre_spent) + float(train_spent)

    nullable_continuous = [c for c in continuous if nullable or c in constraints]
    if nullable_continuous and args.synth != "mst":
        notes.append("GAN null indicators of continuous columns decode to missing only at exactly 1.0; missing values there are trained as mid-bound values")
    if args.synth in ("dpctgan", "patectgan"):
        notes.append("snsynth's conditional-vector sampling uses the training data's category frequencies without noise (snsynth behaviour, not accounted in epsilon)")
    if args.synth == "dpctgan":
        notes.append("opacus' accountant assumes batches subsampled uniformly at rate batch_size/n; DPCTGAN draws real rows "
                     "by category-conditional sampling, so that assumption does not hold exactly (opacus warns about it)")
    if args.synth == "patectgan":
        notes.append("snsynth 1.0.8 PATECTGAN builds its teachers and student as one shared discriminator object (list of the same module)")
    notes.append("not fully deterministic: opendp draws bounds/MST noise from the OS RNG; snsynth GAN discriminators reset torch's seed to 0 in their constructors")

    real_missing = {c: float(train[c].isna().mean()) for c in listed if train[c].isna().any()}
    meta = {
        "synth": args.synth,
        "epsilon": float(args.epsilon),
        "seed": args.seed,
        "rows": int(len(synthetic)),
        "train_rows": int(len(train)),
        "train": str(args.train),
        "out": str(args.out),
        "seconds_fit": round(seconds_fit, 3),
        "seconds_sample": round(seconds_sample, 3),
        "cpu_seconds_fit": round(cpu_fit, 3),  # user + system; less sensitive than wall time to other load
        "seconds_total": round(time.perf_counter() - wall0, 3),
        "snsynth_version": md.version("smartnoise-synth"),
        "versions": _versions(),
        "torch_threads": torch.get_num_threads(),
        "torch_threads_source": threads_reason,
        "omp_num_threads_env": os.environ.get("OMP_NUM_THREADS"),
        "load_avg_1min": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()},
        "epsilon_spent_reported": spend["reported"],
        "privacy": {
            "epsilon_requested": float(args.epsilon),
            "preprocessor_eps_requested": preprocessor_eps,
            "preprocessor_eps_spent": float(pre_spent),
            "preprocessor_delta_spent": float(pre_delta),
            "preprocessor_eps_per_continuous_column": (preprocessor_eps / len(continuous)) if continuous else 0.0,
            "training_eps_budget": float(synth.epsilon),
            "training": spend,
            "total_eps_spent": total_spent,
            "exceeds_requested": total_spent > float(args.epsilon) + 1e-9,
            "dp_bounds": dp_bounds(synth, continuous),
        },
        "columns": {"categorical": categorical, "continuous": continuous},
        "create_kwargs": {"synth": args.synth, "epsilon": float(args.epsilon), **create_kwargs},
        "fit_kwargs": fit_kwargs,
        "missing_values": {
            "handling": ("snsynth nullable=True (all columns)" if nullable else
                         f"snsynth nullable transformers for {missing_columns}" if constraints else
                         "none (no missing values, or --nullable false)"),
            "real_share": real_missing,
            "synthetic_share": {c: float(synthetic[c].isna().mean()) for c in listed if synthetic[c].isna().any() or c in real_missing},
        },
        "deterministic": False,
        "notes": notes + ["synthetic rows shuffled with the seed before writing"],
        "argv": sys.argv,
    }
    Path(args.meta).parent.mkdir(parents=True, exist_ok=True)
    Path(args.meta).write_text(json.dumps(meta, indent=2))
    return meta


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    meta = run(args)
    p = meta["privacy"]
    print(
        f"{meta['synth']}: fit {meta['seconds_fit']:.1f}s, sample {meta['seconds_sample']:.1f}s, "
        f"eps requested {p['epsilon_requested']} = bounds {p['preprocessor_eps_spent']:.3f} + training budget "
        f"{p['training_eps_budget']:.3f}; spent {p['total_eps_spent']:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
