"""The low-shot experiment's results as plain text, JSON and one self-contained HTML page.

Renderers take the JSON-safe dict of :meth:`ImageAugmentExperiment.to_dict
<synthgan.images.lowshot.experiment.ImageAugmentExperiment.to_dict>`, so a saved JSON file can be
rendered again later. The HTML (``synthgan/reports/templates/images_lowshot.html.j2``) holds the
verdicts, one table per shot count (mean accuracy and macro-F1 with 95 % t intervals, paired
differences against no augmentation and against classic augmentation) and a grid of the first
seed's synthetic images per shot count, embedded as PNG; its Content-Security-Policy forbids any
network fetch.
"""

from __future__ import annotations

import base64
import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthgan.augment.report import _render, write_json
from synthgan.images.lowshot.arms import ARM_LABELS
from synthgan.images.lowshot.verdicts import METRICS, PRIMARY_METRIC

__all__ = ["experiment_text", "result_tables", "sample_grid", "write_json", "write_lowshot_html"]

GRID_ZOOM = 2  # pixels per image pixel in the sample grid


def sample_grid(images: np.ndarray, value_range: tuple[float, float] | list[float]) -> str:
    """A PNG data URI of ``images`` ``(K, n, H, W[, C])``: one row per class, ``n`` images each."""
    from PIL import Image

    from synthgan.images.evaluation.pixels import as_unit_float
    from synthgan.images.evaluation.report import _mosaic

    k, n = images.shape[:2]
    pixels = as_unit_float(images.reshape(k * n, *images.shape[2:]), tuple(value_range))
    canvas = _mosaic([pixels[i * n:(i + 1) * n] for i in range(k)], n)
    canvas = np.repeat(np.repeat(canvas, GRID_ZOOM, axis=0), GRID_ZOOM, axis=1)
    array = (canvas * 255.0 + 0.5).astype(np.uint8)
    picture = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _num(value: Any, digits: int = 4, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def result_tables(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One table per shot count; a row per arm with its means, intervals and paired differences."""
    summary = {(r["shots"], r["arm"], r["metric"]): r for r in result["summary"]}
    diffs = {(r["shots"], r["arm"], r["baseline"], r["metric"]): r for r in result["differences"]}
    tables = []
    for k in result["info"]["shots"]:
        rows = []
        for arm in result["info"]["arms"]:
            cells = {}
            for metric in METRICS:
                s = summary.get((k, arm, metric), {})
                cells[metric] = {"mean": _num(s.get("mean")), "ci": f"[{_num(s.get('ci_low'))}, {_num(s.get('ci_high'))}]"}
            vs = {}
            for baseline in ("none", "affine"):
                d = diffs.get((k, arm, baseline, PRIMARY_METRIC))
                vs[baseline] = None if d is None else {
                    "diff": f"{_num(d['mean_diff'], sign=True)} [{_num(d['ci_low'], sign=True)}, {_num(d['ci_high'], sign=True)}]",
                    "verdict": d["verdict"]}
            rows.append({"arm": arm, "label": ARM_LABELS[arm], "cells": cells, "vs": vs})
        fits = [f for f in result["generator_fits"] if f["shots"] == k]
        spread = [(f["synthetic_spread"], f["real_spread"]) for f in fits if f.get("synthetic_spread") is not None]
        tables.append({"shots": k, "rows": rows,
                       "generator_seconds": _num(float(np.mean([f["seconds"] for f in fits])), 0) if fits else "–",
                       "spread": None if not spread else {"synthetic": _num(float(np.mean([a for a, _ in spread])), 2),
                                                          "real": _num(float(np.mean([b for _, b in spread])), 2)}})
    return tables


def write_lowshot_html(result: dict[str, Any], path: str | os.PathLike, *, title: str = "Low-shot image augmentation") -> Path:
    """Write the report: verdicts, a table per shot count, synthetic sample grids, settings and the leakage check."""
    from synthgan.io.atomic import atomic_path

    grids = [(int(k), uri) for k, uri in result["sample_grids"].items()]
    html = _render("images_lowshot.html.j2", title=title, info=result["info"], timings=result["timings"],
                   verdicts=result["verdicts"], tables=result_tables(result), grids=sorted(grids),
                   leakage=result["leakage_checks"], arm_labels=ARM_LABELS)
    with atomic_path(path, what="HTML report") as tmp:
        tmp.write_text(html, encoding="utf-8")
    return Path(path)


def experiment_text(result: dict[str, Any], *, full: bool = True) -> str:
    """The verdicts (and, with ``full``, accuracy per arm and shot count) as plain text for the terminal."""
    lines = [v["sentence"] for v in result["verdicts"]]
    if full:
        for table in result_tables(result):
            lines.append(f"\n{table['shots']} per class: accuracy mean [95% CI] | vs none | vs affine")
            for row in table["rows"]:
                acc = row["cells"]["accuracy"]
                vs = [row["vs"][b]["diff"] if row["vs"][b] else "" for b in ("none", "affine")]
                lines.append(f"  {row['arm']:11s} {acc['mean']} {acc['ci']:18s} | {vs[0]:28s} | {vs[1]}")
    info = result["info"]
    lines.append(f"({info['seeds_done']} of {info['seeds']} seeds, {result['timings']['total_seconds']:.0f} s)")
    return "\n".join(lines)
