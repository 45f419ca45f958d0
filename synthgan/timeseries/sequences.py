"""Long-format series read into items: which columns, which rows, which calendar.

The input is long format: an optional entity key column, a time column, and value
columns. :func:`read_sequences` checks it (every problem is a
:class:`~synthgan.errors.DataValidationError` that says what to do), sorts it by
(entity, time), infers the :class:`Calendar` and cuts each entity at gaps longer than
``max_gap`` steps into segments. One *item* (one series a model learns from) is an
entity, or a segment of one.

Value columns that are constant within every entity are *static* attributes; the
others are *temporal* features, numeric or categorical (text, booleans, and integers
with at most ``discrete_max_levels`` levels).
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError, DataValidationError, DataWarning
from synthgan.tabular.schema import parse_dates, read_date_format

__all__ = ["Calendar", "SequenceFrame", "SequenceSpec", "detect_calendar", "parse_time", "read_sequences"]

_DAY = 86_400 * 10**9  # nanoseconds
_OFFSETS = {"business_day": pd.offsets.BDay, "month_start": pd.offsets.MonthBegin, "month_end": pd.offsets.MonthEnd}


@dataclass(frozen=True)
class SequenceSpec:
    """How to read long-format series.

    Parameters
    ----------
    time : str
        The time column: dates/times (any format one pattern reads) or numbers.
    entity : str or None, default=None
        The entity key column (a station, a ticker); None for one series.
    columns : tuple of str or None, default=None
        Value columns to learn (a comma-separated string is split); None learns
        every column other than ``entity`` and ``time``.
    returns : {"log", "simple"} or None, default=None
        Learn price columns as returns and rebuild levels when decoding.
    price_columns : tuple of str or None, default=None
        Columns learned as returns; None: the OHLC columns when there are some,
        else every numeric temporal column.
    entity_attribute : bool or None, default=None
        Learn the entity label as a static categorical attribute (so paths can be
        conditioned on it); None: when there are at most ``max_categories`` entities.
    max_gap : float or None, default=5.0
        A gap longer than this many steps of the calendar starts a new segment
        (a new item); None never splits.
    max_categories : int, default=50
        Most levels a categorical column may have.
    discrete_max_levels : int, default=10
        Integer columns with at most this many levels are learned as categories.
    """

    time: str
    entity: str | None = None
    columns: tuple[str, ...] | None = None
    returns: str | None = None
    price_columns: tuple[str, ...] | None = None
    entity_attribute: bool | None = None
    max_gap: float | None = 5.0
    max_categories: int = 50
    discrete_max_levels: int = 10

    def __post_init__(self) -> None:
        for name in ("columns", "price_columns"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if value is not None:
                object.__setattr__(self, name, tuple(dict.fromkeys(value)))  # in order, each once
        if isinstance(self.returns, str) and self.returns.lower() in ("none", ""):
            object.__setattr__(self, "returns", None)

    def check(self) -> "SequenceSpec":
        """Raise :class:`ConfigError` for an invalid setting; return ``self``."""
        if not isinstance(self.time, str) or not self.time:
            raise ConfigError(f"time must name the time column (e.g. --time-column Date), got {self.time!r}")
        if self.entity is not None and (not isinstance(self.entity, str) or self.entity == self.time):
            raise ConfigError(f"entity must name a column other than the time column, got {self.entity!r}")
        if self.returns not in (None, "log", "simple"):
            raise ConfigError(f"returns must be 'log', 'simple' or None, got {self.returns!r}")
        if self.max_gap is not None and not (isinstance(self.max_gap, (int, float)) and self.max_gap >= 1):
            raise ConfigError(f"max_gap must be a number of steps >= 1 (or None), got {self.max_gap!r}")
        for name in ("max_categories", "discrete_max_levels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.price_columns is not None and self.returns is None:
            raise ConfigError("price_columns needs returns='log' or 'simple'; set returns, or drop price_columns")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SequenceSpec":
        return cls(**data)


@dataclass(frozen=True)
class Calendar:
    """The step between two rows, so that sampled times continue the training data's.

    ``kind`` is ``"fixed"`` (a constant step of ``step`` nanoseconds: 1 h, 1 min, 1 day),
    ``"business_day"`` (Monday to Friday: daily trading data; holidays are not
    skipped), ``"month_start"`` / ``"month_end"``, or ``"number"`` (a numeric time
    column, steps of ``step``).
    """

    kind: str
    step: float = 0.0

    @property
    def offset(self):
        return _OFFSETS[self.kind]() if self.kind in _OFFSETS else None

    def steps_between(self, prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
        """How many calendar steps lie between ``prev[i]`` and ``cur[i]`` (float)."""
        if self.kind in ("fixed", "number"):
            return (np.asarray(cur) - np.asarray(prev)).astype(np.float64) / self.step
        if self.kind == "business_day":
            return np.busday_count(prev.astype("datetime64[D]"), cur.astype("datetime64[D]")).astype(np.float64)
        months = lambda t: t.astype("datetime64[M]").astype(np.int64)  # noqa: E731
        return (months(cur) - months(prev)).astype(np.float64)

    def after(self, last: Any) -> Any:
        """The time one step after ``last``."""
        if self.kind == "number":
            return float(last) + self.step
        if self.kind == "fixed":
            return np.datetime64(last, "ns") + np.timedelta64(int(self.step), "ns")
        return (pd.Timestamp(last) + self.offset).to_datetime64().astype("datetime64[ns]")

    def times(self, start: Any, n: int) -> np.ndarray:
        """``n`` times from ``start`` on (rolled forward onto the calendar when off it)."""
        if self.kind == "number":
            return float(start) + self.step * np.arange(n, dtype=np.float64)
        if self.kind == "fixed":
            return np.datetime64(pd.Timestamp(start).to_datetime64(), "ns") + np.arange(n, dtype=np.int64) * np.timedelta64(int(self.step), "ns")
        return pd.date_range(pd.Timestamp(start), periods=n, freq=self.offset).to_numpy().astype("datetime64[ns]")

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"every {pd.Timedelta(int(self.step), unit='ns')}"
        return f"every {self.step:g}" if self.kind == "number" else self.kind.replace("_", " ") + "s"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "step": self.step}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Calendar":
        return cls(str(data["kind"]), float(data["step"]))


def _weekday(times: np.ndarray) -> np.ndarray:
    return (times.astype("datetime64[D]").astype(np.int64) + 3) % 7  # Monday = 0


def detect_calendar(times: np.ndarray, group: np.ndarray) -> Calendar:
    """The :class:`Calendar` of sorted ``times`` (datetime64[ns] or float) in groups ``group``.

    The step is the modal difference between consecutive times of a group (the median,
    to whole seconds, when no difference covers half of them: jittered sensors). Daily data on
    weekdays only, with Friday-to-Monday steps, is on business days; steps of 28-31 days
    on month starts (ends) are months.
    """
    same = group[1:] == group[:-1]
    diffs = (times[1:] - times[:-1])[same]
    if len(diffs) == 0:
        raise DataValidationError("every series has a single row, so the time step cannot be inferred; give each entity at least two rows")
    values, counts = np.unique(diffs, return_counts=True)
    modal = values[np.argmax(counts)]
    jittered = counts.max() < 0.5 * len(diffs)  # e.g. sensor steps of 58, 59, 61, 62 s: the median is the step
    if times.dtype.kind != "M":
        return Calendar("number", float(np.median(diffs) if jittered else modal))
    modal = int(modal.astype("timedelta64[ns]").astype(np.int64))
    if jittered:
        median = float(np.median(diffs.astype("timedelta64[ns]").astype(np.int64)))
        modal = int(round(median / 1e9) * 10**9) if median >= 1e9 else int(median)
    if modal == _DAY:
        weekday = _weekday(times)
        over_weekend = (diffs == np.timedelta64(3 * _DAY, "ns")) & (weekday[:-1][same] == 4)
        if (weekday < 5).all() and over_weekend.any():
            return Calendar("business_day")
    if 28 * _DAY <= modal <= 31 * _DAY:
        stamps = pd.DatetimeIndex(times)
        if (stamps == stamps.normalize()).all():
            if (stamps.day == 1).all():
                return Calendar("month_start")
            if stamps.is_month_end.all():
                return Calendar("month_end")
    return Calendar("fixed", float(modal))


def _missing_column(name: str, df: pd.DataFrame, role: str) -> DataValidationError:
    close = difflib.get_close_matches(name, [str(c) for c in df.columns], n=1)
    hint = f" Did you mean '{close[0]}'?" if close else f" The columns are: {', '.join(map(str, df.columns[:20]))}."
    return DataValidationError(f"Column '{name}' ({role}) is not in the data.{hint} Check the spelling, or name another column.")


def parse_time(values: pd.Series, name: str) -> np.ndarray:
    """The time column as datetime64[ns] (naive, in UTC) or float64 (a numeric time column)."""
    empty = values.isna().to_numpy()
    if empty.any():
        raise DataValidationError(
            f"Column '{name}' (the time column) is empty in {int(empty.sum())} rows (first at row {int(np.argmax(empty))}); "
            "fill in those times or drop those rows."
        )
    if pd.api.types.is_bool_dtype(values.dtype):
        raise DataValidationError(f"Column '{name}' (the time column) holds booleans; name a column of dates, times or step numbers.")
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.to_numpy(dtype=np.float64)
        if not np.isfinite(out).all():
            raise DataValidationError(f"Column '{name}' (the time column) holds infinite values; fix them.")
        return out
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return parse_dates(values).to_numpy().astype("datetime64[ns]")
    text = values.astype(str)
    distinct = pd.Series(pd.unique(text), dtype=object)
    reading = read_date_format(distinct, name)
    parsed = None if reading is None else parse_dates(text, reading.format)
    if parsed is None or parsed.isna().any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            each = pd.to_datetime(distinct, errors="coerce", format="mixed")
        bad = distinct[each.isna().to_numpy()]
        example = f"'{bad.iloc[0]}' does not read as a date or time" if len(bad) else (
            f"'{distinct.iloc[0]}' and others are written in more than one date format"
        )
        raise DataValidationError(
            f"Column '{name}' (the time column) does not parse: {example}. Write every time in one format "
            "(e.g. 2020-01-31 or 2020-01-31 14:00:00), or name another --time-column."
        )
    return parsed.to_numpy().astype("datetime64[ns]")


@dataclass
class SequenceFrame:
    """Long series read by :func:`read_sequences`, sorted by (entity, time).

    ``frame`` holds the entity column (if any) and the value columns, index ``0..n-1``;
    ``times`` the parsed times per row; ``item`` the item (series) of each row and
    ``first`` its first rows; ``item_entity`` the entity label of each item (None without an
    entity column); ``rows`` each row's position in the input.
    """

    spec: SequenceSpec
    frame: pd.DataFrame
    times: np.ndarray
    item: np.ndarray
    first: np.ndarray
    item_entity: np.ndarray | None
    rows: np.ndarray
    static: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    calendar: Calendar

    @property
    def n_items(self) -> int:
        return int(self.item[-1]) + 1

    @property
    def lengths(self) -> np.ndarray:
        return np.bincount(self.item, minlength=self.n_items).astype(np.int64)

    def where(self, i: int) -> str:
        """Where row ``i`` is, for messages: its entity, its time and its input row."""
        t = self.times[i]
        t = str(pd.Timestamp(t)) if self.times.dtype.kind == "M" else f"{t:g}"
        who = f"{self.spec.entity}={self.frame[self.spec.entity].iloc[i]!r}, " if self.spec.entity else ""
        return f"{who}{self.spec.time}={t} (input row {int(self.rows[i])})"


def _sorted_codes(values: pd.Series) -> np.ndarray:
    try:
        codes, _ = pd.factorize(values, sort=True)
    except TypeError:  # labels of mixed types do not sort: keep their order of appearance
        codes, _ = pd.factorize(values)
    return codes.astype(np.int64)


def _check_rows(frame: pd.DataFrame, times: np.ndarray, codes: np.ndarray, spec: SequenceSpec) -> None:
    entity = spec.entity
    who = (lambda i: f" of {entity} {frame[entity].iloc[i]!r}") if entity else (lambda i: "")
    dup = (codes[1:] == codes[:-1]) & (times[1:] == times[:-1])
    if dup.any():
        i = int(np.argmax(dup)) + 1
        t = pd.Timestamp(times[i]) if times.dtype.kind == "M" else times[i]
        raise DataValidationError(
            f"Column '{spec.time}': the time {t} appears {int(((codes == codes[i]) & (times == times[i])).sum())} times"
            f"{who(i)}; each time must appear once per {entity or 'series'}. Drop or aggregate the duplicate rows"
            + ("." if entity else ", or name the entity column (--entity) if the rows belong to several series.")
        )
    counts = np.bincount(codes)
    if entity and (counts == 1).any():
        i = int(np.argmax(codes == int(np.argmax(counts == 1))))
        raise DataValidationError(
            f"Column '{entity}': entity {frame[entity].iloc[i]!r} has a single row, and a series needs at least two "
            f"({int((counts == 1).sum())} entities have one). Drop those entities' rows."
        )
    if len(frame) < 2:
        raise DataValidationError("the series has a single row; a series needs at least two rows")


def _kinds(frame: pd.DataFrame, codes: np.ndarray, values: list[str], spec: SequenceSpec) -> tuple[list, list, list]:
    per_entity = frame[values].groupby(codes).nunique(dropna=False).max() if values else pd.Series(dtype=int)
    static, numeric, categorical = [], [], []
    for name in values:
        s = frame[name]
        if s.notna().sum() == 0:
            raise DataValidationError(f"Column '{name}' is empty (every value is missing); drop it (leave it out of --columns).")
        if spec.entity is not None and per_entity[name] <= 1:
            static.append(name)
            continue
        if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
            kind = categorical
        elif pd.api.types.is_integer_dtype(s.dtype) and s.nunique() <= spec.discrete_max_levels:
            kind = categorical
        else:
            kind = numeric
        if kind is categorical and s.nunique() > spec.max_categories:
            raise DataValidationError(
                f"Column '{name}' has {s.nunique()} distinct values, too many to learn as categories (at most "
                f"{spec.max_categories}). Leave it out of --columns, convert it to numbers, or raise max_categories."
            )
        kind.append(name)
    return static, numeric, categorical


def read_sequences(df: pd.DataFrame, spec: SequenceSpec, *, calendar: Calendar | None = None, min_length: int = 1) -> SequenceFrame:
    """Check, sort and cut long-format series into items (see the module docstring).

    Parameters
    ----------
    df : pandas.DataFrame
        Long format: ``spec.entity`` (optional), ``spec.time`` and value columns.
    spec : SequenceSpec
    calendar : Calendar or None, default=None
        The calendar to cut gaps with; None infers it from ``df``.
    min_length : int, default=1
        Segments shorter than this are dropped (with a :class:`~synthgan.errors.DataWarning`).

    Returns
    -------
    SequenceFrame

    Raises
    ------
    DataValidationError
        A named column is missing; the time column does not parse or is empty somewhere;
        a time appears twice within an entity; an entity has a single row; the entity
        key is missing somewhere; no value column is left.
    """
    spec.check()
    if not isinstance(df, pd.DataFrame) or df.empty:
        raise DataValidationError("the data is empty; give a table with a time column and value columns")
    keys = [spec.time] + ([spec.entity] if spec.entity else [])
    for name, role in [(spec.time, "the time column"), (spec.entity, "the entity column")] + [(c, "in --columns") for c in spec.columns or ()]:
        if name is not None and name not in df.columns:
            raise _missing_column(name, df, role)
    values = [c for c in (spec.columns or df.columns) if c not in keys]
    if not values:
        raise DataValidationError(f"no value column to learn besides {', '.join(keys)}; add value columns or list them in --columns")
    times = parse_time(df[spec.time], spec.time)
    if spec.entity is not None:
        missing = df[spec.entity].isna().to_numpy()
        if missing.any():
            raise DataValidationError(
                f"Column '{spec.entity}' (the entity column) is empty in {int(missing.sum())} rows (first at row {int(np.argmax(missing))}); "
                "fill in the entity of those rows or drop them."
            )
        codes = _sorted_codes(df[spec.entity])
    else:
        codes = np.zeros(len(df), dtype=np.int64)
    order = np.lexsort((times.view(np.int64) if times.dtype.kind == "M" else times, codes))
    frame = df[([spec.entity] if spec.entity else []) + values].iloc[order].reset_index(drop=True)
    times, codes = times[order], codes[order]
    _check_rows(frame, times, codes, spec)
    calendar = calendar or detect_calendar(times, codes)
    breaks = np.ones(len(frame), dtype=bool)
    breaks[1:] = codes[1:] != codes[:-1]
    if spec.max_gap is not None:
        breaks[1:] |= calendar.steps_between(times[:-1], times[1:]) > spec.max_gap
    item = np.cumsum(breaks) - 1
    lengths = np.bincount(item)
    if (short := lengths < min_length).any():
        warnings.warn(
            f"{int(short.sum())} segments shorter than {min_length} steps ({int(lengths[short].sum())} rows) "
            f"were dropped: too short to learn from.", DataWarning, stacklevel=2,
        )
        keep = ~short[item]
        frame, times, codes, order, breaks = frame[keep].reset_index(drop=True), times[keep], codes[keep], order[keep], breaks[keep]
        if not len(frame):
            raise DataValidationError(f"every segment is shorter than {min_length} steps; give longer series or raise max_gap")
        item = np.cumsum(breaks) - 1
    item_entity = frame[spec.entity].to_numpy(dtype=object)[breaks] if spec.entity else None
    static, numeric, categorical = _kinds(frame, codes, values, spec)
    return SequenceFrame(spec, frame, times, item.astype(np.int64), breaks, item_entity, order.astype(np.int64),
                         tuple(static), tuple(numeric), tuple(categorical), calendar)
