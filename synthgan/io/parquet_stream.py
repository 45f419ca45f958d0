"""A Parquet file or folder larger than memory, read in bounded memory (``synthgan fit --stream``).

Three reads, none of which holds more than a fixed number of rows:

* :attr:`ParquetSource.n_rows` and the column names come from the files' footers.
* :meth:`ParquetSource.reservoir` draws a uniform sample of ``k`` rows without replacement
  in one pass: every row gets a random key and the ``k`` smallest keys are kept (the
  encoder is fitted on it).
* :meth:`ParquetSource.chunks` yields, without end, shuffled chunks of exactly
  ``chunk_rows`` rows: row groups are read in a random order, pooled until a chunk is
  full, and shuffled, like a shuffle buffer. Rows are mixed across a few row groups,
  so files written with row groups of at most about a million rows mix well; a file
  with one huge row group is still read in bounded memory, only in order.

pyarrow's ``ParquetFile.iter_batches`` does the reading; nothing here loads a whole file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError, InputFileError

READ_BATCH_ROWS = 65_536


class ParquetSource:
    """The Parquet files of one table: a ``.parquet`` file, or every ``*.parquet`` under a folder.

    Parameters
    ----------
    path : str or PathLike
        A Parquet file, or a folder of Parquet files with the same columns (searched
        recursively, read in sorted order; other files are ignored).

    Raises
    ------
    InputFileError
        No such path, no Parquet file in the folder, an unreadable file, files whose
        columns differ, or no rows at all.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        import pyarrow.parquet as pq

        src = Path(path)
        if not src.exists():
            raise InputFileError(f"input '{src}' does not exist; check the path")
        if src.is_dir():
            files = sorted(p for p in src.rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".pq"))
            if not files:
                raise InputFileError(f"folder '{src}' holds no .parquet files; --stream reads a Parquet file or a folder of them")
        elif src.suffix.lower() in (".parquet", ".pq"):
            files = [src]
        else:
            raise InputFileError(f"--stream reads Parquet, and '{src}' is not a .parquet file; convert it, "
                                 "e.g. pandas.read_csv(path).to_parquet('table.parquet', row_group_size=100_000)")
        self.path = src
        self.files = files
        self._pieces: list[tuple[int, int, int]] = []  # (file, row group, rows)
        first_names: list[str] | None = None
        for index, file in enumerate(files):
            try:
                meta = pq.ParquetFile(file).metadata
            except Exception as exc:  # pyarrow raises many types for a bad file
                raise InputFileError(f"'{file}' is not a readable Parquet file ({exc.__class__.__name__}); check the file") from exc
            names = list(meta.schema.to_arrow_schema().names)
            if first_names is None:
                first_names = names
            elif names != first_names:
                raise InputFileError(f"'{file}' has columns {names[:5]}... but '{files[0]}' has {first_names[:5]}...; "
                                     "every file of a streamed table needs the same columns in the same order")
            self._pieces += [(index, g, meta.row_group(g).num_rows) for g in range(meta.num_row_groups)
                             if meta.row_group(g).num_rows > 0]
        self.columns: list[str] = first_names or []
        self.n_rows = int(sum(rows for _, _, rows in self._pieces))
        if self.n_rows == 0:
            raise InputFileError(f"'{src}' has no data rows; give a table with at least one row")

    def _batches(self, pieces: list[tuple[int, int, int]]) -> Iterator:
        import pyarrow.parquet as pq

        for index, group, _ in pieces:
            with pq.ParquetFile(self.files[index]) as handle:
                yield from handle.iter_batches(batch_size=READ_BATCH_ROWS, row_groups=[group])

    def reservoir(self, k: int, rng: np.random.Generator) -> pd.DataFrame:
        """A uniform sample of ``min(k, n_rows)`` rows without replacement, in file order.

        Reads every row once; holds at most ``k`` plus one read batch of rows.
        """
        import pyarrow as pa

        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ConfigError(f"the reservoir size must be a positive integer, got {k!r}")
        kept, kept_keys, kept_order = None, np.empty(0), np.empty(0, dtype=np.int64)
        seen = 0
        for batch in self._batches(self._pieces):
            keys = rng.random(batch.num_rows)
            order = np.arange(seen, seen + batch.num_rows, dtype=np.int64)
            seen += batch.num_rows
            if len(kept_keys) == k:  # only keys below the current k-th smallest can enter
                enter = keys < kept_keys.max()
                batch, keys, order = batch.filter(pa.array(enter)), keys[enter], order[enter]
                if not len(keys):
                    continue
            table = pa.Table.from_batches([batch]) if kept is None else pa.concat_tables([kept, pa.Table.from_batches([batch])])
            keys, order = np.concatenate([kept_keys, keys]), np.concatenate([kept_order, order])
            if len(keys) > k:
                keep = np.argpartition(keys, k - 1)[:k]
                keep = keep[np.argsort(order[keep])]
                table, keys, order = table.take(pa.array(keep)), keys[keep], order[keep]
            kept, kept_keys, kept_order = table.combine_chunks(), keys, order
        return frame_of(kept, self.path)

    def chunks(self, chunk_rows: int, rng: np.random.Generator) -> Iterator[pd.DataFrame]:
        """Shuffled chunks of exactly ``chunk_rows`` rows, without end (see the module docstring).

        Every pass over the data visits the row groups in a new random order; a chunk
        may span two passes.
        """
        import pyarrow as pa

        if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, (int, np.integer)) or chunk_rows < 1:
            raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
        pool: list = []
        pooled = 0
        while True:
            order = rng.permutation(len(self._pieces))
            for batch in self._batches([self._pieces[i] for i in order]):
                pool.append(batch)
                pooled += batch.num_rows
                while pooled >= chunk_rows:
                    table = pa.Table.from_batches(pool).combine_chunks()
                    table = table.take(pa.array(rng.permutation(len(table))))
                    yield frame_of(table.slice(0, chunk_rows), self.path)
                    rest = table.slice(chunk_rows)
                    pool, pooled = ([rest.combine_chunks().to_batches()[0]] if len(rest) else []), len(rest)


def frame_of(table, src: Path) -> pd.DataFrame:
    """A pyarrow table as a DataFrame, refusing cells synthgan cannot learn (see :func:`synthgan.io.tables.read_table`)."""
    from synthgan.io.tables import arrow_to_frame

    return arrow_to_frame(table, src)
