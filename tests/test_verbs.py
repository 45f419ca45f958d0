"""The verbs from Python: DataFrames or files in, results out, outputs checked before any work."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import synthgan
from synthgan import verbs
from synthgan.errors import ConfigError, InputFileError
from synthgan.io.tables import read_table
from synthgan.tabular.synthesizer import Synthesizer


def _table(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    y = np.where(np.arange(n) % 6 == 0, "yes", "no")
    return pd.DataFrame({"x": rng.normal(size=n) + (y == "yes"), "n": rng.integers(0, 50, n),
                         "colour": rng.choice(["red", "blue"], n), "y": y})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verbs")
    data = folder / "train.csv"
    _table().to_csv(data, index=False)
    model = folder / "m.synthgan"
    syn = verbs.fit(data, model="copula", output=model, seed=0)
    return data, model, syn


def test_fit_and_sample_from_files_and_objects(files, tmp_path):
    data, model, syn = files
    assert isinstance(syn, Synthesizer) and model.exists() and synthgan.fit is verbs.fit
    frame = verbs.sample(model, 250, seed=1)
    pd.testing.assert_frame_equal(frame, verbs.sample(syn, 250, seed=1))
    written = verbs.sample(model, 250, seed=1, output=tmp_path / "s.csv", chunk_rows=100)
    assert written.rows == 250 and written.path == tmp_path / "s.csv"
    pd.testing.assert_frame_equal(read_table(written.path), verbs.sample(model, 250, seed=1, chunk_rows=100),
                                  check_dtype=False)
    rich = verbs.sample(syn, 50, conditions={"y": "yes"}, seed=2)
    assert (rich["y"] == "yes").all()


def test_outputs_are_checked_before_any_work(files, tmp_path):
    data, model, _ = files
    missing = tmp_path / "no" / "out"
    for call in (lambda: verbs.fit(data, model="copula", output=missing / "m.synthgan"),
                 lambda: verbs.sample(model, 5, output=missing / "s.csv"),
                 lambda: verbs.evaluate(data, data, json_path=missing / "e.json"),
                 lambda: verbs.report(model, data=data, output=missing / "r.html"),
                 lambda: verbs.augment(data, target="y", output=missing / "a.csv")):
        with pytest.raises(InputFileError, match="does not exist"):
            call()
    with pytest.raises(ConfigError, match="unknown model"):
        verbs.fit(data, model="nope", output=tmp_path / "m.synthgan")
    with pytest.raises(ConfigError, match="n must be a positive number"):
        verbs.report(model, data=data, output=tmp_path / "r.html", n=0)
    with pytest.raises(ConfigError, match="DataFrame or a table file path"):
        verbs.evaluate([1, 2], data)
    assert list(tmp_path.iterdir()) == []


def test_evaluate_and_report_write_their_outputs(files, tmp_path):
    data, model, syn = files
    synthetic = verbs.sample(syn, 300, seed=3)
    result = verbs.evaluate(_table(), synthetic, metrics=["fidelity"], json_path=tmp_path / "e.json",
                            html_path=tmp_path / "e.html")
    assert list(json.loads((tmp_path / "e.json").read_text())["metrics"]) == ["fidelity"]
    assert list(result.summary()["headline"]) and "<html" in (tmp_path / "e.html").read_text().lower()
    verbs.report(model, data=data, output=tmp_path / "r.html", n=200, json_path=tmp_path / "r.json")
    assert "synthgan report: m.synthgan on train.csv" in (tmp_path / "r.html").read_text()
    assert json.loads((tmp_path / "r.json").read_text())["meta"]["n_rows"]["synthetic"] == 200


def test_augment_returns_the_table_and_what_was_added(files, tmp_path):
    data, model, _ = files
    out = verbs.augment(data, add=["y=yes:20"], from_model=model, output=tmp_path / "a.csv", seed=0)
    assert out.added == {"y": {"yes": 20}} and out.real_rows == 300 and len(out.table) == 320
    assert len(read_table(out.path)) == 320
