"""One model-file format with a ``kind``: writing, dispatching on load, old files, unknown kinds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import synthgan
from synthgan.core.files import load, load_model, read_model_file, save_model
from synthgan.core.registry import create_model
from synthgan.errors import ConfigError, ModelFileError
from synthgan.io.serialization import load_model_file, save_model_file
from synthgan.tabular.models._synthetic import synthetic_encoded, synthetic_ordinal
from synthgan.tabular.synthesizer import Synthesizer


def _table(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    group = rng.choice(["a", "b", "c"], n)
    return pd.DataFrame({"x": rng.normal(size=n) + (group == "a"), "n": rng.integers(0, 50, n), "group": group,
                         "flag": rng.random(n) < 0.3})


@pytest.fixture(scope="module")
def table_file(tmp_path_factory):
    syn = Synthesizer("copula", seed=0).fit(_table())
    return syn, syn.save(tmp_path_factory.mktemp("files") / "m.synthgan")


def _rewrite(src, dst, change) -> None:
    """Write ``dst`` with ``src``'s arrays and its manifest after ``change(manifest)`` (a valid, signed file)."""
    manifest, arrays = load_model_file(src)
    for key in ("format", "format_version"):
        manifest.pop(key)
    change(manifest)
    save_model_file(dst, manifest, arrays)


def test_table_file_has_kind_data_spec_and_layout(table_file):
    syn, path = table_file
    manifest, arrays = load_model_file(path)
    assert manifest["kind"] == "table" and manifest["model"] == "copula" and manifest["pipeline"] == "synthesizer"
    assert manifest["data_spec"] == manifest["layout"] == syn.encoder_.layout_.to_dict()
    assert manifest["history"] == syn.history_
    assert any(k.startswith("model/") for k in arrays) and any(k.startswith("encoder/") for k in arrays)


def test_load_dispatches_to_the_table_pipeline(table_file):
    syn, path = table_file
    back = synthgan.load(path)
    assert synthgan.load is load and isinstance(back, Synthesizer)
    pd.testing.assert_frame_equal(back.sample(200, seed=3), syn.sample(200, seed=3))
    assert Synthesizer.load(path).get_params() == back.get_params()


def test_file_without_kind_still_loads_as_a_table(table_file, tmp_path):
    syn, path = table_file
    old = tmp_path / "old.synthgan"

    def as_written_before(manifest):  # what Synthesizer.save wrote before kinds existed
        for key in ("kind", "pipeline", "data_spec"):
            manifest.pop(key)
        manifest["fit"]["params"].pop("seed")

    _rewrite(path, old, as_written_before)
    assert "kind" not in load_model_file(old)[0]
    back = load(old)
    assert isinstance(back, Synthesizer) and back.seed == 0 and back.seed_ == 0
    pd.testing.assert_frame_equal(back.sample(200, seed=3), syn.sample(200, seed=3))
    assert read_model_file(old)[0]["kind"] == "table"
    assert isinstance(load_model(old), type(syn.model_))


def test_unknown_kind_pipeline_or_model_says_upgrade(table_file, tmp_path):
    _, path = table_file
    cases = {
        "kind": (lambda m: m.update(kind="hologram"), "kind 'hologram', which this synthgan does not know"),
        "pipeline": (lambda m: m.update(pipeline="hologram-pipeline"), "'hologram-pipeline' pipeline"),
        "model": (lambda m: m.update(model="diffusion-9000"), "model 'diffusion-9000', which this synthgan does not know"),
    }
    for name, (change, message) in cases.items():
        bad = tmp_path / f"{name}.synthgan"
        _rewrite(path, bad, change)
        with pytest.raises(ModelFileError, match=message) as info:
            load(bad)
        assert "upgrade synthgan" in str(info.value) and "fit the model again" in str(info.value)


def test_bare_table_model_round_trip_gives_identical_samples(tmp_path):
    x, layout = synthetic_ordinal(300, seed=1)
    model = create_model("copula").fit(x, layout, seed=0)
    path = save_model(model, tmp_path / "copula.synthgan")
    manifest, _ = load_model_file(path)
    assert manifest["kind"] == "table" and manifest["model"] == "copula" and "pipeline" not in manifest
    assert manifest["data_spec"] == layout.to_dict() and manifest["model_config"] == model.get_config()
    back = load_model(path)
    assert type(back) is type(model) and back.history_ == model.history_
    assert back.sample(500, seed=4).tobytes() == model.sample(500, seed=4).tobytes()
    assert load(path).sample(500, seed=4).tobytes() == model.sample(500, seed=4).tobytes()  # load: the bare model
    with pytest.raises(ModelFileError, match="not a Synthesizer"):
        Synthesizer.load(path)


def test_bare_torch_model_round_trip(tmp_path):
    x, layout = synthetic_encoded(200, seed=1)
    model = create_model("tvae", epochs=1, batch_size=50, compress_dims=(16,), decompress_dims=(16,)).fit(x, layout, seed=0)
    back = load_model(save_model(model, tmp_path / "tvae.synthgan", manifest={"note": "kept"}))
    assert back.sample(300, seed=2).tobytes() == model.sample(300, seed=2).tobytes()
    assert load_model_file(tmp_path / "tvae.synthgan")[0]["note"] == "kept"


def test_save_model_refuses_clashes_and_unfitted_models(tmp_path):
    x, layout = synthetic_ordinal(100, seed=1)
    model = create_model("copula").fit(x, layout, seed=0)
    with pytest.raises(ConfigError, match="'kind'"):
        save_model(model, tmp_path / "a.synthgan", manifest={"kind": "image"})
    with pytest.raises(ConfigError, match="prefix 'model/'"):
        save_model(model, tmp_path / "b.synthgan", arrays={"model/x": np.zeros(2)})
    with pytest.raises(Exception, match="not fitted"):
        save_model(create_model("copula"), tmp_path / "c.synthgan")
    assert list(tmp_path.iterdir()) == []
