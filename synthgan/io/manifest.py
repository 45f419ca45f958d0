"""The declared structure of a model file's manifest, checked before any field is used.

A model file that passes its checksum may still have been written by another tool,
forged with a recomputed checksum, or edited by hand: valid JSON of the wrong shape
(a list where an object belongs, a string where a number belongs). Every field is
checked here against a small declared structure, recursively, so such a file is
refused with one :class:`~synthgan.errors.ModelFileError` naming the field, instead
of an ``AttributeError`` deep inside loading.

The structure language (no dependency): a Python type (``str``, ``int`` (not bool),
``float`` (any number, not bool), ``bool``, ``dict``, ``list``, ``object`` (anything)),
``{"key": spec, "key?": spec}`` (an object with these keys, ``?`` marks optional
ones; other keys are allowed, for newer writers), :class:`ListOf`, :class:`MapOf`,
:class:`Opt` (``None`` allowed), :class:`Choice` (one of some values), :class:`AnyOf`
and :class:`Array` (a numpy array of some dtype kinds and number of dimensions).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgan.errors import ModelFileError

AGAIN = "fit the model again"


@dataclass(frozen=True)
class ListOf:
    """A JSON list whose items all match ``item``."""

    item: Any


@dataclass(frozen=True)
class MapOf:
    """A JSON object with string keys whose values all match ``value``."""

    value: Any


@dataclass(frozen=True)
class Opt:
    """``spec`` or ``None``."""

    spec: Any


class Choice:
    """One of the given values."""

    def __init__(self, *values: Any) -> None:
        self.values = values


class AnyOf:
    """Matches any of the given specs."""

    def __init__(self, *specs: Any) -> None:
        self.specs = specs


@dataclass(frozen=True)
class Array:
    """A numpy array with a dtype kind in ``kinds`` (``"f"``, ``"iu"``, ...) and ``ndim`` dimensions (None: any)."""

    kinds: str = "biuf"
    ndim: int | None = None


_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false", dict: "an object",
          list: "a list", object: "anything"}


def describe(spec: Any) -> str:
    """What ``spec`` expects, in words."""
    if isinstance(spec, type):
        return _NAMES.get(spec, spec.__name__)
    if isinstance(spec, dict):
        return "an object"
    if isinstance(spec, ListOf):
        return "a list"
    if isinstance(spec, MapOf):
        return "an object"
    if isinstance(spec, Opt):
        return f"{describe(spec.spec)} or null"
    if isinstance(spec, Choice):
        return "one of " + ", ".join(repr(v) for v in spec.values)
    if isinstance(spec, AnyOf):
        return " or ".join(describe(s) for s in spec.specs)
    if isinstance(spec, Array):
        dims = "" if spec.ndim is None else f"{spec.ndim}-d "
        return f"a {dims}numeric array ({'/'.join(spec.kinds)})"
    return repr(spec)


def _shown(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a {value.ndim}-d {value.dtype} array"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    for kind, name in ((str, "a string"), (int, "an integer"), (float, "a number"), (dict, "an object"), (list, "a list")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def problem(value: Any, spec: Any, where: str) -> str | None:
    """``None`` if ``value`` matches ``spec``, else one sentence naming the first field that does not."""
    if spec is object:
        return None
    if isinstance(spec, Opt):
        return None if value is None else problem(value, spec.spec, where)
    if isinstance(spec, AnyOf):
        if any(problem(value, s, where) is None for s in spec.specs):
            return None
        return f"{where} should be {describe(spec)}, not {_shown(value)}"
    if isinstance(spec, Choice):
        if any(type(value) is type(v) and value == v for v in spec.values):
            return None
        return f"{where} should be {describe(spec)}, not {value!r}"[:300]
    if isinstance(spec, Array):
        if isinstance(value, np.ndarray) and value.dtype.kind in spec.kinds and (spec.ndim is None or value.ndim == spec.ndim):
            return None
        return f"{where} should be {describe(spec)}, not {_shown(value)}"
    if isinstance(spec, type):
        ok = (
            isinstance(value, spec) and not (isinstance(value, bool) and spec is not bool)
            if spec is not float
            else isinstance(value, (int, float)) and not isinstance(value, bool)
        )
        return None if ok else f"{where} should be {describe(spec)}, not {_shown(value)}"
    if isinstance(spec, ListOf):
        if not isinstance(value, list):
            return f"{where} should be a list, not {_shown(value)}"
        for i, item in enumerate(value):
            found = problem(item, spec.item, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(spec, MapOf):
        if not isinstance(value, dict):
            return f"{where} should be an object, not {_shown(value)}"
        for key, item in value.items():
            found = problem(item, spec.value, f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return f"{where} should be an object, not {_shown(value)}"
        for key, item_spec in spec.items():
            name, optional = (key[:-1], True) if key.endswith("?") else (key, False)
            if name not in value:
                if optional:
                    continue
                return f"{where}.{name} is missing"
            found = problem(value[name], item_spec, f"{where}.{name}")
            if found:
                return found
        return None
    raise TypeError(f"unknown structure spec {spec!r}")  # a bug in a declared structure, not in a file


def one_line(exc: BaseException) -> str:
    """An exception's text on one line, at most 200 characters (for messages that quote it)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def require(value: Any, spec: Any, where: str, path: str | os.PathLike) -> None:
    """Raise :class:`ModelFileError` (one line: file, field, fix) unless ``value`` matches ``spec``."""
    found = problem(value, spec, where)
    if found:
        raise ModelFileError(f"'{path}' has a malformed manifest: {found}; the file was damaged or edited, {AGAIN}")


# ---------------------------------------------------------------- declared structures
JSON_SCALAR = AnyOf(str, float, bool, type(None))

#: every model file, whatever its kind (``format``/``format_version`` are checked when the bytes are read)
CORE = {
    "kind": str,
    "model": str,
    "model_config": MapOf(object),
    "history": ListOf(MapOf(Opt(AnyOf(float, bool)))),
    "pipeline?": str,
    "synthgan_version?": str,
}

#: a table model's data spec (:class:`synthgan.tabular.layout.Layout`)
SPAN = {
    "column": str,
    "start": int,
    "end": int,
    "activation": Choice("tanh", "softmax", "identity"),
    "role": Choice("value", "component", "category", "ordinal"),
    "n_categories?": int,
}
LAYOUT = {"spans": ListOf(SPAN), "condition_spans": ListOf(int), "encoding?": Choice("mode_specific", "ordinal", "binned")}

#: a table schema (:class:`synthgan.tabular.schema.Schema`); its own checks follow in ``Schema.from_dict``
SCHEMA = {"columns": ListOf({"name": str, "kind": str, "dtype?": str})}

#: training diagnostics (``synthgan.tabular.fitting.plan``); other keys are allowed
DIAGNOSTICS = {
    "alarms?": ListOf(str),
    "best_epoch?": Opt(int),
    "stopped_early?": bool,
    "stop_reason?": Opt(str),
    "validation?": Opt(float),
    "validation_every?": Opt(int),
    "validation_seconds?": float,
    "holdout_rows?": int,
    "real_category_coverage?": float,
    "resumed_from_epoch?": Opt(int),
    "checkpoint?": str,
}

#: the table :class:`~synthgan.tabular.synthesizer.Synthesizer`'s own entries
SYNTHESIZER = {
    "schema": SCHEMA,
    "encoder": dict,  # see synthgan.tabular.encoder_state.STATE
    "diagnostics?": DIAGNOSTICS,
    "seed": Opt(int),
    "fit": {
        "rows": int,
        "seconds": float,
        "preprocess_seconds?": float,
        "params": {
            "seed?": Opt(int),
            "epochs": Opt(int),
            "batch_size": Opt(int),
            "device": str,
            "model_params": MapOf(object),
            "encoder_params": Opt(MapOf(object)),
            "pii?": str,
            "pii_locale?": str,
            "fair_target?": Opt(str),
            "fair_sensitive?": Opt(str),
            "epsilon?": Opt(float),
            "delta?": Opt(float),
        },
    },
    "privacy?": Opt({"epsilon": float, "delta": float, "epsilon_spent": float, "accountant": str,
                     "statistics_share": float, "statistics_sigma": float, "category_threshold": float,
                     "sgd": {"sample_rate": float, "steps": int, "noise_multiplier": float, "max_grad_norm": float,
                             "expected_batch": int, "steps_taken": int}}),
    "fairness?": Opt({"target": str, "sensitive": str, "target_levels": ListOf(JSON_SCALAR),
                      "sensitive_levels": ListOf(JSON_SCALAR), "target_p": ListOf(float), "sensitive_p": ListOf(float)}),
}


def check_layout(layout: Any, where: str, path: str | os.PathLike) -> None:
    """A layout's structure, then its consistency: spans in order, condition spans that exist."""
    require(layout, LAYOUT, where, path)
    position = 0
    for i, span in enumerate(layout["spans"]):
        if span["start"] != position or span["end"] < span["start"] or span.get("n_categories", 0) < 0:
            raise ModelFileError(f"'{path}' has a malformed manifest: {where}.spans[{i}] covers columns "
                                 f"{span['start']}..{span['end']} after column {position}; the file was damaged or edited, {AGAIN}")
        position = span["end"]
    bad = [i for i in layout["condition_spans"] if not 0 <= i < len(layout["spans"])]
    if bad:
        raise ModelFileError(f"'{path}' has a malformed manifest: {where}.condition_spans names span {bad[0]}, "
                             f"which does not exist; the file was damaged or edited, {AGAIN}")


def check_manifest(manifest: Any, arrays: Any, path: str | os.PathLike) -> None:
    """Check a whole manifest (and that the arrays are numeric) before anything reads it.

    Raises
    ------
    ModelFileError
        One line naming the file and the first field of the wrong shape.
    """
    require(manifest, dict, "the manifest", path)
    require(manifest, CORE, "manifest", path)
    kind = manifest["kind"]
    if kind == "table" or manifest.get("pipeline") == "synthesizer":
        if "data_spec" in manifest:
            check_layout(manifest["data_spec"], "manifest.data_spec", path)
        if "layout" in manifest or "data_spec" not in manifest:
            check_layout(manifest.get("layout"), "manifest.layout", path)
    elif "data_spec" not in manifest:
        raise ModelFileError(f"'{path}' has a malformed manifest: manifest.data_spec is missing; "
                             f"the file was damaged or edited, {AGAIN}")
    if manifest.get("pipeline") == "synthesizer":
        require(manifest, SYNTHESIZER, "manifest", path)
    require(arrays, MapOf(Array()), "arrays", path)
    if "model/seed" in arrays:
        require(arrays["model/seed"], Array("iu", 0), "arrays.model/seed", path)
