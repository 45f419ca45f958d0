"""The property-based input suite with a large example budget: examples tried, learned, refused, failed.

Draws random mixed tables (``tests/properties.py``: every integer width with full and
edge ranges, floats near the float64 limits, nullable integers, categories, booleans,
naive and UTC datetimes, constant and unique columns, missing values, odd names) and, for
every registered table model, fits, samples, checks the sample's properties, saves, loads
and evaluates. An example counts as *learned* when all of that holds, *refused* when fit
raises synthgan's own one-line error naming the column, and *failed* otherwise (a crash,
a raw library warning, a broken property). Prints and writes JSON + Markdown to
``bench/results/property_budget.{json,md}``::

    python -m bench.property_budget --examples 200
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from bench.common import REPO_DIR, RESULTS_DIR, write_json

sys.path.insert(0, str(REPO_DIR / "tests"))
from properties import check_sample, mixed_tables, quietly  # noqa: E402

SAMPLE_ROWS = 60


def run_model(name: str, examples: int, seed: int) -> dict:
    import synthgan
    from synthgan import Synthesizer
    from synthgan.core.registry import capabilities
    from synthgan.errors import SynthganError

    outcomes: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    failures: list[str] = []
    trainable = capabilities(name).trainable
    path = Path(tempfile.mkdtemp()) / "model.synthgan"

    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(real=mixed_tables())
    def check(real):
        outcomes["tried"] += 1
        params = {"epochs": 1, "batch_size": 20, **({} if name == "tvae" else {"pac": 10})} if trainable else {}
        try:
            try:
                syn = quietly(Synthesizer(name, seed=seed, **params).fit, real)
            except SynthganError as exc:
                message = str(exc)
                if "\n" in message or "encoded column" in message or not (
                        any(f"'{c}'" in message for c in real.columns) or "learnable columns" in message):
                    raise AssertionError(f"unclear refusal: {message}") from exc
                outcomes["refused"] += 1
                reasons[_reason(message, real.columns)] += 1
                return
            synth = quietly(syn.sample, SAMPLE_ROWS, seed=1)
            check_sample(real, synth, SAMPLE_ROWS)
            syn.save(path)
            assert synthgan.load(path).sample(SAMPLE_ROWS, seed=1).equals(synth), "save/load changed the sample"
            quietly(synthgan.evaluate, real, synth, metrics=["fidelity", "privacy"])
            outcomes["learned"] += 1
        except Exception as exc:  # noqa: BLE001 - counted and reported, never raised
            outcomes["failed"] += 1
            if len(failures) < 5:
                failures.append(f"{type(exc).__name__}: {str(exc)[:200]} (dtypes {dict(real.dtypes.astype(str))})")

    started = time.perf_counter()
    check()
    return {"model": name, **{k: outcomes[k] for k in ("tried", "learned", "refused", "failed")},
            "seconds": round(time.perf_counter() - started, 1), "first_failures": failures,
            "refusals": dict(reasons.most_common())}


def _reason(message: str, columns) -> str:
    """The refusal with column names blanked, so equal reasons count together."""
    for column in sorted(map(str, columns), key=len, reverse=True):
        message = message.replace(f"'{column}'", "'<column>'")
    return message[:140]


def main() -> None:
    from synthgan.core.registry import available_models

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="tables drawn per model")
    parser.add_argument("--models", default=",".join(available_models("table")))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = [run_model(name, args.examples, args.seed) for name in args.models.split(",")]
    report = {"updated_utc": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "examples_per_model": args.examples, "rows": rows}
    write_json(RESULTS_DIR / "property_budget.json", report)
    lines = [f"# Property-based input suite, {args.examples} random tables per model ({report['updated_utc']})", "",
             "| model | tried | learned | refused (one clear line) | failed | seconds |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['tried']} | {r['learned']} | {r['refused']} | {r['failed']} | {r['seconds']} |" for r in rows]
    for r in rows:
        lines += [f"- {r['model']}: {f}" for f in r["first_failures"]]
    reasons = collections.Counter()
    for r in rows:
        reasons.update(r["refusals"])
    lines += ["", "Refusals over all models (column names blanked):", ""]
    lines += [f"- {count} x {reason}" for reason, count in reasons.most_common()]
    text = "\n".join(lines) + "\n"
    (RESULTS_DIR / "property_budget.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
