"""The HTML report: self-contained, atomic, escaped, and rendered without console errors by Chromium."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from synthgan.evaluation import EvaluationResult, evaluate
from synthgan.reports.html import write_report

SECTIONS = ("summary", "fidelity", "detection", "diversity", "privacy", "utility", "fairness", "training")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0"]
CONSOLE_LINE = re.compile(r":CONSOLE[:(]")


@pytest.fixture(scope="module")
def evaluated(shared_datasets):
    import pandas as pd

    rows = pd.read_csv(shared_datasets / "adult.csv.gz").sample(n=1800, random_state=5).reset_index(drop=True)
    train, synth, holdout = rows.iloc[:600], rows.iloc[600:1200], rows.iloc[1200:]
    result = evaluate(train, synth, holdout=holdout, target="income", sensitive="sex", seed=0)
    history = [{"epoch": e, "generator_loss": 1.0 / e, "critic_loss": -0.5 / e} for e in range(1, 21)]
    return result, train, synth, history


@pytest.fixture(scope="module")
def report(evaluated, tmp_path_factory):
    result, train, synth, history = evaluated
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(result, path, real=train, synthetic=synth, history=history, title="Adult <check> & co")
    return path


def test_report_is_one_self_contained_file(report):
    html = report.read_text(encoding="utf-8")
    assert [p.name for p in report.parent.iterdir()] == ["report.html"]  # no temporary file left behind
    assert oct(report.stat().st_mode & 0o777) == "0o644"
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", html)
    assert "<link rel=\"stylesheet\"" not in html
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == 5  # column distributions, pair heatmaps, DCR curves, TSTR/TRTR bars, loss curves
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    for section in SECTIONS:
        assert f'<section id="{section}">' in html
    assert "Adult &lt;check&gt; &amp; co" in html and "<check>" not in html  # titles are escaped


def test_report_omits_training_without_history_and_keeps_old_file_on_failure(evaluated, tmp_path, monkeypatch):
    monkeypatch.setattr("synthgan.reports.html.MAX_COLUMN_PLOTS", 2)  # keeps this test fast
    result, train, synth, _ = evaluated
    path = write_report(result, tmp_path / "r.html", real=train, synthetic=synth)
    assert '<section id="training">' not in path.read_text(encoding="utf-8")
    path.write_text("previous report", encoding="utf-8")
    broken = EvaluationResult(metrics=result.metrics, meta={})  # no meta: rendering fails
    with pytest.raises(Exception):
        write_report(broken, path, real=train, synthetic=synth)
    assert path.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run must install it (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (it is required, and installed, in CI)")
    return found


def _render(path: Path, tmp_path: Path) -> tuple[str, list[str]]:
    """The DOM after load, and the console messages Chromium logged while loading ``path``."""
    proc = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, [line for line in proc.stderr.splitlines() if CONSOLE_LINE.search(line)]


def test_console_capture_catches_errors(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom'); missing();</script></body></html>",
                    encoding="utf-8")
    dom, console = _render(page, tmp_path)
    assert "<body>" in dom
    assert any("boom" in line for line in console)
    assert any("missing is not defined" in line for line in console)


def test_report_renders_in_headless_chromium_without_console_errors(report, tmp_path):
    dom, console = _render(report, tmp_path)
    assert console == []
    assert re.search(r'<body[^>]*data-ready="true"', dom)
    assert re.search(r'<body[^>]*data-images-ok="true"', dom)  # every inline PNG decoded
    for section in SECTIONS:
        assert f'id="{section}"' in dom
    assert "Fidelity is" in dom and "TSTR" in dom
