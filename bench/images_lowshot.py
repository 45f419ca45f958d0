"""Issue 13, point 3: does GAN augmentation help a small CNN trained on 10, 50 or 100 labelled MNIST images per class?

The fixed MNIST split of ``bench/images_bench.py`` (8,000 training / 2,000 test images, the
seed-0 permutation): for each seed (0 .. 4) and shot count (10, 50, 100 per class), the labelled
images are drawn from the 8,000, a class-conditional GAN is fitted on exactly those (checked by
the leakage guard against the 2,000 test images), and a small CNN is trained per arm: no
augmentation, random affine, GAN images added, both. Test accuracy on the 2,000 test images,
means with 95 % t intervals over seeds, paired differences and a verdict per shot count come
from :class:`synthgan.images.lowshot.experiment.ImageAugmentExperiment`::

    python -m bench.images_lowshot                       # the acceptance run (5 seeds; about 40 min on 2 cores)
    python -m bench.images_lowshot --seeds 1 --shots 10 --generator-steps 50 --classifier-steps 50 --out-name lowshot_smoke

``bench/results/OUT_NAME.{json,md,html}`` (default ``images_lowshot``) are rewritten after every
seed, so an interrupted run keeps what it finished. The JSON is the experiment's own
(``to_dict``) plus the bench's settings: threads, the machine and its load average before and
after each seed (other jobs on the machine change the seconds, not the accuracies).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

from bench.common import RESULTS_DIR, limit_threads, write_json
from bench.images_bench import DATA, N_TRAIN, SPLIT_SEED, load_split


def _f(value: Any, digits: int = 3, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def markdown(result: dict[str, Any], bench: dict[str, Any]) -> str:
    """The bench's summary: a table per shot count, the verdicts and the settings."""
    from synthgan.images.lowshot.arms import ARM_LABELS

    info = result["info"]
    summary = {(r["shots"], r["arm"], r["metric"]): r for r in result["summary"]}
    diffs = {(r["shots"], r["arm"], r["baseline"], r["metric"]): r for r in result["differences"]}
    gen = info["generator"]
    lines = [
        "# Low-shot image augmentation on MNIST (issue 13, point 3)", "",
        f"MNIST test split cut {N_TRAIN:,} training / {10_000 - N_TRAIN:,} test images (seed-{SPLIT_SEED} permutation, as "
        "`bench/images_bench.py`). Per seed and shot count the labelled images are drawn from the training images "
        f"(stratified, nested); `{gen['model']}` ({', '.join(f'{k}={v}' for k, v in gen['params'].items())}) is fitted "
        f"on exactly those for {gen['steps']:,} steps and adds {info['ratio']:g} synthetic images per labelled image; the "
        f"classifier (small CNN, {info['classifier']['steps']} steps of {info['classifier']['batch_size']}, no early "
        "stopping) is tested on the 2,000 test images. Written by `bench/images_lowshot.py`.", "",
        f"Seeds done: {info['seeds_done']} of {info['seeds']}; torch on {bench['threads']} thread(s), {bench['machine']}; "
        f"{result['timings']['total_seconds']:.0f} s in all; load average (1 min) per seed: "
        + ", ".join(f"{s['load_before']:.2f} -> {s['load_after']:.2f}" for s in bench["seeds"]) + ".", "",
        *([f"Torch ran on one thread, not two: while this bench ran, another job kept the second core busy, and two "
           f"threads were then 3 to 10 times slower per step than one (idle OpenMP threads spin; measured before the "
           f"run: a classifier step 0.05-0.11 s on 1 thread, 0.16-0.99 s on 2). Thread count changes the seconds, "
           f"not what is measured.", ""] if bench["threads"] == 1 else []),
        "## Answer", "",
        "GAN augmentation helped at: " + (", ".join(f"{v['shots']} per class" for v in result["verdicts"] if v["helped"]) or "none of the shot counts")
        + "; it did not help at: " + (", ".join(f"{v['shots']} per class" for v in result["verdicts"] if not v["helped"]) or "none") + ".", "",
        "## Verdicts", "",
    ]
    lines += [f"* {v['sentence']}" for v in result["verdicts"]]
    lines += ["", "## Test accuracy", "",
              "Mean over seeds [95 % t interval]; Δ: mean paired difference in accuracy [95 % t interval] and its verdict.", ""]
    for k in info["shots"]:
        fits = [f["seconds"] for f in result["generator_fits"] if f["shots"] == k]
        spread = [(f["synthetic_spread"], f["real_spread"]) for f in result["generator_fits"]
                  if f["shots"] == k and f.get("synthetic_spread") is not None]
        lines += [f"### {k} labelled images per class" + (f" (generator fit {sum(fits) / len(fits):.0f} s on average)" if fits else ""), "",
                  *([f"Within-class spread (mean distance between two images of a class, pixels in [0, 1]): synthetic "
                     f"{sum(a for a, _ in spread) / len(spread):.2f}, labelled real {sum(b for _, b in spread) / len(spread):.2f}.", ""]
                    if spread else []),
                  "| arm | accuracy | macro-F1 | Δ vs none | Δ vs affine |", "| --- | ---: | ---: | ---: | ---: |"]
        for arm in info["arms"]:
            cells = []
            for metric in ("accuracy", "macro_f1"):
                s = summary.get((k, arm, metric), {})
                cells.append(f"{_f(s.get('mean'))} [{_f(s.get('ci_low'))}, {_f(s.get('ci_high'))}]")
            for baseline in ("none", "affine"):
                d = diffs.get((k, arm, baseline, "accuracy"))
                cells.append("" if d is None else f"{_f(d['mean_diff'], sign=True)} [{_f(d['ci_low'], sign=True)}, "
                                                  f"{_f(d['ci_high'], sign=True)}] {d['verdict']}")
            lines.append(f"| {ARM_LABELS[arm]} (`{arm}`) | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Settings", "",
              f"* Generator steps per fit: {gen['steps']:,} ({bench['generator_note']}).",
              f"* Leakage guard: images checked before each generator fit: {result['leakage_checks']}.",
              "* Seconds per seed: " + ", ".join(f"{s['seconds']:.0f}" for s in bench["seeds"]) + ".", ""]
    return "\n".join(lines)


def rerender(out_name: str = "images_lowshot") -> None:
    """Write the .md and .html again from the saved JSON (after a change to the renderers)."""
    from bench.common import read_json
    from synthgan.images.lowshot.report import write_lowshot_html

    saved = read_json(RESULTS_DIR / f"{out_name}.json")
    bench = saved.pop("bench")
    (RESULTS_DIR / f"{out_name}.md").write_text(markdown(saved, bench), encoding="utf-8")
    write_lowshot_html(saved, RESULTS_DIR / f"{out_name}.html", title="Low-shot image augmentation: MNIST")


def main() -> None:
    from synthgan.images.io import ImageSet
    from synthgan.images.lowshot.arms import DEFAULT_CLASSIFIER_STEPS, DEFAULT_GENERATOR_STEPS, DEFAULT_RATIO
    from synthgan.images.lowshot.experiment import ImageAugmentExperiment
    from synthgan.images.lowshot.report import write_lowshot_html

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1")
    parser.add_argument("--shots", default="10,50,100")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (the issue's 2 cores)")
    parser.add_argument("--generator-steps", type=int, default=DEFAULT_GENERATOR_STEPS)
    parser.add_argument("--classifier-steps", type=int, default=DEFAULT_CLASSIFIER_STEPS)
    parser.add_argument("--ratio", type=float, default=DEFAULT_RATIO)
    parser.add_argument("--generator-note", default="the library's default", help="why this budget (written to the .md)")
    parser.add_argument("--out-name", default="images_lowshot")
    args = parser.parse_args()
    limit_threads(args.threads)
    (x_train, y_train), (x_test, y_test) = load_split()
    train, test = ImageSet(x_train, y_train, None, "mnist train"), ImageSet(x_test, y_test, None, "mnist test")
    bench: dict[str, Any] = {"dataset": DATA.name, "threads": args.threads, "generator_note": args.generator_note,
                             "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "seeds": []}
    clock = {"start": time.perf_counter(), "load": os.getloadavg()[0]}

    def on_seed(result: dict[str, Any]) -> None:
        now = time.perf_counter()
        bench["seeds"].append({"seed": len(bench["seeds"]), "load_before": clock["load"], "load_after": os.getloadavg()[0],
                               "seconds": now - clock["start"]})
        clock.update(start=now, load=os.getloadavg()[0])
        write_json(RESULTS_DIR / f"{args.out_name}.json", {"bench": bench, **result})
        (RESULTS_DIR / f"{args.out_name}.md").write_text(markdown(result, bench), encoding="utf-8")
        write_lowshot_html(result, RESULTS_DIR / f"{args.out_name}.html", title="Low-shot image augmentation: MNIST")
        print(f"seed {len(bench['seeds']) - 1} done in {bench['seeds'][-1]['seconds']:.0f} s", flush=True)

    ImageAugmentExperiment(shots=tuple(int(k) for k in args.shots.split(",")), seeds=args.seeds, ratio=args.ratio,
                           generator_steps=args.generator_steps, classifier_steps=args.classifier_steps, seed=0,
                           device="auto", threads=args.threads, progress=lambda line: print(line, flush=True),
                           on_seed=on_seed).fit(train, test)


if __name__ == "__main__":
    main()
