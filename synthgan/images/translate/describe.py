"""What ``synthgan info`` prints for a translation model file (pipeline ``"translate"``)."""

from __future__ import annotations

import os
from typing import Any

from synthgan.errors import ModelFileError
from synthgan.io.manifest import one_line, require

__all__ = ["describe_translator_contents"]


def _domain(state: dict[str, Any]) -> str:
    c, h, w = state["shape"]
    low, high = state["value_range"]
    layout = f"(N, {h}, {w}, {c})" if state["channels_axis"] else f"(N, {h}, {w})"
    return f"{h}x{w}, {c} channel{'s' if c > 1 else ''}, {state['dtype']} in [{low:g}, {high:g}], layout {layout}"


def describe_translator_contents(manifest: dict[str, Any], arrays: dict[str, Any], path: str | os.PathLike) -> str:
    """The summary of a translation model file, from its (verified) manifest and arrays."""
    from synthgan.images.translate.model import MANIFEST, PIPELINE

    require(manifest, MANIFEST, "manifest", path)
    try:
        fit, history, config = manifest["fit"], manifest["history"], manifest["model_config"]
        last = history[-1] if history else {}
        stopped = ", stopped at max_time" if fit["stopped_early"] else ""
        lines = [
            f"model file      {path}",
            f"model           {manifest['model']}  ({manifest['kind']} model, pipeline {PIPELINE}; synthgan "
            f"{manifest.get('synthgan_version')}, format {manifest.get('format_version')})",
            f"source images   {_domain(manifest['encoders']['source'])}",
            f"target images   {_domain(manifest['encoders']['target'])}",
            f"trained on      {fit['source_images']:,} source and {fit['target_images']:,} target images, "
            f"{fit['steps']:,} steps{stopped}, seed {manifest['seed']}",
            f"networks        two generators (width {config['width']}, {config['blocks']} residual blocks), "
            f"{config['loss']} loss; {sum(int(a.size) for k, a in arrays.items() if k.startswith('model/')):,} stored values",
            "last losses     " + (", ".join(f"{k} {v:.4g}" for k, v in last.items() if k != "step") or "(no training history)"),
            "use             synthgan translate apply MODEL IMAGES -o OUT.npz [--grid GRID.png] [--backward]",
        ]
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                             f"{one_line(exc)}); fit the translator again") from exc
    return "\n".join(lines)
