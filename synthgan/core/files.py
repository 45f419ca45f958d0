"""One model-file format for every kind of data, with a ``kind`` that :func:`load` dispatches on.

A model file (see :mod:`synthgan.io.serialization` for the bytes) holds one fitted
:class:`~synthgan.core.model.BaseModel` and, optionally, the state of the pipeline
around it. Its manifest always has:

``kind``
    The model's kind of data (``"table"``, ``"sequence"``, ``"image"``).
``model``, ``model_config``, ``data_spec``, ``history``
    Registry name, constructor arguments, the encoded data it was fitted on and its
    training log: what :meth:`BaseModel.from_state` needs, with the ``model/`` arrays.
``pipeline``
    Only in files written by a pipeline (``"synthesizer"`` for the table
    :class:`~synthgan.tabular.synthesizer.Synthesizer`, ``"series"`` for the sequence
    :class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer`), which adds its own
    entries (encoder state, schema, ...) and arrays; a bare model file has none.

Files written before kinds existed hold a table Synthesizer and have neither
``kind`` nor ``pipeline``; they load as they always did.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from synthgan.core.model import KINDS, BaseModel
from synthgan.errors import ConfigError, ModelFileError, check_is_fitted
from synthgan.io.manifest import check_manifest, one_line, require
from synthgan.io.serialization import load_model_file, save_model_file

MODEL_PREFIX = "model/"
#: pipeline name -> (module, class, kind); the class has ``from_file_contents(manifest, arrays, path)``
PIPELINES: dict[str, tuple[str, str, str]] = {
    "synthesizer": ("synthgan.tabular.synthesizer", "Synthesizer", "table"),
    "series": ("synthgan.timeseries.synthesizer", "SeriesSynthesizer", "sequence"),
    "anomaly": ("synthgan.anomaly.detector", "AnomalyDetector", "table"),
    "image": ("synthgan.images.synthesizer", "ImageSynthesizer", "image"),
    "translate": ("synthgan.images.translate.model", "ImageTranslator", "image"),
}
_LEGACY_PIPELINE = "synthesizer"  # every file written before kinds existed
_CORE_FIELDS = ("format", "format_version", "kind", "model", "model_config", "data_spec", "history")
_UPGRADE = "upgrade synthgan (pip install -U synthgan) or fit the model again with this version"


def save_model(model: BaseModel, path: str | os.PathLike, *, manifest: dict[str, Any] | None = None,
               arrays: dict[str, np.ndarray] | None = None) -> Path:
    """Write a fitted model of any kind to one model file (atomically; never pickled).

    Parameters
    ----------
    model : BaseModel
        A fitted model.
    path : str or PathLike
        The file to write (e.g. ``model.synthgan``).
    manifest : dict, optional
        Extra JSON-safe entries, e.g. a pipeline's encoder state; they may not replace
        the core entries (``kind``, ``model``, ``model_config``, ``data_spec``, ``history``).
    arrays : dict of str to ndarray, optional
        Extra named arrays; names may not start with ``"model/"`` (the model's own).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    NotFittedError
        ``model`` is not fitted.
    ConfigError
        An extra entry or array would overwrite the model's own.
    """
    from synthgan import __version__

    if not isinstance(model, BaseModel):
        raise ConfigError(f"save_model() needs a fitted synthgan model, got {type(model).__name__}; "
                          "pipelines such as Synthesizer have their own save()")
    check_is_fitted(model, "history_")
    extra = dict(manifest or {})
    clash = [key for key in extra if key in _CORE_FIELDS]
    if clash:
        raise ConfigError(f"save_model(): manifest entries {clash} are written from the model itself; rename them")
    extra_arrays = dict(arrays or {})
    clash = [name for name in extra_arrays if name.startswith(MODEL_PREFIX)]
    if clash:
        raise ConfigError(f"save_model(): array names {clash[:3]} use the model's prefix '{MODEL_PREFIX}'; use another prefix")
    full = {
        "synthgan_version": __version__,
        **extra,
        "kind": model.capabilities.kind,
        "model": model.name,
        "model_config": model.get_config(),
        "data_spec": model.data_spec(),
        "history": list(model.history_ or []),
    }
    all_arrays = {f"{MODEL_PREFIX}{name}": np.asarray(value) for name, value in model.state_arrays().items()}
    all_arrays.update({name: np.asarray(value) for name, value in extra_arrays.items()})
    return save_model_file(path, full, all_arrays)


def read_model_file(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model file; return ``(manifest, arrays)`` with ``kind`` always set.

    Files written before kinds existed get ``kind="table"`` and ``pipeline="synthesizer"``.

    Raises
    ------
    ModelFileError
        A missing, foreign, corrupt or incompatible file, a kind this version does not know,
        or a manifest whose fields do not have their declared structure
        (:mod:`synthgan.io.manifest`), even with a valid checksum.
    """
    manifest, arrays = load_model_file(path)
    manifest = dict(manifest)
    if "kind" not in manifest:
        manifest["kind"] = "table"
        manifest.setdefault("pipeline", _LEGACY_PIPELINE)
    require(manifest, {"kind": str, "pipeline?": str}, "manifest", path)
    kind = manifest["kind"]
    if kind not in KINDS:
        raise ModelFileError(f"'{path}' holds a model of kind {kind!r}, which this synthgan does not know "
                             f"(it knows {', '.join(KINDS)}); {_UPGRADE}")
    pipeline = manifest.get("pipeline")
    if pipeline is not None and pipeline not in PIPELINES:
        raise ModelFileError(f"'{path}' was written by the {pipeline!r} pipeline, which this synthgan does not know; {_UPGRADE}")
    check_manifest(manifest, arrays, path)  # every field has its declared type before anything reads it
    return manifest, arrays


def model_from_contents(manifest: dict[str, Any], arrays: dict[str, np.ndarray], path: str | os.PathLike) -> BaseModel:
    """Rebuild the fitted model held by a file's ``manifest`` and ``arrays`` (as :func:`read_model_file` returns them).

    Raises
    ------
    ModelFileError
        The model name is unknown to this version, its kind differs from the file's, or
        the manifest is incomplete.
    """
    from synthgan.core.registry import get_model_class

    name = manifest.get("model")
    if not isinstance(name, str):
        raise ModelFileError(f"'{path}' has an incomplete manifest (no model name); fit the model again")
    try:
        cls = get_model_class(name)
    except ConfigError:
        raise ModelFileError(f"'{path}' holds model {name!r}, which this synthgan does not know; {_UPGRADE}, "
                             "or register its class with synthgan.core.registry.register before loading") from None
    if cls.capabilities.kind != manifest["kind"]:
        raise ModelFileError(f"'{path}' says its model is of kind {manifest['kind']!r} but {name!r} learns "
                             f"{cls.capabilities.kind!r} data; the file was edited or damaged, fit the model again")
    try:
        spec = manifest["data_spec"] if "data_spec" in manifest else manifest["layout"]  # files before data_spec: tables
        model_arrays = {key[len(MODEL_PREFIX):]: value for key, value in arrays.items() if key.startswith(MODEL_PREFIX)}
        return cls.from_state(manifest["model_config"], model_arrays, spec, list(manifest["history"]))
    except ModelFileError as exc:  # the model's own message, made one line and naming the file
        text = one_line(exc)
        raise ModelFileError(text if str(path) in text else f"'{path}': {text}") from exc
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
        raise ModelFileError(f"'{path}' has an incomplete or inconsistent manifest ({exc.__class__.__name__}: "
                             f"{one_line(exc)}); fit the model again") from exc



def load_model(path: str | os.PathLike) -> BaseModel:
    """Load the fitted model of a model file, without its pipeline.

    Parameters
    ----------
    path : str or PathLike
        A file written by :func:`save_model` or by a pipeline (whose extra state is ignored).

    Returns
    -------
    BaseModel

    Raises
    ------
    ModelFileError
        See :func:`read_model_file` and :func:`model_from_contents`.
    """
    manifest, arrays = read_model_file(path)
    return model_from_contents(manifest, arrays, path)


def load(path: str | os.PathLike) -> Any:
    """Load any model file: a pipeline's file as that pipeline, a bare model file as the model.

    The manifest is read once; its ``kind`` (``"table"`` for files written before kinds
    existed) and ``pipeline`` decide what comes back.

    Parameters
    ----------
    path : str or PathLike

    Returns
    -------
    Synthesizer, SeriesSynthesizer or BaseModel
        A :class:`~synthgan.tabular.synthesizer.Synthesizer` or a
        :class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer` for files they wrote
        (every ``synthgan fit`` output), else the fitted model itself.

    Raises
    ------
    ModelFileError
        A missing, foreign, corrupt or incompatible file, or one of a kind or model this
        version does not know (upgrade synthgan or fit again).
    """
    manifest, arrays = read_model_file(path)
    pipeline = manifest.get("pipeline")
    if pipeline is None:
        return model_from_contents(manifest, arrays, path)
    module_name, class_name, kind = PIPELINES[pipeline]
    if kind != manifest["kind"]:
        raise ModelFileError(f"'{path}' says it holds a {manifest['kind']!r} model but its pipeline {pipeline!r} "
                             f"handles {kind!r} data; the file was edited or damaged, fit the model again")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_file_contents(manifest, arrays, path)
