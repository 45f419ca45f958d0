"""Sharded sampling: seeds per shard, byte identity across workers (and Dask), resume, bad inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan import verbs
from synthgan._random import child_seed
from synthgan.cli.main import app
from synthgan.errors import ConfigError
from synthgan.io.atomic import TEMP_SUFFIX, _host_tag
from synthgan.sharding import MANIFEST_NAME, shard_name, shard_rows, shard_seed

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=300), "kind": rng.choice(["a", "b", "c"], 300),
                         "count": rng.integers(0, 10, 300)})


@pytest.fixture(scope="module")
def models(tmp_path_factory, table):
    folder = tmp_path_factory.mktemp("models")
    verbs.fit(table, model="copula", output=folder / "copula.synthgan", seed=0)
    verbs.fit(table, model="ctgan", output=folder / "ctgan.synthgan", seed=0, epochs=1)
    return {"copula": folder / "copula.synthgan", "ctgan": folder / "ctgan.synthgan"}


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_rows_split_evenly_and_seeds_derived_per_shard():
    assert shard_rows(10, 3) == [4, 3, 3]
    assert shard_rows(7, 7) == [1] * 7
    assert sum(shard_rows(100_000_000, 200)) == 100_000_000
    assert shard_seed(1, 4) == child_seed(1, "shard", "4")
    assert len({shard_seed(1, i) for i in range(200)}) == 200
    assert shard_seed(1, 0) != shard_seed(2, 0)


@pytest.mark.parametrize("kind", ["copula", "ctgan"])
def test_same_bytes_with_one_or_two_workers(tmp_path, models, kind):
    one, two = tmp_path / "one", tmp_path / "two"
    result = invoke("sample", models[kind], "-n", 1003, "-o", one, "--shards", 5, "--seed", 1, "--chunk-rows", 128)
    assert result.exit_code == 0, result.output
    assert "wrote 1,003 rows as 5 shards" in result.output and "5 written, 0 kept" in result.output
    result = invoke("sample", models[kind], "-n", 1003, "-o", f"{two}/", "--shards", 5, "--seed", 1,
                    "--chunk-rows", 128, "--workers", 2, "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in one.iterdir()) == [MANIFEST_NAME] + [shard_name(i) for i in range(5)]
    assert _files(one) == _files(two)
    frames = [pd.read_parquet(one / shard_name(i)) for i in range(5)]
    assert [len(f) for f in frames] == [201, 201, 201, 200, 200]
    assert list(frames[0].columns) == ["x", "kind", "count"]
    assert not np.allclose(frames[0]["x"].to_numpy()[:200], frames[1]["x"].to_numpy()[:200])  # independent shards
    manifest = json.loads((one / MANIFEST_NAME).read_text())
    assert (manifest["n"], manifest["shards"], manifest["seed"], manifest["model"]["name"]) == (1003, 5, 1, f"{kind}.synthgan")


def test_resume_rewrites_only_the_missing_shard(tmp_path, models):
    out = tmp_path / "parts"
    args = ("sample", models["copula"], "-n", 500, "-o", out, "--shards", 4, "--seed", 3)
    assert invoke(*args).exit_code == 0
    before = _files(out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    (out / shard_name(2)).unlink()
    dead_pid = subprocess.Popen([sys.executable, "-c", "pass"])  # a finished process: its pid is gone
    dead_pid.wait()
    stray = out / f".{shard_name(1)}.{_host_tag()}-{dead_pid.pid}.abc123{TEMP_SUFFIX}"
    stray.write_bytes(b"half a shard")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "1 written, 3 kept" in result.output
    assert _files(out) == before
    for i in (0, 1, 3):
        assert (out / shard_name(i)).stat().st_mtime_ns == mtimes[shard_name(i)]
    assert not [p for p in out.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_a_different_request_is_refused_unless_overwrite(tmp_path, models):
    out = tmp_path / "parts"
    assert invoke("sample", models["copula"], "-n", 100, "-o", out, "--shards", 4, "--seed", 3).exit_code == 0
    before = _files(out)
    result = invoke("sample", models["copula"], "-n", 100, "-o", out, "--shards", 2, "--seed", 3)
    assert result.exit_code == 2 and "--overwrite" in result.output and "shards" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert _files(out) == before
    result = invoke("sample", models["copula"], "-n", 100, "-o", out, "--shards", 2, "--seed", 3, "--overwrite")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, shard_name(0), shard_name(1)]
    # without --seed, a re-run resumes with the seed the directory recorded
    result = invoke("sample", models["copula"], "-n", 100, "-o", out, "--shards", 2)
    assert result.exit_code == 0 and "0 written, 2 kept" in result.output and "seed 3" in result.output


def _bad_cases(tmp_path, models):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    csv = tmp_path / "x.csv"
    return [
        (["-n", 10, "-o", tmp_path / "a", "--shards", 0], "--shards must be a positive integer"),
        (["-n", 10, "-o", tmp_path / "a", "--shards", 11], "more than the 10 rows"),
        (["-n", 10, "-o", other, "--shards", 2], "not synthgan shards"),
        (["-n", 10, "-o", csv, "--shards", 2], "directory"),
        (["-n", 10, "-o", tmp_path / "a", "--shards", 2, "--workers", 0], "--workers must be a positive integer"),
        (["-n", 10, "-o", tmp_path / "a.csv", "--workers", 2], "--workers works with --shards only"),
        (["-n", 10, "-o", tmp_path / "a", "--shards", 2, "-c", "nope=1"], "nope"),
        (["-n", 10, "-o", tmp_path / "missing" / "a", "--shards", 2], "does not exist"),
    ]


def test_bad_inputs_one_line_exit_2_nothing_written(tmp_path, models):
    for args, message in _bad_cases(tmp_path, models):
        before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
        result = invoke("sample", models["copula"], *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before, args


def test_missing_dask_names_the_extra(tmp_path, models, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(ConfigError, match=r"synthgan\[distributed\]"):
        verbs.sample_shards(models["copula"], 10, tmp_path / "parts", shards=2, seed=0, dask="local")
    assert not (tmp_path / "parts").exists()


def test_python_api_needs_a_model_file(tmp_path, table):
    from synthgan import Synthesizer

    syn = Synthesizer("copula", seed=0).fit(table)
    with pytest.raises(ConfigError, match="model file"):
        verbs.sample_shards(syn, 10, tmp_path / "parts", shards=2)


def test_dask_local_gives_the_same_bytes(tmp_path, models):
    pytest.importorskip("dask.distributed")
    local, cluster = tmp_path / "local", tmp_path / "dask"
    common = dict(shards=3, seed=5, chunk_rows=100)
    verbs.sample_shards(models["ctgan"], 301, local, **common)
    result = verbs.sample_shards(models["ctgan"], 301, cluster, dask="local", workers=2, **common)
    assert (result.written, result.kept, result.rows) == (3, 0, 301)
    assert _files(local) == _files(cluster)


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "synthgan", "sample", "--help"], capture_output=True, text=True,
                            env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "--shards" in result.stdout and "--dask" in result.stdout
