"""Headline scores and plain-language verdicts, from an evaluation's metric entries.

Thresholds are rules of thumb stated in the sentences themselves, so a reader can
disagree with them knowingly; the numbers stay in the metric entries.
"""

from __future__ import annotations

from typing import Any

Metrics = dict[str, dict[str, dict[str, Any]]]

HEADLINE = (
    ("fidelity", "quality_score"), ("fidelity", "column_shapes"), ("fidelity", "column_pair_trends"),
    ("detection", "detection_auc"), ("diversity", "coverage"), ("diversity", "category_coverage"),
    ("privacy", "closer_to_train_share"), ("privacy", "exact_copies"), ("privacy", "membership_inference_auc"),
    ("utility", "utility_ratio"), ("utility", "tstr_roc_auc"), ("utility", "tstr_r2"),
)


def _value(metrics: Metrics, family: str, name: str) -> float | None:
    return metrics.get(family, {}).get(name, {}).get("value")


_LEVELS = ("poor", "fair", "good", "excellent")
# (metric, caption, threshold, highest level allowed beyond it): a classifier that tells the rows
# apart, or a model that learns little from them, caps what the column statistics may claim
_DETECTION_CAPS = ((0.9, "poor"), (0.75, "fair"), (0.6, "good"))
_UTILITY_CAPS = ((0.7, "poor"), (0.85, "fair"))


def fidelity_verdict(m: Metrics) -> tuple[str, str | None]:
    """The fidelity sentence and the figure that drives it (``quality_score``, ``detection_auc`` or ``utility_ratio``)."""
    q = _value(m, "fidelity", "quality_score")
    if q is None:
        return "Fidelity could not be scored.", None
    shapes, trends = _value(m, "fidelity", "column_shapes"), _value(m, "fidelity", "column_pair_trends")
    level = "excellent" if q >= 0.9 else "good" if q >= 0.8 else "fair" if q >= 0.7 else "poor"
    driver, reason = "quality_score", ""
    auc, ratio = _value(m, "detection", "detection_auc"), _value(m, "utility", "utility_ratio")
    caps = [(cap, "detection_auc", f"a classifier tells synthetic from real rows (detection AUC {auc:.2f})")
            for bound, cap in _DETECTION_CAPS if auc is not None and auc > bound][:1]
    caps += [(cap, "utility_ratio", f"a model trained on them keeps {ratio:.0%} of the real-trained score")
             for bound, cap in _UTILITY_CAPS if ratio is not None and ratio < bound][:1]
    for cap, name, why in sorted(caps, key=lambda c: _LEVELS.index(c[0])):
        if _LEVELS.index(cap) < _LEVELS.index(level):
            level, driver, reason = cap, name, why
            break
    text = f"Fidelity is {level} (quality {q:.0%}: column shapes {shapes or 0:.0%}, pair trends {trends or 0:.0%})"
    text += f", held down because {reason}." if reason else "."
    if shapes is not None and trends is not None and shapes - trends > 0.1:
        text += " Columns look right one by one, but relations between columns are weaker than in the real data."
    return text, driver


def _fidelity(m: Metrics) -> str:
    return fidelity_verdict(m)[0]


def _detection(m: Metrics) -> str:
    auc = _value(m, "detection", "detection_auc")
    if auc is None:
        return "Detection could not be run: " + str(m.get("detection", {}).get("detection_auc", {}).get("reason"))
    top = list((m["detection"]["detection_auc"]["details"] or {}).get("top_features", {}))[:3]
    giveaway = f" The columns that give it away most: {', '.join(top)}." if top and auc > 0.6 else ""
    if auc <= 0.6:
        return f"A classifier can barely tell synthetic from real rows (AUC {auc:.2f}; 0.5 = indistinguishable)."
    if auc <= 0.75:
        return f"A classifier tells synthetic from real rows somewhat (AUC {auc:.2f}).{giveaway}"
    return f"A classifier easily tells synthetic from real rows (AUC {auc:.2f}).{giveaway}"


def _alarm_message(m: Metrics, family: str, name: str, fallback: str) -> str:
    entry = m.get(family, {}).get(name)
    if not entry:
        return fallback
    if entry["value"] is None:
        return f"{fallback} ({entry['reason']})"
    return entry["details"].get("message", fallback)


def _privacy(m: Metrics) -> str:
    text = _alarm_message(m, "privacy", "privacy_alarm", "Privacy could not be judged")
    if _value(m, "privacy", "closer_to_train_share") is None and "privacy" in m:
        text += " Without a holdout, closeness to training records cannot be judged against unseen rows."
    return text


def _utility(m: Metrics) -> str:
    ratio = m.get("utility", {}).get("utility_ratio")
    if not ratio:
        return "Utility was not evaluated."
    if ratio["value"] is None:
        return f"Utility could not be measured: {ratio['reason']}."
    d = ratio["details"]
    name = {"roc_auc": "ROC AUC", "r2": "R2"}[d["primary"]]
    level = "as useful as" if ratio["value"] >= 0.95 else "nearly as useful as" if ratio["value"] >= 0.85 \
        else "clearly less useful than"
    return (f"A model trained on synthetic rows is {level} one trained on real rows "
            f"({name} {d['tstr']:.3f} vs {d['trtr']:.3f} on real test rows).")


def _fairness(m: Metrics) -> str:
    entries = m.get("fairness", {})
    if not entries:
        return "Fairness was not evaluated."
    worst = [(k, e["value"]) for k, e in entries.items() if k.startswith("demographic_parity_gap:")
             and e["value"] is not None]
    if not worst:
        reasons = {e["reason"] for e in entries.values() if e["reason"]}
        return "Fairness could not be measured: " + "; ".join(sorted(reasons)) + "."
    key, gap = max(worst, key=lambda t: t[1])
    col = key.split(":", 1)[1]
    if gap <= 0.05:
        return f"Group outcome gaps are preserved (largest change {gap:.3f}, for '{col}')."
    return f"The synthetic data changes the outcome gap between groups of '{col}' by {gap:.3f}."


_VERDICTS = {"fidelity": _fidelity, "detection": _detection,
             "diversity": lambda m: _alarm_message(m, "diversity", "mode_collapse", "Diversity could not be judged"),
             "privacy": _privacy, "utility": _utility, "fairness": _fairness}


#: the figure each family's verdict reads (fidelity's may be held down by another: see fidelity_verdict)
_DRIVERS = {"detection": "detection_auc", "diversity": "mode_collapse", "privacy": "privacy_alarm",
            "utility": "utility_ratio", "fairness": "demographic_parity_gap"}


def summarize(metrics: Metrics) -> dict[str, Any]:
    """``{"headline": {metric: value}, "verdicts": {family: sentence}, "drivers": {family: metric}, "alarms": [...]}``."""
    headline = {name: _value(metrics, family, name) for family, name in HEADLINE
                if name in metrics.get(family, {})}
    verdicts = {family: func(metrics) for family, func in _VERDICTS.items() if family in metrics}
    drivers = {family: _DRIVERS.get(family) for family in verdicts}
    if "fidelity" in verdicts:
        drivers["fidelity"] = fidelity_verdict(metrics)[1]
    alarms = [metrics[f][n]["details"]["message"] for f, n in (("diversity", "mode_collapse"), ("privacy", "privacy_alarm"))
              if metrics.get(f, {}).get(n, {}).get("value") == 1.0]
    return {"headline": headline, "verdicts": verdicts, "drivers": drivers, "alarms": alarms}
