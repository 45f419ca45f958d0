"""Unpaired translation benchmark: MNIST digits <-> MNIST-M-style colour digits (issue 13, point 4).

Data (the fixed seed-0 8,000 / 2,000 split of the MNIST test file, as ``bench.images_bench``):

* source: the first 4,000 training digits (grey, labels unused by the translator);
* target: colour digits (``bench.make_colour_digits``: each digit blended over a patch of one of
  scikit-learn's sample photos) made from the *other* 4,000 training digits, so no target
  image is a coloured copy of a source image (unpaired);
* test: the 2,000 test digits, translated to colour.

Judged by :func:`synthgan.images.translate.evaluate.evaluate_translation`: a classifier
trained on the labelled colour digits reads the translated test digits (content kept,
target >= 0.85), a domain classifier (grey vs colour) calls them colour (style changed,
target >= 0.8), and the cycle error; the untranslated digits are the baseline.

Writes ``bench/results/images_translate.json`` and ``.md``, the grid
``images_translate_grid.png`` (per class: source digits, then their translations, then the
round trip back to grey) and ``images_translate_backward_grid.png`` (colour test digits made
from the test split, translated to grey).

    python -m bench.images_translate [--steps 6000] [--max-time 600] [--threads 1]

One torch thread by default: with another job on the 2-core machine (load average 4.6), a
training step took 1.15 s on two threads and 0.092 s on one (idle threads spin).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

from bench.common import RESULTS_DIR, limit_threads, rounded, write_json
from bench.images_bench import load_split
from bench.make_colour_digits import colour_digits

TARGETS = {"content_accuracy": 0.85, "target_share": 0.8}
N_SOURCE = 4000


def comparison_grid(path: Any, rows: list[np.ndarray], labels: np.ndarray, per_class: int = 8) -> None:
    """One PNG: for each class, one row per stage (``rows``: same images in stages, all colour uint8)."""
    from synthgan.images.io import write_grid

    picks = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in np.unique(labels)])
    stacked = np.concatenate([np.stack([stage[picks[labels[picks] == c]] for stage in rows]).reshape(-1, *rows[0].shape[1:])
                              for c in np.unique(labels)])
    write_grid(path, stacked, ncol=per_class)


def rounded_all(value: Any) -> Any:
    """:func:`bench.common.rounded` through nested dicts and lists."""
    if isinstance(value, dict):
        return {k: rounded_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded_all(v) for v in value]
    return rounded(value)


def as_colour(images: np.ndarray) -> np.ndarray:
    return images if images.ndim == 4 else np.repeat(images[..., None], 3, axis=3)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--max-time", type=float, default=600.0, help="fit budget in seconds")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 beats 2 when another job shares the CPU)")
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--critic-width", type=int, default=16)
    parser.add_argument("--loss", default="lsgan")
    parser.add_argument("--cycle-weight", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tag", default="", help="suffix of the output names (experiments)")
    args = parser.parse_args(argv)
    limit_threads(args.threads)

    from synthgan.images.translate import ImageTranslator
    from synthgan.images.translate.evaluate import evaluate_translation

    (train_x, train_y), (test_x, test_y) = load_split()
    source_x = train_x[:N_SOURCE]
    target_x, target_y = colour_digits(train_x[N_SOURCE:], train_y[N_SOURCE:], seed=1)
    load_before = os.getloadavg()
    translator = ImageTranslator(steps=args.steps, width=args.width, blocks=args.blocks, batch_size=args.batch_size,
                                 critic_width=args.critic_width, loss=args.loss, cycle_weight=args.cycle_weight,
                                 seed=args.seed, max_time=args.max_time, threads=args.threads, verbose=True)
    translator.fit(source_x, target_x)
    load_after = os.getloadavg()
    started = time.perf_counter()
    scores = evaluate_translation(translator, test_x, target_x, target_y, test_y, seed=0, threads=args.threads)
    translated = translator.transform(test_x)
    cycled = translator.transform(translated, direction="backward")
    test_colour, _ = colour_digits(test_x, seed=2)
    backward = translator.transform(test_colour, direction="backward")
    apply_seconds = time.perf_counter() - started

    tag = f"_{args.tag}" if args.tag else ""
    comparison_grid(RESULTS_DIR / f"images_translate_grid{tag}.png", [as_colour(test_x), translated, as_colour(cycled)], test_y)
    comparison_grid(RESULTS_DIR / f"images_translate_backward_grid{tag}.png", [test_colour, as_colour(backward)], test_y)
    t = scores["translated"]
    record = {
        "task": "MNIST (grey) -> MNIST-M-style colour digits, unpaired CycleGAN",
        "data": {"source": f"{N_SOURCE} MNIST training digits (split seed 0)",
                 "target": f"{len(target_x)} colour digits made from the other training digits (make_colour_digits seed 1)",
                 "test": f"{len(test_x)} MNIST test digits"},
        "options": {k: v for k, v in translator.get_params().items() if k != "verbose"},
        "steps_run": translator.steps_, "stopped_early": translator.stopped_early_,
        "fit_seconds": round(translator.fit_seconds_, 1), "evaluate_and_apply_seconds": round(apply_seconds, 1),
        "load_average_before": [round(v, 2) for v in load_before], "load_average_after": [round(v, 2) for v in load_after],
        "threads": args.threads,
        "scores": rounded_all(scores),
        "targets": TARGETS,
        "passed": {"content_accuracy": t["content_accuracy"] >= TARGETS["content_accuracy"],
                   "target_share": t["target_share"] >= TARGETS["target_share"]},
        "history_tail": rounded_all(translator.history_[-3:]),
    }
    write_json(RESULTS_DIR / f"images_translate{tag}.json", record)
    (RESULTS_DIR / f"images_translate{tag}.md").write_text(markdown(record))
    print(markdown(record))
    return record


def markdown(r: dict[str, Any]) -> str:
    s, t, b = r["scores"], r["scores"]["translated"], r["scores"]["identity_baseline"]
    ok = {True: "pass", False: "FAIL"}
    lines = [
        "# Unpaired translation: MNIST -> colour digits (`synthgan translate`)", "",
        f"Source: {r['data']['source']}; target: {r['data']['target']}; test: {r['data']['test']}.", "",
        f"Fit: {r['steps_run']:,} steps in {r['fit_seconds']} s on {r['threads']} torch thread(s) "
        f"(load average before/after: {r['load_average_before'][0]} / {r['load_average_after'][0]}); "
        f"evaluation and translation {r['evaluate_and_apply_seconds']} s.", "",
        "| | translated | untranslated (identity baseline) | target |",
        "|---|---|---|---|",
        f"| content kept (target-domain classifier reads the source label) | {t['content_accuracy']:.3f} | "
        f"{b['content_accuracy']:.3f} | >= {r['targets']['content_accuracy']} ({ok[r['passed']['content_accuracy']]}) |",
        f"| style changed (domain classifier calls it colour) | {t['target_share']:.3f} | {b['target_share']:.3f} | "
        f">= {r['targets']['target_share']} ({ok[r['passed']['target_share']]}) |",
        f"| cycle error, mean abs in [-1, 1] | {t['cycle_error']:.4f} | 0 | |", "",
        f"Classifiers' own held-out accuracy: content (classes of real colour digits) {s['content_classifier_accuracy']:.3f}, "
        f"domain (grey vs colour) {s['domain_classifier_accuracy']:.3f}. The domain classifier may call an image colour "
        "for its colours alone; a stricter check, a classifier trained to tell real colour digits from translated ones, "
        f"reached held-out accuracy {s['real_vs_translated_accuracy']:.3f} (0.5: indistinguishable, 1: always told apart).", "",
        "Grids: `images_translate_grid.png` (per class: test digits, translated, translated back) and "
        "`images_translate_backward_grid.png` (colour digits made from the test digits, translated to grey).", "",
        f"Options: `{r['options']}`", "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
