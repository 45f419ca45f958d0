"""Images in and out: ``.npz`` archives and image folders (one subfolder per class), PNG grids.

Two input kinds, one result (:class:`ImageSet`):

* an ``.npz`` archive with an ``images`` array, ``(N, H, W)`` or ``(N, H, W, C)`` with ``C`` in
  1, 3, 4, of any integer or float dtype, and an optional ``labels`` array of ``N`` integers or
  strings (read without pickle);
* a folder in torchvision's ``ImageFolder`` convention: one subfolder per class (names sorted,
  label ``i`` = ``class_names[i]``), PNG/JPEG/BMP files at any depth inside it. A folder holding
  image files and no subfolders is read as unlabelled images. Every image must have the same
  size and mode (grey ``L`` -> ``(H, W)``, ``RGB``/``RGBA`` -> ``(H, W, C)``); palette and
  1-bit images are read as ``RGB(A)`` and ``L``.

Writers: :func:`write_npz` (atomic, the same keys), :func:`write_grid` (one PNG, a row per
class when labels are given), :func:`write_folder` (PNG files per class subfolder). Bad input
raises before anything is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthgan.errors import ConfigError, DataValidationError, InputFileError
from synthgan.io.atomic import atomic_path, check_output_path

__all__ = ["IMAGE_SUFFIXES", "ImageSet", "check_images", "read_images", "to_display_uint8", "write_folder",
           "write_grid", "write_npz"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
_MODES = {"L": 1, "RGB": 3, "RGBA": 4}  # Pillow mode -> channels kept
_CONVERT = {"1": "L", "P": None, "CMYK": "RGB", "LA": "RGBA"}  # None: RGB or RGBA by transparency


@dataclass(frozen=True)
class ImageSet:
    """Images as read (or as sampled, in the input's convention).

    Attributes
    ----------
    images : ndarray
        ``(N, H, W)`` or ``(N, H, W, C)``, the file's dtype and values.
    labels : ndarray or None
        ``(N,)`` class labels (a folder's: int64 indices into ``class_names``).
    class_names : list of str or None
        A folder's class subfolder names, sorted; ``None`` for ``.npz`` input.
    source : str
        Where the images came from (path, or ``"arrays"``/``"sampled"``).
    """

    images: np.ndarray
    labels: np.ndarray | None = None
    class_names: list[str] | None = None
    source: str = "arrays"

    def __post_init__(self) -> None:
        check_images(self.images, self.labels, where=self.source)

    def __len__(self) -> int:
        return len(self.images)


def check_images(images: np.ndarray, labels: np.ndarray | None = None, *, where: str = "images") -> None:
    """Raise :class:`DataValidationError` unless ``images`` (and ``labels``) form a valid image set."""
    if not isinstance(images, np.ndarray):
        raise DataValidationError(f"{where}: images must be a numpy array, got {type(images).__name__}")
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[3] not in (1, 3, 4)):
        raise DataValidationError(f"{where}: images must have shape (N, H, W) or (N, H, W, C) with C = 1, 3 or 4, "
                                  f"got {images.shape}; stack equally sized images along the first axis")
    if images.dtype.kind not in "uif" or images.dtype.itemsize > 8:
        raise DataValidationError(f"{where}: images must hold integers or floats, got dtype {images.dtype}; "
                                  "convert them, e.g. images.astype('uint8')")
    if len(images) == 0 or images.shape[1] < 2 or images.shape[2] < 2:
        raise DataValidationError(f"{where}: no images to learn from (shape {images.shape}); give at least one image "
                                  "of at least 2x2 pixels")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        bad = int(np.flatnonzero(~np.isfinite(images).reshape(len(images), -1).all(axis=1))[0])
        raise DataValidationError(f"{where}: image {bad} holds NaN or infinite values; replace or drop it")
    if labels is not None:
        if not isinstance(labels, np.ndarray) or labels.shape != (len(images),):
            raise DataValidationError(f"{where}: labels must be one value per image, shape ({len(images)},), got "
                                      f"{getattr(labels, 'shape', type(labels).__name__)}")
        if labels.dtype.kind not in "iuUb":
            raise DataValidationError(f"{where}: labels must be integers or strings, got dtype {labels.dtype}; "
                                      "convert them, e.g. labels.astype('int64')")


# ------------------------------------------------------------------------- reading
def read_images(path: str | os.PathLike) -> ImageSet:
    """Read an ``.npz`` archive or an image folder (see the module docstring).

    Raises
    ------
    InputFileError
        A missing path, a file that is not an ``.npz`` archive, or an unreadable/corrupt file.
    DataValidationError
        Missing ``images`` key, bad shapes or dtypes, an empty folder, images of mixed size or mode.
    """
    src = Path(path)
    if not src.exists():
        raise InputFileError(f"input '{src}' does not exist; give an .npz file or a folder of images")
    if src.is_dir():
        return _read_folder(src)
    if src.suffix.lower() != ".npz":
        raise InputFileError(f"'{src}' is not an image input synthgan reads; give an .npz file (keys 'images' and "
                             "optionally 'labels') or a folder with one subfolder of PNG/JPEG files per class")
    return _read_npz(src)


def _read_npz(src: Path) -> ImageSet:
    try:
        with np.load(src, allow_pickle=False) as archive:
            keys = list(archive.files)
            if "images" not in keys:
                raise DataValidationError(f"'{src}' has no 'images' array (it holds {keys or 'nothing'}); save the images "
                                          "as np.savez(path, images=..., labels=...)")
            images = archive["images"]
            labels = archive["labels"] if "labels" in keys else None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, DataValidationError):
            raise
        raise InputFileError(f"'{src}' is not a readable .npz archive ({exc.__class__.__name__}: {exc}); "
                             "re-save it with numpy.savez_compressed") from exc
    if labels is not None and labels.dtype.kind == "i":
        labels = labels.astype(np.int64, copy=False)
    return ImageSet(images, labels, None, str(src))


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def _read_folder(src: Path) -> ImageSet:
    classes = sorted(d.name for d in src.iterdir() if d.is_dir() and not d.name.startswith("."))
    if classes:
        files, labels = [], []
        for index, name in enumerate(classes):
            found = _image_files(src / name)
            if not found:
                raise DataValidationError(f"class folder '{src / name}' holds no PNG/JPEG images; add images or remove it")
            files += found
            labels += [index] * len(found)
        label_array: np.ndarray | None = np.asarray(labels, dtype=np.int64)
    else:
        files = _image_files(src)
        label_array = None
    if not files:
        raise DataValidationError(f"folder '{src}' holds no images; give one subfolder of PNG/JPEG files per class "
                                  "(or the image files themselves)")
    images = _decode_all(files)
    return ImageSet(images, label_array, classes or None, str(src))


def _decode_all(files: list[Path]) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    first_size, first_mode, out = None, None, None
    for i, file in enumerate(files):
        try:
            with Image.open(file) as img:
                img.load()
                mode = img.mode
                if mode in _CONVERT:
                    target = _CONVERT[mode] or ("RGBA" if "transparency" in img.info else "RGB")
                    img, mode = img.convert(target), target
                if mode not in _MODES:
                    raise DataValidationError(f"'{file}' has image mode {img.mode!r}; synthgan reads grey (L), RGB and "
                                              "RGBA images: convert it, e.g. with Pillow's Image.convert('RGB')")
                array = np.asarray(img)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            if isinstance(exc, DataValidationError):
                raise
            raise InputFileError(f"'{file}' is not a readable image ({exc.__class__.__name__}); "
                                 "replace or remove it") from exc
        if first_size is None:
            first_size, first_mode = array.shape[:2], mode
            out = np.empty((len(files), *array.shape), dtype=np.uint8)
        elif array.shape[:2] != first_size or mode != first_mode:
            raise DataValidationError(
                f"'{file}' is {array.shape[1]}x{array.shape[0]} {mode} but '{files[0]}' is {first_size[1]}x{first_size[0]} "
                f"{first_mode}; all images must share size and mode: resize or convert the odd ones")
        out[i] = array
    return out


# ------------------------------------------------------------------------- writing
def write_npz(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray | None = None) -> Path:
    """Write ``images`` (and ``labels``) to an ``.npz`` archive atomically; same arrays -> same bytes."""
    check_images(images, labels, where="write_npz")
    arrays = {"images": np.ascontiguousarray(images)}
    if labels is not None:
        arrays["labels"] = np.ascontiguousarray(labels)
    with atomic_path(path, what="images") as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return Path(path)


def to_display_uint8(images: np.ndarray, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """Images as uint8 ``(N, H, W)`` or ``(N, H, W, C)`` for PNG files.

    ``value_range`` maps ``low -> 0`` and ``high -> 255``; by default uint8 stays as is, floats
    within [0, 1] are scaled by 255 and anything else by its observed minimum and maximum.
    """
    if images.dtype == np.uint8 and value_range is None:
        return images
    if value_range is None:
        low, high = float(images.min()), float(images.max())
        if images.dtype.kind == "f" and low >= 0.0 and high <= 1.0:
            low, high = 0.0, 1.0
        elif images.dtype.kind in "iu" and low >= 0 and high <= 255:
            low, high = 0.0, 255.0
    else:
        low, high = map(float, value_range)
    scale = 255.0 / (high - low) if high > low else 0.0
    return np.clip(np.rint((images.astype(np.float64) - low) * scale), 0, 255).astype(np.uint8)


def _pil(image: np.ndarray):
    from PIL import Image

    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return Image.fromarray(np.ascontiguousarray(image))  # (H, W) -> L, (H, W, 3) -> RGB, (H, W, 4) -> RGBA


def _grid_order(labels: np.ndarray | None, n: int, ncol: int | None) -> tuple[list[list[int]], int]:
    """Rows of image indices: one row per class (up to ``ncol`` each) when labelled, else a square-ish grid."""
    if labels is None:
        ncol = ncol or max(int(np.ceil(np.sqrt(n))), 1)
        return [list(range(start, min(start + ncol, n))) for start in range(0, n, ncol)], ncol
    classes = sorted(set(labels.tolist()))
    per_class = [np.flatnonzero(labels == c).tolist() for c in classes]
    ncol = ncol or min(max(len(rows) for rows in per_class), 16)
    return [rows[:ncol] for rows in per_class], ncol


def write_grid(path: str | os.PathLike, images: np.ndarray, labels: np.ndarray | None = None, *, ncol: int | None = None,
               value_range: tuple[float, float] | None = None, padding: int = 2) -> Path:
    """Write a PNG grid of ``images``: one row per class when ``labels`` are given (at most ``ncol`` each).

    Parameters
    ----------
    path : str or PathLike
        The PNG file (written atomically).
    images : ndarray
        ``(N, H, W)`` or ``(N, H, W, C)``, any dtype (see :func:`to_display_uint8`).
    labels : ndarray, optional
    ncol : int, optional
        Images per row (default: a square grid; with labels, up to 16 per class).
    value_range : (low, high), optional
        The pixel values shown black and white.
    padding : int, default=2
        Pixels between images.
    """
    check_images(images, labels, where="write_grid")
    if ncol is not None and (not isinstance(ncol, int) or ncol < 1):
        raise ConfigError(f"write_grid: ncol must be a positive integer, got {ncol!r}")
    pixels = to_display_uint8(images, value_range)
    rows, ncol = _grid_order(labels, len(pixels), ncol)
    h, w = pixels.shape[1:3]
    channels = () if pixels.ndim == 3 else (pixels.shape[3],)
    canvas = np.zeros((len(rows) * (h + padding) + padding, ncol * (w + padding) + padding, *channels), dtype=np.uint8)
    for r, indices in enumerate(rows):
        for c, index in enumerate(indices):
            top, left = padding + r * (h + padding), padding + c * (w + padding)
            canvas[top : top + h, left : left + w] = pixels[index]
    with atomic_path(path, what="image grid") as tmp:
        _pil(canvas).save(tmp, format="PNG")
    return Path(path)


_UNSAFE = re.compile(r"[^\w.+=-]+")


def _folder_name(name: str) -> str:
    cleaned = _UNSAFE.sub("_", str(name)).strip("._")
    return cleaned or "class"


def write_folder(folder: str | os.PathLike, images: np.ndarray, labels: np.ndarray | None = None,
                 class_names: list[str] | None = None, *, value_range: tuple[float, float] | None = None) -> Path:
    """Write one PNG per image, in one subfolder per class (``ImageFolder``'s convention) when labelled.

    Subfolders are named ``class_names[label]`` for integer labels with class names, else the label
    itself; files are ``00000.png``, ``00001.png``, ... in sample order. The folder must not exist
    or be empty; it is filled in a temporary folder beside it and moved into place, so an error
    leaves nothing behind.
    """
    check_images(images, labels, where="write_folder")
    out = check_output_path(folder, what="image folder") if not Path(folder).is_dir() else Path(folder)
    if out.is_dir() and any(out.iterdir()):
        raise InputFileError(f"cannot write images into '{out}': the folder is not empty; give a new or empty folder")
    pixels = to_display_uint8(images, value_range)
    if labels is None:
        names = [""] * len(pixels)
    else:
        as_names = class_names is not None and labels.dtype.kind in "iu"
        if as_names and (labels.min() < 0 or labels.max() >= len(class_names)):
            raise DataValidationError(f"write_folder: labels must index the {len(class_names)} class names")
        names = [_folder_name(class_names[v] if as_names else v) for v in labels.tolist()]
    parent = out.parent if str(out.parent) else Path(".")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name[:100]}.", suffix=".synthgan-tmp", dir=parent))
    try:
        for name in sorted(set(names)):
            (tmp / name).mkdir(exist_ok=True)
        for i, (name, image) in enumerate(zip(names, pixels)):
            _pil(image).save(tmp / name / f"{i:05d}.png", format="PNG")
        os.chmod(tmp, 0o755)
        if out.is_dir():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return out
