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
from synthgan.tabular.dependencies import Dependency
from synthgan.tabular.layout import Layout
from synthgan.tabular.schema import Schema
from synthgan.tabular.ties import EventTie
from synthgan.tabular.transforms import TRANSFORMERS
from synthgan.tabular.transforms.base import ColumnTransformer

STATE_FORMAT = "synthgan.TableEncoder"
STATE_VERSION = 1


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
    if state.get("format") != STATE_FORMAT or state.get("version") != STATE_VERSION:
        raise SchemaError(
            f"Encoder state has format {state.get('format')!r} version {state.get('version')!r}; "
            f"expected {STATE_FORMAT!r} version {STATE_VERSION}. Refit the model with this synthgan version."
        )


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
        The state has another format or version.
    """
    check_state(state)
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
