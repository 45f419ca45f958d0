"""The anomaly side of the verbs: fit a detector from a table, score and explain tables or files, streamed.

Files to score are read and written in chunks of ``chunk_rows`` rows (CSV, optionally
gzipped, TSV or Parquet), so memory stays flat however long the file; scores do not
depend on the chunking (a row's encoding depends on the row alone; matrix products over
chunks of other sizes may round the last float32 bit differently). Options
and output paths are checked before any data is read, and outputs are written
atomically, so bad input writes nothing.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import pandas as pd

from synthgan.anomaly.detector import FLAG_COLUMN, AnomalyDetector
from synthgan.anomaly.explain import check_top
from synthgan.anomaly.threshold import check_threshold
from synthgan.errors import ConfigError, InputFileError

TableLike = Union[pd.DataFrame, str, os.PathLike]
DetectorLike = Union[AnomalyDetector, str, os.PathLike]
CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class ScoredTable:
    """What :func:`score_table` wrote: where, rows, rows flagged, the score threshold and seconds taken."""

    path: Path
    rows: int
    flagged: int
    threshold: float
    seconds: float


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def fit_detector(data: TableLike, *, output: str | os.PathLike | None = None, model: str | None = None,
                 ignore: list[str] | str | None = None, seed: int | None = 0, epochs: int | None = None,
                 device: str = "auto", verbose: bool = False, **model_params: Any) -> AnomalyDetector:
    """Fit an :class:`AnomalyDetector` on a table (or table file) and, with ``output``, save it."""
    from synthgan.anomaly.detectors import DEFAULT_DETECTOR, detector_class
    from synthgan.io.atomic import check_output_path

    detector_class(model or DEFAULT_DETECTOR)  # an unknown name fails before the table is read
    if output is not None:
        check_output_path(output, what="model file")
    frame = _frame(data)
    det = AnomalyDetector(model or DEFAULT_DETECTOR, seed=seed, epochs=epochs, device=device, ignore=ignore,
                          verbose=verbose, **model_params).fit(frame)
    if output is not None:
        det.save(output)
    return det


def _frame(data: TableLike) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        from synthgan.tabular.validate import check_cells

        check_cells(data)
        return data
    if _is_path(data):
        from synthgan.io.tables import read_table

        return read_table(data)
    raise ConfigError(f"data must be a pandas DataFrame or a table file path, got {type(data).__name__}")


def _detector(detector: DetectorLike) -> AnomalyDetector:
    if isinstance(detector, AnomalyDetector):
        return detector
    if _is_path(detector):
        from synthgan.core.files import load

        loaded = load(detector)
        if isinstance(loaded, AnomalyDetector):
            return loaded
        raise ConfigError(f"'{detector}' is not an anomaly detector file; fit one with `synthgan anomaly fit DATA -o FILE`")
    raise ConfigError(f"detector must be a fitted AnomalyDetector or its model file, got {type(detector).__name__}")


# --------------------------------------------------------------------- reading in chunks
def read_chunks(data: TableLike, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """A table, or a CSV/TSV/Parquet file, as DataFrames of at most ``chunk_rows`` rows (checked as read_table checks).

    Raises InputFileError for a file without data rows (after its header) and the
    errors of :func:`synthgan.io.tables.read_table` for a missing, folder, empty or
    spreadsheet file.
    """
    rows = 0
    for chunk in _chunks(data, chunk_rows):
        rows += len(chunk)
        if len(chunk):
            yield chunk
    if rows == 0:
        from synthgan.errors import DataValidationError

        raise DataValidationError(f"{'the table' if not _is_path(data) else repr(str(data))} has no rows to score; "
                                  "give a table with at least one data row")


def _chunks(data: TableLike, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if isinstance(data, pd.DataFrame) or not _is_path(data):
        frame = _frame(data)
        for start in range(0, max(len(frame), 1), chunk_rows):
            yield frame.iloc[start : start + chunk_rows]
        return
    from synthgan.io import tables
    from synthgan.tabular.validate import check_cells

    src = Path(data)
    if not src.is_file() or src.stat().st_size == 0:
        tables.read_table(src)  # its message for a missing, folder or empty file
    tables._check_readable_kind(src)
    where = f" in '{src}'"
    if tables._table_format(src) == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            batches = pq.ParquetFile(src).iter_batches(batch_size=chunk_rows)
        except Exception as exc:  # pyarrow raises many types for a bad file
            raise InputFileError(f"'{src}' is not a readable Parquet file ({exc.__class__.__name__}); check the file") from exc
        for batch in batches:
            chunk = tables.arrow_to_frame(pa.Table.from_batches([batch]), src)
            check_cells(chunk, where=where)
            yield chunk
        return
    sep = tables._sniff_separator(_head(src), "\t" if tables._table_format(src) == "tsv" else ",", src)
    try:
        reader = pd.read_csv(src, sep=sep, chunksize=chunk_rows, encoding="utf-8-sig")
        for chunk in reader:
            check_cells(chunk, where=where)
            yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError, EOFError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise InputFileError(f"'{src}' is not a valid table: {first}; check its delimiters, quoting and encoding (UTF-8)") from exc


def _head(src: Path, lines: int = 50) -> str:
    opener = gzip.open if src.name.lower().endswith(".gz") else open
    try:
        with opener(src, "rt", encoding="utf-8-sig", newline="") as handle:
            text = "".join(line for _, line in zip(range(lines), handle))
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputFileError(f"'{src}' is not a readable UTF-8 table ({exc.__class__.__name__}); re-save it as UTF-8 CSV") from exc
    header = next(csv.reader(io.StringIO(text)), [])
    if not header:
        raise InputFileError(f"input file '{src}' is empty; give a table with a header row and data rows")
    return text


# ---------------------------------------------------------------------------- verbs
def score_table(detector: DetectorLike, data: TableLike, *, output: str | os.PathLike | None = None,
                threshold: float | None = None, contamination: float | None = None,
                chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame | ScoredTable:
    """Every row of ``data`` plus ``anomaly_score`` and ``is_anomaly``; with ``output``, streamed to that file.

    Parameters
    ----------
    detector : AnomalyDetector, str or PathLike
        A fitted detector or its model file.
    data : DataFrame, str or PathLike
        The rows to score (a file is read in chunks).
    output : str or PathLike, optional
        Table to write (.csv, .csv.gz, .tsv or .parquet).
    threshold, contamination : float, optional
        Flag rows above this quantile of the training scores, or above the ``1 - contamination``
        quantile (default quantile 0.99); not both.
    chunk_rows : int, default=100000

    Returns
    -------
    DataFrame or ScoredTable
    """
    quantile = check_threshold(threshold, contamination)
    _check_chunk_rows(chunk_rows)
    if output is not None:
        from synthgan.io.tables import check_table_output

        check_table_output(output)
    det = _detector(detector)
    cut = det.threshold_score(quantile)
    started = time.perf_counter()
    counts = {"rows": 0, "flagged": 0}

    def scored() -> Iterator[pd.DataFrame]:
        for chunk in read_chunks(data, chunk_rows):
            out = det.score_frame(chunk, threshold=quantile)
            counts["rows"] += len(out)
            counts["flagged"] += int(out[FLAG_COLUMN].sum())
            yield out

    if output is None:
        parts = list(scored())
        return parts[0] if len(parts) == 1 else pd.concat(parts)
    from synthgan.io.tables import write_table_chunks

    write_table_chunks(scored(), output)
    return ScoredTable(Path(output), counts["rows"], counts["flagged"], cut, time.perf_counter() - started)


def explain_table(detector: DetectorLike, data: TableLike, *, top: int = 3, output: str | os.PathLike | None = None,
                  chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame | ScoredTable:
    """The ``top`` columns driving each row's score (see :meth:`AnomalyDetector.explain`); with ``output``, streamed.

    The written table has a ``row`` column (the row's position in ``data``, from 0) before
    the explanation's columns.
    """
    _check_chunk_rows(chunk_rows)
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        check_top(top, 1)
    if output is not None:
        from synthgan.io.tables import check_table_output

        check_table_output(output)
    det = _detector(detector)
    started = time.perf_counter()
    counts = {"rows": 0}

    def explained() -> Iterator[pd.DataFrame]:
        for chunk in read_chunks(data, chunk_rows):
            out = det.explain(chunk, top=top)
            out.insert(0, "row", range(counts["rows"], counts["rows"] + len(out)))
            counts["rows"] += len(out)
            yield out

    if output is None:
        parts = list(explained())
        return parts[0] if len(parts) == 1 else pd.concat(parts)
    from synthgan.io.tables import write_table_chunks

    write_table_chunks(explained(), output)
    return ScoredTable(Path(output), counts["rows"], 0, float("nan"), time.perf_counter() - started)


def _check_chunk_rows(chunk_rows: Any) -> None:
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows <= 0:
        raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}; e.g. chunk_rows=100000")
