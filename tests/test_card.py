"""Data cards: contents that follow from the model and the data, JSON and self-contained HTML."""

from __future__ import annotations

import hashlib
import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from synthgan import Synthesizer
from synthgan.card import make_card, render_card
from synthgan.errors import ConfigError


def _table(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    income = np.where(rng.random(n) < np.where(sex == "F", 0.15, 0.35), "high", "low")
    return pd.DataFrame({"contact": [f"user{i}@mail{i % 7}.org" for i in range(n)], "age": rng.integers(18, 80, n),
                         "sex": sex, "hours": rng.normal(40, 6, n).round(1), "income": income})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("card")
    table = _table()
    train, holdout = folder / "train.csv", folder / "holdout.csv"
    table.iloc[:300].to_csv(train, index=False)
    table.iloc[300:].to_csv(holdout, index=False)
    syn = Synthesizer("copula", seed=0, fair_target="income", fair_sensitive="sex").fit(pd.read_csv(train))
    model = syn.save(folder / "model.synthgan")
    return folder, train, holdout, model


@pytest.fixture(scope="module")
def card(files):
    folder, train, holdout, model = files
    return make_card(model, train, holdout=holdout, target="income", sensitive="sex", seed=1,
                     intended_use=["Testing the loan pipeline."], limits=["Ages above 80 were never seen."],
                     json_path=folder / "card.json", html_path=folder / "card.html")


def test_card_states_source_schema_model_and_dp(files, card):
    folder, train, _, _ = files
    assert card["source"]["sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()
    assert (card["source"]["rows"], card["source"]["columns"]) == (300, 5)
    contact = next(c for c in card["schema"] if c["name"] == "contact")
    assert (contact["kind"], contact["pii"]) == ("pii", "email") and "never learned" in contact["handling"]
    assert next(c for c in card["schema"] if c["name"] == "age")["handling"] == "learned"
    assert card["model"]["name"] == "copula" and card["model"]["seed"] == 0 and card["model"]["fit_rows"] == 300
    assert card["differential_privacy"] == {"epsilon": None, "delta": None, "accountant": None,
                                            "statement": "none: trained without differential privacy"}
    assert card["fair_generation"]["target"] == "income" and card["fair_generation"]["sensitive"] == "sex"
    assert sum(card["fair_generation"]["sensitive_p"]) == pytest.approx(1.0)


def test_card_carries_the_evaluation_and_limits(card):
    assert card["evaluation"]["holdout_given"] and card["evaluation"]["synthetic_rows"] == 300
    assert card["evaluation"]["synthetic_source"] == "sampled from the model, seed 1"
    for family in ("fidelity", "privacy", "fairness"):
        assert isinstance(card[family]["verdict"], str) and card[family]["verdict"]
    assert 0.0 <= card["evaluation"]["headline"]["quality_score"] <= 1.0
    limits = " ".join(card["known_limits"])
    assert "without differential privacy" in limits
    assert "independent of 'sex'" in limits
    assert "contact" in limits and "Ages above 80 were never seen." in card["known_limits"]
    assert "Testing the loan pipeline." in card["intended_use"]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.external, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.external += [v for k, v in attrs if k in ("src", "href") and v and not v.startswith(("data:", "#"))]

    def handle_data(self, data):
        self.text.append(data)


def test_files_are_written_and_the_page_is_self_contained(files, card):
    folder = files[0]
    assert json.loads((folder / "card.json").read_text(encoding="utf-8"))["source"] == card["source"]
    page = _Collector()
    page.feed((folder / "card.html").read_text(encoding="utf-8"))
    text = " ".join(page.text)
    assert "script" not in page.tags and page.external == []
    assert page.tags.count("h2") == 8
    for phrase in ("Differential privacy", "none: trained without differential privacy", card["source"]["sha256"],
                   "Known limits", "Fair generation", "Testing the loan pipeline."):
        assert phrase in text


def test_html_escapes_user_text(card):
    page = render_card({**card, "intended_use": ["<script>alert(1)</script>"]})
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_bad_input_writes_nothing(files, tmp_path):
    _, train, _, model = files
    wrong = tmp_path / "wrong.csv"
    pd.read_csv(train).drop(columns=["hours"]).to_csv(wrong, index=False)
    out = tmp_path / "card.json"
    with pytest.raises(ConfigError, match="no column 'hours'"):
        make_card(model, wrong, json_path=out)
    with pytest.raises(ConfigError, match="n must be"):
        make_card(model, train, n=0, json_path=out)
    with pytest.raises(ConfigError, match="sentences"):
        make_card(model, train, n=50, intended_use=[""], json_path=out)
    assert not out.exists()


def test_cli_card_needs_an_output(files, tmp_path):
    from typer.testing import CliRunner

    from synthgan.cli.main import app

    _, train, _, model = files
    bad = CliRunner().invoke(app, ["card", str(model), "--data", str(train)])
    assert bad.exit_code != 0 and "-o card.html" in bad.output
    out = tmp_path / "c.json"
    good = CliRunner().invoke(app, ["card", str(model), "--data", str(train), "-n", "200", "--json", str(out)])
    assert good.exit_code == 0, good.output
    assert json.loads(out.read_text(encoding="utf-8"))["evaluation"]["synthetic_rows"] == 200
