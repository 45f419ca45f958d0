"""Sanity of the image metrics on MNIST: real data scores well, degraded data and copies score badly.

    .venv/bin/python bench/images_eval_sanity.py [--seed 0] [--threads 1]

MNIST test split (shared/datasets/images_mnist_test.npz) cut as the image bench does: 8,000
training and 2,000 test images (seeded permutation). One FeatureNet is trained on the 8,000
training images (its held-out accuracy and its accuracy on the 2,000 test images are recorded),
then :func:`synthgan.images.evaluation.evaluate_images` scores several "synthetic" sets of 1,000
images against the training images, with the other 1,000 test images as the real holdout:

* ``real``: the first 1,000 test images (a perfect generator);
* ``blurred`` (Gaussian, sigma 1.5 px) and ``noised`` (Gaussian noise, sd 80 grey levels);
* ``one_class``: only images of the digit 1, repeated to 1,000; ``one_image``: one image 1,000 times;
* ``wrong_labels``: the real images with every label moved to the next digit;
* ``train_copies``: 1,000 training images; ``near_copies``: the same plus noise of sd 4 grey levels;
  ``half_copies``: 500 training images and 500 real test images.

Writes bench/results/images_eval_sanity.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

from synthgan.images.evaluation import FeatureNet, evaluate_images

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "datasets" / "images_mnist_test.npz"
N_TRAIN = 8_000
FIGURES = ("frechet_distance", "precision", "recall", "density", "coverage", "conditional_accuracy",
           "classes_present", "mean_class_coverage", "near_copy_share", "exact_copies")


def variants(x_tr, y_tr, x_syn, y_syn, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)

    def u8(a: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(a), 0, 255).astype(np.uint8)

    ones = x_syn[y_syn == 1]
    copies = rng.choice(len(x_tr), len(x_syn), replace=False)
    half = len(x_syn) // 2
    return {
        "real": (x_syn, y_syn),
        "blurred": (u8(gaussian_filter(x_syn.astype(float), sigma=(0, 1.5, 1.5))), y_syn),
        "noised": (u8(x_syn + rng.normal(0, 80, x_syn.shape)), y_syn),
        "one_class": (np.resize(ones, x_syn.shape), np.ones(len(x_syn), dtype=np.int64)),
        "one_image": (np.repeat(x_syn[:1], len(x_syn), axis=0), np.repeat(y_syn[:1], len(x_syn))),
        "wrong_labels": (x_syn, (y_syn + 1) % 10),
        "train_copies": (x_tr[copies], y_tr[copies]),
        "near_copies": (u8(x_tr[copies] + rng.normal(0, 4, x_syn.shape)), y_tr[copies]),
        "half_copies": (np.concatenate([x_tr[copies[:half]], x_syn[half:]]),
                        np.concatenate([y_tr[copies[:half]], y_syn[half:]])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads of the feature network")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    with np.load(DATA) as archive:
        images, labels = archive["images"], archive["labels"]
    order = np.random.default_rng(args.seed).permutation(len(images))
    tr, te = order[:N_TRAIN], order[N_TRAIN:]
    x_tr, y_tr = images[tr], labels[tr]
    x_syn, y_syn, x_ho, y_ho = images[te[:1000]], labels[te[:1000]], images[te[1000:]], labels[te[1000:]]

    load_before = os.getloadavg()
    clock = time.perf_counter()
    net = FeatureNet(seed=args.seed, threads=args.threads).fit(x_tr, y_tr)
    fit_s = time.perf_counter() - clock
    test_accuracy = float((net.predict(images[te]) == labels[te]).mean())
    print(f"FeatureNet: held-out accuracy {net.accuracy_:.4f}, test accuracy {test_accuracy:.4f}, fit {fit_s:.1f} s")

    out = {"seed": args.seed, "n_train": N_TRAIN, "n_synthetic": 1000, "n_holdout": 1000,
           "feature_net": {**net.describe(), "test_accuracy": test_accuracy, "fit_seconds": round(fit_s, 2),
                           "threads": args.threads, "load_average_before": [round(v, 2) for v in load_before]},
           "cases": {}}
    for name, synthetic in variants(x_tr, y_tr, x_syn, y_syn, args.seed).items():
        clock = time.perf_counter()
        r = evaluate_images((x_tr, y_tr), synthetic, (x_ho, y_ho), feature_net=net, seed=args.seed)
        out["cases"][name] = {"summary": r["summary"], "passed": {k: v["passed"] for k, v in r["verdicts"].items()},
                              "verdicts": {k: v["sentence"] for k, v in r["verdicts"].items()},
                              "frechet_holdout": r["frechet"]["holdout"],
                              "seconds": round(time.perf_counter() - clock, 2)}
        s = r["summary"]
        print(name, {k: (round(s[k], 4) if isinstance(s[k], float) else s[k]) for k in FIGURES},
              out["cases"][name]["passed"])
    out["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "images_eval_sanity.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    (args.out / "images_eval_sanity.md").write_text(markdown(out), encoding="utf-8")


def _f(v) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "pass" if v else "FAIL"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def markdown(out: dict) -> str:
    net = out["feature_net"]
    lines = [
        "# Image metrics sanity (MNIST)", "",
        f"MNIST test split cut {out['n_train']:,} training / 2,000 test images (seed {out['seed']}). Each case "
        f"scores {out['n_synthetic']:,} \"synthetic\" images against the training images, with the other "
        f"{out['n_holdout']:,} test images as the real holdout. Written by `bench/images_eval_sanity.py`.", "",
        f"FeatureNet (16/32/64-channel CNN, 128-d embedding, {net['epochs']} epochs, trained on {net['n_train']:,} "
        f"images): held-out accuracy **{net['accuracy']:.4f}** on {net['n_validation']:,} training images, "
        f"**{net['test_accuracy']:.4f}** on the 2,000 test images; fit {net['fit_seconds']} s on {net['threads']} "
        f"thread(s) (load average {net['load_average_before'][0]} on the shared 2-core machine).", "",
        "The Frechet distance is measured in this network's feature space: it is not comparable to published "
        "Inception FIDs.", "",
        "| case | FD | precision | recall | density | coverage | cond. acc. | classes present | class coverage "
        "| near-copies | exact copies | fidelity | diversity | conditional | memorisation |",
        "| --- |" + " ---: |" * 10 + " --- |" * 4,
    ]
    for name, c in out["cases"].items():
        s, p = c["summary"], c["passed"]
        lines.append(f"| {name} | " + " | ".join(_f(s[k]) for k in FIGURES) + " | "
                     + " | ".join(_f(p[k]) for k in ("fidelity", "diversity", "conditional", "memorization")) + " |")
    real = out["cases"]["real"]
    lines += ["", f"Real holdout yardstick (holdout vs training): FD {_f(real['frechet_holdout'])}, precision "
                  f"{_f(real['summary']['precision_holdout'])}, recall {_f(real['summary']['recall_holdout'])}, "
                  f"class-conditional accuracy {_f(real['summary']['conditional_accuracy_holdout'])}, near-copy share "
                  f"{_f(real['summary']['near_copy_share_holdout'])}.", "", "## Verdicts", ""]
    for name, c in out["cases"].items():
        lines.append(f"**{name}**")
        lines += [f"* {k}: {v}" for k, v in c["verdicts"].items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
