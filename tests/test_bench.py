"""The benchmark harness (bench/): split, scoring, aggregation, ratios, targets, CLI options.

The peers themselves (bench/.peers-venv) are never needed here: only synthgan's side
and the harness's own logic are exercised, on small data.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # bench/ is a top-level folder, not part of the installed package
    sys.path.insert(0, str(REPO))

from bench import common, report, run_bench, score  # noqa: E402


def _run(model: str, seed: int, status: str = "ok", **figures) -> dict:
    scores = {k: figures.pop(k) for k in list(figures) if k in ("column_shapes", "column_pair_trends", "detection_auc", "tstr")}
    return {"model": model, "seed": seed, "status": status, **figures, "scores": scores}


def test_make_split_matches_the_issue_split(shared_datasets, tmp_path):
    from sklearn.model_selection import train_test_split

    n_train, n_test = common.make_split("adult", tmp_path)
    assert (n_train, n_test) == (26_048, 6_513)
    train, test = common.load_split("adult", tmp_path)
    adult = pd.read_csv(shared_datasets / "adult.csv.gz")
    expected_train, expected_test = train_test_split(adult, test_size=0.2, random_state=0, stratify=adult["income"])
    pd.testing.assert_frame_equal(train, expected_train.reset_index(drop=True))
    pd.testing.assert_frame_equal(test, expected_test.reset_index(drop=True))


def test_aggregate_means_over_finished_seeds_only():
    runs = [
        _run("sdv-ctgan", 0, fit_seconds=1000.0, column_shapes=0.86),
        _run("sdv-ctgan", 1, fit_seconds=1200.0, column_shapes=0.90),
        _run("sdv-ctgan", 2, status="timeout after 10 s"),
        _run("synthgan-ctgan", 0, fit_seconds=50.0, column_shapes=0.95),
    ]
    means = report.aggregate(runs)
    assert means["sdv-ctgan"]["seeds"] == [0, 1]
    assert means["sdv-ctgan"]["fit_seconds"] == pytest.approx(1100.0)
    assert means["sdv-ctgan"]["column_shapes"] == pytest.approx(0.88)
    assert means["sdv-ctgan"]["tstr"] is None
    assert "argn" not in means


def test_ratios_and_targets():
    runs = [
        _run("sdv-ctgan", 0, seconds_per_epoch=4.0, preprocess_seconds=25.0, fit_seconds=1300.0,
             sample_rows_per_second=34_000.0, column_shapes=0.86, column_pair_trends=0.87, detection_auc=0.97),
        _run("synthgan-ctgan-sdvarch", 0, seconds_per_epoch=1.0, preprocess_seconds=5.0, sample_rows_per_second=100_000.0),
        _run("synthgan-ctgan", 0, fit_seconds=100.0, column_shapes=0.90, column_pair_trends=0.85, detection_auc=0.90),
    ]
    means = report.aggregate(runs)
    by_pair = {(r["synthgan"], r["peer"]): r["ratios"] for r in report.ratios(means)}
    assert by_pair[("synthgan-ctgan-sdvarch", "sdv-ctgan")]["seconds_per_epoch"] == pytest.approx(0.25)
    assert by_pair[("synthgan-ctgan", "sdv-ctgan")]["fit_seconds"] == pytest.approx(100 / 1300, abs=1e-4)
    assert ("synthgan-ctgan", "argn") not in by_pair
    met = {row["claim"]: row["met"] for row in report.checks(means)}
    assert met["epoch at SDV's architecture <= 1/3 of SDV's"] is True
    assert met["preprocessing <= 1/10 of SDV's"] is False  # 5 / 25 = 0.2
    assert met["sampling >= 4x SDV's rows/s"] is False  # 2.9x
    assert met["default ctgan fit <= 1/10 of SDV CTGAN's"] is True
    assert met["default ctgan shapes >= SDV CTGAN's"] is True
    assert met["default ctgan trends >= SDV CTGAN's"] is False
    assert met["default ctgan detection AUC <= SDV CTGAN's"] is True
    assert met["shapes >= TabularARGN's"] is None


def test_write_results_writes_json_and_markdown(tmp_path):
    results = {"dataset": "adult", "target": "income", "task": "classification", "train_rows": 100, "test_rows": 20,
               "settings": {"seeds": [0], "threads": 2, "epochs_scale": 1.0, "sample_rows": 1000, "smoke": False},
               "runs": [_run("synthgan-copula", 0, fit_seconds=0.5, column_shapes=0.98),
                        _run("sdv-copula", 0, fit_seconds=7.0, column_shapes=0.92),
                        {"model": "argn", "seed": 0, "status": "failed (exit 1)"}],
               "notes": ["only seed 0 fitted in this session"]}
    path = tmp_path / "bench_adult.json"
    report.write_results(path, results)
    saved = common.read_json(path)
    assert saved["means"]["synthgan-copula"]["fit_seconds"] == 0.5
    copula = next(r for r in saved["ratios"] if r["peer"] == "sdv-copula")
    assert copula["ratios"]["fit_seconds"] == pytest.approx(0.5 / 7.0, abs=1e-4)
    md = path.with_suffix(".md").read_text()
    assert "| synthgan-copula | 0 |" in md and "0.980" in md
    assert "argn seed 0: failed (exit 1)" in md
    assert "only seed 0 fitted in this session" in md
    assert "not measured" in md


def test_align_gives_synthetic_the_real_dtypes():
    real = pd.DataFrame({"age": [30, 40], "income": pd.Series(["<=50K", ">50K"], dtype="str")})
    synthetic = pd.DataFrame({"income": pd.Series([">50K", None], dtype=object), "age": ["31", "x"]})
    out = score.align(synthetic, real)
    assert list(out.columns) == ["age", "income"]
    assert pd.api.types.is_numeric_dtype(out["age"]) and out["age"].iloc[0] == 31 and np.isnan(out["age"].iloc[1])
    assert out["income"].dtype == real["income"].dtype and out["income"].isna().iloc[1]


def test_score_uses_the_evaluation_suite(shared_datasets, tmp_path):
    common.make_split("adult", tmp_path)
    train, test = common.load_split("adult", tmp_path)
    train, test = train.iloc[:1500], test.iloc[:500]
    same = score.score("adult", train.sample(frac=1.0, random_state=1).reset_index(drop=True), train, test)
    # Each column shuffled on its own: same marginals, no relations left between columns.
    shuffled = pd.DataFrame({c: train[c].sample(frac=1.0, random_state=i).to_numpy() for i, c in enumerate(train.columns)})
    broken = score.score("adult", shuffled, train, test)
    assert same["errors"] == {} and broken["errors"] == {}
    assert same["column_shapes"] == pytest.approx(1.0)
    assert same["detection_auc"] < 0.6 < broken["detection_auc"]
    assert broken["column_pair_trends"] < same["column_pair_trends"]
    assert broken["tstr"] < 0.6 < same["tstr"]  # no relation to the target left: chance
    assert same["closer_to_train_share"] > 0.9  # the training rows themselves: all closer to train


def test_parse_args_smoke_and_validation():
    args = run_bench.parse_args(["--smoke", "--models", "synthgan-copula,sdv-copula", "--seeds", "0,1",
                                 "--model-epochs-scale", "synthgan-ctgan-sdvarch=0.5"])
    assert args.max_train_rows == run_bench.SMOKE_ROWS and args.sample_rows == run_bench.SMOKE_SAMPLE_ROWS
    assert Path(args.out_dir) != common.RESULTS_DIR  # smoke figures never overwrite the committed ones
    assert args.models == ["synthgan-copula", "sdv-copula"] and args.seeds == [0, 1]
    assert args.model_epochs_scale == {"synthgan-ctgan-sdvarch": 0.5}
    with pytest.raises(SystemExit, match="unknown name"):
        run_bench.parse_args(["--models", "ctgan"])
    with pytest.raises(SystemExit, match="MODEL=SCALE"):
        run_bench.parse_args(["--model-epochs-scale", "nope=1"])


def test_deadline_is_the_next_such_time_or_just_past():
    now = dt.datetime(2026, 12, 2, 23, 30, 15, tzinfo=dt.timezone.utc)  # a fixed clock: no dependence on today
    assert run_bench._deadline("00:30", now) - now.timestamp() == 3600 - 15  # tomorrow, in an hour
    assert run_bench._deadline("22:30", now) - now.timestamp() == -3600 - 15  # passed an hour ago
    assert run_bench._deadline("11:00", now) - now.timestamp() == (11 * 60 + 30) * 60 - 15  # next morning, < 12 h
    assert run_bench._deadline(None) is None


def test_worker_runs_synthgan_copula_end_to_end(shared_datasets, tmp_path, monkeypatch):
    from bench import worker

    monkeypatch.setattr(worker, "limit_threads", lambda n: None)  # keep this test process's thread settings
    common.make_split("adult", tmp_path)
    worker.main(["--dataset", "adult", "--model", "synthgan-copula", "--run-dir", str(tmp_path / "run"),
                 "--cache-dir", str(tmp_path), "--max-train-rows", "800", "--sample-rows", "2000"])
    record = common.read_json(tmp_path / "run" / "records" / "synthgan-copula_s0.json")
    assert record["status"] == "ok" and record["train_rows"] == 800 and record["sample_rows"] == 2000
    assert record["sample_rows_per_second"] > 0 and record["peak_rss_mb"] >= record["peak_rss_mb_loaded"] > 0
    assert record["epochs"] is None and record["seconds_per_epoch"] is None
    synthetic = pd.read_parquet(record["synthetic_path"])
    assert synthetic.shape == (800, 15)
    assert list(synthetic.columns) == list(common.read_dataset("adult").columns)


def test_scale_check_measures_a_child_process_peak_memory():
    from bench import scale_check

    grow = "import time; b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.5)"
    measured = scale_check.run_measured([sys.executable, "-c", grow], env=None)
    assert measured["peak_rss_mb"] >= 200  # wait4's ru_maxrss of the child, not of this process
    assert measured["rss_trace_mb"] and max(m for _, m in measured["rss_trace_mb"]) >= 200
    with pytest.raises(SystemExit, match="failed"):
        scale_check.run_measured([sys.executable, "-c", "raise SystemExit(3)"], env=None)


def test_scale_check_calls_memory_flat_only_without_growth():
    from bench import scale_check

    flat = [[t, 600.0 + (t % 3) * 40] for t in range(20)]  # oscillates with each chunk, does not grow
    growing = [[t, 300.0 + 40 * t] for t in range(20)]  # holds every chunk written so far
    assert scale_check._growth(flat) <= 1.10 < scale_check._growth(growing)


def test_fit_claim_extrapolates_a_shortened_sdv_run_to_300_epochs():
    runs = [
        _run("sdv-ctgan", 0, epochs=6, seconds_per_epoch=20.0, preprocess_seconds=70.0, fit_seconds=190.0),
        _run("synthgan-ctgan", 0, fit_seconds=200.0),
    ]
    row = next(r for r in report.checks(report.aggregate(runs)) if r["figure"] == "fit_seconds")
    assert row["peer_value"] == pytest.approx(70.0 + 20.0 * 300)  # not the 190 s the 6 epochs took
    assert row["observed"] == pytest.approx(200.0 / 6070.0, abs=1e-4) and row["met"] is True
    assert row["peer_extrapolated_from_epochs"] == 6
    full = [_run("sdv-ctgan", 0, epochs=300, seconds_per_epoch=4.0, preprocess_seconds=20.0, fit_seconds=1220.0),
            _run("synthgan-ctgan", 0, fit_seconds=200.0)]
    row = next(r for r in report.checks(report.aggregate(full)) if r["figure"] == "fit_seconds")
    assert row["peer_value"] == 1220.0 and "peer_extrapolated_from_epochs" not in row and row["met"] is False
