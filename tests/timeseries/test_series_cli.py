"""`synthgan fit --time-column`, `sample --paths/--length`, `info` on series, and every bad input as one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.io.tables import read_table

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result, *parts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for part in parts:
        assert part in lines[0], (part, lines[0])


@pytest.fixture(scope="module")
def files(tmp_path_factory, shared_datasets):
    """Small inputs (S&P 500 closes 2000-2010, two Beijing stations for a week, a tiny table) and their model files."""
    folder = tmp_path_factory.mktemp("series")
    sp = pd.read_csv(shared_datasets / "sp500_daily.csv.gz")
    sp = sp[(sp["Date"] >= "2000-01-01") & (sp["Date"] <= "2010-12-31")]
    sp.to_csv(folder / "sp500.csv", index=False)
    air = pd.read_csv(shared_datasets / "sequences_beijing_air_quality.csv.gz")
    air = air[air["station"].isin(["Dongsi", "Tiantan"]) & (air["timestamp"] < "2016-03-08")]
    air[["station", "timestamp", "PM2.5", "TEMP", "wd"]].to_csv(folder / "air.csv", index=False)
    rng = np.random.default_rng(0)
    pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["a", "b"], 200)}).to_csv(folder / "table.csv", index=False)
    out = {"folder": folder, "sp500": folder / "sp500.csv", "air": folder / "air.csv", "table": folder / "table.csv",
           "sp_model": folder / "sp.synthgan", "air_model": folder / "air.synthgan", "table_model": folder / "t.synthgan"}
    result = invoke("fit", out["sp500"], "--time-column", "Date", "--columns", "Close", "--returns", "log", "-o", out["sp_model"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("fitted stationary-bootstrap on 1 series (2,767 rows x 1 columns")
    result = invoke("fit", out["air"], "--entity", "station", "--time-column", "timestamp", "-o", out["air_model"], "-q")
    assert result.exit_code == 0 and result.output == "", result.output
    assert invoke("fit", out["table"], "-m", "copula", "-o", out["table_model"], "-q").exit_code == 0
    return out


def test_sample_paths_same_seed_same_bytes(files, tmp_path):
    first, second = tmp_path / "paths.csv", tmp_path / "again.csv"
    result = invoke("sample", files["sp_model"], "--paths", 5, "--length", 30, "-o", first, "--seed", 1)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote 5 paths (150 rows) to ")
    invoke("sample", files["sp_model"], "--paths", 5, "--length", 30, "-o", second, "--seed", 1, "-q")
    assert first.read_bytes() == second.read_bytes()
    third = tmp_path / "other.csv"
    invoke("sample", files["sp_model"], "--paths", 5, "--length", 30, "-o", third, "--seed", 2, "-q")
    assert third.read_bytes() != first.read_bytes()
    frame = read_table(first)
    assert list(frame.columns) == ["path", "Date", "Close"] and (frame["Close"] > 0).all()
    assert str(frame["Date"].iloc[0]).startswith("2011-01-03")
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for path in (a, b):
        assert invoke("sample", files["sp_model"], "--paths", 3, "-o", path, "--seed", 4, "-q").exit_code == 0
    assert a.read_bytes() == b.read_bytes() and len(pd.read_parquet(a)) == 3 * 2766  # default: the training length


def test_condition_on_the_entity(files, tmp_path):
    out = tmp_path / "air_syn.csv"
    result = invoke("sample", files["air_model"], "--paths", 4, "--length", 24, "--condition", "station=Dongsi", "-o", out)
    assert result.exit_code == 0, result.output
    frame = read_table(out)
    assert list(frame.columns) == ["station", "timestamp", "PM2.5", "TEMP", "wd"] and len(frame) == 96
    assert sorted(frame["station"].unique()) == ["Dongsi#1", "Dongsi#2", "Dongsi#3", "Dongsi#4"]
    assert str(frame["timestamp"].iloc[0]).startswith("2016-03-08 00:00")
    result = invoke("sample", files["air_model"], "--paths", 2, "--condition", "station=Nowhere", "-o", tmp_path / "x.csv")
    one_error_line(result, "Nowhere", "Dongsi")
    assert not (tmp_path / "x.csv").exists()


def test_info_describes_series_files(files):
    result = invoke("info", files["sp_model"])
    assert result.exit_code == 0, result.output
    for part in ("stationary-bootstrap", "sequence model", "pipeline series", "(none: one series)", "business days",
                 "last training time 2010-12-31", "returns         log", "Close", "2,766 steps", "seed 0"):
        assert part in result.output, part
    result = invoke("info", files["air_model"])
    for part in ("station (2 entities", "every 0 days 01:00:00", "returns         none", "wd", "categorical"):
        assert part in result.output, part
    assert "copula" in invoke("info", files["table_model"]).output  # tables as before


BAD = {
    "-n on a sequence model": (["sample", "{sp_model}", "-n", "10", "-o", "{out}.csv"], ["--paths", "--length", "-n"]),
    "no --paths": (["sample", "{sp_model}", "-o", "{out}.csv"], ["--paths N"]),
    "--paths on a table model": (["sample", "{table_model}", "--paths", "3", "-o", "{out}.csv"], ["table model", "-n N"]),
    "--length on a table model": (["sample", "{table_model}", "-n", "5", "--length", "3", "-o", "{out}.csv"], ["--length"]),
    "--shards with --paths": (["sample", "{sp_model}", "--paths", "3", "--shards", "2", "-o", "{out}"], ["--shards"]),
    "-n --shards on a sequence model": (["sample", "{sp_model}", "-n", "30", "--shards", "2", "-o", "{out}"], ["sequence model"]),
    "bad --paths": (["sample", "{sp_model}", "--paths", "0", "-o", "{out}.csv"], ["paths", "positive"]),
    "condition without attributes": (["sample", "{sp_model}", "--paths", "2", "-c", "Close=3", "-o", "{out}.csv"], ["no attributes"]),
    "unknown --time-column": (["fit", "{sp500}", "--time-column", "Dat", "-o", "{out}.synthgan"], ["'Dat'", "Did you mean 'Date'"]),
    "--patience with --time-column": (["fit", "{sp500}", "--time-column", "Date", "--patience", "3", "-o", "{out}.synthgan"],
                                      ["--patience", "not supported"]),
    "--checkpoint-every with --time-column": (["fit", "{sp500}", "--time-column", "Date", "--checkpoint-every", "2", "-o",
                                               "{out}.synthgan"], ["--checkpoint-every"]),
    "--stream with --time-column": (["fit", "{sp500}", "--time-column", "Date", "--stream", "-o", "{out}.synthgan"], ["--stream"]),
    "duplicate timestamp": (["fit", "{dup}", "--time-column", "Date", "-o", "{out}.synthgan"], ["2010-12-31", "appears 2 times"]),
    "table model for series": (["fit", "{sp500}", "--time-column", "Date", "-m", "ctgan", "-o", "{out}.synthgan"],
                               ["stationary-bootstrap"]),
    "sequence model for a table": (["fit", "{table}", "-m", "stationary-bootstrap", "-o", "{out}.synthgan"], ["--time-column"]),
    "--returns without --time-column": (["fit", "{sp500}", "--returns", "log", "-o", "{out}.synthgan"], ["--time-column"]),
    "--epochs for the bootstrap": (["fit", "{sp500}", "--time-column", "Date", "--epochs", "3", "-o", "{out}.synthgan"], ["epochs"]),
    "bad --returns": (["fit", "{sp500}", "--time-column", "Date", "--returns", "cubic", "-o", "{out}.synthgan"], ["cubic"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(files, tmp_path, case):
    dup = tmp_path / "dup.csv"
    text = files["sp500"].read_text()
    dup.write_text(text + text.rstrip("\n").splitlines()[-1] + "\n")
    args, parts = BAD[case]
    names = {**{k: v for k, v in files.items()}, "out": tmp_path / "out", "dup": dup}
    result = invoke(*[a.format(**names) for a in args])
    one_error_line(result, *parts)
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dup.csv"]
