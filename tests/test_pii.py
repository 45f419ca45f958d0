"""Direct identifiers: found by content, replaced by fakes, never learned, never stored."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from synthgan import Synthesizer
from synthgan.errors import ConfigError, SchemaError
from synthgan.tabular.pii_detect import detect_pii, is_luhn_valid
from synthgan.tabular.pii_fakes import RESERVED_DOMAINS, FakeMaker
from synthgan.tabular.schema import ColumnSchema, Schema, infer_schema

faker = pytest.importorskip("faker")

IDENTIFIERS = ["name", "email", "phone", "address", "ssn", "notes"]


def people_table(n_people: int = 80, n_rows: int = 300, seed: int = 7) -> pd.DataFrame:
    """Rows of customers who recur, with identifiers of every type and a few ordinary columns."""
    fake = faker.Faker("en_US")
    fake.seed_instance(seed)
    people = [(fake.name(), fake.email(), fake.phone_number(), fake.address(), fake.ssn()) for _ in range(n_people)]
    rng = np.random.default_rng(seed)
    who = rng.integers(0, n_people, n_rows)
    frame = pd.DataFrame({col: [people[i][k] for i in who] for k, col in enumerate(IDENTIFIERS[:5])})
    frame["notes"] = [fake.text(100) for _ in range(n_rows)]
    frame["city"] = rng.choice(["New York", "San Francisco", "Los Angeles", "Boston", "Seattle"], n_rows)
    frame["age"] = rng.integers(18, 90, n_rows)
    frame["spend"] = frame["age"] * 10.0 + rng.normal(0, 5, n_rows)
    return frame


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return people_table()


def test_each_identifier_type_is_found_by_content(table):
    schema = infer_schema(table)
    found = {c.name: (c.kind, c.pii) for c in schema}
    assert found["name"] == ("pii", "person_name")
    assert found["email"] == ("pii", "email")
    assert found["phone"] == ("pii", "phone")
    assert found["address"] == ("pii", "address")
    assert found["ssn"] == ("pii", "national_id")
    assert found["notes"] == ("pii", "free_text")
    assert found["city"] == ("categorical", None)
    assert found["age"] == ("integer", None)
    assert "never learned" in schema["email"].note


@pytest.mark.parametrize("values, expected", [
    (["GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300",
      "ES9121000418450200051332"], "national_id"),
    (["4539 1488 0343 6467", "4716-1089-9971-6531", "5425233430109903", "4111111111111111", "6011000990139424"],
     "national_id"),
    (["+44 20 7946 0958", "+1 (415) 555-0132", "030 12345678", "(212) 555-0199 x12", "0044 161 496 0000"], "phone"),
    (["Hauptstraße 12, 10115 Berlin", "Rue de Rivoli 45, Paris", "Kerkstraat 7\n1017 Amsterdam", "Via Roma 3, Milano",
      "Calle Mayor 21, Madrid"], "address"),
])
def test_other_layouts_are_found(values, expected):
    assert detect_pii("col", pd.Series(values)) == expected


@pytest.mark.parametrize("values", [
    ["2020-01-31", "2021-02-28", "2019-12-01", "2018-07-04", "2022-03-15"],  # dates are not phone numbers
    ["New York", "San Francisco", "Los Angeles", "Boston", "Seattle"],        # cities are not names
    ["10115", "75001", "20095", "80331", "50667"],                            # postcodes
    ["gold", "silver", "bronze", "platinum", "basic"],
    ["A-100", "B-200", "C-300", "D-400", "E-500"],                            # product codes
    ["ok", "fine thanks", "no", "later", "call me"],                          # short answers are not free text
])
def test_ordinary_columns_are_not_flagged(values):
    assert detect_pii("col", pd.Series(values * 20)) is None


def test_luhn_check_reads_digit_rows():
    digits = np.array([[int(c) for c in number] for number in ("4111111111111111", "4111111111111112")])
    assert is_luhn_valid(digits).tolist() == [True, False]


@pytest.mark.parametrize("mode, model", [("fake", "copula"), ("fake", "ctgan"), ("consistent", "ctgan")])
def test_no_real_identifier_reaches_the_output_or_the_model_file(table, tmp_path, mode, model):
    syn = Synthesizer(model, epochs=2, seed=0, pii=mode).fit(table)
    out = syn.sample(600, seed=1)
    path = syn.save(tmp_path / "model.synthgan")
    blob, text = path.read_bytes(), out.to_csv(index=False)
    for column in IDENTIFIERS:
        real = set(table[column].astype(str))
        assert not real & set(out[column].astype(str)), column
        assert not [v for v in real if v in text], column              # byte for byte, anywhere in the output
        assert not [v for v in real if v.encode("utf-8") in blob], column  # ... or in the model file
    assert out["email"].str.split("@").str[1].isin(RESERVED_DOMAINS).all()
    assert out[IDENTIFIERS].notna().all().all()
    assert out["city"].isin(table["city"].unique()).all()  # ordinary columns are learned as before


def test_fresh_fakes_are_varied_and_consistent_fakes_recur(table):
    fresh = Synthesizer("copula", seed=0).fit(table).sample(500, seed=1)
    assert fresh["name"].nunique() > 450
    consistent = Synthesizer("ctgan", epochs=2, seed=0, pii="consistent").fit(table)
    first, second = consistent.sample(500, seed=1), consistent.sample(500, seed=2)
    assert first["name"].nunique() < 0.5 * len(first)                # recurring identities, not one per row
    assert first["name"].value_counts().max() > 1
    overlap = set(first["name"]) & set(second["name"])
    assert len(overlap) > 0.5 * first["name"].nunique()              # the same code is the same fake in every output


def test_same_seed_same_fakes_and_state(table):
    import json

    fits = [Synthesizer("copula", seed=3).fit(table) for _ in range(2)]
    states = [json.dumps(syn.encoder_.to_state()[0], sort_keys=True) for syn in fits]
    assert states[0] == states[1]
    pd.testing.assert_frame_equal(fits[0].sample(200, seed=5), fits[1].sample(200, seed=5))
    other = Synthesizer("copula", seed=4).fit(table).sample(200, seed=5)
    assert (other["name"] != fits[0].sample(200, seed=5)["name"]).mean() > 0.9


def test_loaded_model_makes_the_same_fakes(table, tmp_path):
    syn = Synthesizer("copula", seed=0).fit(table)
    loaded = Synthesizer.load(syn.save(tmp_path / "m.synthgan"))
    pd.testing.assert_frame_equal(syn.sample(50, seed=4), loaded.sample(50, seed=4))


def test_fake_maker_shapes_follow_the_real_layout():
    real = pd.Series([f"{a:03d}-{b:02d}-{c:04d}" for a, b, c in zip(range(100, 140), range(10, 50), range(1000, 1040))])
    maker = FakeMaker.learn("national_id", real, seed=0)
    fakes = pd.Series(maker.make(200, np.random.default_rng(0)))
    assert fakes.str.fullmatch(r"\d{3}-\d{2}-\d{4}").all()
    assert not set(fakes) & set(real)
    assert maker.shapes == ["999-99-9999"]


def test_missing_faker_is_an_error_naming_the_extra(table, monkeypatch):
    monkeypatch.setitem(sys.modules, "faker", None)
    with pytest.raises(ConfigError, match=r"synthgan\[pii\]"):
        Synthesizer("copula", seed=0).fit(table)


def test_a_schema_can_keep_a_column_learned(table):
    schema = infer_schema(table).to_dict()
    for entry in schema["columns"]:
        if entry["name"] == "city":
            continue
        if entry["name"] == "name":
            entry.update(kind="categorical")
            entry.pop("pii")
            entry.pop("note")
    out = Synthesizer("copula", seed=0, schema=schema).fit(table).sample(300, seed=1)
    assert out["name"].isin(table["name"].unique()).all()  # asked for: learned as a category


def test_bad_pii_entries_and_options_are_refused(table):
    with pytest.raises(SchemaError, match="pii"):
        ColumnSchema("x", "pii", "object")
    with pytest.raises(SchemaError, match="pii"):
        ColumnSchema("x", "categorical", "object", pii="email")
    with pytest.raises(SchemaError, match="pii"):
        Schema.from_dict({"columns": [{"name": "x", "kind": "pii", "pii": "passport"}]})
    with pytest.raises(ConfigError, match="'fake'"):
        Synthesizer("copula", pii="hide").fit(table)
    with pytest.raises(ConfigError, match="ordinal encoding"):
        Synthesizer("copula", pii="consistent").fit(table)
    with pytest.raises(ConfigError, match="Faker locale"):
        Synthesizer("copula", pii_locale="xx_XX").fit(table)


def test_categorical_dtype_identifiers_keep_no_categories(table):
    frame = table.assign(email=table["email"].astype("category"))
    syn = Synthesizer("copula", seed=0).fit(frame)
    assert syn.schema_["email"].categories is None
    out = syn.sample(100, seed=0)
    assert isinstance(out["email"].dtype, pd.CategoricalDtype)
    assert not set(out["email"].astype(str)) & set(table["email"])


def test_cli_fit_with_consistent_identifiers(table, tmp_path):
    from typer.testing import CliRunner

    from synthgan.cli.main import app

    data = tmp_path / "people.csv"
    table.to_csv(data, index=False)
    model, out = tmp_path / "m.synthgan", tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["fit", str(data), "-o", str(model), "--epochs", "1", "--pii", "consistent", "-q"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["sample", str(model), "-n", "40", "-o", str(out)])
    assert result.exit_code == 0, result.output
    synthetic = pd.read_csv(out)
    assert synthetic.shape == (40, table.shape[1])
    assert not set(synthetic["email"]) & set(table["email"])
    bad = CliRunner().invoke(app, ["fit", str(data), "-o", str(tmp_path / "x.synthgan"), "--pii", "nope"])
    assert bad.exit_code != 0 and "pii='nope'" in bad.output
    assert not (tmp_path / "x.synthgan").exists()


def test_saving_a_model_twice_gives_the_same_bytes(table, tmp_path):
    # safetensors writes its metadata in hash-map order; the file must not depend on it
    syn = Synthesizer("copula", seed=3).fit(table)
    saved = [syn.save(tmp_path / f"m{i}.synthgan").read_bytes() for i in range(4)]
    assert all(b == saved[0] for b in saved[1:])
    again = Synthesizer.load(tmp_path / "m0.synthgan")
    pd.testing.assert_frame_equal(again.sample(20, seed=1), syn.sample(20, seed=1))
