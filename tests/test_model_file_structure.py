"""Model files whose checksum is valid but whose manifest has the wrong structure are refused in one line."""

from __future__ import annotations

import json
import struct

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import synthgan
from synthgan.cli.main import app
from synthgan.errors import ModelFileError
from synthgan.io.manifest import ListOf, MapOf, Opt, problem
from synthgan.io.serialization import load_model_file, save_model_file
from synthgan.tabular.synthesizer import Synthesizer

runner = CliRunner()


def _table(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"age": rng.integers(20, 80, n), "gender": rng.choice(["Male", "Female"], n),
                         "stroke": (rng.random(n) < 0.3).astype(int), "glucose": rng.normal(100, 20, n).round(1)})


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    return Synthesizer("copula", seed=0).fit(_table()).save(tmp_path_factory.mktemp("structure") / "good.synthgan")


def _forge(src, dst, change):
    """A file with ``src``'s content after ``change(manifest, arrays)``, and a recomputed (valid) checksum."""
    manifest, arrays = load_model_file(src)
    for key in ("format", "format_version"):
        manifest.pop(key)
    change(manifest, arrays)
    save_model_file(dst, manifest, arrays)
    return dst


def _set(*keys, value):
    def change(manifest, arrays):
        target = manifest
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return change


def _set_array(name, value):
    def change(manifest, arrays):
        arrays[name] = value
    return change


def _first_column(name):
    def change(manifest, arrays):
        columns = manifest["encoder"]["columns"]
        entry = next(c for c in columns if c["transformer"] == name)
        entry["state"]["kept" if "kept" in entry["state"] else "format"] = "oops"
    return change


FORGERIES = {
    "history as a string": _set("history", value="many epochs"),
    "history rows as numbers": _set("history", value=[1, 2, 3]),
    "model_config as a list": _set("model_config", value=[1, 2]),
    "model name as a number": _set("model", value=7),
    "kind as a list": _set("kind", value=["table"]),
    "data_spec as a list": _set("data_spec", value=[]),
    "span start as a string": lambda m, a: m["data_spec"]["spans"][0].update(start="0"),
    "span as a list": lambda m, a: m["layout"]["spans"].__setitem__(0, [0, 1]),
    "condition span out of range": _set("data_spec", "condition_spans", value=[99]),
    "schema as a list": _set("schema", value=[]),
    "schema column name as a number": lambda m, a: m["schema"]["columns"][0].update(name=3),
    "fit as a string": _set("fit", value="yes"),
    "fit rows as a string": _set("fit", "rows", value="200"),
    "fit params as a list": _set("fit", "params", value=[]),
    "model_params as a string": _set("fit", "params", "model_params", value="x"),
    "seed as a float": _set("seed", value=1.5),
    "diagnostics as a list": _set("diagnostics", value=[1]),
    "validation score as text": _set("diagnostics", "validation", value="good"),
    "encoder as a list": _set("encoder", value=[]),
    "encoder columns as an object": _set("encoder", "columns", value={}),
    "encoder column state as a list": lambda m, a: m["encoder"]["columns"][0].update(state=[1]),
    "encoder transformer unknown": lambda m, a: m["encoder"]["columns"][0].update(transformer="magic"),
    "encoder column not in its schema": lambda m, a: m["encoder"]["columns"][0].update(name="nobody"),
    "category levels as a string": _first_column("ordinal_categories"),
    "numeric format as a string": _first_column("ordinal_numeric"),
    "encoder params as a list": _set("encoder", "params", value=[]),
    "encoder dependencies as a string": _set("encoder", "dependencies", value="none"),
    "encoder array of the wrong dtype": lambda m, a: a.update({k: np.zeros(3, np.int32) for k in a if k.endswith("bucket_p")}),
    "encoder array of the wrong shape": lambda m, a: a.update({k: np.zeros((2, 2)) for k in a if k.endswith("bucket_p")}),
    "model seed as a float array": _set_array("model/seed", np.zeros(2)),
    "correlation of the wrong shape": _set_array("model/correlation", np.eye(2)),
    "knots of the wrong length": _set_array("model/knot_offsets", np.array([0, 5000], dtype=np.int64)),
}


@pytest.fixture(scope="module")
def forged(good_file, tmp_path_factory):
    folder = tmp_path_factory.mktemp("forged")
    return {name: _forge(good_file, folder / f"f{i}.synthgan", change) for i, (name, change) in enumerate(FORGERIES.items())}


def test_the_unforged_file_loads(good_file):
    assert len(synthgan.load(good_file).sample(5, seed=1)) == 5


@pytest.mark.parametrize("name", list(FORGERIES))
def test_load_refuses_each_wrong_shape_in_one_line(forged, name):
    with pytest.raises(ModelFileError) as info:
        synthgan.load(forged[name])
    message = str(info.value)
    assert "\n" not in message and "fit the model again" in message and str(forged[name]) in message


@pytest.mark.parametrize("name", ["history as a string", "model_config as a list", "span start as a string",
                                  "encoder column state as a list", "category levels as a string",
                                  "diagnostics as a list", "fit rows as a string", "validation score as text"])
@pytest.mark.parametrize("command", ["info", "sample"])
def test_cli_info_and_sample_exit_2_without_traceback(forged, tmp_path, name, command):
    args = [command, str(forged[name])]
    out = tmp_path / "out.csv"
    if command == "sample":
        args += ["-n", "10", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.strip().startswith("error:") and len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def _raw_file(path, header) -> None:
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text)


@pytest.mark.parametrize("header", [[1, 2], {"__metadata__": [1]}, {"__metadata__": {"synthgan": "[1, 2]", "synthgan_sha256": "x"}}])
def test_headers_of_the_wrong_shape_are_refused(tmp_path, header):
    path = tmp_path / "odd.synthgan"
    _raw_file(path, header)
    with pytest.raises(ModelFileError):
        synthgan.load(path)
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 2 and result.output.startswith("error:")


def test_structure_checker_names_the_field():
    spec = {"a": ListOf({"b": int}), "c?": Opt(MapOf(float))}
    assert problem({"a": [{"b": 1}], "c": {"x": 1.5}}, spec, "m") is None
    assert problem({"a": [{"b": True}]}, spec, "m") == "m.a[0].b should be an integer, not true or false"
    assert problem({"a": []}, spec, "m") is None
    assert "m.a is missing" == problem({}, spec, "m")
    assert problem({"a": [], "c": {"x": "1"}}, spec, "m") == "m.c.x should be a number, not a string"


def test_bare_model_file_with_wrong_shapes_is_refused(tmp_path):
    from synthgan.core.files import save_model
    from synthgan.core.registry import create_model
    from synthgan.tabular.models._synthetic import synthetic_ordinal

    x, layout = synthetic_ordinal(100, seed=1)
    good = save_model(create_model("copula").fit(x, layout, seed=0), tmp_path / "bare.synthgan")
    assert synthgan.load(good) is not None
    assert runner.invoke(app, ["info", str(good)]).exit_code == 0
    bad = _forge(good, tmp_path / "bad.synthgan", _set("history", value={"epoch": 1}))
    with pytest.raises(ModelFileError):
        synthgan.load(bad)
