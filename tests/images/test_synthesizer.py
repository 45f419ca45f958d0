"""ImageEncoder and ImageSynthesizer: the input's convention kept, conditions, reproducibility, save/load."""

from __future__ import annotations

import numpy as np
import pytest

import synthgan
from synthgan.core.files import read_model_file
from synthgan.errors import ConditionError, ConfigError, DataValidationError, ModelFileError, NotFittedError
from synthgan.images.encoder import ImageEncoder
from synthgan.images.io import ImageSet
from synthgan.images.synthesizer import ImageSynthesizer

TINY = dict(epochs=2, batch_size=8, width=8, noise_dim=8)


def digits(n: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 3
    images = rng.integers(0, 40, (n, 8, 8)).astype(np.uint8)
    images[labels == 1, :4] += 200
    images[labels == 2, :, :4] += 200
    return images, labels


CONVENTIONS = {
    "uint8 grey": lambda rng: rng.integers(0, 256, (6, 8, 8), dtype=np.uint8),
    "uint8 grey channel": lambda rng: rng.integers(0, 256, (6, 8, 8, 1), dtype=np.uint8),
    "uint8 rgb": lambda rng: rng.integers(0, 256, (6, 8, 8, 3), dtype=np.uint8),
    "uint8 rgba": lambda rng: rng.integers(0, 256, (6, 8, 8, 4), dtype=np.uint8),
    "float unit": lambda rng: rng.random((6, 8, 8)).astype(np.float32),
    "float symmetric": lambda rng: (rng.random((6, 8, 8, 3)) * 2 - 1).astype(np.float64),
    "float wide": lambda rng: (rng.random((6, 8, 8)) * 50 - 10).astype(np.float32),
    "int 0..16": lambda rng: rng.integers(0, 17, (6, 8, 8)).astype(np.int64),
}


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_encoder_round_trip_keeps_dtype_range_and_layout(name):
    images = CONVENTIONS[name](np.random.default_rng(0))
    enc = ImageEncoder().fit(ImageSet(images))
    x = enc.transform(images)
    channels = images.shape[3] if images.ndim == 4 else 1
    assert x.dtype == np.float32 and x.shape == (6, channels, 8, 8) and x.min() >= -1 and x.max() <= 1
    back = enc.inverse_transform(x)
    assert back.dtype == images.dtype and back.shape == images.shape
    if images.dtype.kind in "iu":
        assert np.array_equal(back, images)  # integers come back exactly
    else:
        np.testing.assert_allclose(back, images, atol=1e-5 * (enc.value_range_[1] - enc.value_range_[0]))
    assert enc.inverse_transform(np.full_like(x, 5.0)).max() == images.dtype.type(enc.value_range_[1])  # clipped
    again = ImageEncoder.from_state(enc.to_state())
    assert np.array_equal(again.inverse_transform(x), back)


def test_encoder_value_ranges():
    ranges = {name: ImageEncoder().fit(ImageSet(make(np.random.default_rng(0)))).value_range_
              for name, make in CONVENTIONS.items()}
    assert ranges["uint8 grey"] == (0.0, 255.0) and ranges["float unit"] == (0.0, 1.0)
    assert ranges["float symmetric"] == (-1.0, 1.0) and ranges["int 0..16"] == (0.0, 16.0)
    low, high = ranges["float wide"]
    assert -10 <= low < -9 and 39 < high <= 40


def test_encoder_labels_and_class_names():
    images = np.zeros((4, 4, 4), np.uint8)
    enc = ImageEncoder().fit(ImageSet(images, np.array(["owl", "cat", "owl", "dog"])))
    assert enc.classes_.tolist() == ["cat", "dog", "owl"] and enc.n_classes_ == 3
    assert enc.encode_labels(np.array(["owl", "cat"])).tolist() == [2, 0]
    assert enc.decode_labels(np.array([1, 2])).tolist() == ["dog", "owl"]
    assert enc.class_index("dog") == 1
    with pytest.raises(ConditionError, match="'bird' is not one of the 3 classes.*cat, dog, owl"):
        enc.class_index("bird")
    folder = ImageEncoder().fit(ImageSet(images, np.array([0, 1, 1, 0]), ["ants", "bees"]))
    assert folder.class_index("bees") == 1 and folder.class_index(0) == 0 and folder.class_index("1") == 1
    assert folder.class_label(1) == "bees"
    numbers = ImageEncoder().fit(ImageSet(images, np.array([3, 7, 7, 3])))
    assert numbers.class_index("7") == 1 and numbers.class_index(7) == 1
    with pytest.raises(NotFittedError):
        ImageEncoder().transform(images)


@pytest.fixture(scope="module")
def fitted() -> ImageSynthesizer:
    images, labels = digits()
    return ImageSynthesizer("sngan", **TINY).fit(images, labels)


def test_samples_come_back_in_the_input_convention(fitted):
    out = fitted.sample(10, seed=1)
    assert out.images.shape == (10, 8, 8) and out.images.dtype == np.uint8 and out.labels.dtype == np.int64
    assert set(out.labels.tolist()) <= {0, 1, 2} and out.class_names is None
    threes = fitted.sample(5, conditions={"label": "2"}, seed=1)
    assert threes.labels.tolist() == [2] * 5
    assert fitted.sample(5, conditions={"label": 2}, seed=1).images.tobytes() == threes.images.tobytes()


@pytest.mark.parametrize("model", ["sngan", "dcgan", "cvae"])
def test_float_colour_input_and_string_labels(model):
    rng = np.random.default_rng(0)
    images = rng.random((16, 8, 8, 3)).astype(np.float32)
    syn = ImageSynthesizer(model, validation=False, epochs=1, batch_size=8, width=8)
    syn.fit(ImageSet(images, np.array(["a", "b"] * 8)))
    out = syn.sample(6, conditions={"label": "b"}, seed=0)
    assert out.images.shape == (6, 8, 8, 3) and out.images.dtype == np.float32
    assert 0.0 <= out.images.min() and out.images.max() <= 1.0 and out.labels.tolist() == ["b"] * 6


def test_unlabelled_model_refuses_a_label_condition():
    images, _ = digits()
    syn = ImageSynthesizer("dcgan", validation=False, **TINY).fit(images)
    assert syn.sample(3, seed=0).labels is None
    with pytest.raises(ConfigError, match="fitted without labels"):
        syn.sample(3, conditions={"label": 1})


def test_bad_conditions_and_options(fitted):
    with pytest.raises(ConditionError, match="'label' only"):
        fitted.sample(3, conditions={"digit": 1})
    with pytest.raises(ConditionError, match="not one of the 3 classes"):
        fitted.sample(3, conditions={"label": 9})
    with pytest.raises(ConfigError, match="n \\(number of images\\)"):
        fitted.sample(0)
    images, labels = digits()
    for bad, match in [(dict(model="ctgan"), "not images"), (dict(epochs=0), "epochs"), (dict(max_time=-1), "max_time"),
                       (dict(validation=False, patience=3), "patience"), (dict(seed=-1), "seed")]:
        with pytest.raises(ConfigError, match=match):
            ImageSynthesizer(**{"model": "sngan", **bad}).fit(images, labels)
    with pytest.raises(DataValidationError, match="one value per image"):
        ImageSynthesizer("sngan", **TINY).fit(images, labels[:3])


def test_quality_signal_is_logged_and_the_best_epoch_kept(fitted):
    rows = fitted.history_
    assert all({"frechet_distance", "class_accuracy", "precision", "recall"} <= set(row) for row in rows)
    assert all(0 <= row[k] <= 1 for row in rows for k in ("class_accuracy", "precision", "recall"))
    diag = fitted.diagnostics_
    best = min(rows, key=lambda row: row["frechet_distance"])
    assert diag["best_epoch"] == best["epoch"] and diag["frechet_distance"] == pytest.approx(best["frechet_distance"], abs=1e-6)
    assert 0 <= diag["class_accuracy"] <= 1 and 0 <= diag["feature_accuracy"] <= 1 and not diag["stopped_early"]


def test_max_time_stops_the_fit():
    images, labels = digits()
    syn = ImageSynthesizer("dcgan", **{**TINY, "epochs": 500}, max_time=1e-3).fit(images, labels)
    assert syn.diagnostics_["stopped_early"] and syn.diagnostics_["stop_reason"] == "max_time"
    assert len(syn.history_) < 500
    plain = ImageSynthesizer("dcgan", **{**TINY, "epochs": 500}, max_time=1e-3, validation=False).fit(images, labels)
    assert plain.diagnostics_ == {"stopped_early": True, "stop_reason": "max_time"} and len(plain.history_) < 500


def test_same_seed_same_weights_and_sample_bytes(fitted, tmp_path):
    images, labels = digits()
    again = ImageSynthesizer("sngan", **TINY).fit(images, labels)
    assert again.sample(12, seed=4).images.tobytes() == fitted.sample(12, seed=4).images.tobytes()
    _, first = read_model_file(fitted.save(tmp_path / "a.synthgan"))
    _, second = read_model_file(again.save(tmp_path / "b.synthgan"))
    assert first.keys() == second.keys() and all(first[k].tobytes() == second[k].tobytes() for k in first)
    other = ImageSynthesizer("sngan", **TINY, seed=1).fit(images, labels)
    assert other.sample(12, seed=4).images.tobytes() != fitted.sample(12, seed=4).images.tobytes()


def test_save_load_round_trip(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.synthgan")
    manifest, _ = read_model_file(path)
    assert manifest["kind"] == "image" and manifest["pipeline"] == "image" and manifest["model"] == "sngan"
    loaded = synthgan.load(path)
    assert isinstance(loaded, ImageSynthesizer) and ImageSynthesizer.load(path).seed_ == fitted.seed_
    for conditions in (None, {"label": 1}):
        assert loaded.sample(9, seed=2, conditions=conditions).images.tobytes() == \
            fitted.sample(9, seed=2, conditions=conditions).images.tobytes()
    fresh = synthgan.load(path)
    assert fresh.sample(4).images.tobytes() == synthgan.load(path).sample(4).images.tobytes()  # the unseeded stream restarts
    assert loaded.diagnostics_ == fitted.diagnostics_ and loaded.history_ == fitted.history_


def test_a_damaged_model_file_is_refused(fitted, tmp_path):
    from synthgan.io.serialization import save_model_file

    path = fitted.save(tmp_path / "m.synthgan")
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF
    (tmp_path / "bad.synthgan").write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="integrity"):
        synthgan.load(tmp_path / "bad.synthgan")
    manifest, arrays = read_model_file(path)
    manifest["encoder"]["shape"] = [1, 9, 9]
    forged = {k: v for k, v in manifest.items() if k not in ("format", "format_version")}
    save_model_file(tmp_path / "forged.synthgan", forged, arrays)
    with pytest.raises(ModelFileError, match="encoder describes"):
        synthgan.load(tmp_path / "forged.synthgan")


class Interrupt:
    """A callback that stops the fit as Ctrl-C would, after epoch ``at``."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_begin(self, model, total_epochs):
        pass

    def on_epoch_end(self, model, epoch, logs):
        if epoch == self.at:
            raise KeyboardInterrupt
        return False

    def on_train_end(self, model):
        pass


@pytest.mark.parametrize("model", ["sngan", "cvae"])
def test_resume_after_an_interrupt_equals_an_uninterrupted_fit(model, tmp_path):
    images, labels = digits()
    options = dict(TINY, epochs=4, checkpoint_every=1, checkpoint=tmp_path / "m.ckpt", validation_every=1)
    if model == "cvae":
        options = {k: v for k, v in options.items() if k != "noise_dim"}
    whole = ImageSynthesizer(model, **options).fit(images, labels)
    (tmp_path / "m.ckpt").unlink()
    with pytest.raises(KeyboardInterrupt):
        ImageSynthesizer(model, **options).fit(images, labels, callbacks=[Interrupt(3)])
    resumed = ImageSynthesizer(model, **options).fit(images, labels, resume=True)
    assert resumed.diagnostics_["resumed_from_epoch"] == 2
    a, b = whole.model_.state_arrays(), resumed.model_.state_arrays()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    drop = lambda rows: [{k: v for k, v in row.items() if k != "seconds"} for row in rows]  # noqa: E731
    assert drop(whole.history_) == drop(resumed.history_)
    assert {k: v for k, v in whole.diagnostics_.items() if k != "validation_seconds"} == \
        {k: v for k, v in resumed.diagnostics_.items() if k not in ("validation_seconds", "resumed_from_epoch")}
    other = dict(options, width=16)
    with pytest.raises(ConfigError, match="different fit"):
        ImageSynthesizer(model, **other).fit(images, labels, resume=True)
    with pytest.raises(ConfigError, match="fixed seed"):
        ImageSynthesizer(model, **dict(options, seed=None)).fit(images, labels, resume=True)


def test_a_handful_of_images_fits_without_the_quality_signal():
    images, labels = digits(6)
    syn = ImageSynthesizer("sngan", **TINY).fit(images, labels)  # too few to train the feature network
    assert syn.diagnostics_ == {"stopped_early": False, "stop_reason": None}
    assert syn.sample(2, seed=0).images.shape == (2, 8, 8)


def test_a_whole_fit_and_sample_leave_global_random_state_alone(fitted):
    """(``fitted`` first: importing sklearn.neighbors, as the feature metrics do, draws from ``random`` once.)"""
    import random

    import torch

    images, labels = digits()
    torch.manual_seed(5)
    np.random.seed(5)
    random.seed(5)
    before = (torch.get_rng_state().clone(), np.random.get_state()[1].copy(), random.getstate())
    ImageSynthesizer("sngan", **TINY).fit(images, labels).sample(5)  # quality signal, feature network, sampling
    assert torch.equal(torch.get_rng_state(), before[0]) and np.array_equal(np.random.get_state()[1], before[1])
    assert random.getstate() == before[2]
