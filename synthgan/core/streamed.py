"""Training data too large for memory, as a neural model sees it: equal-sized encoded chunks.

A kind's pipeline (tables: ``Synthesizer.fit_stream``) reads its files in bounded memory
and encodes one chunk at a time; :meth:`NeuralModel.fit <synthgan.core.neural.NeuralModel.fit>`
trains on one chunk for ``chunk_items // batch_size`` steps (the trainer's *epoch* under
streaming), then copies the next chunk into the same tensors in place and asks the model
to refresh what it derived from them (:meth:`~synthgan.core.neural.NeuralModel._refresh_data`).
Model code is otherwise unchanged, and memory is one chunk whatever the number of items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from synthgan.core.encoded import EncodedData
from synthgan.errors import ConfigError


@dataclass(frozen=True)
class StreamedData:
    """Items read and encoded a chunk at a time.

    Attributes
    ----------
    n_items : int
        Items in the whole data (sets the default training budget).
    chunk_items : int
        Items in every chunk.
    open : callable
        ``open(seed)`` returns an endless iterator of :class:`EncodedData` chunks of
        exactly ``chunk_items`` items, in an order drawn from ``seed`` alone.
    """

    n_items: int
    chunk_items: int
    open: Callable[[int], Iterator[EncodedData]]

    def __post_init__(self) -> None:
        if self.chunk_items < 1 or self.n_items < 1:
            raise ConfigError(f"streamed data needs at least one item per chunk, got {self.chunk_items} of {self.n_items}")


def streamed_step(step: Callable, steps_per_chunk: int, next_chunk: Callable[[], None]) -> Callable:
    """``step`` that first calls ``next_chunk()`` every ``steps_per_chunk`` steps (not before the first)."""
    done = 0

    def run():
        nonlocal done
        if done and done % steps_per_chunk == 0:
            next_chunk()
        done += 1
        return step()

    return run
