"""`synthgan fit/sample/info` on images: .npz and folder input, .npz/PNG output, bad input writes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from synthgan import verbs
from synthgan.cli.main import app
from synthgan.errors import ConfigError
from synthgan.images.io import read_images, write_folder

FAST = ["--epochs", "2", "--batch-size", "8", "-p", "width=8", "-p", "noise_dim=8"]


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def digits(n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 3
    images = rng.integers(0, 40, (n, 8, 8)).astype(np.uint8)
    images[labels == 1, :4] += 200
    return images, labels


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    images, labels = digits()
    np.savez(folder / "digits.npz", images=images, labels=labels)
    out = run("fit", folder / "digits.npz", "-o", folder / "digits.synthgan", *FAST)
    assert "fitted sngan on 24 images (8x8, 1 channel, 3 classes)" in out and "best Frechet distance" in out
    return folder / "digits.synthgan"


def test_sample_npz_with_a_condition_and_a_grid(model_file, tmp_path):
    out = run("sample", model_file, "-n", "30", "--condition", "label=2", "-o", tmp_path / "twos.npz",
              "--grid", tmp_path / "twos.png", "--seed", "3")
    assert "wrote 30 images" in out
    with np.load(tmp_path / "twos.npz") as archive:
        assert sorted(archive.files) == ["images", "labels"]
        assert archive["images"].dtype == np.uint8 and archive["images"].shape == (30, 8, 8)
        assert archive["labels"].dtype == np.int64 and (archive["labels"] == 2).all()
    with Image.open(tmp_path / "twos.png") as grid:
        assert grid.mode == "L" and grid.size[1] == 8 + 2 * 2  # one class: one row
    run("sample", model_file, "-n", "30", "--condition", "label=2", "-o", tmp_path / "again.npz", "--seed", "3")
    assert (tmp_path / "again.npz").read_bytes() == (tmp_path / "twos.npz").read_bytes()  # same seed, same bytes


def test_sample_to_a_folder_of_pngs_per_class(model_file, tmp_path):
    run("sample", model_file, "-n", "12", "-o", tmp_path / "pngs", "--seed", "0")
    back = read_images(tmp_path / "pngs")
    assert len(back) == 12 and set(back.class_names) <= {"0", "1", "2"}
    run("sample", model_file, "-n", "4", "-o", tmp_path / "grid.png")
    assert (tmp_path / "grid.png").is_file()


def test_info_describes_an_image_model(model_file):
    out = run("info", model_file)
    assert "sngan  (image model, pipeline image" in out and "8x8, 1 channel, uint8 in [0, 255]" in out
    assert "3 (0, 1, 2)" in out and "Frechet distance" in out and "24 images" in out


def test_folder_input_and_class_names(tmp_path):
    images, labels = digits(18)
    write_folder(tmp_path / "photos", np.stack([images] * 3, axis=-1), labels, ["cats", "dogs", "owls"])
    out = run("fit", tmp_path / "photos", "-o", tmp_path / "p.synthgan", "-m", "dcgan", *FAST)
    assert "18 images (8x8, 3 channels, 3 classes)" in out
    run("sample", tmp_path / "p.synthgan", "-n", "5", "--condition", "label=dogs", "-o", tmp_path / "dogs")
    back = read_images(tmp_path / "dogs")
    assert back.class_names == ["dogs"] and back.images.shape == (5, 8, 8, 3)
    run("sample", tmp_path / "p.synthgan", "-n", "5", "--condition", "label=dogs", "-o", tmp_path / "d.npz")
    with np.load(tmp_path / "d.npz") as archive:
        assert archive["labels"].tolist() == [1] * 5  # a folder's labels are class indices


@pytest.mark.parametrize("setup, match", [
    ("mixed_sizes", r"2\.png' is 9x8 L .* all images must share size"),
    ("empty_folder", "holds no images"),
    ("corrupt_npz", "not a readable .npz archive"),
    ("corrupt_png", r"broken\.png' is not a readable image"),
    ("no_images_key", "no 'images' array"),
])
def test_bad_input_is_refused_and_writes_nothing(tmp_path, setup, match):
    data = tmp_path / "data"
    if setup == "mixed_sizes":
        for name, shape in (("a/1.png", (8, 8)), ("b/2.png", (8, 9))):
            (data / name).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.zeros(shape, np.uint8)).save(data / name)
    elif setup == "empty_folder":
        data.mkdir()
    elif setup == "corrupt_npz":
        data = tmp_path / "data.npz"
        data.write_bytes(b"PK\x03\x04 truncated")
    elif setup == "corrupt_png":
        (data / "a").mkdir(parents=True)
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(data / "a" / "good.png")
        (data / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n nope")
    else:
        data = tmp_path / "data.npz"
        np.savez(data, pixels=np.zeros((3, 8, 8), np.uint8))
    out = run("fit", data, "-o", tmp_path / "m.synthgan", *FAST, code=2)
    assert out.startswith("error: ") and len(out.strip().splitlines()) == 1
    assert __import__("re").search(match, out)
    assert not (tmp_path / "m.synthgan").exists()


def test_condition_on_an_unlabelled_model_is_a_config_error(tmp_path):
    images, _ = digits()
    np.savez(tmp_path / "plain.npz", images=images)
    run("fit", tmp_path / "plain.npz", "-o", tmp_path / "plain.synthgan", *FAST)
    out = run("sample", tmp_path / "plain.synthgan", "-n", "3", "--condition", "label=1", "-o", tmp_path / "o.npz", code=2)
    assert "fitted without labels" in out and not (tmp_path / "o.npz").exists()
    with pytest.raises(ConfigError, match="fitted without labels"):
        verbs.sample(tmp_path / "plain.synthgan", 3, conditions={"label": "1"})
    run("sample", tmp_path / "plain.synthgan", "-n", "3", "-o", tmp_path / "o.npz")
    with np.load(tmp_path / "o.npz") as archive:
        assert archive.files == ["images"]


def test_bad_outputs_and_options_are_refused_before_work(model_file, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.png").write_bytes(b"")
    cases = [
        (["sample", model_file, "-n", "3", "-o", tmp_path / "x.csv"], "give an .npz file, a .png grid, or a folder"),
        (["sample", model_file, "-n", "3", "-o", tmp_path / "full"], "not empty"),
        (["sample", model_file, "-n", "3", "-o", tmp_path / "o.npz", "--grid", tmp_path / "g.jpg"], "ending in .png"),
        (["sample", model_file, "-o", tmp_path / "o.npz"], "-n N"),
        (["sample", model_file, "--paths", "3", "-o", tmp_path / "o.npz"], "for sequence models"),
        (["sample", model_file, "-n", "3", "--condition", "colour=red", "-o", tmp_path / "o.npz"], "'label' only"),
    ]
    for args, match in cases:
        out = run(*args, code=2)
        assert match in out, out
    npz = model_file.parent / "digits.npz"
    for extra, match in [(["--time-column", "t"], "not supported for images"), (["--stream"], "not supported for images"),
                         (["--resume"], "no checkpoint at"), (["-m", "ctgan"], "not images"),
                         (["--schema", npz], "not supported for images")]:
        out = run("fit", npz, "-o", tmp_path / "m.synthgan", *FAST, *extra, code=2)
        assert match in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_image_options_are_refused_for_other_models(tmp_path):
    from synthgan.errors import ModelFileError

    with pytest.raises(ConfigError, match="--grid"):
        verbs.sample("table.synthgan", 3, output=tmp_path / "t.csv", grid=tmp_path / "g.png")
    out = run("sample", tmp_path / "missing.synthgan", "-n", "3", "-o", tmp_path / "x.npz", code=2)
    assert "model file" in out and "does not exist" in out
    with pytest.raises(ModelFileError, match="does not exist"):
        verbs.sample(tmp_path / "missing.synthgan", 3, output=tmp_path / "x.png")
    import pandas as pd

    table = pd.DataFrame({"a": np.arange(30.0), "b": ["x", "y", "z"] * 10})
    verbs.fit(table, model="copula", output=tmp_path / "table.synthgan")
    with pytest.raises(ConfigError, match=".npz and .png outputs hold images"):
        verbs.sample(tmp_path / "table.synthgan", 3, output=tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_image_input_is_told_from_tables(tmp_path):
    from synthgan.images.run import is_image_input

    (tmp_path / "parquet").mkdir()
    (tmp_path / "parquet" / "part-0.parquet").write_bytes(b"")
    (tmp_path / "pics").mkdir()
    assert is_image_input(tmp_path / "x.npz") and is_image_input(str(tmp_path / "pics"))
    assert is_image_input(np.zeros((2, 4, 4), np.uint8))
    assert not is_image_input(tmp_path / "parquet") and not is_image_input(tmp_path / "pics", stream=True)
    assert not is_image_input(tmp_path / "t.csv") and not is_image_input(None)


def test_table_only_commands_refuse_an_image_model_in_one_line(model_file, tmp_path):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n3,4\n")
    for args in (["sample", model_file, "-n", "10", "-o", tmp_path / "parts", "--shards", "2"],
                 ["report", model_file, "--data", tmp_path / "t.csv", "-o", tmp_path / "r.html"]):
        out = run(*args, code=2)
        assert out.startswith("error: ") and "holds an image model" in out, out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
