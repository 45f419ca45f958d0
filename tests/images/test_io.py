"""Reading .npz archives and image folders, writing .npz, PNG grids and PNG folders; every bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from synthgan.errors import ConfigError, DataValidationError, InputFileError
from synthgan.images.io import ImageSet, read_images, write_folder, write_grid, write_npz


def _digits(n: int = 12, size: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, size, size), dtype=np.uint8), np.arange(n, dtype=np.int64) % 3


def _png(path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


def test_npz_with_and_without_labels_is_read_as_saved(tmp_path):
    images, labels = _digits()
    np.savez(tmp_path / "a.npz", images=images, labels=labels)
    got = read_images(tmp_path / "a.npz")
    assert got.images.dtype == np.uint8 and np.array_equal(got.images, images)
    assert got.labels.dtype == np.int64 and np.array_equal(got.labels, labels)
    assert got.class_names is None and got.source == str(tmp_path / "a.npz")
    colour = np.random.default_rng(1).random((5, 6, 7, 3)).astype(np.float32)
    np.savez_compressed(tmp_path / "c.npz", images=colour)
    got = read_images(tmp_path / "c.npz")
    assert got.labels is None and got.images.dtype == np.float32 and np.array_equal(got.images, colour)


def test_string_labels_are_kept(tmp_path):
    images, _ = _digits(4)
    np.savez(tmp_path / "s.npz", images=images, labels=np.array(["cat", "dog", "cat", "owl"]))
    assert read_images(tmp_path / "s.npz").labels.tolist() == ["cat", "dog", "cat", "owl"]


def test_image_folder_follows_the_imagefolder_convention(tmp_path):
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    _png(tmp_path / "f" / "zebra" / "b.png", grey)
    _png(tmp_path / "f" / "zebra" / "nested" / "a.png", grey + 1)
    _png(tmp_path / "f" / "ant" / "x.png", grey + 2)
    (tmp_path / "f" / "ant" / "notes.txt").write_text("not an image")
    (tmp_path / "f" / ".hidden").mkdir()
    got = read_images(tmp_path / "f")
    assert got.class_names == ["ant", "zebra"]  # sorted: label i is class_names[i]
    assert got.labels.tolist() == [0, 1, 1]
    assert got.images.shape == (3, 8, 8) and got.images.dtype == np.uint8
    assert np.array_equal(got.images[0], grey + 2) and np.array_equal(got.images[1], grey)  # files sorted by path


def test_flat_folder_of_colour_images_reads_without_labels(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    _png(tmp_path / "flat" / "1.png", rgb)
    Image.fromarray(rgb).save(tmp_path / "flat" / "2.jpg", quality=95)
    got = read_images(tmp_path / "flat")
    assert got.labels is None and got.class_names is None and got.images.shape == (2, 6, 5, 3)
    assert np.array_equal(got.images[0], rgb)


@pytest.mark.parametrize("make, error, match", [
    (lambda d: d / "missing.npz", InputFileError, "does not exist"),
    (lambda d: (d / "t.csv").write_text("a,b\n1,2\n") and d / "t.csv", InputFileError, "not an image input"),
    (lambda d: (d / "bad.npz").write_bytes(b"not a zip at all") and d / "bad.npz", InputFileError, "not a readable .npz"),
    (lambda d: np.savez(d / "k.npz", pixels=np.zeros((2, 4, 4))) or d / "k.npz", DataValidationError, "no 'images' array.*pixels"),
    (lambda d: np.savez(d / "o.npz", images=np.array([None, 1], dtype=object)) or d / "o.npz", InputFileError, "not a readable"),
    (lambda d: np.savez(d / "s.npz", images=np.zeros((2, 4))) or d / "s.npz", DataValidationError, r"\(N, H, W\)"),
    (lambda d: np.savez(d / "c.npz", images=np.zeros((2, 4, 4, 2))) or d / "c.npz", DataValidationError, "C = 1, 3 or 4"),
    (lambda d: np.savez(d / "e.npz", images=np.zeros((0, 4, 4))) or d / "e.npz", DataValidationError, "no images"),
    (lambda d: np.savez(d / "n.npz", images=np.full((2, 4, 4), np.nan)) or d / "n.npz", DataValidationError, "NaN"),
    (lambda d: np.savez(d / "l.npz", images=np.zeros((3, 4, 4)), labels=np.arange(2)) or d / "l.npz",
     DataValidationError, "one value per image"),
    (lambda d: np.savez(d / "f.npz", images=np.zeros((2, 4, 4)), labels=np.array([0.5, 1.5])) or d / "f.npz",
     DataValidationError, "integers or strings"),
])
def test_bad_npz_input_is_refused_with_a_clear_error(tmp_path, make, error, match):
    with pytest.raises(error, match=match):
        read_images(make(tmp_path))


def test_empty_folders_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataValidationError, match="holds no images"):
        read_images(tmp_path / "empty")
    _png(tmp_path / "classes" / "a" / "1.png", np.zeros((4, 4), np.uint8))
    (tmp_path / "classes" / "b").mkdir()
    with pytest.raises(DataValidationError, match=r"class folder '.*b' holds no PNG/JPEG images"):
        read_images(tmp_path / "classes")


def test_mixed_sizes_and_modes_name_the_offending_file(tmp_path):
    _png(tmp_path / "sizes" / "a" / "1.png", np.zeros((8, 8), np.uint8))
    _png(tmp_path / "sizes" / "b" / "2.png", np.zeros((8, 9), np.uint8))
    with pytest.raises(DataValidationError, match=r"2\.png' is 9x8 L but .*1\.png' is 8x8 L; all images must share size"):
        read_images(tmp_path / "sizes")
    _png(tmp_path / "modes" / "1.png", np.zeros((8, 8), np.uint8))
    _png(tmp_path / "modes" / "2.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(DataValidationError, match=r"2\.png' is 8x8 RGB .* share size and mode"):
        read_images(tmp_path / "modes")


def test_corrupt_image_file_is_named(tmp_path):
    _png(tmp_path / "c" / "a" / "good.png", np.zeros((4, 4), np.uint8))
    (tmp_path / "c" / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(InputFileError, match=r"broken\.png' is not a readable image"):
        read_images(tmp_path / "c")


def test_write_npz_round_trips_and_is_byte_reproducible(tmp_path):
    images, labels = _digits()
    first, second = write_npz(tmp_path / "a.npz", images, labels), write_npz(tmp_path / "b.npz", images, labels)
    assert first.read_bytes() == second.read_bytes()
    got = read_images(first)
    assert np.array_equal(got.images, images) and np.array_equal(got.labels, labels)
    with np.load(first) as archive:
        assert sorted(archive.files) == ["images", "labels"]
    write_npz(tmp_path / "u.npz", images)
    with np.load(tmp_path / "u.npz") as archive:
        assert archive.files == ["images"]


def test_writers_check_before_writing(tmp_path):
    images, labels = _digits()
    with pytest.raises(InputFileError, match="does not exist"):
        write_npz(tmp_path / "no" / "a.npz", images, labels)
    with pytest.raises(DataValidationError):
        write_npz(tmp_path / "bad.npz", images, labels[:3])
    with pytest.raises(ConfigError, match="ncol"):
        write_grid(tmp_path / "g.png", images, ncol=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_grid_has_one_row_per_class(tmp_path):
    images, labels = _digits(12, size=8)
    write_grid(tmp_path / "g.png", images, labels, ncol=5, padding=2)
    with Image.open(tmp_path / "g.png") as grid:
        assert grid.mode == "L" and grid.size == (5 * 10 + 2, 3 * 10 + 2)  # 3 classes, up to 5 each
    write_grid(tmp_path / "sq.png", images)  # no labels: a square-ish grid
    with Image.open(tmp_path / "sq.png") as grid:
        assert grid.size == (4 * 10 + 2, 3 * 10 + 2)
    colour = np.random.default_rng(0).random((4, 6, 6, 3))
    write_grid(tmp_path / "c.png", colour, value_range=(0.0, 1.0))
    with Image.open(tmp_path / "c.png") as grid:
        assert grid.mode == "RGB"


def test_write_folder_reads_back_as_the_same_classes(tmp_path):
    images, labels = _digits(9)
    out = write_folder(tmp_path / "out", images, labels, ["zero", "one", "two/x"])
    assert sorted(p.name for p in out.iterdir()) == ["one", "two_x", "zero"]
    back = read_images(out)
    assert back.class_names == ["one", "two_x", "zero"] and len(back) == 9
    expected = np.concatenate([images[labels == 1], images[labels == 2], images[labels == 0]])
    assert np.array_equal(back.images, expected)
    with pytest.raises(InputFileError, match="not empty"):
        write_folder(out, images, labels)
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind


def test_imageset_checks_its_arrays():
    with pytest.raises(DataValidationError, match="numpy array"):
        ImageSet([[1, 2]])
    with pytest.raises(DataValidationError, match="one value per image"):
        ImageSet(np.zeros((2, 4, 4)), np.zeros(3, dtype=np.int64))
