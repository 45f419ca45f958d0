"""Where does augmentation help? The learning curve and the transfer arm (issue 15, point 5).

    python bench/augment_curve.py                       # both parts, 5 seeds (~45 min on 2 cores)
    python bench/augment_curve.py --part curve --seeds 2
    python bench/augment_curve.py --part transfer

* ``curve``: adult (target income), training sizes 250, 1,000, 4,000 and the whole
  training split; arms: no resampling, the resampling baselines, synthgan's default model
  (autoregressive) and ctgan; LightGBM and logistic regression; 5 seeds, 95 % t intervals
  of the paired difference in PR AUC against no resampling; a verdict per size.
* ``transfer``: diabetes_health_indicators (BRFSS 2015, target Diabetes_binary), a
  1,000-row training sample per seed; the same models fitted once on the sample and once
  on the whole training split (``transfer:<model>``: a generator fitted on the larger
  table augments the small one). Test and validation rows are split off first and never
  reach any generator (the experiment's leakage guard checks every fit).

Writes ``bench/results/augment_curve_<part>.{json,html,md}``. The data never enters the
repository: only results are written.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

THREADS = 2
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, str(THREADS))

import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthgan.augment.arms import RESAMPLING_ARMS  # noqa: E402
from synthgan.augment.curve import LearningCurve  # noqa: E402
from synthgan.augment.curve_report import curve_markdown, curve_text, write_curve_html  # noqa: E402
from synthgan.augment.report import write_json  # noqa: E402
from synthgan.tabular import DEFAULT_TABLE_MODEL  # noqa: E402

DATA_DIR = Path(os.environ.get("SYNTHGAN_DATASETS", "/work/shared/datasets"))
RESULTS = ROOT / "bench" / "results"
GENERATORS = (DEFAULT_TABLE_MODEL, "ctgan")


def _curve(seeds: int) -> tuple[LearningCurve, str]:
    train = pd.read_csv(DATA_DIR / "adult.csv.gz")
    test = pd.read_csv(DATA_DIR / "adult_test.csv.gz")
    curve = LearningCurve("income", sizes=(250, 1000, 4000, None), arms=RESAMPLING_ARMS + GENERATORS, seeds=seeds, seed=0,
                          n_jobs=THREADS, progress=lambda line: print(line, flush=True))
    note = (f"adult ({len(train):,} train rows, the given {len(test):,}-row test table); sizes 250, 1,000, 4,000 and the "
            "whole training split (minus validation)")
    return curve.run(train, test), note


def _transfer(seeds: int) -> tuple[LearningCurve, str]:
    data = pd.read_csv(DATA_DIR / "diabetes_health_indicators.csv.gz")
    arms = ("none", "random_oversampling", "smote_nc") + GENERATORS + tuple(f"transfer:{m}" for m in GENERATORS)
    curve = LearningCurve("Diabetes_binary", sizes=(1000,), arms=arms, seeds=seeds, seed=0, test_size=0.2, n_jobs=THREADS,
                          progress=lambda line: print(line, flush=True))
    note = (f"diabetes_health_indicators ({len(data):,} rows; 20 % test split off first); 1,000 training rows per seed; "
            "transfer arms fitted on the whole training split")
    return curve.run(data), note


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("curve", "transfer", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for part in (("curve", "transfer") if args.part == "both" else (args.part,)):
        started = time.perf_counter()
        curve, note = (_curve if part == "curve" else _transfer)(args.seeds)
        result = curve.to_dict()
        result["bench"] = {"part": part, "data": note, "seeds": args.seeds, "threads": THREADS, "machine": platform.machine(),
                           "python": platform.python_version(), "seconds": round(time.perf_counter() - started, 1),
                           "date": time.strftime("%Y-%m-%d", time.gmtime())}
        stem = RESULTS / f"augment_curve_{part}"
        write_json(result, stem.with_suffix(".json"))
        title = "Augmentation learning curve: adult" if part == "curve" else "Transfer augmentation: diabetes_health_indicators"
        write_curve_html(result, stem.with_suffix(".html"), title=title)
        stem.with_suffix(".md").write_text(
            f"# {title}\n\n{note}; {args.seeds} seeds; PR AUC on the test rows, paired difference against no resampling "
            f"with 95 % t intervals over seeds. {result['bench']['seconds']:.0f} s on {THREADS} threads, "
            f"{result['bench']['date']}. Produced by `python bench/augment_curve.py --part {part}`.\n\n"
            + "\n".join(f"- {v['sentence']}" for v in result["verdicts"]) + "\n\n" + curve_markdown(result) + "\n")
        print(curve_text(result), flush=True)


if __name__ == "__main__":
    main()
