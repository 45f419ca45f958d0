"""One self-contained HTML report of an image evaluation.

Figures are matplotlib ``Figure`` objects (no pyplot) inlined as base64 PNG data URIs through
:mod:`synthgan.reports.plots`: sample grids per class (real beside synthetic), the synthetic
images nearest a training image beside that image, nearest-neighbour distance curves and
per-class bars. The page is rendered from ``synthgan/reports/templates/images_report.html.j2``
with a Content-Security-Policy that forbids any network fetch, and written atomically.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from synthgan.errors import ConfigError
from synthgan.images.evaluation.pixels import as_unit_float
from synthgan.images.evaluation.inputs import as_images, check_sets

PER_CLASS = 10
MAX_CLASSES = 20
UNLABELLED_GRID = 100


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _png(fig) -> str:
    from synthgan.reports.plots import _png as png

    return png(fig)


def _mosaic(rows: list[np.ndarray], ncol: int, pad: int = 2) -> np.ndarray:
    """Rows of unit-float images ``(n, H, W, C)`` on one light-grey canvas of ``(rows, ncol)`` cells."""
    h, w, c = next(r.shape[1:] for r in rows if len(r)) if any(len(r) for r in rows) else (1, 1, 1)
    canvas = np.full((len(rows) * (h + pad) + pad, ncol * (w + pad) + pad, c), 0.6, dtype=np.float32)
    for r, images in enumerate(rows):
        for j, image in enumerate(images[:ncol]):
            top, left = pad + r * (h + pad), pad + j * (w + pad)
            canvas[top:top + h, left:left + w] = image
    return canvas


def _show(ax, canvas: np.ndarray) -> None:
    if canvas.shape[2] == 1:
        ax.imshow(canvas[..., 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(canvas, interpolation="nearest")
    ax.set_xticks([])


def sample_grids(train: Any, synthetic: Any, classes: list[str] | None) -> str:
    """Real images (left) and synthetic images (right): one row per class, ``PER_CLASS`` each."""
    panels = []
    for s in (train, synthetic):
        pixels = as_unit_float(s.images)
        if classes is not None and s.labels is not None:
            rows = [pixels[np.asarray([str(v) for v in s.labels.tolist()]) == c][:PER_CLASS] for c in classes]
            ncol = PER_CLASS
        else:
            n = min(len(pixels), UNLABELLED_GRID)
            ncol = int(np.ceil(np.sqrt(n)))
            rows = [pixels[i:i + ncol] for i in range(0, n, ncol)]
        panels.append((_mosaic(rows, ncol), len(rows)))
    n_rows = max(p[1] for p in panels)
    fig = _figure(10.0, max(2.5, 0.45 * n_rows + 0.8))
    for i, ((canvas, n), title) in enumerate(zip(panels, ("real (training)", "synthetic"))):
        ax = fig.add_subplot(1, 2, i + 1)
        _show(ax, canvas)
        ax.set_title(title, fontsize=9)
        if classes is not None:
            h = (canvas.shape[0] - 2) / max(1, n)
            ax.set_yticks([2 + h * (r + 0.5) for r in range(n)], classes[:n], fontsize=7)
        else:
            ax.set_yticks([])
    return _png(fig)


def nearest_pairs(result: dict[str, Any], train: Any, synthetic: Any) -> str | None:
    """The synthetic images nearest a training image (top) above that training image (bottom)."""
    closest = result["memorization"]["closest"]
    if not closest:
        return None
    s_pix = as_unit_float(synthetic.images[[c["synthetic"] for c in closest]])
    t_pix = as_unit_float(train.images[[c["train"] for c in closest]])
    fig = _figure(1.2 * len(closest) + 0.6, 2.9)
    for j, item in enumerate(closest):
        for r, (pix, label) in enumerate(((s_pix[j], "synthetic"), (t_pix[j], "nearest real"))):
            ax = fig.add_subplot(2, len(closest), r * len(closest) + j + 1)
            _show(ax, pix)
            ax.set_yticks([])
            if r == 0:
                ax.set_title(f"d = {item['distance']:.2f}", fontsize=8)
            if j == 0:
                ax.set_ylabel(label, fontsize=8)
    return _png(fig)


def distance_curves(memo: dict[str, Any]) -> str:
    """Nearest-training-image distance distributions, pixel and feature space, with the near-copy threshold."""
    from synthgan.reports.plots import REAL, SYNTH

    fig = _figure(9.0, 2.9)
    for i, (key, label) in enumerate((("pixel", "pixel space"), ("feature", "feature space"))):
        part = memo[key]
        ax = fig.add_subplot(1, 2, i + 1)
        probs = np.linspace(0.0, 1.0, len(part["synthetic_quantiles"]))
        ax.plot(part["synthetic_quantiles"], probs, color=SYNTH, label="synthetic → train")
        ax.plot(part["holdout_quantiles"], probs, color=REAL, label="real holdout → train (yardstick)")
        ax.axvline(part["threshold"], color="#b3261e", linewidth=0.8, linestyle="--", label="near-copy threshold")
        ax.set_xlabel(f"distance to nearest training image, {label}", fontsize=8)
        ax.set_ylabel("share of images", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7, frameon=False)
    return _png(fig)


def class_bars(conditional: dict[str, Any]) -> str | None:
    """Per class: real, requested and read shares; class-conditional accuracy and coverage."""
    from synthgan.reports.plots import REAL, SYNTH

    per = conditional.get("per_class")
    if not per:
        return None
    names = list(per)[:MAX_CLASSES * 2]
    x = np.arange(len(names))
    fig = _figure(min(11.0, 2.0 + 0.45 * len(names)) * 2, 2.9)
    ax = fig.add_subplot(1, 2, 1)
    ax.bar(x - 0.27, [per[n]["real_share"] for n in names], width=0.27, color=REAL, label="real")
    if per[names[0]]["requested_share"] is not None:
        ax.bar(x, [per[n]["requested_share"] for n in names], width=0.27, color="#f2b487", label="synthetic, requested")
    ax.bar(x + 0.27, [per[n]["read_share"] for n in names], width=0.27, color=SYNTH, label="synthetic, as read")
    ax.set_title("class shares", fontsize=9)
    ax2 = fig.add_subplot(1, 2, 2)
    nan = float("nan")
    if conditional.get("accuracy") is not None:
        ax2.bar(x - 0.2, [per[n]["accuracy"] if per[n]["accuracy"] is not None else nan for n in names], width=0.4,
                color=SYNTH, label="class-conditional accuracy")
    ax2.bar(x + 0.2, [per[n]["coverage"] if per[n]["coverage"] is not None else nan for n in names], width=0.4,
            color=REAL, label="coverage of the real class")
    ax2.set_ylim(0, 1.3)
    ax2.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax2.set_title("per class", fontsize=9)
    for a in (ax, ax2):
        a.set_xticks(x, names, fontsize=7)
        a.tick_params(labelsize=7)
        a.legend(fontsize=7, frameon=False, loc="upper center", ncol=3)
    ax.set_ylim(0, 1.3 * max(max(per[n]["real_share"], per[n]["read_share"]) for n in names))
    return _png(fig)


def _metric_rows(r: dict[str, Any]) -> list[dict[str, str]]:
    s, h, fd, c = r["prdc"]["synthetic"], r["prdc"]["holdout"], r["frechet"], r["conditional"]
    p = r["memorization"]["pixel"]
    rows = [("Frechet distance (local feature space)", fd["synthetic"], fd["holdout"], "lower; holdout is the floor"),
            ("precision", s["precision"], h["precision"], "higher (>= 0.7)"),
            ("recall", s["recall"], h["recall"], "higher (>= 0.5)"),
            ("density", s["density"], h["density"], "about 1"),
            ("coverage", s["coverage"], h["coverage"], "higher"),
            ("class-conditional accuracy", c.get("accuracy"), c.get("accuracy_holdout"), "higher (>= 0.95)"),
            ("real classes present", c.get("classes_present"), None, "1"),
            ("mean per-class coverage", c.get("mean_class_coverage"), None, "higher"),
            ("near-copy share (pixels)", p["synthetic_share"], p["expected_share"],
             f"no more than the holdout (allowed {_fmt(p['allowed_share'])})"),
            ("near-copy share (features)", r["memorization"]["feature"]["synthetic_share"],
             r["memorization"]["feature"]["holdout_share"], "no more than the holdout (informative)"),
            ("exact copies of training images", r["memorization"]["exact_copies"], None, "0")]
    return [{"name": n, "synthetic": _fmt(a), "holdout": _fmt(b), "better": d} for n, a, b, d in rows]


def render_images_report(result: dict[str, Any], train: Any, synthetic: Any, *,
                         title: str = "synthgan image evaluation") -> str:
    """The report's HTML text (see :func:`write_images_report`)."""
    import jinja2

    from synthgan.images.evaluation.suite import FID_NOTE

    if result.get("kind") != "images":
        raise ConfigError(f"result must come from evaluate_images (kind 'images'), got kind {result.get('kind')!r}")
    tr = as_images(train, "real")
    sy, _ = check_sets(tr, as_images(synthetic, "synthetic"), None)
    cond = result["conditional"]
    classes = list(cond["per_class"])[:MAX_CLASSES] if cond.get("per_class") else None
    if classes is not None and sy.labels is None:  # unconditional: group by the class read
        classes = None
    per_class = [{"name": k, **{f: _fmt(v.get(f)) for f in ("real_count", "requested_count", "read_count", "accuracy",
                                                          "accuracy_holdout", "coverage", "present")}}
                 for k, v in (cond.get("per_class") or {}).items()]
    context = {
        "title": title, "meta": result["meta"], "summary": result["summary"], "verdicts": result["verdicts"],
        "feature_net": result["feature_net"], "frechet": result["frechet"], "fid_note": FID_NOTE, "fmt": _fmt,
        "rows": _metric_rows(result), "per_class": per_class, "conditional": cond,
        "memorization": result["memorization"], "grids": sample_grids(tr, sy, classes),
        "pairs": nearest_pairs(result, tr, sy), "distances": distance_curves(result["memorization"]),
        "bars": class_bars(cond), "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
    source = resources.files("synthgan.reports").joinpath("templates/images_report.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(source).render(**context)


def write_images_report(result: dict[str, Any], train: Any, synthetic: Any, path: str | os.PathLike, *,
                        title: str = "synthgan image evaluation") -> Path:
    """Write one self-contained HTML report of an image evaluation (atomically).

    Parameters
    ----------
    result : dict
        What :func:`~synthgan.images.evaluation.evaluate_images` returned.
    train, synthetic
        The evaluated sets, as given to it (ImageSet, ``(images, labels)`` or an array): the
        grids show them and the nearest-neighbour pairs index them.
    path : str or PathLike
        The HTML file to write.
    title : str, default="synthgan image evaluation"

    Returns
    -------
    Path
        ``path``.
    """
    from synthgan.io.atomic import atomic_path

    html = render_images_report(result, train, synthetic, title=title)
    with atomic_path(path, what="HTML report") as tmp:
        Path(tmp).write_text(html, encoding="utf-8")
    return Path(path)
