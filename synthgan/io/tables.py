"""Read and write CSV and Parquet tables with clear errors and atomic writes."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from synthgan.errors import InputFileError
from synthgan.io.atomic import atomic_path

_PARQUET_MAGIC = b"PAR1"
_SUPPORTED = ".csv, .csv.gz, .tsv, .parquet"


def _table_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".tsv", ".tsv.gz", ".tab")):
        return "tsv"
    return "csv"


def _check_duplicate_names(names: list[str], path: Path) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputFileError(
                f"column name '{name}' appears more than once in '{path}'; rename the duplicates so every column name is unique"
            )
        seen.add(name)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        import gzip

        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputFileError(f"'{path}' is not a valid gzip file ({exc}); decompress or re-save it") from exc
    if raw.startswith(_PARQUET_MAGIC):
        raise InputFileError(f"'{path}' looks like a Parquet file; give it a .parquet extension")
    if b"\x00" in raw[:65536]:
        raise InputFileError(f"'{path}' is not a text table (it contains binary data); give a CSV or Parquet file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"'{path}' is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
            "re-save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`"
        ) from exc
    return text


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV (optionally gzipped), TSV or Parquet file into a DataFrame.

    Empty cells are missing values. Raises :class:`~synthgan.errors.InputFileError`
    with the fix for a missing, empty, binary, non-UTF-8 or header-only file, or
    duplicate column names.
    """
    src = Path(path)
    if not src.exists():
        raise InputFileError(f"input file '{src}' does not exist; check the path")
    if src.is_dir():
        raise InputFileError(f"input '{src}' is a folder; give a CSV or Parquet file")
    if src.stat().st_size == 0:
        raise InputFileError(f"input file '{src}' is empty; give a table with a header row and data rows")
    fmt = _table_format(src)
    if fmt == "parquet":
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(src)
        except Exception as exc:  # pyarrow raises many types for a bad file
            raise InputFileError(f"'{src}' is not a readable Parquet file ({exc.__class__.__name__}); check the file") from exc
        _check_duplicate_names(table.column_names, src)
        frame = table.to_pandas()
    else:
        text = _read_text(src)
        if not text.strip():
            raise InputFileError(f"input file '{src}' is empty; give a table with a header row and data rows")
        delimiter = "\t" if fmt == "tsv" else ","
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        _check_duplicate_names(header, src)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter)
        except (pd.errors.ParserError, ValueError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            raise InputFileError(f"'{src}' is not a valid table: {first}; check its delimiters and quoting") from exc
    if frame.shape[1] == 0:
        raise InputFileError(f"'{src}' has no columns; give a table with a header row")
    if len(frame) == 0:
        raise InputFileError(f"'{src}' has a header but no data rows; give a table with at least one data row")
    return frame


def _write_frame(df: pd.DataFrame, tmp: Path, fmt: str, *, compression: str | None) -> None:
    if fmt == "parquet":
        df.to_parquet(tmp, index=False)
    else:
        df.to_csv(tmp, index=False, sep="\t" if fmt == "tsv" else ",", compression=compression)


def _compression(path: Path) -> str | None:
    return "gzip" if path.name.lower().endswith(".gz") else None


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as CSV/TSV (``.gz`` compressed if so named) or Parquet, atomically."""
    out = Path(path)
    with atomic_path(out, what="table") as tmp:
        _write_frame(df, tmp, _table_format(out), compression=_compression(out))
    return out


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: str | os.PathLike) -> int:
    """Stream DataFrame chunks into one CSV or Parquet file with flat memory; returns rows written.

    The file appears at ``path`` only when every chunk was written.
    """
    out = Path(path)
    fmt = _table_format(out)
    total = 0
    with atomic_path(out, what="table") as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            writer = None
            try:
                for chunk in chunks:
                    table = pa.Table.from_pandas(chunk, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp, table.schema)
                    writer.write_table(table)
                    total += len(chunk)
            finally:
                if writer is not None:
                    writer.close()
        else:
            compression = _compression(out)
            sep = "\t" if fmt == "tsv" else ","
            opener = (lambda: __import__("gzip").open(tmp, "wt", encoding="utf-8", newline="")) if compression else (
                lambda: open(tmp, "w", encoding="utf-8", newline="")
            )
            with opener() as handle:
                for i, chunk in enumerate(chunks):
                    chunk.to_csv(handle, index=False, header=(i == 0), sep=sep)
                    total += len(chunk)
    return total
