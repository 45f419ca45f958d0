"""A corpus of odd files (tests/corpus/) through the command line: learned, or refused in one line.

Every file goes through ``synthgan fit`` (copula); a fitted one then through ``sample`` and
``evaluate``. No file may produce a traceback or an exit code other than 0 or 2, and a
refused file leaves no model file behind.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app

CORPUS = Path(__file__).parent / "corpus"
runner = CliRunner()

# files a user would expect to be learned, with the columns they must come back with
LEARNED = {
    "tab_separated.tsv": ["age", "city", "score"],
    "utf8_bom.csv": ["age", "city", "score"],
    "dst_offsets.csv": ["when", "x"],
    "iso_z.csv": ["ts", "x"],
    "day_first_unique.csv": ["day", "x"],
    "uint64_near_max.parquet": ["big", "x"],
    "huge_floats.csv": ["huge", "x"],
    "int64_wide.csv": ["wide", "x"],
    "binary_integer.csv": ["stroke", "age"],
    "one_column.csv": ["c"],
    "quoted_newlines.csv": ["note", "x"],
}
# other separators: sniffed and learned, or refused naming the separator seen
SEPARATED = {"semicolon.csv": ";", "pipe.csv": "|"}
# latin1.csv: non-UTF-8 text is refused naming the byte, its line and the iconv fix (docs/limits.md)
REFUSED = ("latin1.csv", "empty.csv", "header_only.csv", "not_a_table.csv", "list_column.parquet", "struct_column.parquet",
           "duplicate_headers.csv")


def _fit(path: Path, out: Path):
    return runner.invoke(app, ["fit", str(path), "-o", str(out), "--model", "copula", "--seed", "0", "--quiet"])


def _assert_clean_refusal(result, out: Path) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert not out.exists()
    return lines[0]


def test_the_corpus_is_complete():
    expected = set(LEARNED) | set(SEPARATED) | set(REFUSED) | {"ragged_rows.csv"}
    assert {p.name for p in CORPUS.iterdir()} == expected


@pytest.mark.parametrize("name", sorted(LEARNED))
def test_odd_but_valid_files_are_learned(name, tmp_path):
    model = tmp_path / "m.synthgan"
    result = _fit(CORPUS / name, model)
    assert result.exit_code == 0, result.output
    synth = tmp_path / "s.csv"
    result = runner.invoke(app, ["sample", str(model), "-n", "30", "-o", str(synth), "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert list(pd.read_csv(synth).columns) == LEARNED[name]
    result = runner.invoke(app, ["evaluate", str(CORPUS / name), str(synth), "--json", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(SEPARATED))
def test_other_separators_are_sniffed_or_named(name, tmp_path):
    model = tmp_path / "m.synthgan"
    result = _fit(CORPUS / name, model)
    if result.exit_code == 0:
        synth = tmp_path / "s.csv"
        assert runner.invoke(app, ["sample", str(model), "-n", "20", "-o", str(synth), "--seed", "1"]).exit_code == 0
        assert list(pd.read_csv(synth).columns) == ["age", "city", "score"]
    else:
        assert repr(SEPARATED[name]) in _assert_clean_refusal(result, model)


@pytest.mark.parametrize("name", REFUSED)
def test_unusable_files_are_refused_in_one_line(name, tmp_path):
    model = tmp_path / "m.synthgan"
    line = _assert_clean_refusal(_fit(CORPUS / name, model), model)
    assert len(line) > 20


def test_ragged_rows_are_learned_or_refused_cleanly(tmp_path):
    model = tmp_path / "m.synthgan"
    result = _fit(CORPUS / "ragged_rows.csv", model)
    if result.exit_code != 0:
        _assert_clean_refusal(result, model)
    else:
        assert model.exists()
