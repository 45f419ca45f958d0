"""Issue 12 attack acceptance: do the attacks flag copied rows, and call real unseen rows low risk?

For adult and stroke_prediction the real table is cut once (seeded) into a training half, an
*unseen* quarter and a *control* quarter. Three tables are attacked as if they were synthetic:

* ``unseen real rows``: real rows the "generator" never saw; every attack should call them low risk;
* ``unseen + 5% copies``: the same with 5% of its rows replaced by copies of training rows;
  the attacks should flag them (risk interval above 0);
* ``synthgan ctgan``: a sample of synthgan's default model fitted on the training half.

Each is scored by :func:`synthgan.evaluation.attacks.privacy_attacks` (secret: ``income`` /
``stroke``) and, as the reference, by anonymeter in its own environment
(``bash bench/setup_anonymeter.sh``; skipped with a note when it is missing) on the same files
with the same column halves::

    python -m bench.privacy_attacks
    python -m bench.privacy_attacks --datasets stroke_prediction --epochs 5 --out-name privacy_smoke

Writes ``bench/results/OUT_NAME.{json,md}`` (default ``privacy_attacks``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

import numpy as np
import pandas as pd

from bench.common import BENCH_DIR, CACHE_DIR, DATASETS_DIR, RESULTS_DIR, rounded, write_json

DATASETS = {"adult": ("adult.csv.gz", "income"), "stroke_prediction": ("stroke_prediction.csv.gz", "stroke")}
ANON_PYTHON = BENCH_DIR / ".anon-venv" / "bin" / "python"
COPY_SHARE = 0.05
ATTACKS = ("singling_out", "linkability", "attribute_inference")


def splits(frame: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(frame))
    half, three = len(frame) // 2, (3 * len(frame)) // 4
    return tuple(frame.iloc[order[a:b]].reset_index(drop=True) for a, b in ((0, half), (half, three), (three, len(frame))))


def with_copies(unseen: pd.DataFrame, train: pd.DataFrame, share: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = unseen.copy()
    k = int(round(share * len(out)))
    rows = rng.choice(len(out), k, replace=False)
    out.iloc[rows] = train.iloc[rng.choice(len(train), k, replace=False)].to_numpy()
    return out


def anonymeter(paths: dict[str, str], secret: str, halves: tuple[list, list], n_attacks: int) -> dict | str:
    if not ANON_PYTHON.exists():
        return "anonymeter environment missing: bash bench/setup_anonymeter.sh"
    cmd = [str(ANON_PYTHON), str(BENCH_DIR / "anonymeter_reference.py"), paths["train"], paths["synthetic"],
           paths["control"], "--secret", secret, "--halves", json.dumps(halves[0]), json.dumps(halves[1]),
           "--n-attacks", str(n_attacks)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "2"})
    if done.returncode != 0:
        return f"anonymeter failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}"
    return json.loads(done.stdout)


def run_dataset(name: str, epochs: int | None, n_attacks: int, anon_attacks: int) -> dict:
    from synthgan import Synthesizer
    from synthgan._random import numpy_rng
    from synthgan.evaluation._prep import infer_kinds, scored_columns
    from synthgan.evaluation.attacks import privacy_attacks
    from synthgan.evaluation.attacks.linkability import split_columns

    file, secret = DATASETS[name]
    frame = pd.read_csv(DATASETS_DIR / file)
    train, unseen, control = splits(frame)
    started = time.perf_counter()
    ctgan = Synthesizer("ctgan", seed=0, epochs=epochs).fit(train).sample(len(unseen), seed=1)
    fit_seconds = time.perf_counter() - started
    tables = {"unseen real rows": unseen, f"unseen + {COPY_SHARE:.0%} copies": with_copies(unseen, train, COPY_SHARE),
              "synthgan ctgan": ctgan}
    columns = scored_columns(infer_kinds(train))
    halves = split_columns(columns, numpy_rng(0, "privacy-attacks", "linkability"))  # the halves privacy_attacks draws
    folder = CACHE_DIR / "privacy_attacks" / name
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"train": str(folder / "train.csv"), "control": str(folder / "control.csv")}
    train[columns].to_csv(paths["train"], index=False)  # anonymeter sees the columns synthgan attacks (no keys)
    control[columns].to_csv(paths["control"], index=False)
    out = {"rows": {"train": len(train), "unseen": len(unseen), "control": len(control)}, "secret": secret,
           "ctgan_fit_seconds": fit_seconds, "tables": {}}
    for label, table in tables.items():
        t0 = time.perf_counter()
        ours = privacy_attacks(train, table, control, secret=secret, n_attacks=n_attacks, seed=0)
        seconds = time.perf_counter() - t0
        path = folder / f"{label.replace(' ', '_').replace('%', 'pct').replace('+', 'plus')}.csv"
        table[columns].to_csv(path, index=False)
        reference = anonymeter({**paths, "synthetic": str(path)}, secret, halves, anon_attacks)
        flat = {"singling_out": ours["singling_out"], "linkability": ours["linkability"],
                "attribute_inference": ours["attribute_inference"][secret]}
        out["tables"][label] = {"synthgan": flat, "synthgan_seconds": seconds, "anonymeter": reference}
        print(f"{name} / {label}: " + ", ".join(f"{a} {flat[a]['risk']:+.3f} [{flat[a]['ci_low']:+.3f}, {flat[a]['ci_high']:+.3f}]"
                                                 for a in ATTACKS), flush=True)
    return out


def markdown(result: dict) -> str:
    lines = ["# Privacy attacks with controls (issue 12)", "",
             f"Load average before {result['load_before']}, after {result.get('load_after')}. Risk = (train success - "
             "control success) / (1 - control success), 95% interval; synthgan's attacks "
             f"({result['n_attacks']:,} predicates / targets per side) beside anonymeter's "
             f"({result['anon_attacks']:,} targets, 500 singling-out predicates) on the same files.", ""]
    for name, data in result["datasets"].items():
        lines += [f"## {name} (train {data['rows']['train']:,}, control {data['rows']['control']:,} rows; secret "
                  f"`{data['secret']}`)", "",
                  "| table | attack | synthgan risk [95% CI] | verdict | anonymeter risk [95% CI] |", "|---|---|---|---|---|"]
        for label, entry in data["tables"].items():
            for attack in ATTACKS:
                a = entry["synthgan"][attack]
                ref = entry["anonymeter"]
                shown = (f"{ref[attack]['risk']:+.3f} [{ref[attack]['ci_low']:+.3f}, {ref[attack]['ci_high']:+.3f}]"
                         if isinstance(ref, dict) else ref)
                lines.append(f"| {label} | {attack} | {a['risk']:+.3f} [{a['ci_low']:+.3f}, {a['ci_high']:+.3f}] | "
                             f"{a['verdict'].split(':')[0]} | {shown} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="adult,stroke_prediction")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--n-attacks", type=int, default=5_000)
    parser.add_argument("--anon-attacks", type=int, default=1_000)
    parser.add_argument("--out-name", default="privacy_attacks")
    args = parser.parse_args()
    result = {"load_before": os.getloadavg(), "n_attacks": args.n_attacks, "anon_attacks": args.anon_attacks, "datasets": {}}
    for name in args.datasets.split(","):
        result["datasets"][name] = run_dataset(name, args.epochs, args.n_attacks, args.anon_attacks)
        result["load_after"] = os.getloadavg()
        write_json(RESULTS_DIR / f"{args.out_name}.json", rounded(result))
        (RESULTS_DIR / f"{args.out_name}.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))


if __name__ == "__main__":
    main()
