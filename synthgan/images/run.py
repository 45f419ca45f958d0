"""The verbs' image half: fit an :class:`~synthgan.images.synthesizer.ImageSynthesizer` from files, sample to files.

:func:`synthgan.verbs.fit` hands image input (an ``.npz`` archive, a folder of images, an
:class:`~synthgan.images.io.ImageSet` or an array) to :func:`fit_images`, and
:func:`synthgan.verbs.sample` hands an image model to :func:`sample_images`. As every verb,
they check options and output paths before reading images or training, so bad input
writes nothing.

Outputs of :func:`sample_images`: ``-o images.npz`` (keys ``images`` and, for a labelled
model, ``labels``, in the input's dtype and range), ``-o folder`` (no suffix: one PNG per
image, one subfolder per class) or ``-o grid.png`` (one PNG grid), and ``grid=`` for a
grid beside the other output.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from synthgan.errors import ConfigError

if TYPE_CHECKING:
    from synthgan.images.io import ImageSet
    from synthgan.images.synthesizer import ImageSynthesizer

__all__ = ["fit_images", "fit_message", "is_image_input", "is_image_model", "is_translator", "refuse_image_options",
           "sample_images", "sample_message"]

#: fit options of the other kinds of data that an image fit refuses
NOT_FOR_IMAGES = ("schema", "time_column", "entity", "columns", "returns")


def is_image_input(data: Any, stream: bool = False) -> bool:
    """True for image input: an ImageSet, an array, an ``.npz`` path, or a folder that holds no Parquet files."""
    from synthgan.images.io import ImageSet

    if isinstance(data, (ImageSet, np.ndarray)):
        return True
    if not isinstance(data, (str, os.PathLike)):
        return False
    path = Path(data)
    if path.suffix.lower() == ".npz":
        return True
    return not stream and path.is_dir() and not any(path.glob("*.parquet"))


def _peek_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest in a model file's header, unverified (None when unreadable; loading reports why)."""
    try:
        with open(path, "rb") as handle:
            size = struct.unpack("<Q", handle.read(8))[0]
            if not 0 < size < 100 * 1024 * 1024:
                return None
            header = json.loads(handle.read(size).decode("utf-8"))
        return json.loads(header["__metadata__"]["synthgan"])
    except (OSError, struct.error, ValueError, KeyError, TypeError):
        return None


def _holds(model: Any, cls: type, pipeline: str) -> bool:
    """True for an instance of ``cls``, or a model file whose header names ``pipeline``."""
    if isinstance(model, cls):
        return True
    if not isinstance(model, (str, os.PathLike)) or not Path(model).is_file():
        return False
    manifest = _peek_manifest(Path(model))
    return isinstance(manifest, dict) and manifest.get("pipeline") == pipeline


def is_image_model(model: Any) -> bool:
    """True for an ImageSynthesizer, or a model file written by one (read from its header only)."""
    from synthgan.images.synthesizer import PIPELINE, ImageSynthesizer

    return _holds(model, ImageSynthesizer, PIPELINE)


def _where(model: Any) -> str:
    return f"'{model}' holds" if isinstance(model, (str, os.PathLike)) else "this is"


def is_translator(model: Any) -> bool:
    """True for an ImageTranslator, or a model file written by one (read from its header only)."""
    from synthgan.images.translate.model import PIPELINE, ImageTranslator

    return _holds(model, ImageTranslator, PIPELINE)


def refuse_image_options(*, grid: Any = None, output: Any = None, model: Any = None) -> None:
    """Raise when image-only options or outputs come with a model that is not an image model.

    Raises
    ------
    ModelFileError
        An image output (``.npz``, ``.png``) from a model file that does not exist.
    ConfigError
        ``grid``, or an image output, for a table or series model; any sampling from an image
        translator (it translates images, see ``synthgan translate apply``).
    """
    from synthgan.errors import ModelFileError

    if is_translator(model):
        raise ConfigError(f"{_where(model)} an image translator: it translates images, it does not generate them; use "
                          "`synthgan translate apply MODEL IMAGES -o OUT.npz` (synthgan.images.translate.run.translate_apply)")
    if grid is not None:
        raise ConfigError("--grid (grid=) writes sampled images: it is for image models; drop it for tables and series")
    if output is not None and Path(output).suffix.lower() in (".npz", ".png"):
        if isinstance(model, (str, os.PathLike)) and not Path(model).is_file():
            raise ModelFileError(f"model file '{model}' does not exist; check the path or fit one with `synthgan fit`")
        raise ConfigError(f"cannot write '{output}': .npz and .png outputs hold images, and this model generates table "
                          "rows or series; write .csv, .csv.gz, .tsv or .parquet")


def fit_images(data: Any, *, model: str | None = None, output: str | os.PathLike | None = None,
               callbacks: list | None = None, resume: bool = False, stream: bool = False,
               distributed: bool | None = None, **options: Any) -> ImageSynthesizer:
    """Fit an ImageSynthesizer on ``data`` and, with ``output``, save it (see :func:`synthgan.verbs.fit`).

    Parameters
    ----------
    data : str, PathLike, ImageSet or ndarray
        An ``.npz`` archive (``images``, optional ``labels``), a folder with one subfolder of
        PNG/JPEG images per class, an ImageSet, or an array of images.
    model : str, optional
        A registered image model (default :data:`~synthgan.images.synthesizer.DEFAULT_IMAGE_MODEL`).
    output : str or PathLike, optional
        Model file to write (checked before the images are read).
    callbacks : list, optional
        Training callbacks.
    resume : bool, default=False
        Continue an interrupted fit from its checkpoint (default path with ``output``:
        ``<output>.ckpt``).
    stream, distributed
        Refused (with the options of :data:`NOT_FOR_IMAGES`): not supported for images yet.
    **options
        :class:`~synthgan.images.synthesizer.ImageSynthesizer` arguments (``epochs``, ``seed``,
        ``max_time``, ``patience``, model options such as ``batch_size``, ...).
    """
    from synthgan.core import distributed as dist
    from synthgan.core.registry import get_model_class, names_help
    from synthgan.images.io import ImageSet, read_images
    from synthgan.images.synthesizer import DEFAULT_IMAGE_MODEL, ImageSynthesizer
    from synthgan.io.atomic import check_output_path

    asked = [f"{name} (--{name.replace('_', '-')})" for name in NOT_FOR_IMAGES if options.pop(name, None) is not None]
    asked += ["stream (--stream)"] if stream else []
    if dist.launched() if distributed is None else distributed:
        asked.append("distributed training (torchrun)")
    if asked:
        raise ConfigError(f"{', '.join(asked)} {'is' if len(asked) == 1 else 'are'} not supported for images; "
                          "drop it and fit again")
    for name in ("batch_size", "validation_every", "patience", "checkpoint_every", "checkpoint"):
        if name in options and options[name] is None:
            del options[name]
    model = DEFAULT_IMAGE_MODEL if model is None else model
    found = get_model_class(model).capabilities.kind
    if found != "image":
        raise ConfigError(f"{model} learns {found} data, not images: choose one of {names_help('image')}")
    if output is not None:
        check_output_path(output, what="model file")
        if options.get("checkpoint") is None and (options.get("checkpoint_every") is not None or resume):
            options["checkpoint"] = Path(output).with_name(Path(output).name + ".ckpt")
    syn = ImageSynthesizer(model, **options)
    syn._check(resume)  # every option checked before reading images
    if isinstance(data, np.ndarray):
        data = ImageSet(data, None, None, "arrays")
    images = data if isinstance(data, ImageSet) else read_images(data)
    syn.fit(images, callbacks=callbacks, resume=resume)
    if output is not None:
        syn.save(output)
    return syn


def _output_kind(output: Path) -> str:
    suffix = output.suffix.lower()
    if suffix == ".npz":
        return "npz"
    if suffix == ".png":
        return "grid"
    if suffix == "" or output.is_dir():
        return "folder"
    raise ConfigError(f"cannot write sampled images to '{output}': give an .npz file, a .png grid, or a folder "
                      "(no suffix) for one PNG per image")


def _check_image_outputs(output: Path | None, grid: Path | None) -> str | None:
    from synthgan.io.atomic import check_output_path

    kind = None
    if output is not None:
        kind = _output_kind(output)
        if kind == "folder" and output.is_dir():
            if any(output.iterdir()):
                raise ConfigError(f"cannot write images into '{output}': the folder is not empty; give a new or empty folder")
        elif kind == "folder":
            check_output_path(output, what="image folder")
        else:
            check_output_path(output, what="images")
    if grid is not None:
        if grid.suffix.lower() != ".png":
            raise ConfigError(f"--grid writes a PNG file: give a name ending in .png, got '{grid}'")
        check_output_path(grid, what="image grid")
    return kind


def sample_images(model: Any, n: int | None, *, paths: int | None = None, length: int | None = None,
                  conditions: dict[str, Any] | None = None, seed: int | None = None,
                  output: str | os.PathLike | None = None, grid: str | os.PathLike | None = None) -> ImageSet:
    """Sample ``n`` images from an image model and, with ``output``/``grid``, write them.

    Parameters
    ----------
    model : ImageSynthesizer, str or PathLike
        A fitted synthesizer or its model file.
    n : int
        Images to generate.
    paths, length : optional
        Refused (series options).
    conditions : dict, optional
        ``{"label": value}`` (see :meth:`~synthgan.images.synthesizer.ImageSynthesizer.sample`).
    seed : int, optional
    output : str or PathLike, optional
        ``.npz`` archive, ``.png`` grid, or a folder (no suffix) for one PNG per image.
    grid : str or PathLike, optional
        A ``.png`` grid of the sampled images as well (one row per class).

    Returns
    -------
    ImageSet
    """
    from synthgan.core.files import load
    from synthgan.images.io import write_folder, write_grid, write_npz
    from synthgan.images.synthesizer import ImageSynthesizer

    where = f"'{model}' holds" if isinstance(model, (str, os.PathLike)) else "this is"
    if paths is not None or length is not None:
        raise ConfigError(f"--paths and --length (paths=, length=) are for sequence models; {where} an image model: "
                          "ask for images with -n N (n=)")
    if n is None:
        raise ConfigError(f"{where} an image model: say how many images to generate with -n N (n=), e.g. -n 1000")
    output = None if output is None else Path(output)
    grid = None if grid is None else Path(grid)
    kind = _check_image_outputs(output, grid)
    syn = model if isinstance(model, ImageSynthesizer) else load(model)
    sampled = syn.sample(n, conditions=conditions, seed=seed)
    value_range = tuple(syn.encoder_.value_range_)
    if kind == "npz":
        write_npz(output, sampled.images, sampled.labels)
    elif kind == "folder":
        write_folder(output, sampled.images, sampled.labels, _folder_names(syn, sampled), value_range=value_range)
    elif kind == "grid":
        write_grid(output, sampled.images, sampled.labels, value_range=value_range)
    if grid is not None:
        write_grid(grid, sampled.images, sampled.labels, value_range=value_range)
    return sampled


def _folder_names(syn: ImageSynthesizer, sampled: ImageSet) -> list[str] | None:
    """Folder class names: a folder input's own names (its labels index them), else none (the labels name the folders)."""
    return syn.encoder_.class_names_ if sampled.labels is not None and syn.encoder_.class_names_ is not None else None


def fit_message(syn: ImageSynthesizer, output: Any) -> str:
    """What ``synthgan fit`` prints after an image fit."""
    c, h, w = syn.encoder_.shape_
    classes = syn.encoder_.n_classes_
    what = f"{syn.n_images_fit_:,} images ({h}x{w}, {c} channel{'s' if c > 1 else ''}, " + (
        f"{classes} classes)" if classes else "no labels)")
    line = f"fitted {syn.model} on {what} in {syn.fit_seconds_:.1f} s ({len(syn.history_)} epochs); model saved to {output}"
    diag = syn.diagnostics_
    if diag.get("frechet_distance") is not None:
        acc = f", class accuracy {diag['class_accuracy']:.3f}" if diag.get("class_accuracy") is not None else ""
        stop = f", stopped early ({diag.get('stop_reason')})" if diag.get("stopped_early") else ""
        line += (f"\nbest Frechet distance {diag['frechet_distance']:.3f} (feature network of the training images){acc} "
                 f"at epoch {diag['best_epoch']}{stop}; the model keeps those weights")
    elif diag.get("stopped_early"):
        line += f"\nstopped early ({diag.get('stop_reason')})"
    return line


def sample_message(sampled: ImageSet, output: Any, grid: Any, seconds: float) -> str:
    """What ``synthgan sample`` prints after sampling images."""
    where = " and ".join(str(p) for p in (output, grid) if p is not None)
    return f"wrote {len(sampled.images):,} images to {where} in {seconds:.1f} s"
