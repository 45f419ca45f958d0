"""Name lists, budgets and labels come from the registry's capabilities, never from hand-kept lists."""

from __future__ import annotations

import dataclasses
import json

import pytest
from typer.testing import CliRunner

from synthgan.augment.arms import generator_arms
from synthgan.augment.experiment import _family
from synthgan.augment.generators import EXPERIMENT_BUDGET, experiment_budget, training_budget
from synthgan.cli.demo import DEMO_EPOCHS, demo_epochs
from synthgan.cli.main import app
from synthgan.core import registry
from synthgan.core.registry import available_models, capabilities, get_model_class, models_with, register


@pytest.fixture
def extra_model(monkeypatch):
    """A registered non-trainable table model marked as an augmentation arm."""
    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    copula = get_model_class("copula")

    @register
    class Shadow(copula):
        name = "shadow-copula"
        capabilities = dataclasses.replace(copula.capabilities, summary="a copula under another name", family="Shadow")

    return Shadow


def test_generator_arms_follow_capabilities(extra_model):
    arms = generator_arms()
    assert arms == tuple(models_with("table", augmentation_arm=True))
    assert {"ctgan", "tvae", "copula", "shadow-copula"} <= set(arms) and "wgan" not in arms
    assert _family("shadow-copula") == "Shadow" and _family("tvae") == "VAE" and _family("oracle") == "GAN"


def test_experiment_budget_is_the_one_budget_rule(extra_model):
    for n_rows in (240, 3000, 30000):
        epochs, batch = experiment_budget("ctgan", n_rows)
        assert 100 <= batch <= 300 and batch % 10 == 0
        assert epochs == EXPERIMENT_BUDGET.epochs(n_rows, batch)
    assert experiment_budget("copula", 3000) == (None, None)
    assert experiment_budget("shadow-copula", 3000) == (None, None)
    assert training_budget("shadow-copula", 3000, epochs=7) == (None, None)
    assert training_budget("tvae", 3000, epochs=7) == (7, None)


def test_demo_epochs_follow_trainable():
    for name in available_models("table"):
        assert demo_epochs(name) == (DEMO_EPOCHS if capabilities(name).trainable else None)


def test_models_command_prints_kind_and_summary():
    runner = CliRunner()
    lines = runner.invoke(app, ["models"], catch_exceptions=False).output.strip().splitlines()
    assert [line.split()[0] for line in lines] == available_models()
    for line in lines:
        name, kind = line.split()[:2]
        assert kind == capabilities(name).kind and line.endswith(capabilities(name).summary)
    data = json.loads(runner.invoke(app, ["models", "--json"], catch_exceptions=False).output)
    assert data["copula"] == capabilities("copula").to_dict() and data["ctgan"]["conditional"] is True
