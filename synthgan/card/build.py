"""A data card: one document that says what was done to make a synthetic table, and how it scored.

:func:`build_card` gathers, from a table model file and the real table it was fitted on:

* **source**: the real table's SHA-256 (of the file's bytes, or of its CSV text for a
  DataFrame), rows and columns;
* **schema**: every column's kind and dtype, and how direct identifiers were handled;
* **model**: name, parameters, seed, epochs, fit time, training alarms, rules kept;
* **differential privacy**: epsilon and delta, or a plain "none";
* **fidelity, detection, diversity, privacy, utility, fairness**: the evaluation suite's scores and verdicts on a synthetic
  sample (given, or drawn from the model with the card's seed), judged against a real
  holdout when one is given;
* **fair generation**: the target and sensitive column and their marginals, when the model
  samples fairly;
* **intended use** and **known limits**: sentences that follow from the facts above (a
  failed verdict, no holdout, no DP ...), plus the user's own.

The card is plain JSON (see :func:`card_json`); :mod:`synthgan.card.render` writes it as one
self-contained HTML page.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from synthgan.errors import ConfigError

__all__ = ["CARD_VERSION", "build_card", "source_facts"]

CARD_VERSION = 1
DETECTABLE_AUC = 0.75  # detection AUC from which the card warns that synthetic rows are told apart
USEFUL_RATIO = 0.9  # utility ratio below which it warns that models lose accuracy
FAMILIES = ("fidelity", "detection", "diversity", "privacy", "utility", "fairness")
_HANDLING = {"fake": "replaced by a fresh fake in every row; never learned or stored",
             "consistent": "recurring identities learned as anonymous codes, each one fixed fake; values never stored"}


def source_facts(data: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Name, SHA-256, rows and columns of the real table (hash of the file's bytes when it is a file)."""
    if isinstance(data, (str, os.PathLike)):
        digest = hashlib.sha256()
        with open(data, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        name, hashed = Path(data).name, "file bytes"
    else:
        digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8"))
        name, hashed = "DataFrame", "CSV text of the DataFrame"
    return {"name": name, "sha256": digest.hexdigest(), "hashed": hashed, "rows": int(len(frame)),
            "columns": int(frame.shape[1])}


def _schema(syn) -> list[dict[str, Any]]:
    rows = []
    for col in syn.schema_:
        entry = {"name": col.name, "kind": col.kind, "dtype": col.dtype, "pii": col.pii, "handling": "learned"}
        if col.kind == "pii":
            entry["handling"] = _HANDLING[syn.pii]
        elif col.kind == "id":
            entry["handling"] = "regenerated as fresh unique keys; never learned"
        rows.append(entry)
    return rows


def _model(syn, manifest_version: str) -> dict[str, Any]:
    params = {k: v for k, v in syn.get_params().items()
              if k not in ("verbose", "schema", "checkpoint") and v is not None and not callable(v)}
    return {"name": syn.model, "synthgan_version": manifest_version, "params": params, "seed": syn.seed_,
            "epochs_trained": len(syn.history_), "fit_rows": syn.n_rows_fit_, "fit_seconds": round(syn.fit_seconds_, 1),
            "alarms": list(syn.diagnostics_.get("alarms", [])),
            "rules": [rule.to_dict() for rule in (syn.rules_.rules or [])]}


def _family(result, family: str) -> dict[str, Any]:
    summary = result.summary()
    metrics = result.metrics.get(family, {})
    values = {name: entry.get("value") for name, entry in metrics.items()}
    reasons = {name: entry.get("reason") for name, entry in metrics.items() if entry.get("value") is None}
    return {"verdict": summary["verdicts"].get(family), "values": values, "not_computed": reasons}


def _differential_privacy(privacy: dict[str, Any] | None) -> dict[str, Any]:
    """The card's DP section: the fit's accountant figures, or a plain "none"."""
    if not privacy:
        return {"epsilon": None, "delta": None, "accountant": None, "statement": "none: trained without differential privacy"}
    from synthgan.dp.describe import privacy_line

    return {"epsilon": privacy["epsilon"], "delta": privacy["delta"], "epsilon_spent": privacy["epsilon_spent"],
            "accountant": privacy["accountant"], "noise_multiplier": privacy["sgd"]["noise_multiplier"],
            "steps": privacy["sgd"]["steps_taken"], "sample_rate": privacy["sgd"]["sample_rate"],
            "max_grad_norm": privacy["sgd"]["max_grad_norm"], "statistics_sigma": privacy["statistics_sigma"],
            "category_threshold": privacy["category_threshold"], "statement": privacy_line(privacy)}


def _limits(card: dict[str, Any], user: list[str]) -> list[str]:
    limits = []
    if card["differential_privacy"]["epsilon"] is None:
        limits.append("No formal privacy guarantee: the model was trained without differential privacy; the privacy "
                      "evidence below is empirical (distances to closest records, membership inference).")
    if not card["evaluation"]["holdout_given"]:
        limits.append("No real holdout was given, so privacy could not be judged against rows the model never saw.")
    headline = card["evaluation"]["headline"]
    auc = headline.get("detection_auc")
    if auc is not None and auc >= DETECTABLE_AUC:
        limits.append(f"A classifier tells these synthetic rows from real ones (detection AUC {auc:.2f}): do not "
                      "present them as real.")
    ratio = headline.get("utility_ratio")
    if ratio is not None and ratio < USEFUL_RATIO:
        limits.append(f"Models trained on these rows reach {ratio:.0%} of the real-trained score: confirm any model "
                      "on real data.")
    for alarm in card["evaluation"]["alarms"] + card["model"]["alarms"]:
        limits.append(f"Alarm: {alarm}")
    pii = [c["name"] for c in card["schema"] if c["kind"] == "pii"]
    if pii:
        limits.append(f"Direct identifiers ({', '.join(pii)}) are fakes: they carry no information about real people, "
                      "and joins on them to other tables are meaningless.")
    if card["fair_generation"]:
        fair = card["fair_generation"]
        limits.append(f"Fair generation: '{fair['target']}' is independent of '{fair['sensitive']}' by construction; "
                      "this table does not show the real association between them.")
    return limits + list(user)


def build_card(syn, data: Any, frame: pd.DataFrame, result, *, synthetic_rows: int, holdout_given: bool,
               synthetic_source: str, intended_use: list[str] | None = None, limits: list[str] | None = None,
               target: str | None = None, sensitive: list[str] | None = None) -> dict[str, Any]:
    """The card as a JSON-safe dict (see the module docstring).

    Parameters
    ----------
    syn : Synthesizer
        The fitted table model.
    data : str, PathLike or DataFrame
        The real table as given (a path is hashed byte for byte).
    frame : DataFrame
        The real table read.
    result : EvaluationResult
        The evaluation of the synthetic sample against ``frame``.
    synthetic_rows : int
    holdout_given : bool
    synthetic_source : str
        Where the synthetic rows came from (a file name, or "sampled from the model, seed N").
    intended_use, limits : list of str, optional
        The user's own sentences, added to those the card writes.
    target, sensitive : optional
        The evaluation's target and sensitive columns.
    """
    from synthgan import __version__

    for name, items in (("intended_use", intended_use), ("limits", limits)):
        if items is not None and not all(isinstance(s, str) and s.strip() for s in items):
            raise ConfigError(f"{name} must be a list of non-empty sentences")
    fairness = getattr(syn, "fairness_", None)
    card: dict[str, Any] = {
        "card_version": CARD_VERSION,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": source_facts(data, frame),
        "schema": _schema(syn),
        "model": _model(syn, __version__),
        "differential_privacy": _differential_privacy(getattr(syn, "privacy_", None)),
        "fair_generation": None if fairness is None else fairness.to_state(),
        "evaluation": {"synthetic_rows": int(synthetic_rows), "synthetic_source": synthetic_source,
                       "holdout_given": bool(holdout_given), "target": target, "sensitive": list(sensitive or []),
                       "seed": result.meta.get("seed"), "headline": result.summary()["headline"],
                       "alarms": result.summary()["alarms"]},
        **{family: _family(result, family) for family in FAMILIES},
    }
    card["intended_use"] = [
        "Development, testing, teaching and exploratory analysis where real rows may not be shared.",
        "Training and validating models whose results are confirmed on real data before use.",
    ] + list(intended_use or [])
    card["not_intended_for"] = ["Decisions about the individuals in the source table.",
                                "Re-identification or linking to other data about real people."]
    card["known_limits"] = _limits(card, list(limits or []))
    return card
