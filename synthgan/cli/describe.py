"""Plain-text description of a model file for `synthgan info` (reads the manifest only)."""

from __future__ import annotations

import math
import os
from typing import Any

from synthgan.io.serialization import load_model_file

_SHOWN_EPOCHS = 6


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _history_table(history: list[dict[str, Any]]) -> list[str]:
    if not history:
        return ["  (no training history: this model has no epochs)"]
    keys = [k for k in history[0] if k != "epoch"]
    rows = history if len(history) <= _SHOWN_EPOCHS else history[: _SHOWN_EPOCHS // 2] + [None] + history[-_SHOWN_EPOCHS // 2 :]
    lines = ["  " + "  ".join(["epoch".rjust(5)] + [k[:18].rjust(18) for k in keys])]
    for row in rows:
        if row is None:
            lines.append("  " + "...".rjust(5))
            continue
        lines.append("  " + "  ".join([str(row.get("epoch", "")).rjust(5)] + [_fmt(row.get(k, "")).rjust(18) for k in keys]))
    return lines


def _alarms(history: list[dict[str, Any]], diagnostics: dict[str, Any]) -> list[str]:
    alarms = list(diagnostics.get("alarms", []))
    for row in history:
        for key, value in row.items():
            if key.endswith("alarm") and value:
                alarms.append(f"epoch {row.get('epoch')}: {key}")
    return alarms


def describe_model_file(path: str | os.PathLike) -> str:
    """A multi-line summary of the model file at ``path``."""
    manifest, arrays = load_model_file(path)
    fit = manifest.get("fit", {})
    history = manifest.get("history", [])
    diagnostics = manifest.get("diagnostics", {})
    n_weights = sum(int(a.size) for k, a in arrays.items() if k.startswith("model/"))
    lines = [
        f"model file      {path}",
        f"model           {manifest.get('model')}  (synthgan {manifest.get('synthgan_version')}, format {manifest.get('format_version')})",
        f"trained on      {fit.get('rows', '?'):,} rows in {fit.get('seconds', float('nan')):.1f} s "
        f"(preprocessing {fit.get('preprocess_seconds', float('nan')):.2f} s), seed {manifest.get('seed')}",
        f"parameters      {n_weights:,} learned values",
        "columns:",
    ]
    for column in manifest.get("schema", {}).get("columns", []):
        lines.append(f"  {column.get('name'):<28} {column.get('kind'):<12} {column.get('dtype')}")
    lines.append(f"training history ({len(history)} epochs):")
    lines.extend(_history_table(history))
    alarms = _alarms(history, diagnostics)
    lines.append("alarms:" if alarms else "alarms: none")
    lines.extend(f"  {a}" for a in alarms)
    return "\n".join(lines)
