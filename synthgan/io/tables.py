"""Read and write CSV and Parquet tables with clear errors and atomic writes.

Reading: CSV (optionally gzipped), TSV and Parquet. The separator of a text table is
found from its first lines (comma, tab, semicolon or pipe), so a semicolon-separated
``.csv`` reads as the table it is instead of one wide column. Text must be UTF-8
(UTF-16 with a byte-order mark is decoded too); any other encoding is refused with the
command that converts it. Cells that cannot be learned (Parquet lists, structs, maps,
binary, durations) are refused naming the column; Parquet decimals are read as floats.

Writing: the extension chooses the format (.csv, .csv.gz, .tsv, .tsv.gz, .parquet);
any other extension is refused before any work, and every write is atomic.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from typing import Any
from pathlib import Path

import pandas as pd

from synthgan.errors import InputFileError
from synthgan.io.atomic import atomic_path, check_output_path

_PARQUET_MAGIC = b"PAR1"
_SUPPORTED = ".csv, .csv.gz, .tsv, .tsv.gz, .parquet"
_WRITE_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".tsv": "tsv", ".tsv.gz": "tsv", ".tab": "tsv",
                   ".parquet": "parquet", ".pq": "parquet"}
_NOT_TABLES = {  # extension -> (what it is, what to do)
    ".xlsx": ("an Excel workbook", "export the sheet as CSV (or Parquet) and give that file"),
    ".xlsm": ("an Excel workbook", "export the sheet as CSV (or Parquet) and give that file"),
    ".xls": ("an Excel workbook", "export the sheet as CSV (or Parquet) and give that file"),
    ".ods": ("a spreadsheet", "export the sheet as CSV (or Parquet) and give that file"),
    ".json": ("a JSON file", "convert it, e.g. pandas.read_json(path).to_parquet('table.parquet')"),
    ".jsonl": ("a JSON-lines file", "convert it, e.g. pandas.read_json(path, lines=True).to_parquet('table.parquet')"),
    ".feather": ("a Feather file", "convert it, e.g. pandas.read_feather(path).to_parquet('table.parquet')"),
    ".arrow": ("an Arrow file", "convert it, e.g. pandas.read_feather(path).to_parquet('table.parquet')"),
    ".pkl": ("a pickle", "save the DataFrame with df.to_parquet('table.parquet') instead (pickles are never read)"),
    ".pickle": ("a pickle", "save the DataFrame with df.to_parquet('table.parquet') instead (pickles are never read)"),
    ".zip": ("a zip archive", "extract the table, or compress it with gzip (.csv.gz)"),
    ".bz2": ("bzip2-compressed", "decompress it, or compress it with gzip (.csv.gz)"),
    ".xz": ("xz-compressed", "decompress it, or compress it with gzip (.csv.gz)"),
    ".zst": ("zstd-compressed", "decompress it, or compress it with gzip (.csv.gz)"),
}
_SEPARATORS = (",", "\t", ";", "|")
_SEP_NAMES = {",": "','", "\t": "tab", ";": "';'", "|": "'|'"}
_SNIFF_LINES = 50
_PARQUET_FIXES = {
    "lists": "spread the items over separate columns, join them into text, or drop the column",
    "dicts": "spread the fields into separate columns (e.g. pandas.json_normalize), or drop the column",
    "bytes": "store it as text (decoded to UTF-8 strings), or drop the column",
    "durations": "store it as numbers, e.g. seconds",
    "times": "store it as numbers (e.g. seconds since midnight) or as text",
}


def _table_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    if name.endswith((".tsv", ".tsv.gz", ".tab", ".tab.gz")):
        return "tsv"
    return "csv"


def _write_format(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in sorted(_WRITE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return _WRITE_SUFFIXES[suffix]
    return None


def check_table_output(path: str | os.PathLike, *, what: str = "table") -> Path:
    """Return ``path`` as a Path after checking its folder and that its extension names a table format.

    Raises :class:`~synthgan.errors.InputFileError` for an unsupported extension (e.g.
    ``.xlsx``, or none), naming the supported ones, before any work is done.
    """
    out = check_output_path(path, what=what)
    if _write_format(out) is None:
        suffix = "".join(out.suffixes[-2:]) if out.suffixes else ""
        seen = f"extension '{suffix}'" if suffix else "no extension"
        raise InputFileError(f"cannot write {what} '{out}': {seen} is not a table format synthgan writes; "
                             f"name it with one of {_SUPPORTED}")
    return out


def _check_duplicate_names(names: list[str], path: Path) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputFileError(
                f"column name '{name}' appears more than once in '{path}'; rename the duplicates so every column name is unique"
            )
        seen.add(name)


def _check_readable_kind(path: Path) -> None:
    name = path.name.lower()
    for suffix, (what, fix) in _NOT_TABLES.items():
        if name.endswith(suffix):
            raise InputFileError(f"'{path}' is {what}, which synthgan does not read ({_SUPPORTED} only); {fix}")


def _decode(raw: bytes, path: Path) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark: unambiguous, decode it
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(f"'{path}' starts like UTF-16 text but does not decode as UTF-16 ({exc.reason}); "
                                 "re-save it as UTF-8") from exc
    if b"\x00" in raw[:65536]:
        raise InputFileError(f"'{path}' is not a text table (it contains binary data); give a CSV or Parquet file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputFileError(
            f"'{path}' is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}, offset {exc.start}; "
            "often a Latin-1 or Windows-1252 file); re-save it as UTF-8, "
            "e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`"
        ) from exc


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
    return _decode(raw, path)


def _rows(head: str, delimiter: str) -> list[list[str]]:
    try:
        return [row for row in csv.reader(io.StringIO(head), delimiter=delimiter) if row]
    except csv.Error:
        return []


def _sniff_separator(text: str, default: str, path: Path) -> str:
    """The field separator: ``default`` unless the header is one field and another separator splits every sampled line alike."""
    head = "\n".join(text.splitlines()[:_SNIFF_LINES])
    rows = _rows(head, default)
    if not rows or len(rows[0]) > 1:
        return default
    fits, seen = [], []
    for sep in _SEPARATORS:
        if sep == default:
            continue
        candidate = _rows(head, sep)
        if candidate and len(candidate[0]) > 1:
            seen.append(sep)
            n = len(candidate[0])
            sampled = candidate[:-1] if len(candidate) == _SNIFF_LINES else candidate  # the last line may be cut
            if all(len(row) == n for row in sampled):
                fits.append((n, sep))
    if fits:
        return max(fits)[1]
    if seen:
        names = _SEP_NAMES[seen[0]]
        raise InputFileError(
            f"'{path}' has a single column with {_SEP_NAMES[default]} as separator, and {names} appears between fields "
            f"of its header but the rows have different numbers of {names}-separated fields; "
            f"re-save it with one separator ({', '.join(_SEP_NAMES[s] for s in _SEPARATORS)}) and consistent quoting"
        )
    return default


def _read_parquet(src: Path) -> pd.DataFrame:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(src)
    except Exception as exc:  # pyarrow raises many types for a bad file
        raise InputFileError(f"'{src}' is not a readable Parquet file ({exc.__class__.__name__}); check the file") from exc
    return arrow_to_frame(table, src)


def arrow_to_frame(table: Any, src: Path) -> pd.DataFrame:
    """A pyarrow table read from ``src`` as a DataFrame; exact decimals become floats.

    Raises :class:`~synthgan.errors.DataValidationError` naming a column of lists,
    structs, maps, binary or durations, and InputFileError when pandas cannot hold it.
    """
    _check_duplicate_names(table.column_names, src)
    import pyarrow as pa

    from synthgan.errors import DataValidationError
    from synthgan.tabular.validate import arrow_type_kind, kind_words

    for i, field in enumerate(table.schema):
        kind = arrow_type_kind(field.type)
        if kind == "decimals":  # exact decimals are learned as numbers
            table = table.set_column(i, field.name, table.column(i).cast(pa.float64()))
        elif kind is not None:
            raise DataValidationError(
                f"Column '{field.name}' in '{src}' holds {'structs or maps' if kind == 'dicts' else kind_words(kind)} (Parquet type {field.type}), which synthgan "
                f"cannot learn (one number, text or date per cell); {_PARQUET_FIXES[kind]}, and save the file again"
            )
    try:
        return table.to_pandas()
    except (pa.ArrowException, ValueError, TypeError, OverflowError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise InputFileError(f"'{src}' could not be converted to a table ({first}); re-save the columns it names "
                             "as numbers, text or dates") from exc


def read_table(path: str | os.PathLike, *, sep: str | None = None) -> pd.DataFrame:
    """Read a CSV (optionally gzipped), TSV or Parquet file into a DataFrame.

    Empty cells are missing values. The separator of a text file is found from its
    first lines (comma, tab, semicolon or pipe) unless ``sep`` is given. Raises
    :class:`~synthgan.errors.InputFileError` with the fix for a missing, empty,
    binary, non-UTF-8, spreadsheet or header-only file, or duplicate column names,
    and :class:`~synthgan.errors.DataValidationError` for cells that cannot be
    learned (Parquet lists, structs, maps, binary, durations), naming the column.
    """
    src = Path(path)
    if not src.exists():
        raise InputFileError(f"input file '{src}' does not exist; check the path")
    if src.is_dir():
        raise InputFileError(f"input '{src}' is a folder; give a CSV or Parquet file")
    if src.stat().st_size == 0:
        raise InputFileError(f"input file '{src}' is empty; give a table with a header row and data rows")
    _check_readable_kind(src)
    fmt = _table_format(src)
    if fmt == "parquet":
        frame = _read_parquet(src)
    else:
        text = _read_text(src)
        if not text.strip():
            raise InputFileError(f"input file '{src}' is empty; give a table with a header row and data rows")
        if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in "\"\r\n"):
            from synthgan.errors import ConfigError

            raise ConfigError(f"sep must be one character such as ',', ';', '|' or a tab, got {sep!r}")
        delimiter = sep or _sniff_separator(text, "\t" if fmt == "tsv" else ",", src)
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
    from synthgan.tabular.validate import check_cells

    check_cells(frame, where=f" in '{src}'")
    return frame


def _write_frame(df: pd.DataFrame, tmp: Path, fmt: str, *, compression: str | None) -> None:
    if fmt == "parquet":
        df.to_parquet(tmp, index=False)
    else:
        df.to_csv(tmp, index=False, sep="\t" if fmt == "tsv" else ",", compression=compression)


def _compression(path: Path) -> str | None:
    return "gzip" if path.name.lower().endswith(".gz") else None


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as CSV/TSV (``.gz`` compressed if so named) or Parquet, atomically.

    The extension must be one of .csv, .csv.gz, .tsv, .tsv.gz or .parquet (checked first).
    """
    out = check_table_output(path)
    with atomic_path(out, what="table") as tmp:
        _write_frame(df, tmp, _table_format(out), compression=_compression(out))
    return out


_MAX_PENDING_ROWS = 1_000_000


def _has_null_fields(tables: list) -> bool:
    import pyarrow as pa

    names = tables[0].schema.names
    return any(all(pa.types.is_null(t.schema.field(name).type) for t in tables) for name in names)


def _open_parquet(tmp: Path, tables: list, pq):
    """A Parquet writer whose schema fits every one of ``tables`` (columns that never had a value: text)."""
    import pyarrow as pa

    schema = pa.unify_schemas([t.schema for t in tables], promote_options="permissive")
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, field.with_type(pa.large_string()))
    return pq.ParquetWriter(tmp, schema)


def _conform(table, schema, out: Path):
    """``table`` with ``schema``'s column types (a chunk may type a column differently, e.g. all-missing)."""
    if table.schema.equals(schema, check_metadata=False):
        return table
    import pyarrow as pa

    try:
        return table.select(schema.names).cast(schema)
    except (pa.ArrowException, KeyError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise InputFileError(f"cannot write table '{out}': a chunk's columns do not fit the types of the first chunks "
                             f"({first}); write a .csv file instead, or sample in one chunk") from exc


def write_table_chunks(chunks: Iterable[pd.DataFrame], path: str | os.PathLike) -> int:
    """Stream DataFrame chunks into one CSV or Parquet file with flat memory; returns rows written.

    The file appears at ``path`` only when every chunk was written. The extension must
    be one of .csv, .csv.gz, .tsv, .tsv.gz or .parquet (checked before the first chunk).
    """
    out = check_table_output(path)
    fmt = _table_format(out)
    total = 0
    with atomic_path(out, what="table") as tmp:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            writer, pending = None, []
            try:
                for chunk in chunks:
                    table = pa.Table.from_pandas(chunk, preserve_index=False)
                    total += len(chunk)
                    if writer is not None:
                        writer.write_table(_conform(table, writer.schema, out))
                        continue
                    pending.append(table)  # a column with no value yet has no type: wait for one (bounded)
                    if _has_null_fields(pending) and sum(t.num_rows for t in pending) < _MAX_PENDING_ROWS:
                        continue
                    writer = _open_parquet(tmp, pending, pq)
                    for buffered in pending:
                        writer.write_table(_conform(buffered, writer.schema, out))
                    pending = []
                if pending:
                    writer = _open_parquet(tmp, pending, pq)
                    for buffered in pending:
                        writer.write_table(_conform(buffered, writer.schema, out))
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


def as_table(data: Any, what: str = "data") -> pd.DataFrame:
    """A DataFrame as it is (its cells checked, as :func:`read_table` checks a file's), or the table a path holds.

    Raises
    ------
    ConfigError
        ``data`` is neither a DataFrame nor a path.
    """
    if isinstance(data, pd.DataFrame):
        from synthgan.tabular.validate import check_cells

        check_cells(data, where="" if what == "data" else f" in the {what} table")
        return data
    if isinstance(data, (str, os.PathLike)):
        return read_table(data)
    from synthgan.errors import ConfigError

    raise ConfigError(f"{what} must be a pandas DataFrame or a table file path, got {type(data).__name__}")

