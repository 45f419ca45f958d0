"""Evaluate synthetic image files against real ones: the verb behind ``synthgan evaluate-images``.

Each side is an ``.npz`` archive (``images`` and optional ``labels``) or an image folder (one
subfolder per class), read with :func:`synthgan.images.io.read_images`; in Python an
:class:`~synthgan.images.io.ImageSet`, a tuple ``(images, labels)`` or an image array works
too. :func:`~synthgan.images.evaluation.evaluate_images` does the measuring; this module checks
the options and output paths before anything is read, reads the inputs, renders the HTML
before writing anything, and writes the JSON and the HTML atomically, so a bad input raises one
:class:`~synthgan.errors.SynthganError` that says what to do and writes nothing.
:func:`headline` picks the figures worth printing.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from synthgan.errors import ConfigError


def _name(value: Any) -> str | None:
    if isinstance(value, (str, os.PathLike)):
        return Path(value).name or str(value)
    return None


def _read(value: Any, what: str) -> Any:
    if isinstance(value, (str, os.PathLike)):
        from synthgan.images.io import read_images

        return read_images(value)
    if value is None:
        raise ConfigError(f"the {what} images are missing; give an .npz file, an image folder or an array")
    return value


def evaluate_images(real: Any, synthetic: Any, *, holdout: Any = None, seed: int = 0, device: str = "auto",
                    k: int = 5, max_samples: int = 10_000, json_path: str | os.PathLike | None = None,
                    html_path: str | os.PathLike | None = None, title: str | None = None,
                    feature_net: Any = None) -> dict[str, Any]:
    """Evaluate synthetic images against real ones and optionally write JSON and an HTML report.

    Parameters
    ----------
    real, synthetic : str, PathLike, ImageSet, (images, labels) or ndarray
        The real training images (the generator learned from them) and the synthetic images
        (their labels are the requested classes).
    holdout : same kinds, optional
        Real images the generator never saw: the yardstick of every figure and the reference
        of the near-copy threshold. Without it, 20 % of the real images are split off (seeded)
        and the result says so.
    seed : int, default=0
        Seeds the feature network, the split and every subsample (same inputs + seed = same numbers).
    device : str, default="auto"
        Where the feature network trains and runs.
    k, max_samples
        See :func:`synthgan.images.evaluation.evaluate_images`.
    json_path, html_path : str or PathLike, optional
        Where to write the result as JSON and the self-contained HTML report.
    title : str, optional
        Title of the HTML report (default names the two inputs).
    feature_net : FeatureNet, optional
        Passed to :func:`synthgan.images.evaluation.evaluate_images`.

    Returns
    -------
    dict
        The JSON-safe result; its ``meta`` gains ``inputs`` (names, seconds).

    Raises
    ------
    ConfigError
        A bad option. InputFileError and DataValidationError for inputs that cannot be read or compared.
    """
    from synthgan.images.evaluation import evaluate_images as run
    from synthgan.images.evaluation import render_images_report
    from synthgan.io.atomic import atomic_path, check_output_path

    for path, what in ((json_path, "metrics JSON"), (html_path, "HTML report")):
        if path is not None:
            check_output_path(path, what=what)
    if json_path is not None and html_path is not None and Path(json_path).resolve() == Path(html_path).resolve():
        raise ConfigError(f"--json and --html both name '{json_path}'; give two different files")
    started = time.perf_counter()
    real_set, synth_set = _read(real, "real"), _read(synthetic, "synthetic")
    held_set = None if holdout is None else _read(holdout, "holdout")
    result = run(real_set, synth_set, held_set, seed=seed, device=device, k=k, max_samples=max_samples,
                 feature_net=feature_net)
    result["meta"]["inputs"] = {"real": _name(real), "synthetic": _name(synthetic), "holdout": _name(holdout),
                                "seconds": round(time.perf_counter() - started, 3)}
    html = None
    if html_path is not None:
        names = (_name(synthetic), _name(real))
        default = f"synthgan image evaluation: {names[0]} vs {names[1]}" if all(names) else "synthgan image evaluation"
        html = render_images_report(result, real_set, synth_set, title=title or default)
    if json_path is not None:
        with atomic_path(json_path, what="metrics JSON") as tmp:
            Path(tmp).write_text(json.dumps(result, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    if html is not None:
        with atomic_path(html_path, what="HTML report") as tmp:
            Path(tmp).write_text(html, encoding="utf-8")
    return result


def headline(result: dict[str, Any]) -> list[tuple[str, str, float | None, float | None]]:
    """The figures worth printing: ``(key, label, real holdout, synthetic)`` rows (None where a side has none)."""
    s = result["summary"]
    return [
        ("frechet_distance", "Frechet distance (local features)", s["frechet_distance_holdout"], s["frechet_distance"]),
        ("precision", "precision", s["precision_holdout"], s["precision"]),
        ("recall", "recall", s["recall_holdout"], s["recall"]),
        ("density", "density", None, s["density"]),
        ("coverage", "coverage", None, s["coverage"]),
        ("conditional_accuracy", "class-conditional accuracy", s["conditional_accuracy_holdout"],
         s["conditional_accuracy"]),
        ("classes_present", "real classes present", None, s["classes_present"]),
        ("near_copy_share", "near-copy share (pixels)", s["near_copy_share_holdout"], s["near_copy_share"]),
        ("exact_copies", "exact copies of training images", None, s["exact_copies"]),
    ]
