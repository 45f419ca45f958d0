"""The low-shot image experiment: affine augmentation, the leakage guard, results, reproducibility, bad input and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from synthgan import verbs
from synthgan.augment.leakage import LeakageError
from synthgan.cli.main import app
from synthgan.errors import ConfigError, NotFittedError
from synthgan.images.io import ImageSet
from synthgan.images.lowshot.affine import RandomAffine
from synthgan.images.lowshot.arms import ARMS
from synthgan.images.lowshot.experiment import ImageAugmentExperiment
from synthgan.images.lowshot.leakage import ImageLeakageGuard
from synthgan.images.lowshot.verdicts import VERDICTS
from synthgan.images.models.diffaugment import diff_augment, parse_policy

TINY = {"generator_steps": 3, "classifier_steps": 4,
        "generator_params": {"width": 8, "noise_dim": 8, "batch_size": 8, "diff_augment": "translation,cutout"}}


def patterns(per_class: int, seed: int) -> ImageSet:
    """12x12 uint8 images of 3 classes: a bright top half, left half or centre square, plus noise."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), per_class)
    images = rng.integers(0, 60, (len(labels), 12, 12)).astype(np.uint8)
    images[labels == 0, :6, :] += 150
    images[labels == 1, :, :6] += 150
    images[labels == 2, 3:9, 3:9] += 150
    return ImageSet(images, labels)


@pytest.fixture(scope="module")
def data() -> tuple[ImageSet, ImageSet]:
    return patterns(12, 0), patterns(6, 1)


@pytest.fixture(scope="module")
def result(data) -> dict:
    train, test = data
    return ImageAugmentExperiment(shots=(2, 4), seeds=2, seed=3, **TINY).fit(train, test).to_dict()


# ------------------------------------------------------------------------------------ augmentation
def test_affine_is_seeded_changes_images_and_keeps_shape_dtype_range():
    x = torch.rand(16, 1, 12, 12) * 2 - 1
    affine = RandomAffine()
    first = affine(x, torch.Generator().manual_seed(0))
    again = affine(x, torch.Generator().manual_seed(0))
    other = affine(x, torch.Generator().manual_seed(1))
    assert torch.equal(first, again)
    assert not torch.equal(first, other)
    assert first.shape == x.shape and first.dtype == x.dtype
    assert float(first.min()) >= -1.0 - 1e-6 and float(first.max()) <= 1.0 + 1e-6
    changed = (first - x).abs().flatten(1).max(dim=1).values
    assert bool((changed > 0.05).all())  # every image moved


def test_affine_identity_when_every_range_is_zero():
    x = torch.rand(4, 3, 10, 10) * 2 - 1
    out = RandomAffine(rotation=0, translation=0, scale=(1.0, 1.0), shear=0)(x, torch.Generator().manual_seed(0))
    assert torch.allclose(out, x, atol=1e-5)


def test_affine_rejects_bad_ranges():
    with pytest.raises(ConfigError, match="scale"):
        RandomAffine(scale=(1.2, 0.8))
    with pytest.raises(ConfigError, match="rotation"):
        RandomAffine(rotation=120)


def test_diff_augment_policies():
    assert parse_policy("cutout, translation,cutout") == ("translation", "cutout")
    assert parse_policy(None) == ()
    with pytest.raises(ConfigError, match="unknown policy 'flip'"):
        parse_policy("translation,flip")
    x = torch.rand(8, 1, 12, 12, requires_grad=True)
    out = diff_augment(x, ("translation", "cutout", "color"), torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    out.sum().backward()  # differentiable
    assert x.grad is not None and float(x.grad.abs().sum()) > 0
    cut = diff_augment(torch.ones(8, 1, 12, 12), ("cutout",), torch.Generator().manual_seed(0))
    zeros = (cut == 0).flatten(1).sum(1)  # a 6x6 square, centred anywhere, so clipped at an edge at times
    assert bool((zeros <= 36).all()) and bool((zeros >= 9).all()) and int(zeros.max()) == 36


# ----------------------------------------------------------------------------------------- leakage
def test_leakage_guard_passes_the_labelled_images(data):
    train, test = data
    guard = ImageLeakageGuard(train.images, test.images)
    ids = np.array([0, 5, 20])
    guard.check("generator", ids, train.images[ids], ids)
    assert guard.checked == {"generator": 3}


def test_leakage_guard_catches_a_test_image_by_content_under_a_training_id(data):
    train, test = data
    guard = ImageLeakageGuard(train.images, test.images)
    ids = np.array([0, 5, 20])
    images = train.images[ids].copy()
    images[1] = test.images[4]  # a test image smuggled in under training id 5
    with pytest.raises(LeakageError, match=r"test images \(0 by id, 1 by content\)"):
        guard.check("generator", ids, images, ids)


def test_leakage_guard_catches_a_test_id_and_other_ids(data):
    train, test = data
    guard = ImageLeakageGuard(train.images, test.images)
    test_id = len(train.images) + 2
    with pytest.raises(LeakageError, match=r"1 by id"):
        guard.check("generator", np.array([0, test_id]), np.stack([train.images[0], test.images[2]]), np.array([0, 1]))
    with pytest.raises(LeakageError, match="ids other than"):
        guard.check("generator", np.array([0, 2]), train.images[[0, 2]], np.array([0, 1]))
    with pytest.raises(LeakageError, match="content differs"):
        guard.check("generator", np.array([0, 1]), train.images[[0, 2]], np.array([0, 1]))


def test_experiment_refuses_a_generator_fed_with_test_images(data, monkeypatch):
    train, test = data

    def leaky(self, pool, ids):  # hands test images to the generator, with the right ids
        return ids, test.images[: len(ids)], pool.labels[ids]

    monkeypatch.setattr(ImageAugmentExperiment, "_generator_images", leaky)
    with pytest.raises(LeakageError, match="by content"):
        ImageAugmentExperiment(shots=(2,), seeds=1, arms=("none", "gan"), **TINY).fit(train, test)


# ------------------------------------------------------------------------------------------ results
def test_result_structure(result):
    info = result["info"]
    assert info["arms"] == list(ARMS) and info["shots"] == [2, 4] and info["seeds_done"] == 2
    records = result["records"]
    assert len(records) == len(ARMS) * 2 * 2
    assert {(r["seed"], r["shots"], r["arm"]) for r in records} == {(s, k, a) for s in (0, 1) for k in (2, 4) for a in ARMS}
    for r in records:
        assert 0.0 <= r["accuracy"] <= 1.0 and 0.0 <= r["macro_f1"] <= 1.0
        synthetic = 3 * max(1, round(info["ratio"] * r["shots"])) if r["arm"].startswith("gan") else 0
        assert r["n_train"] == 3 * r["shots"] + synthetic
    for row in result["summary"]:
        assert row["n"] == 2 and row["ci_low"] <= row["mean"] <= row["ci_high"]
    pairs = {(r["arm"], r["baseline"]) for r in result["differences"]}
    assert pairs == {("affine", "none"), ("gan", "none"), ("gan+affine", "none"), ("gan", "affine"), ("gan+affine", "affine")}
    for row in result["differences"]:
        assert row["verdict"] in VERDICTS and row["n"] == 2
    assert [v["shots"] for v in result["verdicts"]] == [2, 4]
    for v in result["verdicts"]:
        assert v["gan_vs_none"] in VERDICTS and v["gan_vs_affine"] in VERDICTS
        assert v["sentence"].startswith(f"{v['shots']} labelled images per class: ")
    assert result["leakage_checks"] == {"generator": 2 * 3 * (2 + 4)}  # every generator fit was checked
    assert [(f["seed"], f["shots"], f["images"]) for f in result["generator_fits"]] == [(0, 2, 6), (0, 4, 12), (1, 2, 6), (1, 4, 12)]
    assert set(result["sample_grids"]) == {"2", "4"}
    assert result["sample_grids"]["2"].startswith("data:image/png;base64,")


def test_same_seed_same_results(data, result):
    train, test = data
    again = ImageAugmentExperiment(shots=(2, 4), seeds=2, seed=3, **TINY).fit(train, test).to_dict()
    key = lambda r: (r["accuracy"], r["macro_f1"], r["final_loss"])  # noqa: E731
    assert [key(r) for r in again["records"]] == [key(r) for r in result["records"]]
    assert again["sample_grids"] == result["sample_grids"]
    other = ImageAugmentExperiment(shots=(2, 4), seeds=2, seed=4, **TINY).fit(train, test).to_dict()
    assert [key(r) for r in other["records"]] != [key(r) for r in result["records"]]


def test_labelled_sets_are_nested_and_stratified(data):
    train, _ = data
    exp = ImageAugmentExperiment()
    exp.classes_ = np.arange(3)
    small, large = exp._draw(7, train.labels, 2), exp._draw(7, train.labels, 4)
    assert set(small) <= set(large)
    assert np.bincount(train.labels[large]).tolist() == [4, 4, 4]


def test_not_fitted():
    with pytest.raises(NotFittedError):
        ImageAugmentExperiment().to_dict()


# ---------------------------------------------------------------------------------------- bad input
def test_bad_input_is_refused_with_our_errors(data):
    train, test = data
    with pytest.raises(ConfigError, match="have no labels"):
        ImageAugmentExperiment(shots=(2,), seeds=1, **TINY).fit(ImageSet(train.images), test)
    with pytest.raises(ConfigError, match="only 12 training images; use shots of at most 12"):
        ImageAugmentExperiment(shots=(2, 13), seeds=1, **TINY).fit(train, test)
    with pytest.raises(ConfigError, match="unknown arm 'mixup'; choose from none, affine, gan, gan\\+affine"):
        ImageAugmentExperiment(arms=("none", "mixup"), **TINY).fit(train, test)
    with pytest.raises(ConfigError, match="every shot count must be a positive integer"):
        ImageAugmentExperiment(shots=(0,), **TINY).fit(train, test)
    with pytest.raises(ConfigError, match="unknown policy"):
        ImageAugmentExperiment(shots=(2,), seeds=1, generator_steps=1, classifier_steps=1,
                               generator_params={"width": 8, "diff_augment": "rotate"}).fit(train, test)


def test_verb_refuses_unlabelled_npz_and_writes_nothing(tmp_path, data):
    train, _ = data
    np.savez(tmp_path / "plain.npz", images=train.images)
    with pytest.raises(ConfigError, match="has no labels.*'labels' array"):
        verbs.experiment_augment_images(tmp_path / "plain.npz", json_path=tmp_path / "r.json")
    assert not (tmp_path / "r.json").exists()


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_writes_json_and_html(tmp_path):
    pool = patterns(16, 2)
    np.savez(tmp_path / "digits.npz", images=pool.images, labels=pool.labels)
    out = CliRunner().invoke(app, ["experiment", "augment-images", str(tmp_path / "digits.npz"), "--shots", "2,3",
                                   "--seeds", "2", "--arms", "none,gan", "--generator-steps", "2", "--classifier-steps", "3",
                                   "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"), "--quiet"],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "2 labelled images per class: " in out.output
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["info"]["arms"] == ["none", "gan"] and saved["info"]["shots"] == [2, 3]
    assert saved["info"]["n_test"] == 10 and saved["info"]["n_pool"] == 38  # a stratified 0.2 share split off
    assert len(saved["records"]) == 2 * 2 * 2
    html = (tmp_path / "r.html").read_text()
    assert "<h3>2 labelled images per class</h3>" in html and "data:image/png;base64," in html
    assert "Δ accuracy vs none" in html and saved["verdicts"][0]["sentence"] in html


def test_cli_refuses_an_unknown_arm(tmp_path):
    pool = patterns(16, 2)
    np.savez(tmp_path / "digits.npz", images=pool.images, labels=pool.labels)
    out = CliRunner().invoke(app, ["experiment", "augment-images", str(tmp_path / "digits.npz"), "--arms", "none,flip",
                                   "--json", str(tmp_path / "r.json")])
    assert out.exit_code == 2
    assert "unknown arm 'flip'" in out.output
    assert not (tmp_path / "r.json").exists()


def test_diff_augment_is_saved_with_the_model(tmp_path, data):
    from synthgan.images.synthesizer import ImageSynthesizer

    train, _ = data
    syn = ImageSynthesizer(seed=0, epochs=2, validation=False, width=8, noise_dim=8, batch_size=8,
                           diff_augment="cutout,translation").fit(train)
    loaded = ImageSynthesizer.load(syn.save(tmp_path / "m.synthgan"))
    assert loaded.model_.diff_augment == "cutout,translation"
    assert loaded.model_._checked_config()["diff_augment"] == "translation,cutout"
    assert np.array_equal(loaded.sample(6, seed=1).images, syn.sample(6, seed=1).images)
    plain = ImageSynthesizer(seed=0, epochs=2, validation=False, width=8, noise_dim=8, batch_size=8).fit(train)
    assert not np.array_equal(plain.sample(6, seed=1).images, syn.sample(6, seed=1).images)  # the option changes training


def test_within_class_spread_sees_collapse():
    from synthgan.images.lowshot.experiment import within_class_spread

    rng = np.random.default_rng(0)
    varied = rng.integers(0, 256, (20, 6, 6)).astype(np.uint8)
    labels = np.repeat([0, 1], 10)
    collapsed = np.concatenate([np.repeat(varied[:1], 10, axis=0), np.repeat(varied[10:11], 10, axis=0)])
    assert within_class_spread(collapsed, labels, (0, 255)) == 0.0
    assert within_class_spread(varied, labels, (0, 255)) > 1.0


def test_generator_fits_record_the_spread(result):
    for fit in result["generator_fits"]:
        assert fit["synthetic_spread"] >= 0.0 and fit["real_spread"] > 0.0
