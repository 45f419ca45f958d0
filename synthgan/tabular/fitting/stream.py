"""A table larger than memory as training data: chunks read, checked and encoded one at a time.

:meth:`Synthesizer.fit_stream <synthgan.tabular.synthesizer.Synthesizer.fit_stream>` fits
the encoder on a reservoir sample, then hands the model a
:class:`~synthgan.core.streamed.StreamedData` built here. Each chunk is validated like a
table in memory before it is encoded, so a bad cell deep in the files stops the fit with
the same message it would give on a small table.
"""

from __future__ import annotations

from collections.abc import Iterator

from synthgan._random import numpy_rng
from synthgan.core.encoded import EncodedData, static_table
from synthgan.core.streamed import StreamedData
from synthgan.errors import ConfigError
from synthgan.tabular.validate import validate_frame


def check_stream_options(model: str, options) -> None:
    """Refuse what a streamed fit cannot do, with what to do instead."""
    asked = [name for name in ("patience", "validation_every", "checkpoint_every", "checkpoint") if getattr(options, name) is not None]
    if asked:
        raise ConfigError(f"a streamed fit (--stream) does not support {', '.join(asked)}: it keeps no hold-out rows and "
                          "cannot checkpoint its place in the files; drop it (--max-time still works), or fit a table that fits in memory")


def streamed_table(source, encoder, chunk_rows: int) -> StreamedData:
    """``source`` (a :class:`~synthgan.io.parquet_stream.ParquetSource`) as encoded chunks of ``chunk_rows`` rows (fewer for a small table)."""
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
    rows = min(chunk_rows, source.n_rows)

    def open_chunks(seed: int) -> Iterator[EncodedData]:
        for frame in source.chunks(rows, numpy_rng(seed, "order")):
            validate_frame(frame)
            yield static_table(encoder.transform(frame), encoder.layout_)

    return StreamedData(n_items=source.n_rows, chunk_items=rows, open=open_chunks)
