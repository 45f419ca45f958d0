"""Unpaired image translation (`synthgan translate`): shapes both ways, seeds, save/load, bad input, CLI, colour digits."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import synthgan
from synthgan.cli.main import app
from synthgan.core.files import read_model_file
from synthgan.errors import ConfigError, DataValidationError, InputFileError, ModelFileError, NotFittedError
from synthgan.images.io import ImageSet, read_images
from synthgan.images.translate import ImageTranslator
from synthgan.images.translate.evaluate import evaluate_translation
from synthgan.images.translate.run import translate_apply, translate_fit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # bench/ is a top-level folder, not part of the installed package
    sys.path.insert(0, str(REPO))

from bench.make_colour_digits import colour_digits  # noqa: E402

FAST = dict(steps=6, batch_size=4, width=4, blocks=1, critic_width=4, threads=1, device="cpu")
SIDE = 12


def grey_shapes(n: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Grey uint8 (n, 12, 12): a bright horizontal (label 0) or vertical (label 1) bar on black."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    images = rng.integers(0, 30, (n, SIDE, SIDE)).astype(np.uint8)
    pos = rng.integers(2, SIDE - 3, n)
    for i in range(n):
        if labels[i]:
            images[i, :, pos[i]:pos[i] + 2] = 230
        else:
            images[i, pos[i]:pos[i] + 2, :] = 230
    return images, labels


def colour_shapes(n: int = 24, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    grey, labels = grey_shapes(n, seed)
    return colour_digits(grey, labels, seed=seed)


@pytest.fixture(scope="module")
def fitted() -> ImageTranslator:
    source, _ = grey_shapes()
    target, _ = colour_shapes()
    return ImageTranslator(**FAST).fit(source, target)


# ---------------------------------------------------------------------------------- the estimator
def test_transform_both_ways_gives_the_other_domains_convention(fitted):
    source, _ = grey_shapes(5, seed=3)
    target, _ = colour_shapes(7, seed=4)
    forward = fitted.transform(source)
    assert forward.shape == (5, SIDE, SIDE, 3) and forward.dtype == np.uint8
    backward = fitted.transform(target, direction="backward")
    assert backward.shape == (7, SIDE, SIDE) and backward.dtype == np.uint8
    floats = fitted.transform(source.astype(np.float32) / 255.0)  # the source set's own range is 0..255: clipped
    assert floats.dtype == np.uint8
    assert fitted.steps_ == FAST["steps"] and not fitted.stopped_early_
    assert [h["step"] for h in fitted.history_] == [6.0] and set(fitted.history_[0]) == {
        "step", "generator_loss", "critic_loss", "cycle_loss"}


def test_float_domains_come_back_as_floats_in_their_range():
    source, _ = grey_shapes()
    target, _ = colour_shapes()
    translator = ImageTranslator(**FAST).fit(source.astype(np.float32) / 255.0, target.astype(np.float64) / 127.5 - 1.0)
    out = translator.transform(source[:3].astype(np.float32) / 255.0)
    assert out.dtype == np.float64 and out.shape == (3, SIDE, SIDE, 3) and out.min() >= -1.0 and out.max() <= 1.0
    back = translator.transform(target[:3].astype(np.float64) / 127.5 - 1.0, direction="backward")
    assert back.dtype == np.float32 and back.min() >= 0.0 and back.max() <= 1.0


def test_translation_of_an_image_does_not_depend_on_its_batch(fitted):
    source, _ = grey_shapes(9, seed=5)
    whole = fitted.transform(source)
    assert whole[4:5].tobytes() == fitted.transform(source[4:5]).tobytes()


def test_not_fitted_raises():
    translator = ImageTranslator()
    for call in (lambda: translator.transform(grey_shapes()[0]), lambda: translator.save("x.synthgan")):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call()
    assert "not fitted" in repr(translator)


def _contents(path):
    manifest, arrays = read_model_file(path)
    return manifest, {name: (value.dtype, value.shape, value.tobytes()) for name, value in arrays.items()}


def test_same_seed_same_file_contents_other_seed_other_weights(fitted, tmp_path):
    # the manifest and every array byte; the file bytes themselves may differ, as safetensors writes its two
    # metadata entries (manifest, checksum) in hash-map order
    source, _ = grey_shapes()
    target, _ = colour_shapes()
    fitted.save(tmp_path / "a.synthgan")
    ImageTranslator(**FAST).fit(source, target).save(tmp_path / "b.synthgan")
    assert _contents(tmp_path / "a.synthgan") == _contents(tmp_path / "b.synthgan")
    ImageTranslator(**FAST, seed=1).fit(source, target).save(tmp_path / "c.synthgan")
    assert _contents(tmp_path / "a.synthgan")[1] != _contents(tmp_path / "c.synthgan")[1]


def test_save_load_round_trip_gives_identical_outputs(fitted, tmp_path):
    path = fitted.save(tmp_path / "style.synthgan")
    for loaded in (ImageTranslator.load(path), synthgan.load(path)):
        assert isinstance(loaded, ImageTranslator)
        source, _ = grey_shapes(6, seed=7)
        target, _ = colour_shapes(6, seed=8)
        assert loaded.transform(source).tobytes() == fitted.transform(source).tobytes()
        assert loaded.transform(target, "backward").tobytes() == fitted.transform(target, "backward").tobytes()
        assert loaded.history_ == fitted.history_ and loaded.get_params()["width"] == FAST["width"]


def test_damaged_or_foreign_model_files_are_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "style.synthgan")
    raw = bytearray(path.read_bytes())
    raw[-5] ^= 0xFF
    (tmp_path / "bad.synthgan").write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="integrity"):
        ImageTranslator.load(tmp_path / "bad.synthgan")
    (tmp_path / "text.synthgan").write_text("not a model")
    with pytest.raises(ModelFileError):
        ImageTranslator.load(tmp_path / "text.synthgan")
    with pytest.raises(ModelFileError, match="does not exist"):
        ImageTranslator.load(tmp_path / "missing.synthgan")


def test_same_channels_use_the_identity_loss():
    target, _ = colour_shapes()
    other, _ = colour_shapes(seed=5)
    translator = ImageTranslator(**FAST).fit(target, other)
    assert translator.transform(target[:2]).shape == (2, SIDE, SIDE, 3)


# ---------------------------------------------------------------------------------- bad input
def test_bad_input_raises_our_errors_with_what_to_do():
    source, _ = grey_shapes()
    target, _ = colour_shapes()
    with pytest.raises(DataValidationError, match="12x12 pixels but the target images .* are 16x16; .*resize"):
        ImageTranslator(**FAST).fit(source, np.zeros((4, 16, 16, 3), np.uint8))
    with pytest.raises(DataValidationError, match="no images to learn from"):
        ImageTranslator(**FAST).fit(source[:0], target)
    with pytest.raises(DataValidationError, match="8 to 64 pixels"):
        ImageTranslator(**FAST).fit(source[:, :4, :4], target[:, :4, :4])
    with pytest.raises(ConfigError, match="must be an ImageSet, a numpy array"):
        ImageTranslator(**FAST).fit([1, 2, 3], target)
    with pytest.raises(ConfigError, match="steps must be a positive integer"):
        ImageTranslator(steps=0).fit(source, target)
    with pytest.raises(ConfigError, match="loss must be 'lsgan' or 'hinge'"):
        ImageTranslator(loss="wgan").fit(source, target)


def test_bad_paths_raise_input_file_errors(tmp_path):
    target, _ = colour_shapes()
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputFileError, match="not a readable .npz"):
        ImageTranslator(**FAST).fit(tmp_path / "corrupt.npz", target)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputFileError, match="not an image input"):
        ImageTranslator(**FAST).fit(tmp_path / "notes.txt", target)
    with pytest.raises(InputFileError, match="does not exist"):
        ImageTranslator(**FAST).fit(tmp_path / "missing.npz", target)


def test_transform_refuses_unknown_directions_and_wrong_domains(fitted):
    source, _ = grey_shapes(3)
    target, _ = colour_shapes(3)
    with pytest.raises(ConfigError, match="direction must be 'forward' .* or 'backward'"):
        fitted.transform(source, direction="sideways")
    with pytest.raises(DataValidationError, match="1 channel.* cannot be translated backward.*direction='forward'"):
        fitted.transform(source, direction="backward")
    with pytest.raises(DataValidationError, match="cannot be translated forward"):
        fitted.transform(target)
    with pytest.raises(DataValidationError, match="no images"):
        fitted.transform(source[:0])


def test_apply_checks_outputs_before_reading(fitted, tmp_path):
    source, labels = grey_shapes(4)
    with pytest.raises(ConfigError, match="ending in .npz"):
        translate_apply(fitted, source, output=tmp_path / "out.csv")
    with pytest.raises(ConfigError, match="ending in .png"):
        translate_apply(fitted, source, output=tmp_path / "out.npz", grid=tmp_path / "grid.jpg")
    with pytest.raises(ConfigError, match="direction"):
        translate_apply(fitted, source, output=tmp_path / "out.npz", direction="up")
    with pytest.raises(ConfigError, match="nothing to write"):
        translate_apply(fitted, source)
    assert not any(tmp_path.iterdir())
    with pytest.raises(ConfigError, match="the options are"):
        translate_fit(source, source, output=tmp_path / "m.synthgan", epochs=3)
    assert not any(tmp_path.iterdir())


def test_evaluate_translation_reports_both_measures_and_the_baseline(fitted):
    source, source_labels = grey_shapes(40, seed=11)
    target, target_labels = colour_shapes(60, seed=12)
    result = evaluate_translation(fitted, source, target, target_labels, source_labels, seed=0, epochs=1, threads=1,
                                  device="cpu")
    for side in ("translated", "identity_baseline"):
        assert 0.0 <= result[side]["content_accuracy"] <= 1.0 and 0.0 <= result[side]["target_share"] <= 1.0
    assert result["translated"]["cycle_error"] > 0.0 and result["identity_baseline"]["cycle_error"] == 0.0
    assert result["n_source"] == 40 and result["n_target"] == 60
    assert 0.0 <= result["real_vs_translated_accuracy"] <= 1.0
    again = evaluate_translation(fitted, source, target, target_labels, source_labels, seed=0, epochs=1, threads=1,
                                 device="cpu")
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in result.items() if k != "seconds"}
    unlabelled = evaluate_translation(fitted, source, target, seed=0, epochs=1, threads=1, device="cpu")
    assert unlabelled["translated"]["content_accuracy"] is None


# ---------------------------------------------------------------------------------- colour digits
def test_colour_digits_are_seeded_uint8_colour_with_labels():
    grey, labels = grey_shapes(10)
    grey28 = np.kron(grey[:, :7, :7], np.ones((4, 4), np.uint8))  # 28x28 like MNIST
    first, first_labels = colour_digits(grey28, labels, seed=3)
    again, _ = colour_digits(grey28, labels, seed=3)
    other, _ = colour_digits(grey28, labels, seed=4)
    assert first.shape == (10, 28, 28, 3) and first.dtype == np.uint8
    assert (first_labels == labels).all()
    assert first.tobytes() == again.tobytes() and first.tobytes() != other.tobytes()
    assert (first.std(axis=3) > 0).mean() > 0.5  # colour, not grey
    with pytest.raises(ValueError, match="grey uint8 digits"):
        colour_digits(first)


def test_colour_digit_script_writes_an_npz(tmp_path):
    from bench import make_colour_digits

    grey, labels = grey_shapes(6)
    np.savez(tmp_path / "grey.npz", images=grey, labels=labels)
    out = make_colour_digits.main(["--source", str(tmp_path / "grey.npz"), "--out", str(tmp_path / "c.npz"), "--n", "4"])
    data = read_images(out)
    assert data.images.shape == (4, SIDE, SIDE, 3) and (data.labels == labels[:4]).all()


# ---------------------------------------------------------------------------------- CLI
def run(*args, code: int = 0) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_cli_fit_apply_evaluate_write_model_npz_and_grid(tmp_path):
    source, source_labels = grey_shapes()
    target, target_labels = colour_shapes()
    np.savez(tmp_path / "grey.npz", images=source, labels=source_labels)
    np.savez(tmp_path / "colour.npz", images=target, labels=target_labels)
    params = [x for k in ("batch_size", "width", "blocks", "critic_width") for x in ("-p", f"{k}={FAST[k]}")]
    out = run("translate", "fit", tmp_path / "grey.npz", tmp_path / "colour.npz", "-o", tmp_path / "style.synthgan",
              "--steps", "4", "--device", "cpu", *params)
    assert "fitted a translator between 24 source and 24 target images (12x12, 1 -> 3 channels)" in out
    assert "4 steps" in out
    out = run("translate", "apply", tmp_path / "style.synthgan", tmp_path / "grey.npz", "-o", tmp_path / "t.npz",
              "--grid", tmp_path / "t.png")
    assert "translated 24 images forward" in out
    info = run("info", tmp_path / "style.synthgan")
    assert "pipeline translate" in info and "source images   12x12, 1 channel" in info and "4 steps" in info
    written = read_images(tmp_path / "t.npz")
    assert written.images.shape == (24, SIDE, SIDE, 3) and (written.labels == source_labels).all()
    grid = read_images(tmp_path)  # the folder holds t.png only as an image file
    assert grid.images.shape[-1] == 3 and grid.images.shape[0] == 1
    run("translate", "apply", tmp_path / "style.synthgan", tmp_path / "colour.npz", "-o", tmp_path / "back.npz",
        "--backward", "-q")
    assert read_images(tmp_path / "back.npz").images.shape == (24, SIDE, SIDE)
    out = run("translate", "evaluate", tmp_path / "style.synthgan", tmp_path / "grey.npz", tmp_path / "colour.npz",
              "--epochs", "1", "--device", "cpu", "--json", tmp_path / "eval.json")
    assert "content kept" in out and "style changed" in out and (tmp_path / "eval.json").is_file()


def test_cli_errors_are_one_line_and_write_nothing(tmp_path):
    source, _ = grey_shapes()
    np.savez(tmp_path / "grey.npz", images=source)
    np.savez(tmp_path / "big.npz", images=np.zeros((4, 16, 16, 3), np.uint8))
    out = run("translate", "fit", tmp_path / "grey.npz", tmp_path / "big.npz", "-o", tmp_path / "m.synthgan",
              "--steps", "2", code=2)
    assert out.startswith("error: ") and "resize" in out and not (tmp_path / "m.synthgan").exists()
    out = run("translate", "fit", tmp_path / "grey.npz", tmp_path / "big.npz", "-o", tmp_path / "m.synthgan",
              "-p", "steps=3", code=2)
    assert "use --steps instead" in out
    out = run("translate", "apply", tmp_path / "missing.synthgan", tmp_path / "grey.npz", "-o", tmp_path / "o.npz", code=2)
    assert "does not exist" in out and not (tmp_path / "o.npz").exists()
    assert "fit" in run("translate", "--help") and "apply" in run("translate", "--help")
    model = ImageTranslator(**FAST).fit(source, np.repeat(source[..., None], 3, axis=3)).save(tmp_path / "s.synthgan")
    for output in ("x.csv", "x.npz"):
        out = run("sample", model, "-n", "3", "-o", tmp_path / output, code=2)
        assert "an image translator: it translates images" in out and "synthgan translate apply" in out
    assert isinstance(ImageSet(source), ImageSet)
