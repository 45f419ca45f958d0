"""The command line, in-process: the happy path, and every bad input getting one clear line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.io.tables import read_table

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def adult_csv(tmp_path_factory, shared_datasets):
    path = tmp_path_factory.mktemp("data") / "adult.csv"
    pd.read_csv(shared_datasets / "adult.csv.gz").sample(n=1500, random_state=2).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_file(tmp_path_factory, adult_csv):
    out = tmp_path_factory.mktemp("model") / "m.synthgan"
    result = invoke("fit", adult_csv, "-o", out, "--model", "copula", "--seed", "0", "--quiet")
    assert result.exit_code == 0, result.output
    return out


def test_fit_sample_info_schema(tmp_path, adult_csv, model_file):
    out = tmp_path / "s.csv"
    result = invoke("sample", model_file, "-n", "700", "-o", out, "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "wrote 700 rows" in result.output
    frame = read_table(out)
    assert frame.shape == (700, 15)
    again = tmp_path / "s2.csv"
    invoke("sample", model_file, "-n", "700", "-o", again, "--seed", "1", "--quiet")
    assert out.read_bytes() == again.read_bytes()

    rich = tmp_path / "rich.parquet"
    result = invoke("sample", model_file, "-n", "300", "--condition", "income=>50K", "-o", rich, "--chunk-rows", "128")
    assert result.exit_code == 0, result.output
    assert (read_table(rich)["income"] == ">50K").all() and len(read_table(rich)) == 300

    info = invoke("info", model_file)
    assert info.exit_code == 0 and "copula" in info.output and "education" in info.output

    schema = invoke("schema", adult_csv)
    parsed = json.loads(schema.output)
    kinds = {c["name"]: c["kind"] for c in parsed["columns"]}
    assert kinds["income"] in ("categorical", "boolean") and kinds["age"] == "integer"

    listed = invoke("models")
    assert all(name in listed.output for name in ("ctgan", "wgan-gp", "wgan", "gan", "tvae", "copula"))


def test_schema_override_round_trip(tmp_path, adult_csv):
    schema_path = tmp_path / "schema.json"
    assert invoke("schema", adult_csv, "-o", schema_path).exit_code == 0
    spec = json.loads(schema_path.read_text())
    for column in spec["columns"]:
        if column["name"] == "education_num":
            column["kind"] = "categorical"
    schema_path.write_text(json.dumps(spec))
    out = tmp_path / "m.synthgan"
    result = invoke("fit", adult_csv, "-o", out, "--model", "copula", "--schema", schema_path, "--quiet")
    assert result.exit_code == 0, result.output
    assert "education_num                categorical" in invoke("info", out).output


def _write(path, content: bytes):
    path.write_bytes(content)
    return path


BAD_TABLES = {
    "empty": (b"", "empty"),
    "header_only": (b"a,b,c\n", "no data rows"),
    "too_few_rows": (b"a,b\n1,x\n2,y\n", "rows"),
    "inf": (b"a,b\n" + b"".join(f"{i},{'inf' if i == 3 else i}\n".encode() for i in range(40)), "'b'"),
    "duplicate_columns": (b"a,a\n1,2\n", "'a' appears more than once"),
    "non_utf8": (b"name,v\n" + b"caf\xe9,1\n" * 30, "UTF-8"),
    "not_a_table": (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", "not a text table"),
}


@pytest.mark.parametrize("case", sorted(BAD_TABLES))
def test_bad_tables_fail_with_one_line_and_no_output(tmp_path, case):
    content, message = BAD_TABLES[case]
    data = _write(tmp_path / "in.csv", content)
    out = tmp_path / "m.synthgan"
    result = invoke("fit", data, "-o", out, "--model", "copula", "--quiet")
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["in.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nope"], "nope"),
        (["--model", "copula", "-o", "MISSING/m.synthgan"], "does not exist"),
    ],
)
def test_bad_fit_arguments(tmp_path, adult_csv, args, message):
    full = ["fit", adult_csv, "-o", tmp_path / "m.synthgan", *args, "--quiet"]
    if "MISSING/m.synthgan" in args:
        full = ["fit", adult_csv, *[a if a != "MISSING/m.synthgan" else tmp_path / "missing" / "m.synthgan" for a in args], "--quiet"]
    result = invoke(*full)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "positive integer"),
        (["-n", "-3"], "positive integer"),
        (["-n", "10", "--condition", "income=rich"], "income"),
        (["-n", "10", "--condition", "nosuch=1"], "nosuch"),
        (["-n", "10", "--condition", "income"], "COLUMN=VALUE"),
    ],
)
def test_bad_sample_arguments(tmp_path, model_file, args, message):
    out = tmp_path / "o.csv"
    result = invoke("sample", model_file, *args, "-o", out)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_sample_to_missing_folder_and_bad_model_file(tmp_path, model_file):
    result = invoke("sample", model_file, "-n", "5", "-o", tmp_path / "no" / "o.csv")
    assert result.exit_code == 2 and "does not exist" in result.output
    fake = _write(tmp_path / "fake.synthgan", b"a,b\n1,2\n")
    result = invoke("sample", fake, "-n", "5", "-o", tmp_path / "o.csv")
    assert result.exit_code == 2 and "model file" in result.output and not (tmp_path / "o.csv").exists()


def test_interrupted_sample_leaves_no_file(tmp_path, model_file, monkeypatch):
    from synthgan.tabular.synthesizer import Synthesizer

    original = Synthesizer.sample_chunks

    def interrupted(self, *args, **kwargs):
        for i, chunk in enumerate(original(self, *args, **kwargs)):
            if i == 1:
                raise KeyboardInterrupt
            yield chunk

    monkeypatch.setattr(Synthesizer, "sample_chunks", interrupted)
    out = tmp_path / "big.csv"
    result = invoke("sample", model_file, "-n", "1000", "--chunk-rows", "100", "-o", out)
    assert result.exit_code == 130 and "interrupted" in result.output
    assert list(tmp_path.iterdir()) == []


def test_mixed_column_warns_and_constant_columns_survive(tmp_path):
    from synthgan import Synthesizer
    from synthgan.errors import DataWarning

    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({"x": rng.normal(size=n), "const": 7, "empty": np.nan,
                          "mixed": pd.Series(np.where(rng.random(n) < 0.5, "12", "abc"), dtype=object)})
    frame.loc[::3, "mixed"] = 5  # real ints mixed with strings
    with pytest.warns(DataWarning, match="mixed"):
        syn = Synthesizer("copula", seed=0).fit(frame)
    synth = syn.sample(100, seed=0)
    assert (synth["const"] == 7).all() and synth["empty"].isna().all()
    assert set(synth["mixed"].astype(str)) <= {"12", "abc", "5"}

    # Through the CLI the warning is one line on stderr and the fit succeeds.
    data = tmp_path / "odd.csv"
    frame.to_csv(data, index=False)
    result = invoke("fit", data, "-o", tmp_path / "m.synthgan", "--model", "copula", "--quiet")
    assert result.exit_code == 0, result.output
