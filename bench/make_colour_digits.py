"""Colour digits in the style of MNIST-M, made here from MNIST digits and scikit-learn's two sample photos.

MNIST-M (Ganin & Lempitsky 2015) blends each MNIST digit over a random patch of a colour
photograph: every pixel becomes ``|patch - digit|`` per channel, so the stroke inverts the
patch's colours and the background keeps them. The photos here are the two that
scikit-learn ships inside its package (``sklearn.datasets.load_sample_images``:
``china.jpg`` and ``flower.jpg``, 427x640 RGB), so nothing is downloaded.

Each digit gets its own patch: a photo, a scale (the photo shrunk 1x, 2x or 4x, so a patch
shows 28, 56 or 112 source pixels a side), a position and a horizontal flip, all drawn from
one seeded numpy generator; the patches are gathered with one fancy-indexing operation (no
per-image loop). Same digits and seed -> the same bytes.

The data set is derived, never committed: by default it is written under ``bench/.cache/``
(git-ignored)::

    python -m bench.make_colour_digits --out bench/.cache/colour_digits.npz [--n 10000] [--seed 0]

:func:`colour_digits` is the same, importable (the tests and ``bench.images_translate`` use it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent / ".cache" / "colour_digits.npz"
SCALES = (1, 2, 4)  # photo shrink factors a patch is cut from
_PHOTOS: list[np.ndarray] | None = None


def sample_photos() -> list[np.ndarray]:
    """scikit-learn's sample photos at every scale of :data:`SCALES`, uint8 ``(H, W, 3)`` each (cached)."""
    global _PHOTOS
    if _PHOTOS is None:
        from PIL import Image
        from sklearn.datasets import load_sample_images

        photos = []
        for photo in load_sample_images().images:
            for scale in SCALES:
                h, w = photo.shape[0] // scale, photo.shape[1] // scale
                shrunk = photo if scale == 1 else np.asarray(Image.fromarray(photo).resize((w, h), Image.BOX))
                photos.append(np.ascontiguousarray(shrunk, dtype=np.uint8))
        _PHOTOS = photos
    return _PHOTOS


def colour_patches(n: int, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """``n`` random ``size`` crops (photo, scale, position, flip drawn from ``rng``), uint8 ``(n, h, w, 3)``."""
    photos = sample_photos()
    h, w = size
    heights = np.array([p.shape[0] for p in photos])
    widths = np.array([p.shape[1] for p in photos])
    if (heights < h).any() or (widths < w).any():
        raise ValueError(f"patches of {h}x{w} pixels are larger than the smallest photo ({heights.min()}x{widths.min()})")
    # one flat buffer holding every photo, so a single gather cuts every patch
    offsets = np.concatenate([[0], np.cumsum(heights * widths)[:-1]])
    flat = np.concatenate([p.reshape(-1, 3) for p in photos])
    which = rng.integers(0, len(photos), n)
    top = (rng.random(n) * (heights[which] - h + 1)).astype(np.int64)
    left = (rng.random(n) * (widths[which] - w + 1)).astype(np.int64)
    flip = rng.random(n) < 0.5
    cols = np.arange(w)[None, :]
    cols = np.where(flip[:, None], w - 1 - cols, cols)  # (n, w)
    rows = np.arange(h)[None, :]  # (1, h)
    index = (offsets[which][:, None, None] + (top[:, None] + rows)[:, :, None] * widths[which][:, None, None]
             + (left[:, None] + cols)[:, None, :])
    return flat[index]


def blend(digits: np.ndarray, patches: np.ndarray) -> np.ndarray:
    """MNIST-M's blend: ``|patch - digit|`` per channel, uint8 ``(n, h, w, 3)``."""
    return np.abs(patches.astype(np.int16) - digits.astype(np.int16)[..., None]).astype(np.uint8)


def colour_digits(images: np.ndarray, labels: np.ndarray | None = None, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """MNIST-M-style colour versions of grey uint8 digits ``(n, h, w)``: ``(images (n, h, w, 3) uint8, labels)``."""
    images = np.asarray(images)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"colour_digits needs grey uint8 digits of shape (n, h, w), got {images.dtype} {images.shape}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x636F6C,)))
    out = blend(images, colour_patches(len(images), images.shape[1:3], rng))
    return out, None if labels is None else np.asarray(labels).copy()


def main(argv: list[str] | None = None) -> Path:
    from bench.common import DATASETS_DIR

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DATASETS_DIR / "images_mnist_test.npz",
                        help="MNIST digits (.npz with 'images' (N, 28, 28) uint8 and 'labels')")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .npz (keep it out of git)")
    parser.add_argument("--n", type=int, default=None, help="use the first N digits (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with np.load(args.source) as archive:
        images, labels = archive["images"], archive["labels"] if "labels" in archive.files else None
    if args.n is not None:
        images, labels = images[: args.n], None if labels is None else labels[: args.n]
    coloured, labels = colour_digits(images, labels, seed=args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"images": coloured} if labels is None else {"images": coloured, "labels": labels}
    np.savez_compressed(args.out, **arrays)
    print(f"wrote {len(coloured):,} colour digits {coloured.shape[1:]} to {args.out}")
    return args.out


if __name__ == "__main__":
    main()
