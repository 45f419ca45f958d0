"""Plain-language verdicts and headline figures of an image evaluation.

Thresholds are rules of thumb stated in the sentences, so a reader can disagree knowingly:
precision >= 0.7 (fidelity), recall >= 0.5 with every real class present (diversity),
class-conditional accuracy >= 0.95 (conditioning), and no more near-copies of training images
than the real holdout has (memorisation). Every sentence quotes the real holdout's own figure
beside the synthetic one, since that is what a perfect generator would score.
"""

from __future__ import annotations

from typing import Any

MIN_PRECISION = 0.7
MIN_RECALL = 0.5
MIN_CONDITIONAL_ACCURACY = 0.95


def _fidelity(r: dict[str, Any]) -> dict[str, Any]:
    s, h, fd = r["prdc"]["synthetic"], r["prdc"]["holdout"], r["frechet"]
    passed = s["precision"] >= MIN_PRECISION
    level = "look like real ones" if passed else "often look unlike any real image"
    return {"passed": passed, "sentence": (
        f"Synthetic images {level}: precision {s['precision']:.2f} (real holdout {h['precision']:.2f}; rule of thumb "
        f">= {MIN_PRECISION}), density {s['density']:.2f} (holdout {h['density']:.2f}); Frechet distance in the local "
        f"feature space {fd['synthetic']:.3g} vs {fd['holdout']:.3g} for the real holdout (not an Inception FID).")}


def _diversity(r: dict[str, Any]) -> dict[str, Any]:
    s, h = r["prdc"]["synthetic"], r["prdc"]["holdout"]
    cond = r["conditional"]
    missing = cond.get("missing_classes") or []
    passed = s["recall"] >= MIN_RECALL and not missing
    text = (f"recall {s['recall']:.2f} (real holdout {h['recall']:.2f}; rule of thumb >= {MIN_RECALL}), coverage "
            f"{s['coverage']:.2f} (holdout {h['coverage']:.2f})")
    if cond.get("classes_present") is not None:
        text += (f"; {cond['n_classes'] - len(missing)} of {cond['n_classes']} real classes present"
                 + (f" (missing or rare: {', '.join(missing[:10])})" if missing else "")
                 + (f", mean per-class coverage {cond['mean_class_coverage']:.2f}"
                    if cond.get("mean_class_coverage") is not None else ""))
    verdict = "The synthetic images cover the real variety" if passed else \
        "The synthetic images miss part of the real variety (mode collapse or dropped classes)"
    return {"passed": passed, "sentence": f"{verdict}: {text}."}


def _conditional(r: dict[str, Any]) -> dict[str, Any]:
    cond = r["conditional"]
    if cond.get("accuracy") is None:
        return {"passed": None, "sentence": f"Class conditioning was not checked: {cond.get('reason')}."}
    acc, ref = cond["accuracy"], cond.get("accuracy_holdout")
    passed = acc >= MIN_CONDITIONAL_ACCURACY
    worst = min(((k, v["accuracy"]) for k, v in cond["per_class"].items() if v["accuracy"] is not None),
                key=lambda t: t[1], default=None)
    text = (f"A classifier trained on the real images reads the requested class in {acc:.1%} of synthetic images "
            f"(real holdout: {ref:.1%}; rule of thumb >= {MIN_CONDITIONAL_ACCURACY:.0%})" if ref is not None else
            f"A classifier trained on the real images reads the requested class in {acc:.1%} of synthetic images")
    if worst is not None and worst[1] < MIN_CONDITIONAL_ACCURACY:
        text += f"; weakest class {worst[0]} at {worst[1]:.1%}"
    return {"passed": passed, "sentence": text + "."}


def _memorization(r: dict[str, Any]) -> dict[str, Any]:
    m = r["memorization"]
    p, f = m["pixel"], m["feature"]
    where = "the real holdout" if r["meta"]["holdout_given"] else "a holdout split from the training images"
    matched = " (matched to the synthetic class mix)" if p["class_matched"] else ""
    share = (f"{p['synthetic_share']:.1%} of synthetic images lie closer to a training image (pixels) than the "
             f"holdout's 1st percentile, vs {p['expected_share']:.1%} expected from the holdout{matched}")
    if m["passed"]:
        text = f"No more near-copies of training images than {where} has: {share}"
    else:
        text = f"More near-copies of training images than {where} has: {share}, allowed up to {p['allowed_share']:.1%}"
    if m["exact_copies"]:
        text += f"; {m['exact_copies']} exact copies"
    text += f"; in feature space {f['synthetic_share']:.1%} vs {f['expected_share']:.1%}"
    return {"passed": m["passed"], "sentence": text + "."}


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """``{"verdicts": {family: {"passed", "sentence"}}, "summary": {figure: value}}`` of an evaluation."""
    s, h = result["prdc"]["synthetic"], result["prdc"]["holdout"]
    cond, memo = result["conditional"], result["memorization"]
    verdicts = {"fidelity": _fidelity(result), "diversity": _diversity(result),
                "conditional": _conditional(result), "memorization": _memorization(result)}
    summary = {
        "frechet_distance": result["frechet"]["synthetic"], "frechet_distance_holdout": result["frechet"]["holdout"],
        "precision": s["precision"], "recall": s["recall"], "density": s["density"], "coverage": s["coverage"],
        "precision_holdout": h["precision"], "recall_holdout": h["recall"],
        "conditional_accuracy": cond.get("accuracy"), "conditional_accuracy_holdout": cond.get("accuracy_holdout"),
        "classes_present": cond.get("classes_present"), "mean_class_coverage": cond.get("mean_class_coverage"),
        "near_copy_share": memo["pixel"]["synthetic_share"], "near_copy_share_holdout": memo["pixel"]["holdout_share"],
        "near_copy_share_expected": memo["pixel"]["expected_share"],
        "exact_copies": memo["exact_copies"], "feature_net_accuracy": result["feature_net"]["accuracy"],
    }
    return {"verdicts": verdicts, "summary": summary}
