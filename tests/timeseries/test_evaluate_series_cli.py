"""`synthgan evaluate-series` (and verbs.evaluate_series): returns and sensors, JSON and HTML, bad input as one line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan import verbs
from synthgan.cli.main import app
from synthgan.timeseries.synthesizer import SeriesSynthesizer

runner = CliRunner()
FAST = ["--classifier", "lightgbm", "--repetitions", "1"]


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
    """S&P 500 closes 2006-2011 (train < 2011, holdout 2011) with bootstrap paths; two Beijing stations for 4 days."""
    folder = tmp_path_factory.mktemp("evaluate_series")
    sp = pd.read_csv(shared_datasets / "sp500_daily.csv.gz")
    sp = sp[(sp["Date"] >= "2006-01-01") & (sp["Date"] <= "2011-12-31")].reset_index(drop=True)
    train, hold = sp[sp["Date"] < "2011-01-01"], sp[sp["Date"] >= "2011-01-01"]
    out = {"folder": folder, "sp500": folder / "sp500.csv", "train": folder / "train.csv", "hold": folder / "hold.csv",
           "paths": folder / "paths.parquet", "air": folder / "air.csv", "air_syn": folder / "air_syn.csv"}
    sp.to_csv(out["sp500"], index=False)
    train.to_csv(out["train"], index=False)
    hold.to_csv(out["hold"], index=False)
    syn = SeriesSynthesizer("stationary-bootstrap", time_column="Date", columns="Close", returns="log").fit(train)
    syn.sample(6, 300, seed=1).to_parquet(out["paths"], index=False)
    air = pd.read_csv(shared_datasets / "sequences_beijing_air_quality.csv.gz")
    air = air[air["station"].isin(["Dongsi", "Tiantan"]) & (air["timestamp"] < "2016-03-05")]
    air = air[["station", "timestamp", "PM2.5", "TEMP", "wd"]].reset_index(drop=True)
    air.to_csv(out["air"], index=False)
    syn = SeriesSynthesizer("stationary-bootstrap", time_column="timestamp", entity="station").fit(air)
    syn.sample(4, 48, seed=1).to_csv(out["air_syn"], index=False)
    out["n_train"], out["n_hold"] = len(train) - 1, len(hold)  # returns: the first level has none
    return out


def test_returns_with_split_date_writes_json_and_html(files, tmp_path):
    js, html = tmp_path / "ts.json", tmp_path / "ts.html"
    result = invoke("evaluate-series", files["sp500"], files["paths"], "--time-column", "Date", "--columns", "Close",
                    "--returns", "log", "--split-date", "2011-01-01", "--json", js, "--html", html, "--seed", 3)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"log returns of Close: 6 synthetic paths x 299 steps vs {files['n_train']:,} real "
                                    f"training returns, {files['n_hold']:,} held out")
    for label in ("skew", "Hill tail index |r|", "ACF |r| lag 1", "corr(r_t, r_t+1^2)", "discriminative |acc-0.5|, gru",
                  "predictive MAE x1e3", "exact-copy share", "NN distance ratio", f"wrote {js}", f"wrote {html}"):
        assert label in result.output, label
    data = json.loads(js.read_text())
    assert {"kind", "meta", "stylized", "discriminative", "predictive", "copying", "summary"} <= set(data)
    assert data["kind"] == "returns" and set(data["discriminative"]) == {"lightgbm", "gru"}
    assert data["meta"]["real_train_length"] == files["n_train"] and data["meta"]["real_holdout_length"] == files["n_hold"]
    assert data["meta"]["synthetic_paths"] == 6 and data["meta"]["synthetic_length"] == 299 and data["meta"]["seed"] == 3
    assert data["meta"]["inputs"]["split_date"] == "2011-01-01" and data["meta"]["inputs"]["path_column"] == "path"
    assert data["predictive"]["test_set"] == "real_holdout" and data["copying"]["distance_ratio"] > 0
    assert data["summary"]["exact_copy_share"] < 1.0
    text = html.read_text()
    assert text.count("<img") >= 4 and "paths.parquet vs sp500.csv" in text


def test_holdout_file(files, tmp_path):
    js = tmp_path / "h.json"
    result = invoke("evaluate-series", files["train"], files["paths"], "--time-column", "Date", "--returns", "log",
                    "--columns", "Close", "--holdout", files["hold"], "--json", js, "-q", *FAST)
    assert result.exit_code == 0 and result.output == "", result.output
    data = json.loads(js.read_text())
    assert data["meta"]["real_holdout_length"] == files["n_hold"] - 1  # the holdout file's first level has no return
    assert data["predictive"]["test_set"] == "real_holdout" and list(data["discriminative"]) == ["lightgbm"]


def test_real_against_itself_is_an_exact_copy(files, tmp_path):
    real = pd.read_csv(files["train"])[["Date", "Close"]]
    out = verbs.evaluate_series(real, real, time_column="Date", returns="log", classifiers=("lightgbm",), repetitions=1,
                                json_path=tmp_path / "self.json")
    summary = out["summary"]
    assert summary["exact_copy_share"] == 1.0
    assert out["predictive"]["test_set"].startswith("last 20% of real_train")  # no holdout: the copy saw the test set
    assert summary["predictive_mae_x1e3_synthetic_trained"] < summary["predictive_mae_x1e3_real_trained"]
    stats = out["stylized"][0]
    assert stats["real"]["moments"] == stats["synthetic"]["moments"] and stats["distances"]["acf"]["abs"] == 0
    assert json.loads((tmp_path / "self.json").read_text())["summary"] == summary
    assert out["meta"]["inputs"]["path_column"] is None and out["meta"]["synthetic_paths"] == 1


def _gaussian_prices(rng: np.random.Generator, paths: int, steps: int, vol: float) -> pd.DataFrame:
    levels = 100.0 * np.exp(np.cumsum(rng.normal(0.0, vol, (paths, steps)), axis=1))
    return pd.DataFrame({"path": np.repeat(np.arange(paths), steps), "t": np.tile(np.arange(steps), paths),
                         "price": levels.ravel()})


def test_discriminative_sees_volatility_not_noise():
    rng = np.random.default_rng(0)
    real = _gaussian_prices(rng, 1, 6001, 0.01).drop(columns="path")
    same, wilder = _gaussian_prices(rng, 10, 601, 0.01), _gaussian_prices(rng, 10, 601, 0.03)
    options = dict(time_column="t", returns="log", classifiers=("lightgbm",), repetitions=3)
    alike = verbs.evaluate_series(real, same, **options)["summary"]
    assert alike["discriminative_lightgbm"] < 0.12 and alike["exact_copy_share"] == 0.0
    assert verbs.evaluate_series(real, wilder, **options)["summary"]["discriminative_lightgbm"] > 0.35


def test_sensors(files, tmp_path):
    js, html = tmp_path / "air.json", tmp_path / "air.html"
    result = invoke("evaluate-series", files["air"], files["air_syn"], "--time-column", "timestamp", "--entity",
                    "station", "--json", js, "--html", html)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sensor values: 192 synthetic rows (4 paths) vs 192 real rows (2 entities)")
    assert "correlation distance" in result.output and "category distance" in result.output
    data = json.loads(js.read_text())
    assert data["kind"] == "sensors" and data["columns"]["values"] == ["PM2.5", "TEMP"]
    assert data["columns"]["categorical"] == ["wd"] and data["meta"]["entities"] == {"real": 2, "synthetic": 4}
    assert data["summary"]["correlation_distance"] > 0 and "<img" in html.read_text()
    same = verbs.evaluate_series(files["air"], files["air"], time_column="timestamp", entity="station")
    assert same["summary"]["correlation_distance"] == 0 and same["summary"]["category_distance"] == 0


BAD = {
    "missing time column": (["{sp500}", "{paths}", "--time-column", "Dat", "--returns", "log"], ["'Dat'", "Did you mean 'Date'"]),
    "synthetic without the value column": (["{sp500}", "{nocols}", "--time-column", "Date", "--columns", "Close",
                                            "--returns", "log"], ["synthetic table has no column(s) 'Close'"]),
    "synthetic without the time column": (["{sp500}", "{notime}", "--time-column", "Date", "--columns", "Close",
                                           "--returns", "log"], ["no column(s) 'Date'"]),
    "non-positive prices, log returns": (["{zero}", "{paths}", "--time-column", "Date", "--columns", "Close", "--returns",
                                          "log"], ["'Close'", "holds 0", "prices > 0"]),
    "split date after the data": (["{sp500}", "{paths}", "--time-column", "Date", "--columns", "Close", "--returns", "log",
                                   "--split-date", "2030-01-01"], ["0 return(s) at or after", "2030-01-01"]),
    "bad split date": (["{sp500}", "{paths}", "--time-column", "Date", "--returns", "log", "--split-date", "soon"],
                       ["--split-date", "'soon'"]),
    "holdout and split date": (["{train}", "{paths}", "--time-column", "Date", "--returns", "log", "--split-date",
                                "2011-01-01", "--holdout", "{hold}"], ["not both"]),
    "holdout for sensors": (["{air}", "{air_syn}", "--time-column", "timestamp", "--entity", "station", "--holdout",
                             "{air}"], ["--returns"]),
    "bad returns": (["{sp500}", "{paths}", "--time-column", "Date", "--returns", "cubic"], ["'cubic'"]),
    "unknown classifier": (["{sp500}", "{paths}", "--time-column", "Date", "--returns", "log", "--classifier", "svm"],
                           ["'svm'", "lightgbm"]),
    "text column as prices": (["{air}", "{air_syn}", "--time-column", "timestamp", "--entity", "station", "--columns",
                               "wd", "--returns", "log"], ["'wd'", "not numeric"]),
    "several stations without --entity": (["{air}", "{air_syn}", "--time-column", "timestamp"],
                                           ["appears more than once", "--entity"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_writes_nothing(case, files, tmp_path):
    paths = pd.read_parquet(files["paths"])
    paths.drop(columns=["Close"]).to_csv(tmp_path / "nocols.csv", index=False)
    paths.drop(columns=["Date"]).to_csv(tmp_path / "notime.csv", index=False)
    zero = pd.read_csv(files["sp500"])
    zero.loc[10, "Close"] = 0.0
    zero.to_csv(tmp_path / "zero.csv", index=False)
    names = {k: str(v) for k, v in files.items()} | {k: str(tmp_path / f"{k}.csv") for k in ("nocols", "notime", "zero")}
    args, parts = BAD[case]
    js, html = tmp_path / "out.json", tmp_path / "out.html"
    result = invoke("evaluate-series", *[a.format(**names) for a in args], "--json", js, "--html", html)
    one_error_line(result, *parts)
    assert not js.exists() and not html.exists()
