"""Out-of-core fit (``synthgan fit DIR --stream``): Parquet reading in bounded memory and chunked training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import synthgan
from synthgan.cli.main import app
from synthgan.errors import ConfigError, InputFileError
from synthgan.io.parquet_stream import ParquetSource
from synthgan.tabular.synthesizer import Synthesizer


def _write_parts(folder, frame, parts=2, row_group_size=100):
    folder.mkdir(parents=True, exist_ok=True)
    for i, piece in enumerate(np.array_split(np.arange(len(frame)), parts)):
        frame.iloc[piece].reset_index(drop=True).to_parquet(folder / f"part-{i}.parquet", index=False, row_group_size=row_group_size)
    return folder


@pytest.fixture
def numbered(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"row": np.arange(1000), "group": rng.choice(["a", "b", "c"], 1000), "x": rng.normal(size=1000)})
    return _write_parts(tmp_path / "numbered", frame, parts=3, row_group_size=97), frame


@pytest.fixture
def small_table(tmp_path):
    rng = np.random.default_rng(1)
    n = 1200
    colour = rng.choice(["red", "green", "blue"], n, p=[0.6, 0.3, 0.1])
    frame = pd.DataFrame({"colour": colour, "size": rng.normal(10, 2, n) + (colour == "red") * 5,
                          "count": rng.integers(0, 5, n)})
    return _write_parts(tmp_path / "table", frame, parts=2, row_group_size=150), frame


def test_source_reads_sizes_and_columns_from_footers(numbered):
    folder, frame = numbered
    source = ParquetSource(folder)
    assert source.n_rows == 1000
    assert source.columns == ["row", "group", "x"]
    assert len(source.files) == 3


def test_reservoir_is_a_seeded_uniform_sample_without_replacement(numbered):
    folder, frame = numbered
    source = ParquetSource(folder)
    sample = source.reservoir(200, np.random.default_rng(5))
    assert len(sample) == 200 and sample["row"].is_unique
    assert sample["row"].is_monotonic_increasing  # kept in file order
    pd.testing.assert_frame_equal(sample.reset_index(drop=True), frame.iloc[sample["row"]].reset_index(drop=True))
    again = source.reservoir(200, np.random.default_rng(5))
    pd.testing.assert_frame_equal(sample, again)
    # uniform: over many draws every row is kept about k/n = 20 % of the time
    kept = np.zeros(1000)
    for seed in range(60):
        kept[source.reservoir(200, np.random.default_rng(seed))["row"]] += 1
    assert abs(kept[:500].mean() - kept[500:].mean()) < 0.6  # both halves near 12 of 60
    assert abs(kept.mean() - 12.0) < 1e-9


def test_reservoir_larger_than_the_table_returns_every_row(numbered):
    folder, frame = numbered
    sample = ParquetSource(folder).reservoir(5000, np.random.default_rng(0))
    pd.testing.assert_frame_equal(sample, frame)


def test_chunks_have_exact_size_cover_each_pass_and_mix_row_groups(numbered):
    folder, _ = numbered
    chunks = ParquetSource(folder).chunks(250, np.random.default_rng(3))
    first_pass = [next(chunks) for _ in range(4)]
    assert [len(c) for c in first_pass] == [250] * 4
    rows = np.concatenate([c["row"].to_numpy() for c in first_pass])
    assert np.array_equal(np.sort(rows), np.arange(1000))  # one pass: every row exactly once
    assert not np.array_equal(rows, np.arange(1000))  # in a shuffled order
    assert len(np.unique(first_pass[0]["row"].to_numpy() // 97)) >= 2  # a chunk pools several row groups
    second = next(chunks)
    assert len(second) == 250 and second["row"].is_unique


def test_source_errors_say_what_to_do(tmp_path, numbered):
    with pytest.raises(InputFileError, match="does not exist"):
        ParquetSource(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="holds no .parquet files"):
        ParquetSource(tmp_path / "empty")
    csv = tmp_path / "t.csv"
    csv.write_text("a\n1\n")
    with pytest.raises(InputFileError, match="to_parquet"):
        ParquetSource(csv)
    folder, _ = numbered
    pd.DataFrame({"other": [1, 2]}).to_parquet(folder / "zz-extra.parquet")
    with pytest.raises(InputFileError, match="same columns"):
        ParquetSource(folder)


def test_streamed_ctgan_trains_on_chunks_and_counts_every_row_seen(small_table):
    folder, frame = small_table
    syn = Synthesizer("ctgan", seed=0, epochs=3, batch_size=50, pac=5, generator_dim=(32,), discriminator_dim=(32,))
    syn.fit_stream(folder, reservoir_rows=500, chunk_rows=400)
    assert syn.n_rows_fit_ == 1200
    assert len(syn.history_) == 3  # an epoch is one chunk
    counts = syn.model_.state_arrays()["condition_counts"]
    # sampling frequencies count the rows of every chunk trained on: 3 chunks x 400 rows per condition span
    np.testing.assert_array_equal(counts.sum(axis=1), np.full(len(counts), 1200.0))
    rows = syn.sample(300, seed=1)
    assert list(rows.columns) == ["colour", "size", "count"]
    assert set(rows["colour"]) <= {"red", "green", "blue"}


def test_streamed_fit_is_reproducible_and_differs_by_seed(small_table):
    folder, _ = small_table
    kwargs = dict(epochs=2, batch_size=50, pac=5, generator_dim=(32,), discriminator_dim=(32,))
    a = Synthesizer("ctgan", seed=3, **kwargs).fit_stream(folder, reservoir_rows=300, chunk_rows=200).sample(100, seed=0)
    b = Synthesizer("ctgan", seed=3, **kwargs).fit_stream(folder, reservoir_rows=300, chunk_rows=200).sample(100, seed=0)
    c = Synthesizer("ctgan", seed=4, **kwargs).fit_stream(folder, reservoir_rows=300, chunk_rows=200).sample(100, seed=0)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_default_streamed_budget_counts_steps_over_all_rows(small_table):
    folder, _ = small_table
    syn = Synthesizer("tvae", seed=0, batch_size=100, compress_dims=(16,), decompress_dims=(16,), embedding_dim=8)
    syn.fit_stream(folder, reservoir_rows=300, chunk_rows=300)
    steps = syn.model_.capabilities.budget.steps(1200)  # 8,000: the budget ignores min_epochs under streaming
    assert len(syn.history_) == -(-steps // 3)  # 3 steps per 300-row chunk


def test_copula_learns_from_the_reservoir_sample(small_table):
    folder, frame = small_table
    syn = Synthesizer("copula", seed=0).fit_stream(folder, reservoir_rows=600)
    rows = syn.sample(2000, seed=0)
    assert syn.n_rows_fit_ == 1200
    assert abs(rows["colour"].eq("red").mean() - frame["colour"].eq("red").mean()) < 0.08


def test_streamed_fit_refuses_validation_and_checkpoints(small_table, tmp_path):
    folder, _ = small_table
    with pytest.raises(ConfigError, match="does not support patience"):
        Synthesizer("ctgan", patience=3).fit_stream(folder)
    with pytest.raises(ConfigError, match="checkpoint_every"):
        Synthesizer("ctgan", checkpoint_every=1, checkpoint=tmp_path / "c.ckpt").fit_stream(folder)


def test_cli_stream_fit_writes_a_loadable_model(small_table, tmp_path):
    folder, _ = small_table
    out = tmp_path / "m.synthgan"
    result = CliRunner().invoke(app, ["fit", str(folder), "--stream", "-m", "tvae", "--epochs", "2", "--batch-size", "100",
                                      "-p", "compress_dims=[16]", "-p", "decompress_dims=[16]", "-o", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    loaded = synthgan.load(out)
    assert loaded.n_rows_fit_ == 1200 and len(loaded.history_) == 2
    assert list(loaded.sample(10, seed=0).columns) == ["colour", "size", "count"]


def test_cli_stream_refuses_a_csv_and_writes_nothing(tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"a": range(50), "b": ["x", "y"] * 25}).to_csv(csv, index=False)
    out = tmp_path / "m.synthgan"
    result = CliRunner().invoke(app, ["fit", str(csv), "--stream", "-o", str(out)])
    assert result.exit_code == 2
    assert "--stream reads Parquet" in result.output
    assert not out.exists()
