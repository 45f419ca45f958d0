"""The model registry: names, lazy loading, errors, registering new models."""

from __future__ import annotations

import subprocess
import sys

import pytest

import synthgan.tabular.models as models
from synthgan.errors import ConfigError
from synthgan.core.model import BaseModel
from synthgan.core.registry import available_models, create_model, get_model_class, register
from synthgan.core import registry

BUILTIN = ["ctgan", "wgan-gp", "wgan", "gan", "tvae", "copula"]


def test_builtin_names_in_order():
    assert available_models()[:6] == BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_every_builtin_class_imports_and_carries_its_name(name):
    cls = get_model_class(name)
    assert issubclass(cls, BaseModel) and cls.name == name
    assert cls.capabilities.encoding == ("ordinal" if name == "copula" else "mode_specific")
    assert cls.capabilities.conditional == (name == "ctgan")
    model = create_model(name)
    config = model.get_config()
    assert type(model)(**config).get_config() == config
    assert config.get("epochs", "absent") is None  # every model accepts epochs; None = chosen from data size


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown model 'ctgann'.*ctgan, wgan-gp, wgan, gan, tvae, copula"):
        get_model_class("ctgann")
    with pytest.raises(ConfigError, match="choose one of"):
        create_model("nope")


def test_create_model_with_an_unknown_argument_raises_config_error():
    with pytest.raises(ConfigError, match="ctgan.*unexpected keyword argument 'layers'"):
        create_model("ctgan", layers=3)


def test_lazy_class_attributes():
    assert models.CTGAN is get_model_class("ctgan")
    assert models.GaussianCopula is get_model_class("copula")
    with pytest.raises(AttributeError):
        models.NotAModel  # noqa: B018


def test_listing_models_does_not_import_torch():
    code = "import sys; from synthgan.core.registry import available_models; available_models(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_register_adds_and_guards_names(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    copula = get_model_class("copula")

    @register
    class Tiny(copula):
        name = "tiny-copula"

    assert "tiny-copula" in available_models() and get_model_class("tiny-copula") is Tiny
    assert register(Tiny) is Tiny  # registering the same class again is fine

    class Impostor(copula):
        name = "ctgan"

    with pytest.raises(ConfigError, match="'ctgan' is already registered"):
        register(Impostor)
    with pytest.raises(ConfigError, match="BaseModel subclass"):
        register(int)
