"""Seeds become generators owned by the object: global random state is never touched.

One integer ``seed`` is expanded with :class:`numpy.random.SeedSequence` into
independent child streams, keyed by purpose, so that adding a new consumer of
randomness does not shift the numbers another consumer sees.
"""

from __future__ import annotations

import hashlib

import numpy as np

_MAX_SEED = 2**63 - 1


def _key_to_int(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "little")


def child_seed(seed: int | None, *keys: str) -> int:
    """Derive a reproducible 63-bit seed for the stream named by ``keys``.

    ``seed=None`` draws fresh entropy from the operating system (not reproducible).
    """
    entropy = seed if seed is not None else np.random.SeedSequence().entropy
    seq = np.random.SeedSequence(entropy, spawn_key=tuple(_key_to_int(k) for k in keys))
    return int(seq.generate_state(2, dtype=np.uint32).astype(np.uint64) @ np.array([1, 2**32], dtype=np.uint64)) & _MAX_SEED


def numpy_rng(seed: int | None, *keys: str) -> np.random.Generator:
    """A numpy Generator for the stream ``keys`` derived from ``seed``."""
    return np.random.default_rng(child_seed(seed, *keys))


def torch_generator(seed: int | None, *keys: str, device: str = "cpu"):
    """A ``torch.Generator`` on ``device`` for the stream ``keys`` derived from ``seed``."""
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(child_seed(seed, *keys))
    return gen
