"""Issue 13 acceptance harness: the default class-conditional image GAN beside the conditional VAE on MNIST.

MNIST's official test split (``shared/datasets/images_mnist_test.npz``) is cut once into 8,000
training and 2,000 test images (the seed-0 permutation, as ``bench/images_eval_sanity.py``). For
every model and seed, :class:`~synthgan.images.synthesizer.ImageSynthesizer` fits on the 8,000
training images with its defaults (torch pinned to ``--threads`` threads, 2 by default: the issue's
"2 cores"), samples ``--n-sample`` images (classes at their training frequencies) and
:func:`synthgan.images.evaluation.evaluate_images` scores them against the training images with
the 2,000 test images as the real holdout::

    python -m bench.images_bench                                  # the acceptance run (about an hour on 2 cores)
    python -m bench.images_bench --models sngan,dcgan,cvae --seeds 0
    python -m bench.images_bench --epochs 1 --seeds 0 --n-sample 500 --out-name images_smoke   # wiring check

Each (model, seed) records fit seconds (wall clock on this machine, whatever else runs on it: the
load average is recorded), epochs, seconds per epoch, the fit's own quality signal, sampling
seconds, the evaluation's headline figures and a pass/fail per criterion (:data:`CRITERIA`: fit
within 10 minutes, class-conditional accuracy >= 0.95, precision >= 0.7, recall >= 0.5, no more
near-copies of training images than the real holdout has). ``bench/results/OUT_NAME.{json,md}``
(default ``images_mnist``) are rewritten after every run, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any, Callable

import numpy as np

from bench.common import DATASETS_DIR, RESULTS_DIR, limit_threads, rounded, write_json

DATA = DATASETS_DIR / "images_mnist_test.npz"
N_TRAIN = 8_000
SPLIT_SEED = 0
FIT_LIMIT_S = 600.0

# key: (label, test on the figures) -- the acceptance targets
CRITERIA: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "fit": ("fit <= 600 s", lambda f: f["fit_seconds"] <= FIT_LIMIT_S),
    "accuracy": ("class-conditional accuracy >= 0.95", lambda f: (f["conditional_accuracy"] or 0.0) >= 0.95),
    "precision": ("precision >= 0.7", lambda f: f["precision"] >= 0.7),
    "recall": ("recall >= 0.5", lambda f: f["recall"] >= 0.5),
    "copies": ("near-copies <= real holdout's", lambda f: bool(f["memorization_passed"])),
}
# (figure key, column header) of the figures table
COLUMNS = (("fit_seconds", "fit s"), ("epochs", "epochs"), ("seconds_per_epoch", "s/epoch"),
           ("sample_seconds", "sample s"), ("frechet_distance", "FD"), ("precision", "precision"),
           ("recall", "recall"), ("density", "density"), ("coverage", "coverage"),
           ("conditional_accuracy", "cond. acc."), ("near_copy_share", "near-copies"),
           ("near_copy_share_expected", "(expected)"), ("exact_copies", "exact copies"))


def load_split() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(train_images, train_labels), (test_images, test_labels)``: the seed-0 permutation, 8,000 / 2,000."""
    with np.load(DATA) as archive:
        images, labels = archive["images"], archive["labels"]
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    train, test = np.sort(order[:N_TRAIN]), np.sort(order[N_TRAIN:])
    return (images[train], labels[train]), (images[test], labels[test])


def evaluate(train: Any, synthetic: Any, holdout: Any, seed: int) -> dict[str, Any]:
    """The image evaluation (:mod:`synthgan.images.evaluation`): headline figures and verdicts."""
    from synthgan.images.evaluation import evaluate_images

    result = evaluate_images(train, synthetic, holdout, seed=seed)
    return {**result["summary"], "memorization_passed": result["verdicts"]["memorization"]["passed"],
            "verdicts": {k: v["sentence"] for k, v in result["verdicts"].items()},
            "feature_net": result["feature_net"], "evaluation_seconds": result["meta"]["seconds"]}


def run_one(model: str, seed: int, train: Any, test: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Fit, sample and score one (model, seed)."""
    from synthgan.images.io import ImageSet
    from synthgan.images.synthesizer import ImageSynthesizer

    record: dict[str, Any] = {"model": model, "seed": seed, "status": "ok", "load_before": os.getloadavg()[0]}
    options = {"epochs": args.epochs} if args.epochs is not None else {}
    clock = time.perf_counter()
    syn = ImageSynthesizer(model, seed=seed, verbose=args.verbose, **options).fit(ImageSet(*train, None, "mnist train"))
    record["fit_seconds"] = time.perf_counter() - clock
    history = syn.history_
    record["epochs"] = len(history)
    record["seconds_per_epoch"] = float(np.mean([row["seconds"] for row in history]))
    record["steps"] = int(syn.model_.epochs_ * max(len(train[0]) // syn.model_._cfg["batch_size"], 1))
    record["fit_diagnostics"] = syn.diagnostics_
    clock = time.perf_counter()
    sampled = syn.sample(args.n_sample, seed=seed + 1000)
    record["sample_seconds"] = time.perf_counter() - clock
    if args.grids:
        from synthgan.images.io import write_grid

        grid = syn.sample(100, seed=seed + 2000)
        order = np.argsort(grid.labels, kind="stable")
        write_grid(RESULTS_DIR / f"{args.out_name}_{model}_seed{seed}.png", grid.images[order], grid.labels[order], ncol=10)
    record.update(evaluate(train, (sampled.images, sampled.labels), test, seed))
    record["load_after"] = os.getloadavg()[0]
    record["passed"] = {key: bool(test_(record)) for key, (_, test_) in CRITERIA.items()}
    return record


def markdown(out: dict[str, Any]) -> str:
    lines = [
        "# Image GANs on MNIST (issue 13)", "",
        f"MNIST test split cut {N_TRAIN:,} training / {10_000 - N_TRAIN:,} test images (seed-{SPLIT_SEED} "
        f"permutation). Each model fits with its defaults on the training images (torch on {out['threads']} "
        f"thread(s), {out['machine']}), samples {out['n_sample']:,} images with classes at their training "
        "frequencies, and is scored by `synthgan.images.evaluation.evaluate_images` against the training images "
        "with the test images as the real holdout. Precision, recall and the Frechet distance live in the feature "
        "space of a small CNN trained here (not Inception: not comparable to published FIDs). Written by "
        "`bench/images_bench.py`.", "",
        *([f"**Smoke run: training cut to {out['epochs_override']} epoch(s) with --epochs; these are not the acceptance "
           "figures.** Run `python -m bench.images_bench` for those.", ""] if out["epochs_override"] is not None else []),
        "| model | seed | " + " | ".join(h for _, h in COLUMNS) + " | " + " | ".join(CRITERIA) + " |",
        "| --- | ---: |" + " ---: |" * len(COLUMNS) + " --- |" * len(CRITERIA),
    ]
    for r in out["runs"]:
        if r["status"] != "ok":
            lines.append(f"| {r['model']} | {r['seed']} | {r['status']} |")
            continue
        cells = [_fmt(r.get(key)) for key, _ in COLUMNS]
        lines.append(f"| {r['model']} | {r['seed']} | " + " | ".join(cells) + " | "
                     + " | ".join("pass" if r["passed"][k] else "FAIL" for k in CRITERIA) + " |")
    ok = [r for r in out["runs"] if r["status"] == "ok"]
    if ok:
        r = ok[0]
        lines += ["", f"Real holdout yardstick: FD {_fmt(r['frechet_distance_holdout'])}, precision "
                      f"{_fmt(r['precision_holdout'])}, recall {_fmt(r['recall_holdout'])}, class-conditional accuracy "
                      f"{_fmt(r['conditional_accuracy_holdout'])}, near-copy share {_fmt(r['near_copy_share_holdout'])}.",
                  "", "Criteria: " + "; ".join(f"{k}: {label}" for k, (label, _) in CRITERIA.items()) + ".", "",
                  "## Verdicts", ""]
        for r in ok:
            lines.append(f"**{r['model']}, seed {r['seed']}** (fit's own quality signal: "
                         f"{_fit_signal(r['fit_diagnostics'])})")
            lines += [f"* {k}: {v}" for k, v in r["verdicts"].items()]
            lines.append("")
    return "\n".join(lines) + "\n"


def _fit_signal(diag: dict[str, Any]) -> str:
    if diag.get("frechet_distance") is None:
        return "off"
    return (f"Frechet distance {diag['frechet_distance']:.3g}, class accuracy {diag.get('class_accuracy', float('nan')):.3f} "
            f"at epoch {diag['best_epoch']}")


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="sngan,cvae", help="comma-separated image models (default: the default GAN and the CVAE)")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (the issue's 2 cores)")
    parser.add_argument("--epochs", type=int, default=None, help="override the models' default budget (smoke runs)")
    parser.add_argument("--n-sample", type=int, default=2_000)
    parser.add_argument("--out-name", default="images_mnist")
    parser.add_argument("--grids", action="store_true", help="also write a 10x10 PNG grid per run beside the results")
    parser.add_argument("--verbose", action="store_true", help="progress bars")
    args = parser.parse_args()
    limit_threads(args.threads)
    train, test = load_split()
    out: dict[str, Any] = {"dataset": str(DATA.name), "n_train": N_TRAIN, "n_test": 10_000 - N_TRAIN,
                           "split_seed": SPLIT_SEED, "threads": args.threads, "n_sample": args.n_sample,
                           "epochs_override": args.epochs, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                           "runs": []}
    for model in args.models.split(","):
        for seed in (int(s) for s in args.seeds.split(",")):
            try:
                record = run_one(model.strip(), seed, train, test, args)
            except Exception as exc:  # noqa: BLE001 - a failed run is recorded, the others still run
                record = {"model": model, "seed": seed, "status": f"error: {exc.__class__.__name__}: {exc}"}
            out["runs"].append({k: (rounded(v) if isinstance(v, float) else v) for k, v in record.items()})
            status = record["status"] if record["status"] != "ok" else {k: v for k, v in record["passed"].items()}
            print(f"{model} seed {seed}: fit {record.get('fit_seconds', float('nan')):.0f} s, {status}", flush=True)
            write_json(RESULTS_DIR / f"{args.out_name}.json", out)
            (RESULTS_DIR / f"{args.out_name}.md").write_text(markdown(out), encoding="utf-8")


if __name__ == "__main__":
    main()
