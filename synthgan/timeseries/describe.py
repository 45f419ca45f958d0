"""What ``synthgan info`` prints for a series model file (reads the manifest only).

Kind, model, entity, calendar, returns, training size and length, seed, and how each
column is learned, from the :class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer`'s
manifest entries and its encoder state.
"""

from __future__ import annotations

import os
from typing import Any

from synthgan.core.files import read_model_file
from synthgan.errors import ModelFileError
from synthgan.io.manifest import one_line, require
from synthgan.timeseries.synthesizer import MANIFEST, PIPELINE

__all__ = ["describe_series_file"]


def _columns_lines(state: dict[str, Any]) -> list[str]:
    ohlc = (state.get("ohlc") or {}).get("columns", [])
    lines = []
    for column in state["columns"]:
        if column in state["static_columns"]:
            role = "attribute"
        elif column in state["price_columns"] or (column in ohlc and state["ohlc_returns"]):
            role = f"price ({state['returns']} returns)" + (", OHLC" if column in ohlc else "")
        elif column in ohlc:
            role = "price (OHLC levels)"
        else:
            role = "numeric" if column in state["numeric_columns"] else "categorical"
        lines.append(f"  {column:<28} {role:<24} {state['dtypes'].get(column, '')}")
    return lines


def describe_series_file(path: str | os.PathLike) -> str | None:
    """What ``synthgan info`` prints for a series model file; None for a file of another pipeline.

    Raises
    ------
    ModelFileError
        A missing, foreign, damaged or forged model file.
    """
    import pandas as pd

    from synthgan.timeseries.sequences import Calendar

    manifest, arrays = read_model_file(path)
    if manifest.get("pipeline") != PIPELINE:
        return None
    require(manifest, MANIFEST, "manifest", path)
    try:
        state, fit = manifest["encoder"], manifest["fit"]
        spec, last = state["spec"], state["last_time"]
        if state["time_kind"] == "datetime":
            stamp = pd.Timestamp(int(last))
            last = str(stamp.date()) if stamp == stamp.normalize() else str(stamp)
        else:
            last = f"{last:g}"
        entity = "(none: one series)"
        if spec["entity"]:
            learned = "learned as an attribute, so --condition can pick one" if state["entity_attribute"] else "not learned as an attribute"
            entity = f"{spec['entity']} ({fit['entities']:,} entities; {learned})"
        history = manifest["history"]
        lines = [
            f"model file      {path}",
            f"model           {manifest['model']}  ({manifest['kind']} model, pipeline {PIPELINE}; synthgan "
            f"{manifest.get('synthgan_version')}, format {manifest.get('format_version')})",
            f"entity          {entity}",
            f"time            {spec['time']}, {Calendar.from_dict(state['calendar']).describe()}; last training time {last}",
            f"returns         {spec['returns'] or 'none (values learned as they are)'}",
            f"trained on      {fit['series']:,} series, {fit['rows']:,} rows in {fit['seconds']:.1f} s, seed {manifest['seed']}",
            f"training length {fit['training_length']:,} steps (the default --length)",
            f"parameters      {sum(int(a.size) for k, a in arrays.items() if k.startswith('model/')):,} stored values",
            "columns:",
            *_columns_lines(state),
            f"training history ({len(history)} epoch{'' if len(history) == 1 else 's'})" + (": last " + ", ".join(
                f"{k} {v:.4g}" for k, v in history[-1].items() if k != "epoch" and isinstance(v, (int, float))) if history else ""),
        ]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                             f"{one_line(exc)}); fit the model again") from exc
    return "\n".join(lines)
