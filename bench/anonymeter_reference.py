"""Run anonymeter's three attacks on CSV files; print their risks as JSON (the reference for synthgan's attacks).

Runs in its own environment (anonymeter pins numpy 1.26 and pyarrow 21, which synthgan must
not inherit): ``bash bench/setup_anonymeter.sh`` makes ``bench/.anon-venv``; then
``bench/privacy_attacks.py`` calls this script with that interpreter::

    bench/.anon-venv/bin/python bench/anonymeter_reference.py TRAIN SYN CONTROL --secret income \\
        --halves '["age", ...]' '["sex", ...]' --n-attacks 1000
"""

import argparse
import json
import sys
import time

import pandas as pd


def _risk(evaluator):
    risk = evaluator.risk()
    return {"risk": float(risk.value), "ci_low": float(risk.ci[0]), "ci_high": float(risk.ci[1])}


def main() -> None:
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    parser = argparse.ArgumentParser()
    parser.add_argument("train")
    parser.add_argument("synthetic")
    parser.add_argument("control")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--halves", nargs=2, required=True, help="two JSON lists of columns")
    parser.add_argument("--n-attacks", type=int, default=1000)
    parser.add_argument("--singling-out-attacks", type=int, default=500)
    args = parser.parse_args()
    ori, syn, control = (pd.read_csv(p) for p in (args.train, args.synthetic, args.control))
    out = {}
    started = time.perf_counter()
    so = SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=args.singling_out_attacks, n_cols=6, seed=0)
    out["singling_out"] = _risk(so.evaluate(mode="multivariate"))
    halves = tuple(json.loads(h) for h in args.halves)
    link = LinkabilityEvaluator(ori=ori, syn=syn, control=control, aux_cols=halves, n_attacks=args.n_attacks, n_neighbors=1)
    out["linkability"] = _risk(link.evaluate(n_jobs=1))
    aux = [c for c in ori.columns if c != args.secret]
    inference = InferenceEvaluator(ori=ori, syn=syn, control=control, aux_cols=aux, secret=args.secret,
                                   n_attacks=args.n_attacks)
    out["attribute_inference"] = _risk(inference.evaluate(n_jobs=1))
    out["seconds"] = time.perf_counter() - started
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
