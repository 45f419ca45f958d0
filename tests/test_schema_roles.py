"""Schema roles: an entity key and a sequence index, set by the user, saved, loaded and validated."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import SchemaError
from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.schema import ColumnSchema, Schema, infer_schema


def readings(n_stations: int = 4, n_hours: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = n_stations * n_hours
    return pd.DataFrame({
        "station": pd.array(np.repeat([f"s{i}" for i in range(n_stations)], n_hours), dtype="str"),
        "timestamp": pd.array(np.tile(pd.date_range("2020-01-01", periods=n_hours, freq="h").strftime("%Y-%m-%d %H:%M:%S"),
                                      n_stations), dtype="str"),
        "step": np.tile(np.arange(n_hours), n_stations),
        "temp": rng.normal(10.0, 3.0, n).round(2),
        "wind": pd.array(rng.choice(["N", "S", "E"], n), dtype="str"),
    })


def roles(schema: Schema) -> dict[str, str | None]:
    return {c.name: c.role for c in schema}


# ---------------------------------------------------------------- set and read


def test_infer_schema_sets_the_named_roles_and_keeps_the_kinds():
    df = readings()
    plain = infer_schema(df)
    schema = infer_schema(df, entity="station", sequence_index="timestamp")
    assert roles(schema) == {"station": "entity", "timestamp": "sequence_index", "step": None, "temp": None, "wind": None}
    assert (schema.entity, schema.sequence_index) == ("station", "timestamp")
    assert [c.kind for c in schema] == [c.kind for c in plain] == ["categorical", "datetime", "integer", "continuous",
                                                                   "categorical"]
    assert schema["timestamp"].datetime_format == "%Y-%m-%d %H:%M:%S"
    assert (plain.entity, plain.sequence_index) == (None, None)
    assert roles(plain) == dict.fromkeys(df.columns)  # never inferred


def test_roles_on_real_sequences(load_table):
    air = load_table("sequences_beijing_air_quality", 2000)
    schema = infer_schema(air, entity="station", sequence_index="timestamp")
    assert schema.entity == "station" and schema["station"].kind == "categorical"
    assert schema.sequence_index == "timestamp" and schema["timestamp"].kind == "datetime"
    assert sum(c.role is not None for c in schema) == 2


def test_with_roles_replaces_the_previous_roles():
    schema = infer_schema(readings(), entity="station", sequence_index="timestamp")
    moved = schema.with_roles(sequence_index="step")
    assert roles(moved) == {"station": None, "timestamp": None, "step": "sequence_index", "temp": None, "wind": None}
    assert roles(schema)["station"] == "entity"  # the original is untouched


def test_a_key_like_integer_order_column_becomes_an_integer_sequence_index():
    df = pd.DataFrame({"step_id": np.arange(40), "x": np.linspace(0.0, 1.0, 40)})
    assert infer_schema(df)["step_id"].kind == "id"
    schema = infer_schema(df, sequence_index="step_id")
    assert (schema["step_id"].kind, schema["step_id"].role) == ("integer", "sequence_index")


def test_an_entity_keeps_its_inferred_kind_even_when_unique():
    df = pd.DataFrame({"customer_id": np.arange(40), "spend": np.linspace(0.0, 9.0, 40)})
    schema = infer_schema(df, entity="customer_id")
    assert (schema["customer_id"].kind, schema["customer_id"].role) == ("id", "entity")


# --------------------------------------------------------------- save and load


def test_roles_survive_dict_and_json_round_trips(tmp_path):
    schema = infer_schema(readings(), entity="station", sequence_index="timestamp")
    data = schema.to_dict()
    entries = {c["name"]: c for c in data["columns"]}
    assert entries["station"]["role"] == "entity" and entries["timestamp"]["role"] == "sequence_index"
    assert "role" not in entries["temp"]  # the default is left out, so files without roles are unchanged
    assert Schema.from_dict(data) == schema
    path = tmp_path / "schema.json"
    schema.to_json(path)
    assert json.loads(path.read_text())["columns"][0] == {"name": "station", "kind": "categorical", "dtype": "str",
                                                           "role": "entity"}
    assert Schema.from_json(path) == schema


def test_schema_without_roles_writes_and_reads_as_before():
    old = {"columns": [{"name": "a", "kind": "integer", "dtype": "int64"}, {"name": "b", "kind": "categorical"}]}
    schema = Schema.from_dict(old)
    assert roles(schema) == {"a": None, "b": None} and schema.entity is None
    assert schema.to_dict() == {"columns": [{"name": "a", "kind": "integer", "dtype": "int64"},
                                            {"name": "b", "kind": "categorical", "dtype": ""}]}


def test_a_hand_written_json_sets_roles():
    text = json.dumps({"columns": [{"name": "station", "kind": "categorical", "role": "entity"},
                                   {"name": "t", "kind": "integer", "role": "sequence_index"},
                                   {"name": "v", "kind": "continuous"}]})
    schema = Schema.from_json(text)
    assert (schema.entity, schema.sequence_index, schema["v"].role) == ("station", "t", None)


def test_encoder_state_keeps_roles_and_files_without_roles_are_unchanged():
    df = readings()
    enc = TableEncoder(seed=0).fit(df, infer_schema(df, entity="station", sequence_index="timestamp"))
    assert (enc.schema_.entity, enc.schema_.sequence_index) == ("station", "timestamp")
    state, arrays = enc.to_state()
    again = TableEncoder.from_state(json.loads(json.dumps(state)), arrays)
    assert again.schema_ == enc.schema_ and again.schema_.entity == "station"
    X = enc.transform(df)
    pd.testing.assert_frame_equal(again.inverse_transform(X, seed=1), enc.inverse_transform(X, seed=1))
    plain_state, _ = TableEncoder(seed=0).fit(df).to_state()
    assert all("role" not in c for c in plain_state["schema"]["columns"])


# ------------------------------------------------------------------ validation


def test_unknown_role_is_rejected_with_the_allowed_ones():
    with pytest.raises(SchemaError, match="unknown role 'group'.*entity, sequence_index"):
        ColumnSchema("g", "categorical", "str", role="group")
    with pytest.raises(SchemaError, match="unknown role"):
        Schema.from_dict({"columns": [{"name": "g", "kind": "categorical", "role": "key"}]})


def test_at_most_one_entity_and_one_sequence_index():
    with pytest.raises(SchemaError, match="'a', 'b' all have role 'entity'; a table has at most one entity"):
        Schema([ColumnSchema("a", "categorical", "str", role="entity"), ColumnSchema("b", "integer", "int64", role="entity")])
    with pytest.raises(SchemaError, match="at most one sequence_index"):
        Schema.from_dict({"columns": [{"name": "t1", "kind": "datetime", "role": "sequence_index"},
                                      {"name": "t2", "kind": "integer", "role": "sequence_index"}]})


@pytest.mark.parametrize("kind", ["categorical", "boolean", "id"])
def test_sequence_index_must_be_numeric_or_datetime(kind):
    with pytest.raises(SchemaError, match=f"sequence index but has kind '{kind}'.*continuous, integer, datetime"):
        ColumnSchema("t", kind, "str", role="sequence_index")


@pytest.mark.parametrize("kind", ["continuous", "integer", "datetime"])
def test_numeric_and_datetime_sequence_indexes_are_accepted(kind):
    assert ColumnSchema("t", kind, "float64", role="sequence_index").role == "sequence_index"


def test_role_arguments_are_checked_against_the_table():
    df = readings()
    with pytest.raises(SchemaError, match="entity='site' is not a column of the table; choose one of station"):
        infer_schema(df, entity="site")
    with pytest.raises(SchemaError, match="cannot be both the entity and the sequence index"):
        infer_schema(df, entity="step", sequence_index="step")
    with pytest.raises(SchemaError, match="'wind' is the sequence index but has kind 'categorical'"):
        infer_schema(df, sequence_index="wind")
