"""The verbs behind ``synthgan translate``: fit a translator from files, translate files, evaluate a translation.

As every verb, they check options and output paths before reading images or training, so
bad input writes nothing; outputs are written atomically.

* :func:`translate_fit`: two image sets (``.npz`` or folders) -> a model file;
* :func:`translate_apply`: a model file and images -> an ``.npz`` of translated images (keys
  ``images`` and, when the input had them, ``labels``, carried through) and optionally a PNG
  grid: rows of originals, their translations, and the round trip back;
* :func:`translate_evaluate`: content kept, style changed and cycle error
  (:func:`~synthgan.images.translate.evaluate.evaluate_translation`), optionally as JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthgan.errors import ConfigError
from synthgan.images.translate.model import DIRECTIONS, ImageTranslator, as_image_set

__all__ = ["load_translator", "translate_apply", "translate_evaluate", "translate_fit", "write_translation_grid"]

GRID_COLUMNS = 8


def _check_suffix(path: Path | None, suffix: str, what: str, flag: str) -> Path | None:
    from synthgan.io.atomic import check_output_path

    if path is None:
        return None
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise ConfigError(f"{flag} writes {what}: give a name ending in {suffix}, got '{path}'")
    check_output_path(path, what=what)
    return path


def translate_fit(source: Any, target: Any, *, output: str | os.PathLike | None = None,
                  callbacks: list | None = None, **options: Any) -> ImageTranslator:
    """Fit an :class:`ImageTranslator` on ``source`` -> ``target`` and, with ``output``, save it.

    Parameters
    ----------
    source, target : str, PathLike, ImageSet or ndarray
        ``.npz`` archives (``images``, optional ``labels``), image folders, ImageSets or arrays.
    output : str or PathLike, optional
        Model file to write (checked before the images are read).
    callbacks : list, optional
    **options
        :class:`ImageTranslator` arguments (``steps``, ``seed``, ``max_time``, ``device``, ...).
    """
    from synthgan.io.atomic import check_output_path

    try:
        translator = ImageTranslator(**options)
    except TypeError as exc:
        known = ", ".join(ImageTranslator().get_params())
        raise ConfigError(f"translate fit: {exc}; the options are {known}") from None
    translator._checked()  # every option checked before reading images
    if output is not None:
        check_output_path(output, what="model file")
    source_set, target_set = as_image_set(source, "source"), as_image_set(target, "target")
    translator.fit(source_set, target_set, callbacks=callbacks)
    if output is not None:
        translator.save(output)
    return translator


def load_translator(model: Any) -> ImageTranslator:
    """An ImageTranslator as given, or loaded from its model file."""
    if isinstance(model, ImageTranslator):
        return model
    return ImageTranslator.load(model)


def translate_apply(model: Any, images: Any, *, output: str | os.PathLike | None = None,
                    grid: str | os.PathLike | None = None, direction: str = "forward") -> dict[str, Any]:
    """Translate ``images`` with a fitted translator (or its model file) and write them.

    Parameters
    ----------
    model : ImageTranslator, str or PathLike
    images : str, PathLike, ImageSet or ndarray
        Images of the domain ``direction`` starts from.
    output : str or PathLike, optional
        ``.npz`` archive: ``images`` translated (the other domain's dtype, range and layout),
        and ``labels`` when the input had them.
    grid : str or PathLike, optional
        PNG grid: for up to 8 images (per class, when labelled), the originals, the
        translations and the round trip back, in rows.
    direction : {"forward", "backward"}
        ``forward``: source -> target; ``backward``: target -> source.

    Returns
    -------
    dict
        ``images`` (translated), ``labels`` (or None), ``cycled`` (translated back).
    """
    if direction not in DIRECTIONS:
        raise ConfigError(f"direction must be 'forward' (source -> target) or 'backward' (target -> source), got {direction!r}")
    output = _check_suffix(output, ".npz", "translated images", "-o/--output")
    grid = _check_suffix(grid, ".png", "an image grid", "--grid")
    if output is None and grid is None:
        raise ConfigError("nothing to write: give -o OUT.npz for the translated images and/or --grid GRID.png")
    translator = load_translator(model)
    data = as_image_set(images, "images")
    x = translator.encode(data, direction)
    y = translator.translate_encoded(x, direction)
    other = "backward" if direction == "forward" else "forward"
    translated = translator.decode(y, other)
    cycled = translator.decode(translator.translate_encoded(y, other), direction)
    if output is not None:
        from synthgan.images.io import write_npz

        write_npz(output, translated, data.labels)
    if grid is not None:
        write_translation_grid(grid, data.images, translated, cycled, data.labels)
    return {"images": translated, "labels": data.labels, "cycled": cycled}


def _colour_uint8(images: np.ndarray) -> np.ndarray:
    from synthgan.images.io import to_display_uint8

    pixels = to_display_uint8(images)
    if pixels.ndim == 4 and pixels.shape[3] == 1:
        pixels = pixels[..., 0]
    return pixels if pixels.ndim == 4 else np.repeat(pixels[..., None], 3, axis=3)


def write_translation_grid(path: str | os.PathLike, originals: np.ndarray, translated: np.ndarray, cycled: np.ndarray,
                           labels: np.ndarray | None = None, *, per_row: int = GRID_COLUMNS) -> Path:
    """A PNG: rows of originals, translations and round trips (per class when labelled: 3 rows per class)."""
    from synthgan.images.io import write_grid

    stages = [_colour_uint8(originals), _colour_uint8(translated), _colour_uint8(cycled)]
    groups = ([np.arange(min(per_row, len(originals)))] if labels is None
              else [np.flatnonzero(labels == c)[:per_row] for c in np.unique(labels)])
    blank = np.zeros_like(stages[0][:1])
    rows = []
    for picks in groups:
        for stage in stages:
            row = stage[picks]
            if len(row) < per_row:
                row = np.concatenate([row, np.repeat(blank, per_row - len(row), axis=0)])
            rows.append(row)
    return write_grid(path, np.concatenate(rows), ncol=per_row)


def translate_evaluate(model: Any, source_test: Any, target_train: Any, *, json_path: str | os.PathLike | None = None,
                       seed: int = 0, epochs: int = 10, device: str = "auto") -> dict[str, Any]:
    """Evaluate a translator (see :func:`~synthgan.images.translate.evaluate.evaluate_translation`); optionally write JSON."""
    from synthgan.images.translate.evaluate import evaluate_translation
    from synthgan.io.atomic import atomic_path

    json_path = _check_suffix(json_path, ".json", "the evaluation", "--json")
    translator = load_translator(model)
    result = evaluate_translation(translator, as_image_set(source_test, "source test images"),
                                  as_image_set(target_train, "target training images"), seed=seed, epochs=epochs,
                                  device=device)
    if json_path is not None:
        with atomic_path(json_path, what="evaluation") as tmp:
            tmp.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    return result
