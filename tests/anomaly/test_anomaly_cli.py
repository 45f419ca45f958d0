"""`synthgan anomaly fit|score|explain`: outputs, flag shares, and every bad input as one line that writes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from synthgan.cli.main import app

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
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anomaly")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame({"x": rng.normal(size=n), "y": rng.exponential(size=n), "kind": rng.choice(["a", "b", "c"], n),
                          "label": rng.random(n) < 0.05})
    frame.to_csv(folder / "train.csv", index=False)
    new = frame.head(50).copy()
    new.loc[0, "x"] = 60.0
    new.loc[1, "kind"] = "zzz"
    new.to_csv(folder / "new.csv.gz", index=False)
    new.drop(columns=["kind"]).to_csv(folder / "no_kind.csv", index=False)
    frame.head(0).to_csv(folder / "empty.csv", index=False)
    result = invoke("anomaly", "fit", folder / "train.csv", "-o", folder / "det.synthgan", "--label", "label",
                    "--epochs", "3", "-p", "batch_size=100", "--device", "cpu", "--trim", "0")
    assert result.exit_code == 0, result.output
    assert "fitted vae detector on 300 rows x 3 columns" in result.output
    return folder


def test_score_writes_every_row_with_score_and_flag(files):
    out = files / "scored.csv"
    result = invoke("anomaly", "score", files / "det.synthgan", files / "train.csv", "-o", out, "--contamination", "0.1")
    assert result.exit_code == 0, result.output
    assert "scored 300 rows" in result.output and "rows/s" in result.output and "flagged" in result.output
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["x", "y", "kind", "label", "anomaly_score", "is_anomaly"]
    assert abs(scored["is_anomaly"].mean() - 0.1) <= 0.01


def test_threshold_flags_the_obvious_rows_of_a_gzipped_file(files):
    if not (files / "scored.csv").exists():
        test_score_writes_every_row_with_score_and_flag(files)
    out = files / "scored_new.parquet"
    result = invoke("anomaly", "score", files / "det.synthgan", files / "new.csv.gz", "-o", out, "--threshold", "0.99",
                    "--chunk-rows", "7", "-q")
    assert result.exit_code == 0 and result.output == ""
    scored = pd.read_parquet(out)
    assert len(scored) == 50 and scored["is_anomaly"].iloc[0]
    assert scored["anomaly_score"].iloc[0] > scored["anomaly_score"].iloc[1:].max()
    plain = pd.read_csv(files / "scored.csv")  # the same rows as fitted, unchanged
    assert scored["anomaly_score"].iloc[1] > plain["anomaly_score"].iloc[1]  # the unseen level costs log(301) nats more


def test_explain_names_the_columns(files):
    out = files / "why.csv"
    result = invoke("anomaly", "explain", files / "det.synthgan", files / "new.csv.gz", "--top", "2", "-o", out)
    assert result.exit_code == 0, result.output
    why = pd.read_csv(out)
    assert list(why.columns) == ["row", "anomaly_score", "column_1", "contribution_1", "share_1",
                                 "column_2", "contribution_2", "share_2"]
    assert why["row"].tolist() == list(range(50))
    assert why["column_1"].iloc[:2].tolist() == ["x", "kind"]


def test_info_describes_the_detector_file(files):
    result = invoke("info", files / "det.synthgan")
    assert result.exit_code == 0 and "anomaly-vae" in result.output and "kind" in result.output


@pytest.mark.parametrize(("args", "parts"), [
    (("--threshold", "0.9", "--contamination", "0.1"), ("not both",)),
    (("--threshold", "1.5"), ("threshold", "(0, 1)")),
    (("--threshold", "0"), ("threshold",)),
    (("--contamination", "0.7"), ("contamination", "(0, 0.5]")),
])
def test_bad_thresholds_write_nothing(files, args, parts):
    out = files / "never.csv"
    one_error_line(invoke("anomaly", "score", files / "det.synthgan", files / "train.csv", "-o", out, *args), *parts)
    assert not out.exists()


def test_bad_files_write_nothing(files):
    out = files / "never.csv"
    one_error_line(invoke("anomaly", "score", files / "det.synthgan", files / "no_kind.csv", "-o", out), "'kind'", "missing")
    one_error_line(invoke("anomaly", "score", files / "det.synthgan", files / "empty.csv", "-o", out), "no rows")
    one_error_line(invoke("anomaly", "score", files / "train.csv", files / "train.csv", "-o", out))
    one_error_line(invoke("anomaly", "explain", files / "det.synthgan", files / "no_kind.csv", "-o", out), "'kind'")
    assert not out.exists()
    model = files / "never.synthgan"
    one_error_line(invoke("anomaly", "fit", files / "empty.csv", "-o", model), "no data rows")
    one_error_line(invoke("anomaly", "fit", files / "train.csv", "-o", model, "--model", "nope"), "unknown anomaly detector")
    one_error_line(invoke("anomaly", "fit", files / "train.csv", "-o", model, "--label", "nope"), "'nope'")
    one_error_line(invoke("anomaly", "fit", files / "train.csv", "-o", model, "-p", "epochs=3"), "--epochs")
    one_error_line(invoke("anomaly", "fit", files / "train.csv", "-o", model, "--trim", "0.7", "--epochs", "1"), "trim")
    assert not model.exists()


def test_the_command_line_does_not_import_torch_for_help():
    import subprocess
    import sys

    code = "import sys; import synthgan.cli.main; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_sample_on_a_detector_file_says_it_scores_rows(tmp_path):
    import pandas as pd

    from synthgan import verbs
    from synthgan.errors import ConfigError

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.choice(["x", "y"], size=200)})
    path = tmp_path / "det.synthgan"
    verbs.anomaly_fit(frame, output=path, epochs=1, seed=0)
    with pytest.raises(ConfigError, match="anomaly detector: it scores rows"):
        verbs.sample(path, n=10)
