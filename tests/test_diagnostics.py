"""Training diagnostics: the mode-collapse alarm, history keys, the model file summary and `synthgan info`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from synthgan.cli.describe import describe_model_file
from synthgan.tabular.encoder import TableEncoder
from synthgan.core.registry import create_model
from synthgan.tabular.synthesizer import Synthesizer, load
from synthgan.tabular.fitting.diagnostics import CollapseMonitor, category_coverage, collapse_alarms, distinct_share

SMALL = {"epochs": 3, "batch_size": 100, "device": "cpu"}
TINY_GAN = {"generator_dim": (32, 32), "discriminator_dim": (32, 32), "embedding_dim": 16}


@pytest.fixture
def small(load_table):
    return load_table("adult", 400)


@pytest.fixture
def encoded(small):
    encoder = TableEncoder(seed=0).fit(small)
    return encoder.transform(small), encoder.layout_


def test_real_rows_raise_no_alarm_and_collapsed_rows_do(encoded):
    x, layout = encoded
    monitor = CollapseMonitor(x, layout, seed=0, rows=400)
    assert monitor.real_coverage_ == pytest.approx(1.0)
    fair = monitor.check(x)
    assert fair == {"category_coverage": pytest.approx(1.0), "distinct_rows": pytest.approx(1.0), "mode_collapse_alarm": 0.0}
    collapsed = monitor.check(np.repeat(x[:3], 100, axis=0))  # three rows, over and over
    assert collapsed["mode_collapse_alarm"] == 1.0
    assert collapsed["category_coverage"] < 0.5
    assert collapsed["distinct_rows"] < 0.05


def test_coverage_counts_only_frequent_categories(encoded):
    x, layout = encoded
    softmax = [s for s in layout.spans if s.activation == "softmax"]
    frequent = [np.zeros(s.width, dtype=bool) for s in softmax]
    assert category_coverage(x, layout, frequent) == 1.0  # nothing frequent: nothing to miss
    frequent[0][:] = True
    seen = (np.bincount(x[:, softmax[0].start : softmax[0].end].argmax(axis=1), minlength=softmax[0].width) > 0).mean()
    assert category_coverage(x, layout, frequent) == pytest.approx(seen)
    assert distinct_share(np.zeros((10, 3))) == pytest.approx(0.1)


def test_collapse_alarms_summarise_runs_of_epochs():
    history = [{"epoch": float(e)} for e in range(1, 11)]
    for e, alarm, cov in [(1, 0, 1.0), (3, 1, 0.5), (5, 1, 0.4), (7, 0, 0.9), (9, 1, 0.3)]:
        history[e - 1].update({"mode_collapse_alarm": float(alarm), "category_coverage": cov, "distinct_rows": 0.9})
    assert collapse_alarms(history) == [
        "epochs 3-5: mode collapse (category coverage 0.40, distinct rows 0.90 of the real data's)",
        "epoch 9: mode collapse (category coverage 0.30, distinct rows 0.90 of the real data's)",
    ]
    assert collapse_alarms([{"epoch": 1.0, "loss": 2.0}]) == []


@pytest.mark.parametrize("name", ["ctgan", "tvae"])
def test_watching_training_does_not_change_it(encoded, name):
    x, layout = encoded
    params = {**SMALL, **(TINY_GAN if name == "ctgan" else {"compress_dims": (32,), "decompress_dims": (32,)})}
    plain = create_model(name, **params).fit(x, layout, seed=1)
    watched = create_model(name, **params).fit(x, layout, seed=1, callbacks=[CollapseMonitor(x, layout, every=1)])
    a, b = plain.state_arrays(), watched.state_arrays()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert [r["mode_collapse_alarm"] for r in watched.history_] == [0.0, 0.0, 0.0]
    assert "mode_collapse_alarm" not in plain.history_[0]


def test_fit_records_diagnostics_saves_them_and_info_prints_them(small, tmp_path):
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()
    syn = Synthesizer("ctgan", seed=0, **SMALL, **TINY_GAN).fit(small)
    assert torch.equal(torch.get_rng_state(), torch_state)  # global random state untouched
    assert np.array_equal(np.random.get_state()[1], np_state[1])
    assert {"category_coverage", "distinct_rows", "mode_collapse_alarm"} <= set(syn.history_[0])
    assert syn.diagnostics_["alarms"] == [] and syn.diagnostics_["stopped_early"] is False
    assert syn.diagnostics_["best_epoch"] == 3 and syn.diagnostics_["holdout_rows"] == 0
    syn.diagnostics_["alarms"] = ["epochs 2-3: mode collapse (category coverage 0.40, distinct rows 0.90 of the real data's)"]
    path = syn.save(tmp_path / "m.synthgan")
    assert load(path).diagnostics_ == syn.diagnostics_
    text = describe_model_file(path)
    assert "diagnostics:" in text and "stopped early   no" in text
    assert "alarms:\n  epochs 2-3: mode collapse" in text
    assert "category_coverage" in text and "mode_collapse_alar" in text
