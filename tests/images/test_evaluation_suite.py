"""FeatureNet, evaluate_images, the HTML report, the verb and `synthgan evaluate-images` on toy images."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.errors import ConfigError, DataValidationError, InputFileError, NotFittedError
from synthgan.images.evaluate import evaluate_images as evaluate_files
from synthgan.images.evaluation import (
    FID_NOTE,
    FeatureNet,
    as_unit_float,
    conditional_scores,
    evaluate_images,
    write_images_report,
)

runner = CliRunner()
N_CLASSES = 3


def toy(n: int, seed: int, size: int = 16, channels: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dark noisy images with a bright 5x5 square whose place gives the class (trivially separable)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, n)
    images = rng.integers(0, 60, (n, size, size), dtype=np.uint8)
    corners = np.array([[2, 2], [2, size - 7], [size - 7, 5]])
    jitter = rng.integers(-1, 2, (n, 2))
    for i in range(n):
        top, left = corners[labels[i]] + jitter[i]
        images[i, top:top + 5, left:left + 5] = rng.integers(200, 256, (5, 5))
    if channels:
        images = np.repeat(images[..., None], channels, axis=3)
    return images, labels


@pytest.fixture(scope="module")
def data():
    return {"train": toy(240, 0), "holdout": toy(90, 1), "synthetic": toy(90, 2)}


@pytest.fixture(scope="module")
def net(data):
    return FeatureNet(epochs=3, seed=0).fit(*data["train"])


@pytest.fixture(scope="module")
def result(data, net):
    return evaluate_images(data["train"], data["synthetic"], data["holdout"], feature_net=net, seed=0)


# ----------------------------------------------------------------------------------------- FeatureNet
def test_featurenet_learns_toy_classes_deterministically_without_global_rng(data, net):
    images, labels = data["train"]
    assert net.objective_ == "classes" and net.accuracy_ >= 0.95 and net.n_validation_ == 24
    test_x, test_y = data["holdout"]
    assert (net.predict(test_x) == test_y).mean() >= 0.95
    proba = net.predict_proba(test_x)
    assert proba.shape == (90, N_CLASSES) and np.allclose(proba.sum(axis=1), 1.0)
    assert net.features(test_x).shape == (90, 128)
    np.testing.assert_array_equal(net.predict_features(net.features(test_x)), net.predict(test_x))
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    again = FeatureNet(epochs=3, seed=0).fit(images, labels)
    np.testing.assert_array_equal(again.features(test_x), net.features(test_x))
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)


def test_featurenet_without_labels_learns_rotations(data):
    fr = FeatureNet(epochs=8, seed=0).fit(data["train"][0])  # 16 steps: above chance (0.25), not more
    assert fr.objective_ == "rotation" and fr.classes_ is None and fr.accuracy_ > 0.35
    assert fr.features(data["holdout"][0]).shape == (90, 128)
    with pytest.raises(ConfigError, match="without labels"):
        fr.predict(data["holdout"][0])


def test_featurenet_errors_and_input_conventions(data):
    with pytest.raises(NotFittedError, match="Call 'fit'"):
        FeatureNet().features(data["train"][0])
    with pytest.raises(ConfigError, match="epochs"):
        FeatureNet(epochs=0).fit(*data["train"])
    with pytest.raises(DataValidationError, match="two classes"):
        FeatureNet().fit(data["train"][0], np.zeros(240, dtype=int))
    u8 = np.array([[[0, 255]]], dtype=np.uint8)
    np.testing.assert_allclose(as_unit_float(u8)[..., 0], [[[0.0, 1.0]]])
    np.testing.assert_allclose(as_unit_float(np.array([[[-1.0, 1.0]]]))[..., 0], [[[0.0, 1.0]]])
    np.testing.assert_allclose(as_unit_float(np.array([[[0.25, 1.0]]]))[..., 0], [[[0.25, 1.0]]])
    with pytest.raises(DataValidationError, match="value_range"):
        as_unit_float(np.array([[[-5.0, 300.0]]]))


def test_featurenet_colour_and_size_mismatch(data, net):
    colour = FeatureNet(epochs=1, seed=0).fit(toy(60, 3, size=40, channels=3)[0], toy(60, 3)[1])
    assert colour.network_side_ == 32 and colour.input_shape_ == (40, 40, 3)
    with pytest.raises(DataValidationError, match="channel"):
        net.features(toy(10, 4, channels=3)[0])


# ----------------------------------------------------------------------------------------- class scores
def test_conditional_scores_catch_wrong_labels_and_a_single_class(data, net):
    train_x, train_y = data["train"]
    synth_x, synth_y = data["synthetic"]
    f_train, f_synth = net.features(train_x), net.features(synth_x)
    args = dict(train_labels=train_y, train_features=f_train, synthetic_features=f_synth,
                synthetic_predicted=net.predict(synth_x))
    good = conditional_scores(net.classes_, synthetic_labels=synth_y, **args)
    assert good["accuracy"] >= 0.95 and good["classes_present"] == 1.0 and good["mean_class_coverage"] > 0.5
    wrong = conditional_scores(net.classes_, synthetic_labels=(synth_y + 1) % N_CLASSES, **args)
    assert wrong["accuracy"] <= 0.1
    one = synth_x[synth_y == 0][:30]
    single = conditional_scores(net.classes_, train_labels=train_y, train_features=f_train,
                                synthetic_features=net.features(one), synthetic_predicted=net.predict(one),
                                synthetic_labels=np.zeros(len(one), dtype=int))
    assert single["classes_present"] == pytest.approx(1 / 3) and single["missing_classes"] == ["1", "2"]
    assert single["per_class"]["1"]["coverage"] == 0.0 and single["per_class"]["0"]["requested_count"] == len(one)


# ----------------------------------------------------------------------------------------- suite
def test_suite_keys_verdicts_and_json(result):
    assert set(result) == {"kind", "meta", "feature_net", "frechet", "prdc", "conditional", "memorization",
                           "verdicts", "summary"}
    assert result["kind"] == "images" and result["meta"]["holdout_given"] and result["meta"]["n_eval"] == 90
    assert set(result["verdicts"]) == {"fidelity", "diversity", "conditional", "memorization"}
    assert all(v["passed"] for v in result["verdicts"].values()), result["verdicts"]
    s = result["summary"]
    assert s["precision"] > 0.7 and s["recall"] > 0.5 and s["conditional_accuracy"] >= 0.95 and s["exact_copies"] == 0
    assert "not comparable to published Inception FIDs" in result["frechet"]["note"]
    json.dumps(result, allow_nan=False)


def test_suite_flags_copies_and_collapse(data, net):
    train_x, train_y = data["train"]
    copies = evaluate_images(data["train"], (train_x[:90], train_y[:90]), data["holdout"], feature_net=net)
    assert copies["memorization"]["exact_copies"] == 90 and not copies["verdicts"]["memorization"]["passed"]
    ones = np.repeat(train_x[train_y == 1][:1], 90, axis=0)
    collapsed = evaluate_images(data["train"], (ones, np.ones(90, dtype=int)), data["holdout"], feature_net=net)
    assert collapsed["summary"]["recall"] < 0.1 and collapsed["summary"]["classes_present"] == pytest.approx(1 / 3)
    assert not collapsed["verdicts"]["diversity"]["passed"]


def test_suite_without_holdout_or_labels(data):
    x = data["train"][0]
    out = evaluate_images(x, data["synthetic"][0], seed=1, feature_net=FeatureNet(epochs=1, seed=1))
    assert not out["meta"]["holdout_given"] and "split from the training images" in out["meta"]["holdout"]
    assert out["meta"]["n_holdout"] == 48 and out["meta"]["n_train"] == 192
    assert out["feature_net"]["objective"] == "rotation" and out["conditional"]["accuracy"] is None
    assert out["verdicts"]["conditional"]["passed"] is None


def test_folder_class_names_meet_integer_synthetic_labels(data):
    from synthgan.images.io import ImageSet

    names = ["circle", "square", "star"]
    real = ImageSet(data["train"][0], data["train"][1], names, "folder")
    out = evaluate_images(real, data["synthetic"], feature_net=FeatureNet(epochs=2, seed=0))
    assert set(out["conditional"]["per_class"]) == set(names) and out["feature_net"]["classes"] == names
    assert out["conditional"]["per_class"]["star"]["requested_count"] == int((data["synthetic"][1] == 2).sum())


def test_suite_refuses_mismatched_sets(data):
    with pytest.raises(DataValidationError, match="one size"):
        evaluate_images(data["train"], toy(20, 5, size=20))
    with pytest.raises(DataValidationError, match="give the real labels"):
        evaluate_images(data["train"][0], data["synthetic"])
    with pytest.raises(DataValidationError, match="holdout's labels"):
        evaluate_images(data["train"], data["synthetic"], data["holdout"][0])
    with pytest.raises(DataValidationError, match="class"):
        evaluate_images(data["train"], (data["synthetic"][0], data["synthetic"][1] + 7))


# ----------------------------------------------------------------------------------------- report
def self_contained(text: str) -> None:
    assert not re.search(r"https?://", text)
    assert all(src.startswith("data:") for src in re.findall(r'src="([^"]*)"', text))
    assert "<script" not in text and "Content-Security-Policy" in text


def test_html_report_is_self_contained(result, data, tmp_path):
    path = write_images_report(result, data["train"], data["synthetic"], tmp_path / "img.html", title="toy <eval>")
    text = path.read_text()
    self_contained(text)
    assert text.count("<img") == 4 and "toy &lt;eval&gt;" in text
    assert html.escape(FID_NOTE) in text and "not comparable to published Inception FIDs" in text


# ----------------------------------------------------------------------------------------- verb and CLI
@pytest.fixture(scope="module")
def files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("evaluate_images")
    out = {}
    for key, (x, y) in data.items():
        out[key] = folder / f"{key}.npz"
        np.savez(out[key], images=x, labels=y)
    out["unlabelled"] = folder / "unlabelled.npz"
    np.savez(out["unlabelled"], images=data["train"][0])
    out["big"] = folder / "big.npz"
    np.savez(out["big"], images=toy(20, 6, size=20)[0], labels=toy(20, 6)[1])
    return out


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for part in parts:
        assert part in lines[0], (part, lines[0])


def test_cli_writes_json_and_html(files, tmp_path):
    js, page = tmp_path / "img.json", tmp_path / "img.html"
    res = invoke("evaluate-images", files["train"], files["synthetic"], "--holdout", files["holdout"], "--json", js,
                 "--html", page, "--seed", 3)
    assert res.exit_code == 0, res.output
    for part in ("90 synthetic vs 240 real training images (16x16, grey), 90 in the real holdout",
                 "class-conditional accuracy", "pass memorization", "not comparable to published Inception FIDs",
                 f"wrote {js}", f"wrote {page}"):
        assert part in res.output, part
    data = json.loads(js.read_text())
    assert data["meta"]["seed"] == 3 and data["meta"]["inputs"]["real"] == "train.npz"
    assert data["feature_net"]["objective"] == "classes"
    self_contained(page.read_text())
    assert "synthetic.npz vs train.npz" in page.read_text()


def test_verb_reads_files_like_arrays(files, data, net):
    from_files = evaluate_files(files["train"], files["synthetic"], holdout=files["holdout"], feature_net=net)
    from_arrays = evaluate_images(data["train"], data["synthetic"], data["holdout"], feature_net=net)
    assert from_files["summary"] == from_arrays["summary"]


@pytest.mark.parametrize("case, parts", [
    ("missing", ("does not exist",)),
    ("size", ("20x20 grey", "16x16 grey", "one size")),
    ("labels", ("carry labels", "give the real labels")),
    ("holdout_labels", ("holdout", "no labels")),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(files, tmp_path, case, parts):
    js, page = tmp_path / "x.json", tmp_path / "x.html"
    real, synth, extra = files["train"], files["synthetic"], []
    if case == "missing":
        synth = tmp_path / "nope.npz"
    elif case == "size":
        synth = files["big"]
    elif case == "labels":
        real = files["unlabelled"]
    else:
        extra = ["--holdout", files["unlabelled"]]
    one_error_line(invoke("evaluate-images", real, synth, *extra, "--json", js, "--html", page), *parts)
    assert not js.exists() and not page.exists()


def test_cli_bad_output_folder(files, tmp_path):
    one_error_line(invoke("evaluate-images", files["train"], files["synthetic"], "--json", tmp_path / "no" / "x.json"),
                   "does not exist")
    with pytest.raises(InputFileError):
        evaluate_files(files["train"], files["synthetic"], html_path=tmp_path / "no" / "x.html")
