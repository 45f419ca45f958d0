"""Command-line rough edges: missing schema, negative seeds, max-time as a limit, plain progress, info, help, summary."""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from synthgan.cli.main import app
from synthgan.core.callbacks import RichProgress
from synthgan.core.early_stopping import EarlyStopping
from synthgan.core.trainer import Trainer
from synthgan.errors import ConfigError
from synthgan.tabular.synthesizer import Synthesizer

runner = CliRunner()


def _table(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=n), "group": rng.choice(["a", "b"], n), "stroke": rng.integers(0, 2, n)})


@pytest.fixture(scope="module")
def csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("edges") / "t.csv"
    _table().to_csv(path, index=False)
    return path


def _one_error_line(result, *words):
    assert result.exit_code == 2, result.output
    text = result.output.strip()
    assert "Traceback" not in text
    for word in words:
        assert word in text, text
    return text


def test_missing_schema_file_is_named_and_nothing_is_written(csv, tmp_path):
    out = tmp_path / "m.synthgan"
    result = runner.invoke(app, ["fit", str(csv), "-o", str(out), "--model", "copula", "--schema", str(tmp_path / "nope.json"), "-q"])
    text = _one_error_line(result, "nope.json", "--schema")
    assert len(text.splitlines()) == 1 and not out.exists()
    with pytest.raises(ConfigError, match="nope.json"):
        Synthesizer("copula", schema=tmp_path / "nope.json").fit(_table())


@pytest.mark.parametrize("command", ["fit", "sample"])
def test_negative_seed_names_the_option(csv, tmp_path, command):
    out = tmp_path / "out"
    args = (["fit", str(csv), "-o", str(out), "--model", "copula"] if command == "fit"
            else ["sample", str(tmp_path / "m.synthgan"), "-n", "5", "-o", str(out)])
    result = runner.invoke(app, args + ["--seed", "-3"])
    _one_error_line(result, "--seed")
    assert not out.exists()


class _Slow:
    """What EarlyStopping touches, and a step that takes a while."""

    name = "slow"

    def sampling_weights(self):
        return {"w": torch.zeros(())}

    def keep_weights(self, weights):
        self.kept = weights


def test_max_time_is_a_limit_even_inside_a_long_epoch(monkeypatch):
    # a fake clock: every step takes 1/32 s (exact in binary), so the test measures behaviour, not this machine
    clock = {"now": 0.0}
    monkeypatch.setattr(time, "perf_counter", lambda: clock["now"])
    model = _Slow()
    es = EarlyStopping(lambda m: 0.5, max_time=0.5)
    steps = []

    def step():
        clock["now"] += 1 / 32
        steps.append(clock["now"])
        return torch.tensor([1.0])

    history = Trainer(5, 200, ["loss"], [es]).run(model, step)  # 6.25 s per epoch without the limit
    assert len(steps) == 16  # stopped at the step that reached 0.5 s, inside the first epoch of 200 steps
    assert len(history) == 1 and es.stop_reason_ == "max_time" and history[0]["validation_score"] == 0.5


def test_max_time_on_a_real_fit_stops_it_inside_the_planned_epochs():
    syn = Synthesizer("ctgan", epochs=10_000, batch_size=100, max_time=2.0, seed=0, embedding_dim=8,
                      generator_dim=(16,), discriminator_dim=(16,)).fit(_table(600))
    assert syn.diagnostics_["stop_reason"] == "max_time"
    assert 1 <= len(syn.history_) < 10_000


def test_progress_prints_plain_lines_when_not_a_terminal():
    from rich.console import Console

    buffer = io.StringIO()
    progress = RichProgress(console=Console(file=buffer, width=100, force_terminal=False), every_epochs=5)
    model = type("M", (), {"name": "ctgan"})()
    progress.on_train_begin(model, 12)
    for epoch in range(1, 8):
        progress.on_epoch_end(model, epoch, {"generator_loss": -0.55, "critic_loss": 0.06})
    progress.on_train_end(model)  # stopped early at 7: its line comes last
    lines = buffer.getvalue().splitlines()
    assert [line.split()[2] for line in lines] == ["1/12", "5/12", "7/12"]
    assert re.fullmatch(r"ctgan epoch 1/12  G -0\.550  C \+0\.060  \d+ s", lines[0])
    assert "\x1b" not in buffer.getvalue()  # no bar, no escape codes


def test_info_shows_full_history_names_and_integer_epochs(tmp_path):
    path = Synthesizer("ctgan", epochs=2, batch_size=100, seed=0, embedding_dim=8, generator_dim=(16,),
                       discriminator_dim=(16,)).fit(_table()).save(tmp_path / "m.synthgan")
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 0, result.output
    assert "generator_grad_norm" in result.output and "critic_grad_norm" in result.output
    assert "mode_collapse_alarm" in result.output
    history = result.output.split("training history")[1].splitlines()[2:4]
    assert [row.split()[0] for row in history] == ["1", "2"]


def test_param_cannot_shadow_an_option(csv, tmp_path):
    out = tmp_path / "m.synthgan"
    result = runner.invoke(app, ["fit", str(csv), "-o", str(out), "--model", "copula", "-p", "batch_size=10"])
    _one_error_line(result, "--batch-size")
    assert not out.exists()


def test_repeated_param_is_refused(csv, tmp_path):
    out = tmp_path / "m.synthgan"
    result = runner.invoke(app, ["fit", str(csv), "-o", str(out), "--model", "copula", "-p", "ridge=0.1", "-p", "ridge=0.2"])
    _one_error_line(result, "ridge", "twice")


@pytest.mark.parametrize("command", ["fit", "sample", "models", "demo"])
def test_help_shows_no_type_after_flags(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "160"})
    assert result.exit_code == 0
    assert "<bool>" not in result.output
    assert "--help" in result.output


def test_help_still_shows_value_types():
    result = runner.invoke(app, ["fit", "--help"], env={"COLUMNS": "160"})
    assert "<int>" in result.output or "INTEGER" in result.output


def test_evaluation_result_prints_its_summary():
    from synthgan.evaluation.suite import EvaluationResult

    result = EvaluationResult(metrics={}, meta={})
    text = str(result)
    assert text.startswith("headline scores:") and text == result.summary_text()
    assert isinstance(result.summary(), dict)
