"""Proof that a generator in the low-shot experiment learns from the labelled low-shot images alone.

Every image of the experiment has an integer id: training images ``0 .. n_train - 1``, test
images ``n_train ..``. Before a generator's ``fit``, :class:`ImageLeakageGuard` checks what it
is handed twice:

* by id: the ids are exactly the labelled ids drawn for that seed and shot count, and none
  is a test id;
* by content: no image's bytes hash to a test image's (so a test image is caught even when
  it comes with another id), and each image's hash is the hash of the training image of its id.

A test image whose exact bytes also occur among the training images cannot leak anything and
is not counted (MNIST has a few such duplicates). A failure raises
:class:`~synthgan.augment.leakage.LeakageError`: a bug in the experiment, never user error.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from synthgan.augment.leakage import LeakageError

__all__ = ["ImageLeakageGuard", "LeakageError", "image_hashes"]


def image_hashes(images: np.ndarray) -> np.ndarray:
    """One 64-bit content hash per image (its shape, dtype and bytes), as uint64 ``(N,)``."""
    x = np.ascontiguousarray(images)
    head = f"{x.dtype.str}{x.shape[1:]}".encode()
    return np.array([int.from_bytes(hashlib.blake2b(head + row.tobytes(), digest_size=8).digest(), "little")
                     for row in x], dtype=np.uint64)


@dataclass
class ImageLeakageGuard:
    """Checks the images handed to a generator against the test images of the experiment.

    Parameters
    ----------
    train_images : ndarray
        The training pool; image ``i`` has id ``i``.
    test_images : ndarray
        The test images; image ``j`` has id ``len(train_images) + j``.
    """

    train_images: np.ndarray
    test_images: np.ndarray
    checked: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._train_hashes = image_hashes(self.train_images)
        self.n_train = len(self.train_images)
        self.test_ids = np.arange(self.n_train, self.n_train + len(self.test_images))
        self._test_hashes = np.setdiff1d(image_hashes(self.test_images), self._train_hashes)

    def check(self, who: str, ids: np.ndarray, images: np.ndarray, expected_ids: np.ndarray) -> None:
        """Raise :class:`LeakageError` unless ``images`` (with ``ids``) are exactly the training images ``expected_ids``."""
        ids, expected = np.asarray(ids, dtype=np.int64), np.asarray(expected_ids, dtype=np.int64)
        hashes = image_hashes(images)
        by_id = int(np.isin(ids, self.test_ids).sum())
        by_content = int(np.isin(hashes, self._test_hashes).sum())
        if by_id or by_content:
            raise LeakageError(f"{who} was given test images ({by_id} by id, {by_content} by content); a generator may "
                               "only learn from the labelled low-shot images")
        if len(ids) != len(images) or len(ids) != len(expected) or not np.array_equal(np.sort(ids), np.sort(expected)):
            raise LeakageError(f"{who} was given {len(images)} images with ids other than the {len(expected)} labelled "
                               "low-shot images of this seed")
        if (ids < 0).any() or (ids >= self.n_train).any() or not np.array_equal(hashes, self._train_hashes[ids]):
            raise LeakageError(f"{who} was given images whose content differs from the labelled training images of "
                               "their ids")
        self.checked[who] = self.checked.get(who, 0) + len(ids)
