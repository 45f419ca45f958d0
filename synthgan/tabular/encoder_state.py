"""Saving and loading a fitted :class:`~synthgan.tabular.encoder.TableEncoder` without pickling.

The state is a JSON-safe dict plus named numeric arrays; model files hold both.
Its format is fixed: files written by earlier versions must keep loading, so a
change to what is saved needs a new ``STATE_VERSION`` and a reader for the old one.

``state`` keys: ``format``, ``version``, ``params`` (constructor arguments),
``schema``, ``layout``, ``columns`` (one ``{"name", "transformer", "state"}`` per
learned column, in layout order), ``dependencies`` and ``ties`` (absent in files
written before ties existed). Array keys are ``"{i}.{name}"`` for column ``i``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgan.errors import SchemaError
from synthgan.io.manifest import JSON_SCALAR, LAYOUT, SCHEMA, Array, ListOf, MapOf, Opt, problem
from synthgan.tabular.dependencies import Dependency
from synthgan.tabular.layout import Layout
from synthgan.tabular.schema import Schema
from synthgan.tabular.ties import EventTie
from synthgan.tabular.transforms import TRANSFORMERS
from synthgan.tabular.transforms.base import ColumnTransformer

STATE_FORMAT = "synthgan.TableEncoder"
STATE_VERSION = 1

#: declared structure of the saved state (checked before use, so a forged file is refused, not crashed on)
_FORMAT = {"low": float, "high": float, "step": float, "decimals": int, "int_low?": Opt(int), "int_high?": Opt(int)}
_SCALING = {"center": float, "half": float}  # absent in files before scaling existed (identity)
_LEVELS = {"kept": ListOf(JSON_SCALAR), "bucket": ListOf(JSON_SCALAR), "has_missing": bool}
#: transformer name -> (state structure, {array name: structure}); a transformer not named here needs a dict
TRANSFORMER_STATES: dict[str, tuple[Any, dict[str, Any]]] = {
    "constant": ({"value": JSON_SCALAR}, {}),
    "identifier": ({"numeric": bool, "start": float, "prefix": str, "missing_share": float}, {}),
    "mode_specific": ({"format": _FORMAT, "has_missing": bool, "scaling?": _SCALING},
                      {name: Array("f") for name in ("weights", "means", "stds", "low", "high", "scale", "point_masses")}),
    "one_hot": (_LEVELS, {"bucket_p": Array("f", 1)}),
    "ordinal_categories": (_LEVELS, {"bucket_p": Array("f", 1)}),
    "ordinal_numeric": ({"format": _FORMAT, "has_missing": bool, "scaling?": _SCALING}, {}),
    "binned_numeric": ({"format": _FORMAT, "has_missing": bool, "max_bins": int, "sub_bins": int, "point_share": float},
                       {name: Array("f", 1) for name in ("points", "low", "high")}),
}
STATE = {
    "format": str,
    "version": int,
    "params": MapOf(object),
    "schema": SCHEMA,
    "layout": LAYOUT,
    "columns": ListOf({"name": str, "transformer": str, "state": dict}),
    "dependencies": ListOf({"child": str, "parent": str, "parent_levels": ListOf(JSON_SCALAR), "child_values": ListOf(JSON_SCALAR)}),
    "ties?": ListOf(MapOf(Opt(object))),
}


@dataclass
class EncoderParts:
    """What a fitted encoder is made of: its parameters and its learned state."""

    params: dict[str, Any]
    schema: Schema
    layout: Layout
    transformers: dict[str, ColumnTransformer]
    dependencies: list[Dependency]
    ties: list[EventTie]


def write_state(parts: EncoderParts) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The saved form of a fitted encoder.

    Parameters
    ----------
    parts : EncoderParts

    Returns
    -------
    state : dict
        JSON-safe (see the module docstring for its keys).
    arrays : dict of str to numpy.ndarray
        Numeric state of the transformers, keyed ``"{column index}.{name}"``.
    """
    columns, arrays = [], {}
    for i, (name, t) in enumerate(parts.transformers.items()):
        state, arr = t.get_state()
        columns.append({"name": name, "transformer": t.name, "state": state})
        arrays.update({f"{i}.{key}": np.ascontiguousarray(value) for key, value in arr.items()})
    state = {
        "format": STATE_FORMAT,
        "version": STATE_VERSION,
        "params": parts.params,
        "schema": parts.schema.to_dict(),
        "layout": parts.layout.to_dict(),
        "columns": columns,
        "dependencies": [d.to_dict() for d in parts.dependencies],
        "ties": [t.to_dict() for t in parts.ties],
    }
    return state, arrays


def check_state(state: dict[str, Any]) -> None:
    """Raise :class:`~synthgan.errors.SchemaError` unless ``state`` has this module's format and version."""
    if not isinstance(state, dict):
        raise SchemaError(f"Encoder state is {type(state).__name__}, not an object. Refit the model with this synthgan version.")
    if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
        raise SchemaError(
            f"Encoder state has format {state.get('format')!r} version {state.get('version')!r}; "
            f"expected {STATE_FORMAT!r} version {STATE_VERSION}. Refit the model with this synthgan version."
        )


def structure_problem(state: Any, arrays: dict[str, np.ndarray]) -> str | None:
    """``None`` if ``state`` and ``arrays`` have the declared structure, else the first problem, in words.

    Checks format and version, every field's type (:data:`STATE`), each column's
    transformer and its state (:data:`TRANSFORMER_STATES`), that columns name schema
    columns, and each transformer's arrays (keys ``"{column index}.{name}"``).
    """
    if not isinstance(state, dict):
        return f"encoder should be an object, not {type(state).__name__}"
    if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
        return f"encoder has format {state.get('format')!r} version {state.get('version')!r}, not {STATE_FORMAT!r} version {STATE_VERSION}"
    found = problem(state, STATE, "encoder")
    if found:
        return found
    names = {c["name"] for c in state["schema"]["columns"]}
    for i, entry in enumerate(state["columns"]):
        where = f"encoder.columns[{i}]"
        if entry["name"] not in names:
            return f"{where} names column {entry['name']!r}, which its schema does not have"
        if entry["transformer"] not in TRANSFORMERS:
            return f"{where}.transformer {entry['transformer']!r} is not one this synthgan knows"
        state_spec, array_specs = TRANSFORMER_STATES.get(entry["transformer"], (dict, {}))
        found = problem(entry["state"], state_spec, f"{where}.state")
        for name, spec in array_specs.items():
            key = f"{i}.{name}"
            found = found or (f"array encoder/{key} is missing" if key not in arrays else problem(arrays[key], spec, f"array encoder/{key}"))
        if found:
            return found
    return None


def check_structure(state: Any, arrays: dict[str, np.ndarray]) -> None:
    """Raise :class:`~synthgan.errors.SchemaError` unless :func:`structure_problem` finds nothing."""
    check_state(state)
    found = structure_problem(state, arrays)
    if found:
        raise SchemaError(f"Encoder state: {found}. Refit the model with this synthgan version.")


def read_state(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> EncoderParts:
    """Rebuild the parts of a fitted encoder from :func:`write_state` output.

    Parameters
    ----------
    state : dict
    arrays : dict of str to numpy.ndarray

    Returns
    -------
    EncoderParts

    Raises
    ------
    SchemaError
        The state has another format or version, or a field of the wrong structure
        (see :func:`check_structure`).
    """
    check_structure(state, arrays)
    schema = Schema.from_dict(state["schema"])
    transformers = {}
    for i, entry in enumerate(state["columns"]):
        t = TRANSFORMERS[entry["transformer"]](schema[entry["name"]])
        prefix = f"{i}."
        t.set_state(entry["state"], {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
        transformers[entry["name"]] = t
    return EncoderParts(
        params=dict(state["params"]),
        schema=schema,
        layout=Layout.from_dict(state["layout"]),
        transformers=transformers,
        dependencies=[Dependency.from_dict(d) for d in state["dependencies"]],
        ties=[EventTie.from_dict(t) for t in state.get("ties", [])],  # absent in files before ties
    )
