"""Reading/writing tables and model files: clear errors, atomic writes, no pickle."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import InputFileError, ModelFileError
from synthgan.io.atomic import atomic_path
from synthgan.io.serialization import FORMAT_VERSION, load_model_file, save_model_file
from synthgan.io.tables import read_table, write_table, write_table_chunks


@pytest.fixture()
def small_frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None], "c": [0.5, np.nan, 2.0]})


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".tsv", ".parquet"])
def test_write_then_read_round_trip(tmp_path, small_frame, suffix):
    path = write_table(small_frame, tmp_path / f"t{suffix}")
    back = read_table(path)
    assert list(back.columns) == ["a", "b", "c"]
    assert back["a"].tolist() == [1, 2, 3]
    assert back["b"].isna().tolist() == [False, False, True]
    assert np.isnan(back["c"].iloc[1])
    assert [p.name for p in tmp_path.iterdir()] == [f"t{suffix}"]  # no temporary file left


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_write_matches_whole(tmp_path, small_frame, suffix):
    chunks = [small_frame.iloc[:2], small_frame.iloc[2:]]
    assert write_table_chunks(iter(chunks), tmp_path / f"c{suffix}") == 3
    pd.testing.assert_frame_equal(read_table(tmp_path / f"c{suffix}"), read_table(write_table(small_frame, tmp_path / f"w{suffix}")))


def test_interrupted_chunked_write_leaves_nothing(tmp_path, small_frame):
    def chunks():
        yield small_frame
        raise KeyboardInterrupt

    target = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):
        write_table_chunks(chunks(), target)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_existing_file(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n", "is empty"),
        (b"a,b\n", "header but no data rows"),
        (b"a,b,a\n1,2,3\n", "column name 'a' appears more than once"),
        (b"name\ncaf\xe9\n", "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text table"),
        (b'a,b\n1,"2\n', "not a valid table"),
    ],
)
def test_bad_tables_get_clear_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=message):
        read_table(path)


def test_missing_input_and_output_folder(tmp_path, small_frame):
    with pytest.raises(InputFileError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputFileError, match="folder .* does not exist"):
        write_table(small_frame, tmp_path / "missing" / "out.csv")


def test_bad_gzip_and_bad_parquet(tmp_path):
    (tmp_path / "x.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(InputFileError, match="gzip"):
        read_table(tmp_path / "x.csv.gz")
    (tmp_path / "x.parquet").write_bytes(b"a,b\n1,2\n")
    with pytest.raises(InputFileError, match="Parquet"):
        read_table(tmp_path / "x.parquet")
    (tmp_path / "ok.csv.gz").write_bytes(gzip.compress(b"a\n1\n"))
    assert read_table(tmp_path / "ok.csv.gz")["a"].tolist() == [1]


def _arrays():
    return {"w": np.arange(6, dtype=np.float32).reshape(2, 3), "idx": np.array([3, 1], dtype=np.int64)}


def test_model_file_round_trip_is_exact(tmp_path):
    path = save_model_file(tmp_path / "m.synthgan", {"model": "x", "history": [{"epoch": 1, "loss": 0.5}]}, _arrays())
    manifest, arrays = load_model_file(path)
    assert manifest["model"] == "x" and manifest["format_version"] == FORMAT_VERSION
    assert manifest["history"] == [{"epoch": 1, "loss": 0.5}]
    np.testing.assert_array_equal(arrays["w"], _arrays()["w"])
    assert arrays["w"].dtype == np.float32 and arrays["idx"].dtype == np.int64
    assert b"pickle" not in path.read_bytes() and path.read_bytes()[8:9] == b"{"  # plain JSON header


def test_tampered_weights_are_refused(tmp_path):
    path = save_model_file(tmp_path / "m.synthgan", {"model": "x"}, _arrays())
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 0xFF  # flip bits of the last weight
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="integrity check"):
        load_model_file(path)


def test_tampered_manifest_is_refused(tmp_path):
    path = save_model_file(tmp_path / "m.synthgan", {"model": "ctgan"}, _arrays())
    raw = path.read_bytes().replace(b"ctgan", b"tvae_")
    path.write_bytes(raw)
    with pytest.raises(ModelFileError, match="integrity check"):
        load_model_file(path)


def test_incompatible_version_and_foreign_files(tmp_path):
    path = save_model_file(tmp_path / "m.synthgan", {"model": "x", "synthgan_version": "0.1.0"}, _arrays())
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    manifest = json.loads(header["__metadata__"]["synthgan"])
    manifest["format_version"] = 99
    header["__metadata__"]["synthgan"] = json.dumps(manifest, sort_keys=True)
    new_header = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(new_header)) + new_header + raw[8 + size :])
    with pytest.raises(ModelFileError, match="format 99"):
        load_model_file(path)
    (tmp_path / "junk.synthgan").write_bytes(b"\x00" * 3)
    with pytest.raises(ModelFileError, match="not a synthgan model file"):
        load_model_file(tmp_path / "junk.synthgan")
    (tmp_path / "text.synthgan").write_text("a,b\n1,2\n")
    with pytest.raises(ModelFileError):
        load_model_file(tmp_path / "text.synthgan")
    truncated = tmp_path / "trunc.synthgan"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError):
        load_model_file(truncated)
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model_file(tmp_path / "none.synthgan")
