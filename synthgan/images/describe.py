"""What ``synthgan info`` prints for an image model file (reads the manifest only).

Model, image size and channels, dtype and value range, classes, training size and time,
seed, the image-quality signal at the kept epoch and the last epochs of the history, from
the :class:`~synthgan.images.synthesizer.ImageSynthesizer`'s manifest entries.
"""

from __future__ import annotations

import os
from typing import Any

from synthgan.core.files import read_model_file
from synthgan.errors import ModelFileError
from synthgan.io.manifest import one_line, require

__all__ = ["describe_image_file"]

_SHOWN_CLASSES = 20


def _classes_line(state: dict[str, Any]) -> str:
    classes = state["classes"]
    if classes is None:
        return "(none: fitted without labels, so --condition is not available)"
    names = state["class_names"]
    shown = [names[v] if names is not None else str(v) for v in classes["values"]]
    listed = ", ".join(shown[:_SHOWN_CLASSES]) + (", ..." if len(shown) > _SHOWN_CLASSES else "")
    return f"{len(shown)} ({listed}); sample one with --condition label=VALUE"


def _quality_lines(diagnostics: dict[str, Any]) -> list[str]:
    if diagnostics.get("frechet_distance") is None:
        stopped = f"yes ({diagnostics.get('stop_reason')})" if diagnostics.get("stopped_early") else "no"
        return ["quality signal  off (validation=False)", f"stopped early   {stopped}"]
    acc = f", class accuracy {diagnostics['class_accuracy']:.3f}" if diagnostics.get("class_accuracy") is not None else ""
    stopped = f"yes ({diagnostics.get('stop_reason')})" if diagnostics.get("stopped_early") else "no"
    return [f"quality signal  Frechet distance {diagnostics['frechet_distance']:.4g}{acc} at epoch {diagnostics.get('best_epoch')} "
            f"(weights kept; evaluated every {diagnostics.get('validation_every')} epochs, feature network accuracy "
            f"{diagnostics.get('feature_accuracy', float('nan')):.3f})",
            f"stopped early   {stopped}"]


def describe_image_file(path: str | os.PathLike) -> str | None:
    """What ``synthgan info`` prints for an image model file (or an image translator's); None for a file of another pipeline.

    Raises
    ------
    ModelFileError
        A missing, foreign, damaged or forged model file.
    """
    from synthgan.images.synthesizer import MANIFEST, PIPELINE

    manifest, arrays = read_model_file(path)
    if manifest.get("pipeline") == "translate":
        from synthgan.images.translate.describe import describe_translator_contents

        return describe_translator_contents(manifest, arrays, path)
    if manifest.get("pipeline") != PIPELINE:
        return None
    require(manifest, MANIFEST, "manifest", path)
    try:
        state, fit, history = manifest["encoder"], manifest["fit"], manifest["history"]
        c, h, w = state["shape"]
        layout = f"(N, {h}, {w}, {c})" if state["channels_axis"] else f"(N, {h}, {w})"
        low, high = state["value_range"]
        last = history[-1] if history else {}
        lines = [
            f"model file      {path}",
            f"model           {manifest['model']}  ({manifest['kind']} model, pipeline {PIPELINE}; synthgan "
            f"{manifest.get('synthgan_version')}, format {manifest.get('format_version')})",
            f"images          {h}x{w}, {c} channel{'s' if c > 1 else ''}, {state['dtype']} in [{low:g}, {high:g}], layout {layout}",
            f"classes         {_classes_line(state)}",
            f"trained on      {fit['images']:,} images in {fit['seconds']:.1f} s ({len(history)} epochs), seed {manifest['seed']}",
            f"parameters      {sum(int(a.size) for k, a in arrays.items() if k.startswith('model/')):,} stored values",
            *_quality_lines(manifest["diagnostics"]),
            "last epoch      " + (", ".join(f"{k} {v:.4g}" for k, v in last.items() if k != "epoch" and isinstance(v, (int, float)))
                                  or "(no training history)"),
        ]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                             f"{one_line(exc)}); fit the model again") from exc
    return "\n".join(lines)
