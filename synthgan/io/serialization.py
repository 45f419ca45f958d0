"""Model files: one safetensors file whose header carries a JSON manifest. Never pickle.

Layout of a ``.synthgan`` file: a standard safetensors file. Its tensors are the
model weights and the encoder's numeric state (plain arrays); its ``__metadata__``
holds one entry, ``synthgan``, the JSON manifest: format version, package version,
the model's kind of data, name, config, data spec and training history, and what its
pipeline adds (schema, encoder state, seed); :mod:`synthgan.core.files` decides those
entries and dispatches on ``kind`` when loading. A
SHA-256 over the manifest text and every tensor's bytes is stored beside it, so a
tampered or truncated file is refused with a clear error instead of loading wrong
weights. Loading parses JSON and raw arrays only; nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path
from typing import Any

import numpy as np

from synthgan.errors import ModelFileError
from synthgan.io.atomic import atomic_path

FORMAT_NAME = "synthgan-model"
FORMAT_VERSION = 1
_META_KEY = "synthgan"
_DIGEST_KEY = "synthgan_sha256"
_MAX_HEADER = 100 * 1024 * 1024


def _digest(manifest_text: str, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(manifest_text.encode("utf-8"))
    for name in sorted(arrays):
        arr = np.asarray(arrays[name], order="C")
        h.update(name.encode("utf-8"))
        h.update(str(arr.dtype).encode())
        h.update(str(arr.shape).encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _canonical(payload: bytes) -> bytes:
    """The same safetensors file with its header's keys sorted, so equal content gives equal bytes.

    safetensors writes the ``__metadata__`` entries in hash-map order, which changes from run
    to run; offsets are explicit in the header, so the order of its keys is free.
    """
    size = int.from_bytes(payload[:8], "little")
    header = json.dumps(json.loads(payload[8:8 + size]), sort_keys=True, separators=(",", ":")).encode("utf-8")
    header += b" " * (-len(header) % 8)  # safetensors pads the header to 8 bytes with spaces
    return len(header).to_bytes(8, "little") + header + payload[8 + size:]


def save_model_file(path: str | os.PathLike, manifest: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write ``manifest`` (JSON-safe) and ``arrays`` to ``path`` atomically."""
    from safetensors.numpy import save

    full = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, **manifest}
    text = json.dumps(full, sort_keys=True, allow_nan=False)
    clean = {name: np.asarray(arr, order="C") for name, arr in arrays.items()}  # keeps 0-d arrays 0-d
    payload = _canonical(save(clean, metadata={_META_KEY: text, _DIGEST_KEY: _digest(text, clean)}))
    with atomic_path(path, what="model file") as tmp:
        tmp.write_bytes(payload)
    return Path(path)


def _read_header(raw: bytes, path: Path) -> dict[str, Any]:
    if len(raw) < 8:
        raise ModelFileError(f"'{path}' is not a synthgan model file (too short); fit a model with `synthgan fit`")
    (size,) = struct.unpack("<Q", raw[:8])
    if size <= 0 or size > _MAX_HEADER or 8 + size > len(raw):
        raise ModelFileError(f"'{path}' is not a synthgan model file or it is truncated; fit the model again")
    try:
        header = json.loads(raw[8 : 8 + size].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"'{path}' is not a synthgan model file (its header is not JSON); fit the model again") from exc
    if not isinstance(header, dict):
        raise ModelFileError(f"'{path}' is not a synthgan model file (its header is not a JSON object); fit the model again")
    return header


def load_model_file(path: str | os.PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model file; return ``(manifest, arrays)``.

    Raises :class:`~synthgan.errors.ModelFileError` for a missing, foreign, corrupt,
    tampered or incompatible file.
    """
    from safetensors.numpy import load

    src = Path(path)
    if not src.is_file():
        raise ModelFileError(f"model file '{src}' does not exist; check the path or fit one with `synthgan fit`")
    raw = src.read_bytes()
    header = _read_header(raw, src)
    metadata = header.get("__metadata__") or {}
    if not isinstance(metadata, dict):
        metadata = {}
    text, digest = metadata.get(_META_KEY), metadata.get(_DIGEST_KEY)
    if not isinstance(text, str) or not isinstance(digest, str):
        raise ModelFileError(f"'{src}' is a safetensors file but not a synthgan model (no manifest); fit one with `synthgan fit`")
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"'{src}' has a corrupt manifest; the file was damaged or edited, fit the model again") from exc
    if not isinstance(manifest, dict):
        raise ModelFileError(f"'{src}' has a malformed manifest (a JSON {type(manifest).__name__}, not an object); "
                             "the file was damaged or edited, fit the model again")
    if manifest.get("format") != FORMAT_NAME:
        raise ModelFileError(f"'{src}' is not a synthgan model file; fit one with `synthgan fit`")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        made_by = manifest.get("synthgan_version", "an unknown version")
        raise ModelFileError(
            f"'{src}' uses model-file format {version} (written by synthgan {made_by}); this synthgan reads format "
            f"{FORMAT_VERSION}: install synthgan {made_by} to use it, or fit the model again"
        )
    try:
        arrays = load(raw)
    except Exception as exc:  # safetensors raises its own error types for malformed data
        raise ModelFileError(f"'{src}' is corrupt ({exc.__class__.__name__}); fit the model again") from exc
    if _digest(text, arrays) != digest:
        raise ModelFileError(f"'{src}' failed its integrity check: it was modified or damaged after saving; fit the model again")
    return manifest, arrays
