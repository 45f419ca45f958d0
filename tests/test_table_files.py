"""Table files: separators are found, encodings decoded or refused, output extensions checked before any work."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan import verbs
from synthgan.cli.main import app
from synthgan.errors import ConfigError, InputFileError
from synthgan.io.tables import check_table_output, read_table, write_table, write_table_chunks
from synthgan.tabular.synthesizer import Synthesizer

runner = CliRunner()
N = 40


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def text_table(sep: str) -> str:
    rows = [f"age{sep}city{sep}score"] + [f"{20 + i}{sep}{['Lyon', 'Nice', 'Metz'][i % 3]}{sep}{i / 4}" for i in range(N)]
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("sep", [";", "\t", "|", ","])
def test_separator_is_sniffed(tmp_path, sep):
    path = tmp_path / "t.csv"
    path.write_text(text_table(sep), encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["age", "city", "score"]
    assert frame["age"].tolist()[:3] == [20, 21, 22]
    assert frame["city"].tolist()[:3] == ["Lyon", "Nice", "Metz"]
    assert frame["score"].iloc[-1] == (N - 1) / 4


def test_semicolon_csv_fits_from_the_cli(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text(text_table(";"), encoding="utf-8")
    out = tmp_path / "m.synthgan"
    result = invoke("fit", path, "-o", out, "--model", "copula", "--quiet")
    assert result.exit_code == 0, result.output
    schema = invoke("schema", path)
    assert schema.exit_code == 0 and '"name": "city"' in schema.output


def test_comma_is_kept_when_text_holds_semicolons(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("note,v\n" + "".join(f'"a;b;{i}",{i}\n' for i in range(N)), encoding="utf-8")
    frame = read_table(path)
    assert list(frame.columns) == ["note", "v"] and frame["note"].iloc[0] == "a;b;0"


def test_single_column_with_text_semicolons_stays_one_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("note\n" + "".join(f"a;b;{i}\n" for i in range(N)), encoding="utf-8")
    assert list(read_table(path).columns) == ["note"]


def test_inconsistent_separator_says_what_was_seen(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b;c\n1;2;3\n4;5\n6;7;8;9\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"single column with ',' as separator, and ';' appears between fields"):
        read_table(path)


def test_explicit_sep(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(text_table(";"), encoding="utf-8")
    assert read_table(path, sep=";").shape == (N, 3)
    with pytest.raises(ConfigError, match="sep must be one character"):
        read_table(path, sep=";;")


def test_latin1_is_refused_naming_the_encoding_and_fix(tmp_path):
    path = tmp_path / "l.csv"
    path.write_bytes(b"name,v\n" + "café,1\n".encode("latin-1") * 3)
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(byte 0xe9 on line 2.*Latin-1.*iconv -f latin1 -t utf-8"):
        read_table(path)
    out = tmp_path / "m.synthgan"
    result = invoke("fit", path, "-o", out, "--model", "copula", "--quiet")
    assert result.exit_code == 2 and result.output.startswith("error: ") and "UTF-8" in result.output
    assert not out.exists()


def test_utf16_with_bom_is_decoded(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(text_table(",").replace("Lyon", "Orléans").encode("utf-16"))
    frame = read_table(path)
    assert frame.shape == (N, 3) and frame["city"].iloc[0] == "Orléans"


@pytest.mark.parametrize(("name", "message"), [
    ("book.xlsx", r"is an Excel workbook, which synthgan does not read .*export the sheet as CSV"),
    ("t.json", r"is a JSON file.*read_json"),
    ("t.csv.bz2", r"bzip2-compressed.*gzip"),
])
def test_non_table_inputs_are_refused(tmp_path, name, message):
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 not a csv")
    with pytest.raises(InputFileError, match=message):
        read_table(path)


@pytest.mark.parametrize("name", ["x.xlsx", "x.json", "x", "x.csv.bz2"])
def test_unsupported_output_extension_is_refused(tmp_path, name):
    df = pd.DataFrame({"a": [1, 2]})
    message = r"is not a table format synthgan writes; name it with one of \.csv, \.csv\.gz, \.tsv, \.tsv\.gz, \.parquet"
    for call in (lambda: write_table(df, tmp_path / name), lambda: write_table_chunks([df], tmp_path / name),
                 lambda: check_table_output(tmp_path / name)):
        with pytest.raises(InputFileError, match=message):
            call()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x.csv", "x.csv.gz", "x.tsv", "x.tsv.gz", "x.parquet", "X.CSV"])
def test_supported_output_extensions_round_trip(tmp_path, name):
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["u", "v", "w"]})
    write_table(df, tmp_path / name)
    back = read_table(tmp_path / name)
    assert back["a"].tolist() == [1, 2, 3] and back["b"].tolist() == ["u", "v", "w"]


@pytest.fixture(scope="module")
def model_and_table(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m")
    data = folder / "data.csv"
    pd.DataFrame({"a": np.arange(N), "b": ["x", "y"] * (N // 2)}).to_csv(data, index=False)
    model = folder / "m.synthgan"
    Synthesizer("copula", seed=0).fit(read_table(data)).save(model)
    return model, data


def test_cli_refuses_xlsx_output_before_any_work(tmp_path, model_and_table):
    model, data = model_and_table
    for args in (["sample", model, "-n", "10", "-o", tmp_path / "out.xlsx"],
                 ["augment", data, "-o", tmp_path / "out.xlsx", "--add", "b=x:3", "--model", "copula", "--quiet"]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("error: cannot write table") and ".xlsx" in result.output
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_verbs_refuse_xlsx_output(tmp_path, model_and_table):
    model, data = model_and_table
    with pytest.raises(InputFileError, match="extension '.xlsx'"):
        verbs.sample(model, 5, output=tmp_path / "s.xlsx")
    with pytest.raises(InputFileError, match="extension '.xlsx'"):
        verbs.augment(data, add=["b=x:3"], model="copula", output=tmp_path / "a.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_parquet_chunks_with_an_all_missing_first_chunk(tmp_path):
    chunks = [pd.DataFrame({"a": [1, 2], "b": [None, None]}), pd.DataFrame({"a": [3], "b": ["x"]})]
    assert write_table_chunks(iter(chunks), tmp_path / "s.parquet") == 3
    back = read_table(tmp_path / "s.parquet")
    assert back["a"].tolist() == [1, 2, 3] and back["b"].isna().tolist() == [True, True, False]
    assert back["b"].iloc[2] == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]
