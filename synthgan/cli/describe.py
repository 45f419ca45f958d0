"""Plain-text description of a model file for `synthgan info` (reads the manifest only)."""

from __future__ import annotations

import math
import os
from typing import Any

from synthgan.core.files import read_model_file

_SHOWN_EPOCHS = 6


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


def _epoch(value: Any) -> str:
    """Epochs are counted: ``3``, never ``3.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _fmt(value) if value is not None else ""


def _history_table(history: list[dict[str, Any]]) -> list[str]:
    if not history:
        return ["  (no training history: this model has no epochs)"]
    keys = list(dict.fromkeys(k for row in history for k in row if k != "epoch"))  # some keys appear every few epochs
    rows = history if len(history) <= _SHOWN_EPOCHS else history[: _SHOWN_EPOCHS // 2] + [None] + history[-_SHOWN_EPOCHS // 2 :]
    widths = [max(len(k), 10) for k in keys]  # full names: a cut name ("generator_grad_nor") means nothing
    lines = ["  " + "  ".join(["epoch".rjust(5)] + [k.rjust(w) for k, w in zip(keys, widths)])]
    for row in rows:
        if row is None:
            lines.append("  " + "...".rjust(5))
            continue
        cells = [_fmt(row[k]) if k in row else "" for k in keys]
        lines.append("  " + "  ".join([_epoch(row.get("epoch")).rjust(5)] + [c.rjust(w) for c, w in zip(cells, widths)]))
    return lines


def _alarms(history: list[dict[str, Any]], diagnostics: dict[str, Any]) -> list[str]:
    if "alarms" in diagnostics:  # already summarised per run of epochs at fit time
        return list(diagnostics["alarms"])
    alarms = []
    for row in history:
        for key, value in row.items():
            if key.endswith("alarm") and value:
                alarms.append(f"epoch {row.get('epoch')}: {key}")
    return alarms


def _diagnostics_lines(diagnostics: dict[str, Any]) -> list[str]:
    if not diagnostics:
        return []
    lines = ["diagnostics:"]
    if diagnostics.get("validation") is not None:
        lines.append(f"  validation      best score {diagnostics['validation']:.4f} at epoch {diagnostics.get('best_epoch')} "
                     f"(weights kept; {diagnostics.get('holdout_rows', 0):,} held-out rows, every {diagnostics.get('validation_every')} epochs)")
    stopped = f"yes ({diagnostics.get('stop_reason')})" if diagnostics.get("stopped_early") else "no"
    lines.append(f"  stopped early   {stopped}")
    if "real_category_coverage" in diagnostics:
        lines.append(f"  coverage        real data {diagnostics['real_category_coverage']:.3f} (mode-collapse alarm below 80% of it)")
    if diagnostics.get("resumed_from_epoch"):
        lines.append(f"  resumed         from the checkpoint of epoch {diagnostics['resumed_from_epoch']}")
    return lines


def describe_model_file(path: str | os.PathLike) -> str:
    """A multi-line summary of the model file at ``path``.

    The manifest is checked against its declared structure first (as by ``load``), so a
    damaged or forged file gives one :class:`~synthgan.errors.ModelFileError`.
    """
    from synthgan.tabular.synthesizer import check_file_contents

    manifest, arrays = read_model_file(path)
    check_file_contents(manifest, arrays, path)
    fit = manifest.get("fit", {})
    history = manifest.get("history", [])
    diagnostics = manifest.get("diagnostics", {})
    n_weights = sum(int(a.size) for k, a in arrays.items() if k.startswith("model/"))
    if "rows" in fit:
        trained = (f"{fit['rows']:,} rows in {fit.get('seconds', float('nan')):.1f} s "
                   f"(preprocessing {fit.get('preprocess_seconds', float('nan')):.2f} s), seed {manifest.get('seed')}")
    else:
        trained = "(not recorded: a bare model file)"
    lines = [
        f"model file      {path}",
        f"model           {manifest.get('model')}  ({manifest.get('kind', 'table')} model; synthgan {manifest.get('synthgan_version')}, "
        f"format {manifest.get('format_version')})",
        f"trained on      {trained}",
        f"parameters      {n_weights:,} learned values",
    ]
    if manifest.get("pipeline") == "synthesizer":
        from synthgan.dp.describe import privacy_summary

        lines.append(f"privacy         {privacy_summary(manifest.get('privacy'))}")
    lines.append("columns:")
    for column in manifest.get("schema", {}).get("columns", []):
        lines.append(f"  {column.get('name'):<28} {column.get('kind'):<12} {column.get('dtype')}")
    lines.append(f"training history ({len(history)} epochs):")
    lines.extend(_history_table(history))
    lines.extend(_diagnostics_lines(diagnostics))
    alarms = _alarms(history, diagnostics)
    lines.append("alarms:" if alarms else "alarms: none")
    lines.extend(f"  {a}" for a in alarms)
    return "\n".join(lines)
