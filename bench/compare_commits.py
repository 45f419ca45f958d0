"""Old commit vs new commit on the same dataset, in one run: the check that a refactor kept tables as they were.

For each model, the old and the new code run one after the other (old, new, then the next
model), each through ``bench.run_bench`` in a fresh subprocess with 2 threads, so machine
drift hits both sides alike. The old code runs from a ``git worktree`` of ``--old``; both
use this environment's packages. Prints and writes JSON + Markdown with each model's
shapes, trends, detection AUC, TSTR, s/epoch and sampling rows/s, and new/old ratios::

    python -m bench.compare_commits --old 24aab64 --datasets adult \
        --models synthgan-ctgan,synthgan-tvae,synthgan-copula --name core_refactor
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import DATASETS_DIR, REPO_DIR, RESULTS_DIR, write_json

SCORES = ("column_shapes", "column_pair_trends", "detection_auc", "tstr")
SPEEDS = ("seconds_per_epoch", "sample_rows_per_second", "fit_seconds")


def _run(repo: Path, dataset: str, model: str, seed: int, out_dir: Path, sample_rows: int) -> dict:
    cmd = [sys.executable, "-m", "bench.run_bench", "--datasets", dataset, "--models", model, "--seeds", str(seed),
           "--no-reference", "--out-dir", str(out_dir), "--run-dir", str(out_dir / "runs"),
           "--suffix", f"_{model}_s{seed}", "--sample-rows", str(sample_rows)]
    print(f"[{dt.datetime.now(dt.timezone.utc):%H:%M:%S}] {repo.name}: {model} seed {seed}", flush=True)
    env = {**os.environ, "SYNTHGAN_DATASETS": str(DATASETS_DIR)}  # the old worktree lives elsewhere
    subprocess.run(cmd, cwd=repo, check=True, env=env)
    result = json.loads((out_dir / f"bench_{dataset}_{model}_s{seed}.json").read_text())
    run = next(r for r in result["runs"] if r["model"] == model and r["seed"] == seed)
    row = {key: run.get(key) for key in SPEEDS}
    row.update({key: run.get("scores", {}).get(key) for key in SCORES})
    row["load_average_1min"] = run.get("load_average_1min")
    return row


def _ratio(new: float | None, old: float | None) -> float | None:
    return round(new / old, 3) if new is not None and old not in (None, 0) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, help="git revision of the old code")
    parser.add_argument("--datasets", default="adult")
    parser.add_argument("--models", default="synthgan-ctgan,synthgan-tvae,synthgan-copula")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--sample-rows", type=int, default=1_000_000)
    parser.add_argument("--name", default="compare_commits")
    args = parser.parse_args()
    new_rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True, check=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_DIR, capture_output=True, text=True).stdout.strip())
    rows = []
    with tempfile.TemporaryDirectory(prefix="synthgan-old-") as tmp:
        old_repo = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "--detach", str(old_repo), args.old], cwd=REPO_DIR, check=True, capture_output=True)
        try:
            for dataset in args.datasets.split(","):
                for seed in (int(s) for s in args.seeds.split(",")):
                    for model in args.models.split(","):
                        old = _run(old_repo, dataset, model, seed, Path(tmp) / "out-old", args.sample_rows)
                        new = _run(REPO_DIR, dataset, model, seed, Path(tmp) / "out-new", args.sample_rows)
                        ratios = {key: _ratio(new[key], old[key]) for key in SPEEDS}
                        deltas = {key: None if new[key] is None or old[key] is None else round(new[key] - old[key], 4) for key in SCORES}
                        rows.append({"dataset": dataset, "model": model, "seed": seed, "old": old, "new": new,
                                     "new_over_old": ratios, "new_minus_old": deltas})
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_repo)], cwd=REPO_DIR, check=False)
    report = {"old": args.old, "new": new_rev + ("+uncommitted" if dirty else ""),
              "updated_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "rows": rows}
    write_json(RESULTS_DIR / f"{args.name}.json", report)
    lines = [f"# Old ({report['old']}) vs new ({report['new']}) code, same run ({report['updated_utc']})", "",
             "| dataset | model | seed | shapes old/new | trends old/new | detection AUC old/new | TSTR old/new "
             "| s/epoch new/old | sampling rows/s new/old | fit s new/old |", "|---|---|---|---|---|---|---|---|---|---|"]
    fmt = (lambda v: "-" if v is None else f"{v:.3f}")
    for r in rows:
        o, n, q = r["old"], r["new"], r["new_over_old"]
        lines.append(f"| {r['dataset']} | {r['model']} | {r['seed']} | " + " | ".join(f"{fmt(o[k])} / {fmt(n[k])}" for k in SCORES)
                     + f" | {fmt(q['seconds_per_epoch'])} | {fmt(q['sample_rows_per_second'])} | {fmt(q['fit_seconds'])} |")
    text = "\n".join(lines) + "\n"
    (RESULTS_DIR / f"{args.name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
