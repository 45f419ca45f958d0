"""Column kinds of a table: inference from a DataFrame and a JSON round trip.

A :class:`Schema` says, for every column, what *kind* of variable it is (how the
encoder learns it) and which pandas dtype it had (so synthetic data comes back
with exactly the input dtypes). Users can override the inferred schema with a
JSON file; :func:`synthgan.tabular.validate.validate_frame` checks it against the data.

A column may also have a *role*, set only by the user: ``"entity"`` for the key of
the entity a row belongs to (a station, a customer) and ``"sequence_index"`` for
the column that orders an entity's rows in time. Kinds are the one column-kind
system of the package: the evaluation maps them to its metric kinds
(:data:`synthgan.evaluation._prep.METRIC_KIND`).

A schema may also state the table's *rules* between columns (``a <= b``, sums,
ranges per level, forbidden combinations; see :mod:`synthgan.tabular.rules`): the
``"rules"`` list of its JSON. Left out (``rules=None``), the synthesizer finds them
in the data; given, exactly those are kept (``[]``: none).
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import DataWarning, SchemaError
from synthgan.tabular.pii_detect import PII_TYPES, detect_pii

COLUMN_KINDS = ("continuous", "integer", "categorical", "boolean", "datetime", "id", "pii")
COLUMN_ROLES = ("entity", "sequence_index")
# An order needs numbers or times; at most one column may hold each role.
SEQUENCE_INDEX_KINDS = ("continuous", "integer", "datetime")

# Names that mark a column of unique integers as a key rather than a measurement:
# "id", "user_id", "order-key", "uuid", and camelCase "customerId" / "orderID".
_ID_NAME = re.compile(r"(^|[_\W])(id|key|uuid|guid)$|^(id|key|uuid|guid)([_\W]|$)", re.IGNORECASE)
_CAMEL_ID_NAME = re.compile(r"[a-z](Id|ID|Key|KEY)$")
# A saved row index: pandas writes it as "Unnamed: 0" (or "index").
_INDEX_NAME = re.compile(r"^(Unnamed: \d+|index)$")
# Unique strings are only called identifiers when there are enough rows to tell.
_MIN_ID_ROWS = 20
# Strings parsed as dates: the format must name a year and a month or a day.
_DATE_FIELDS = ("%Y", "%y")
# Common date formats tried besides pandas' guesses, with and without a time of day.
_DATE_PARTS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y", "%Y.%m.%d")
_TIME_PARTS = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S", " %H:%M:%S.%f", "T%H:%M:%S.%f")
_GUESS_VALUES = 10  # distinct values pandas guesses formats from
# A UTC offset at the end of a date string: "Z", "+01:00", "-0530".
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
# Floats at or above 2**53 are all whole numbers: that says nothing about the column.
_EXACT_FLOAT_INTEGERS = 2.0**53


@dataclass
class ColumnSchema:
    """How one column is learned and how it is written back.

    Parameters
    ----------
    name : str
        Column name in the table.
    kind : {"continuous", "integer", "categorical", "boolean", "datetime", "id", "pii"}
        What the column is: drives the encoding. ``"id"`` columns are not learned;
        fresh unique keys are generated instead. ``"pii"`` columns (direct identifiers,
        found by content: see :mod:`synthgan.tabular.pii_detect`) are not learned from
        their values either; synthetic rows carry realistic fakes (see
        :mod:`synthgan.tabular.transforms.pii`).
    dtype : str
        The pandas dtype string of the input column (``"int64"``, ``"float64"``,
        ``"str"``, ``"object"``, ``"bool"``, ``"boolean"``, ``"datetime64[us]"``,
        ``"category"`` ...). Synthetic columns are cast back to it.
    datetime_format : str or None, default=None
        For ``"datetime"`` columns stored as strings: the ``strftime`` format used
        to parse them and to write synthetic values back as strings.
    categories : list or None, default=None
        For ``dtype="category"``: the categories of the input dtype, in order.
    ordered : bool, default=False
        For ``dtype="category"``: whether the categorical dtype is ordered.
    timezone : str or None, default=None
        For ``"datetime"`` columns stored as strings with a UTC offset: ``"UTC"``
        when the values carried several offsets (daylight saving) or ``Z`` and were
        normalised to UTC (synthetic values are written with ``+00:00``, or ``Z``
        when the input used ``Z``); or the one offset all values carried
        (``"+01:00"``), which synthetic values are written with. For Python
        ``datetime`` objects: ``"UTC"`` when they were time-zone aware.
    pii : {None, "email", "national_id", "phone", "address", "person_name", "free_text"}, default=None
        For ``"pii"`` columns: which identifier it holds (what the fakes look like).
    note : str or None, default=None
        What inference decided that the user should know (e.g. that ambiguous
        dates were read month-first); shown by ``synthgan schema``.
    role : {None, "entity", "sequence_index"}, default=None
        Set by the user, never inferred. ``"entity"``: the key of the entity each row
        belongs to (a station id, a customer id); ``"sequence_index"``: the column
        that orders an entity's rows (a timestamp, a step number), of a numeric or
        datetime kind. Sequence models read the roles to group and order rows; the
        table pipeline learns both columns by their kind as before (an entity of
        kind ``"id"`` still gets fresh unique keys, a categorical or integer entity
        is learned like any other column) and only uses the entity to keep all of an
        entity's rows on one side of the validation hold-out.
    """

    name: str
    kind: str
    dtype: str
    datetime_format: str | None = None
    categories: list | None = None
    ordered: bool = False
    role: str | None = None
    timezone: str | None = None
    pii: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise SchemaError(
                f"Column '{self.name}' has unknown kind '{self.kind}'; use one of {', '.join(COLUMN_KINDS)}."
            )
        if self.role is not None and self.role not in COLUMN_ROLES:
            raise SchemaError(
                f"Column '{self.name}' has unknown role {self.role!r}; use one of {', '.join(COLUMN_ROLES)}, "
                "or leave the role out."
            )
        if (self.kind == "pii") != (self.pii is not None) or (self.pii is not None and self.pii not in PII_TYPES):
            raise SchemaError(
                f"Column '{self.name}': kind 'pii' goes with a \"pii\" type, one of {', '.join(PII_TYPES)} "
                f"(got kind {self.kind!r}, pii {self.pii!r}); drop \"pii\" to learn the column as another kind."
            )
        if self.role == "sequence_index" and self.kind not in SEQUENCE_INDEX_KINDS:
            raise SchemaError(
                f"Column '{self.name}' is the sequence index but has kind '{self.kind}'; a sequence index orders rows, "
                f"so give it one of the kinds {', '.join(SEQUENCE_INDEX_KINDS)} (convert the data if needed) "
                "or choose another column."
            )

    @property
    def is_numeric(self) -> bool:
        """True for kinds learned as numbers (continuous, integer, datetime)."""
        return self.kind in ("continuous", "integer", "datetime")


@dataclass
class Schema:
    """The ordered list of :class:`ColumnSchema` of a table.

    Examples
    --------
    >>> schema = infer_schema(df)                     # doctest: +SKIP
    >>> schema["age"].kind                            # doctest: +SKIP
    'integer'
    >>> Schema.from_json(schema.to_json()) == schema  # doctest: +SKIP
    True

    ``rules`` (a list of :mod:`synthgan.tabular.rules` rules, or None when not
    stated) is written to and read from the JSON's ``"rules"`` list.
    """

    columns: list[ColumnSchema] = field(default_factory=list)
    rules: list | None = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for col in self.columns:
            if col.name in seen:
                raise SchemaError(f"Column '{col.name}' appears twice in the schema; keep one entry per column.")
            seen.add(col.name)
        for role in COLUMN_ROLES:
            holders = [c.name for c in self.columns if c.role == role]
            if len(holders) > 1:
                raise SchemaError(
                    f"Columns {', '.join(repr(n) for n in holders)} all have role '{role}'; "
                    f"a table has at most one {role} column, so keep the role on one of them."
                )

    @property
    def entity(self) -> str | None:
        """Name of the column with role ``"entity"``, or None."""
        return next((c.name for c in self.columns if c.role == "entity"), None)

    @property
    def sequence_index(self) -> str | None:
        """Name of the column with role ``"sequence_index"``, or None."""
        return next((c.name for c in self.columns if c.role == "sequence_index"), None)

    def with_roles(self, *, entity: str | None = None, sequence_index: str | None = None) -> "Schema":
        """A copy with the given columns as entity key and sequence index; other roles are cleared.

        Parameters
        ----------
        entity : str or None, default=None
            Column holding the key of the entity each row belongs to.
        sequence_index : str or None, default=None
            Column ordering each entity's rows; its kind must be numeric or datetime.
            An integer column inferred as ``"id"`` (unique whole numbers named like a
            key) becomes ``"integer"``: an order is a measurement, not a key.

        Returns
        -------
        Schema

        Raises
        ------
        SchemaError
            A named column is not in the schema, one column is given both roles, or
            the sequence index is not numeric or datetime.
        """
        for role, name in (("entity", entity), ("sequence_index", sequence_index)):
            if name is not None and name not in self:
                raise SchemaError(
                    f"{role}={name!r} is not a column of the table; choose one of {', '.join(self.names)}."
                )
        if entity is not None and entity == sequence_index:
            raise SchemaError(
                f"Column '{entity}' cannot be both the entity and the sequence index; "
                "pass the entity key as entity= and the time or order column as sequence_index=."
            )
        columns = []
        for col in self.columns:
            role = "entity" if col.name == entity else "sequence_index" if col.name == sequence_index else None
            kind = col.kind
            if role == "sequence_index" and kind == "id" and _is_numeric_dtype_name(col.dtype):
                kind = "integer"
            columns.append(replace(col, kind=kind, role=role))
        return Schema(columns, rules=self.rules)

    @property
    def names(self) -> list[str]:
        """Column names, in table order."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(f"Column '{name}' is not in the schema; known columns: {', '.join(self.names)}.")

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)

    def __iter__(self):
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict ``{"columns": [{"name", "kind", "dtype", ...}, ...]}``, plus ``"rules"`` when stated."""
        out: dict[str, Any] = {"columns": [_drop_defaults(asdict(c)) for c in self.columns]}
        if self.rules is not None:
            out["rules"] = [rule.to_dict() for rule in self.rules]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        """Build a schema from :meth:`to_dict` output; raises :class:`SchemaError` on bad column entries
        and :class:`~synthgan.errors.ConfigError` on bad rules."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
            raise SchemaError('A schema must be an object with a "columns" list, e.g. {"columns": [{"name": ..., "kind": ...}]}.')
        columns = []
        allowed = set(ColumnSchema.__dataclass_fields__)
        for i, entry in enumerate(data["columns"]):
            if not isinstance(entry, dict) or "name" not in entry or "kind" not in entry:
                raise SchemaError(f'Schema entry {i} must be an object with at least "name" and "kind".')
            unknown = set(entry) - allowed
            if unknown:
                raise SchemaError(
                    f"Schema entry for column '{entry['name']}' has unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}."
                )
            entry = {"dtype": "", **entry}
            columns.append(ColumnSchema(**entry))
        rules = None
        if data.get("rules") is not None:  # checked against the data's kinds when a synthesizer is fitted
            from synthgan.tabular.rules import parse_rules  # rules read columns through transforms, which import this module

            rules = parse_rules(data["rules"], "schema rules")
        return cls(columns, rules=rules)

    def to_json(self, path: str | Path | None = None) -> str:
        """The schema as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> "Schema":
        """Read a schema from JSON text or from a JSON file path."""
        text = str(text_or_path)
        if not text.lstrip().startswith("{"):
            path = Path(text_or_path)
            if not path.is_file():
                raise SchemaError(f"Schema file '{path}' does not exist; pass a JSON file path or JSON text.")
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"The schema is not valid JSON ({exc.msg} at line {exc.lineno}); fix the file.") from None
        return cls.from_dict(data)


def _is_numeric_dtype_name(dtype: str) -> bool:
    try:
        return bool(pd.api.types.is_numeric_dtype(pd.api.types.pandas_dtype(dtype)))
    except TypeError:
        return False


def _drop_defaults(entry: dict) -> dict:
    """Keep JSON files short: leave out optional fields at their defaults."""
    return {k: v for k, v in entry.items() if k in ("name", "kind", "dtype") or v not in (None, False)}


def infer_schema(df: pd.DataFrame, *, entity: str | None = None, sequence_index: str | None = None) -> Schema:
    """Infer the kind of every column of ``df``, and set the roles the user names.

    Rules: bool dtypes -> ``"boolean"``; datetime dtypes, or strings that all parse
    with one date format -> ``"datetime"``; floats -> ``"continuous"`` unless all
    values are whole numbers (then ``"integer"``, e.g. an int column with missing
    values); integers -> ``"integer"``, or ``"id"`` when they are unique and the
    name looks like a key (``id``, ``user_id``, ``customerId``, ``key``, a saved
    index ``Unnamed: 0`` ...); strings -> ``"id"``
    when all unique (and at least 20 rows), else ``"categorical"``. A column mixing
    numbers and strings becomes ``"categorical"`` with a :class:`DataWarning`.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    entity : str or None, default=None
        Column holding the key of the entity each row belongs to (e.g. a station);
        gets role ``"entity"`` (see :class:`ColumnSchema`).
    sequence_index : str or None, default=None
        Column ordering each entity's rows (e.g. a timestamp); gets role
        ``"sequence_index"`` and must be numeric or datetime.

    Returns
    -------
    Schema

    Raises
    ------
    SchemaError
        A role names a missing column, one column gets both roles, or the sequence
        index is not numeric or datetime.

    Examples
    --------
    >>> schema = infer_schema(air, entity="station", sequence_index="timestamp")  # doctest: +SKIP
    >>> schema.entity, schema.sequence_index                                      # doctest: +SKIP
    ('station', 'timestamp')
    """
    schema = Schema([infer_column(str(name), df[name]) for name in df.columns])
    if entity is None and sequence_index is None:
        return schema
    return schema.with_roles(entity=entity, sequence_index=sequence_index)


def complete_schema(schema: Schema, df: pd.DataFrame) -> Schema:
    """Fill what a hand-written schema leaves out (dtype, date format, categories) from ``df``.

    Columns of the schema that are not in ``df`` are returned unchanged (validation
    reports them).
    """
    columns = []
    for col in schema:
        if col.name not in df.columns:
            columns.append(col)
            continue
        s = df[col.name]
        dtype = col.dtype or str(s.dtype)
        fmt, tz, note = col.datetime_format, col.timezone, col.note
        if col.kind == "datetime" and s.notna().any() and not pd.api.types.is_datetime64_any_dtype(s.dtype):
            present = s.dropna()
            if holds_date_objects(present):
                tz = tz or _object_timezone(present)
            elif fmt is None and pd.api.types.is_string_dtype(s.dtype):
                reading = read_date_format(pd.Series(present.unique(), dtype=object).astype(str), col.name)
                if reading is not None:
                    fmt, tz, note = reading.format, tz or reading.timezone, note or reading.note
            elif fmt is not None and tz is None and "%z" in fmt:
                tz = _offset_timezone(present.astype(str), col.name)[0]
        cats, ordered = col.categories, col.ordered
        if cats is None and isinstance(s.dtype, pd.CategoricalDtype) and col.kind != "pii":  # identifiers are never kept
            cats, ordered = [_to_python(v) for v in s.cat.categories], bool(s.cat.ordered)
        columns.append(replace(col, dtype=dtype, datetime_format=fmt, categories=cats, ordered=ordered, timezone=tz, note=note))
    return Schema(columns)


def infer_column(name: str, s: pd.Series) -> ColumnSchema:
    """The schema of one column (the rules of :func:`infer_schema`), without a role.

    Parameters
    ----------
    name : str
        The column's name (identifier names such as ``user_id`` matter).
    s : pandas.Series
        The column's values.

    Returns
    -------
    ColumnSchema
    """
    dtype = str(s.dtype)
    if isinstance(s.dtype, pd.CategoricalDtype):
        text = pd.api.types.is_string_dtype(s.cat.categories.dtype) or s.cat.categories.dtype == object
        pii = detect_pii(name, s.astype(object)) if text else None
        if pii is not None:  # the categories are the identifiers: not kept in the schema
            return _pii_column(name, dtype, pii)
        cats = [_to_python(v) for v in s.cat.categories]
        kind = "boolean" if _is_bool_set(cats) else "categorical"
        return ColumnSchema(name, kind, dtype, categories=cats, ordered=bool(s.cat.ordered))
    if pd.api.types.is_bool_dtype(s.dtype):
        return ColumnSchema(name, "boolean", dtype)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return ColumnSchema(name, "datetime", dtype)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return ColumnSchema(name, _numeric_kind(name, s), dtype)
    return _infer_text_column(name, s, dtype)


def _numeric_kind(name: str, s: pd.Series) -> str:
    values = s.dropna().to_numpy(dtype=np.float64)
    if values.size == 0:
        return "continuous"
    if pd.api.types.is_float_dtype(s.dtype) and np.abs(values).max() >= _EXACT_FLOAT_INTEGERS:
        return "continuous"  # floats this large are all whole: a measurement, not a count
    whole = bool(np.all(values == np.round(values)))
    if not whole:
        return "continuous"
    if _looks_like_key(name, s, values):
        return "id"
    return "integer"


def _looks_like_key(name: str, s: pd.Series, values: np.ndarray) -> bool:
    """Unique integers named like a key, or a saved row index."""
    if not pd.api.types.is_integer_dtype(s.dtype) or len(s) < 2 or np.unique(values).size != len(s):
        return False
    return bool(_ID_NAME.search(name) or _CAMEL_ID_NAME.search(name) or _INDEX_NAME.match(name))


def _infer_text_column(name: str, s: pd.Series, dtype: str) -> ColumnSchema:
    values = s.dropna()
    if values.empty:
        return ColumnSchema(name, "categorical", dtype)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred == "boolean":
        return ColumnSchema(name, "boolean", dtype)
    if inferred in ("mixed-integer", "mixed"):  # phone numbers read as numbers and text
        pii = detect_pii(name, values)
        if pii is not None:
            return _pii_column(name, dtype, pii)
    if inferred in ("mixed-integer", "mixed-integer-float", "mixed"):
        _warn_mixed(name)
        return ColumnSchema(name, "categorical", dtype)
    if inferred in ("datetime", "datetime64") and holds_date_objects(values):
        return ColumnSchema(name, "datetime", dtype, timezone=_object_timezone(values))
    if inferred != "string":
        return ColumnSchema(name, "categorical", dtype)
    text = pd.Series(values.unique(), dtype=object).astype(str)  # distinct values are enough, and few
    numeric = pd.to_numeric(text, errors="coerce").notna().to_numpy()
    if numeric.any() and not numeric.all():
        pii = detect_pii(name, values)  # phone numbers with and without separators
        if pii is not None:
            return _pii_column(name, dtype, pii)
        _warn_mixed(name)
        return ColumnSchema(name, "categorical", dtype)
    if not numeric.any():
        reading = read_date_format(text, name)
        if reading is not None:
            if reading.warning:
                warnings.warn(reading.warning, DataWarning, stacklevel=4)
            return ColumnSchema(name, "datetime", dtype, datetime_format=reading.format, timezone=reading.timezone,
                                note=reading.note)
    pii = detect_pii(name, values)  # after dates: "2020-01-31" would also read as a phone number
    if pii is not None:
        return _pii_column(name, dtype, pii)
    if len(s) >= _MIN_ID_ROWS and values.nunique() == len(s):
        return ColumnSchema(name, "id", dtype)
    return ColumnSchema(name, "categorical", dtype)


def _pii_column(name: str, dtype: str, pii: str) -> ColumnSchema:
    note = (f"direct identifier ({pii.replace('_', ' ')}): replaced by fakes, never learned; "
            "set its kind to categorical in a schema JSON to learn it instead")
    return ColumnSchema(name, "pii", dtype, pii=pii, note=note)


def _warn_mixed(name: str) -> None:
    warnings.warn(
        f"Column '{name}' mixes numbers and strings; it is learned as categorical. "
        "Clean it, or set its kind in a schema JSON, if that is not what you want.",
        DataWarning,
        stacklevel=4,
    )


@dataclass(frozen=True)
class DateReading:
    """How a column of date strings is read: its format, its time zone, and what to tell the user.

    ``format`` parses every value (``Z`` at the end is a literal when every value has
    it); ``timezone`` is as in :class:`ColumnSchema`; ``note`` goes into the schema
    and ``warning`` (the same news, worded for a warning) is raised at inference.
    """

    format: str
    timezone: str | None = None
    note: str | None = None
    warning: str | None = None


def guess_date_format(text: pd.Series) -> str | None:
    """The one ``strftime`` format every value of ``text`` (non-empty strings) parses with, or None."""
    reading = read_date_format(text)
    return None if reading is None else reading.format


def read_date_format(text: pd.Series, name: str = "") -> DateReading | None:
    """How every value of ``text`` (distinct non-empty strings) reads as a date, or None.

    Candidates are pandas' guesses (month-first, then day-first) from a few values,
    then common formats (``%d/%m/%Y``, ``%m/%d/%Y``, ``%d.%m.%Y``, ``%Y/%m/%d`` ...,
    with or without a time). The first that parses every value wins; when its
    day-month swap parses every value too (all days <= 12), the reading is
    ambiguous and the note says which one was taken: month-first for ``/`` and
    ``-``, day-first for ``.`` (the European convention). Values ending in a UTC
    offset are read as UTC (see :class:`ColumnSchema` ``timezone``).

    Parameters
    ----------
    text : pandas.Series
        Distinct string values of the column.
    name : str, default=""
        The column's name, for the note.

    Returns
    -------
    DateReading or None
    """
    text = pd.Series(text, dtype=object).astype(str)
    if text.empty:
        return None
    for fmt in _date_candidates(text):
        if _parses_all(text, fmt):
            return _reading(text, fmt, name)
    return None


def _date_candidates(text: pd.Series) -> list[str]:
    guessed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dayfirst in (False, True):
            for value in text.iloc[:_GUESS_VALUES]:
                fmt = pd.tseries.api.guess_datetime_format(value, dayfirst=dayfirst)
                if fmt is not None and fmt not in guessed and _plausible(fmt):
                    guessed.append(fmt)
    common = [d + t for d in _DATE_PARTS for t in _TIME_PARTS]
    return guessed + [f for f in common if f not in guessed]


def _plausible(fmt: str) -> bool:
    """A date format people write: it names a year, and a year first is followed by the month."""
    if not any(f in fmt for f in _DATE_FIELDS):
        return False
    year = min(fmt.find(f) for f in _DATE_FIELDS if f in fmt)
    day, month = fmt.find("%d"), fmt.find("%m")
    return not (0 <= year < day < month)


def _parses_all(text: pd.Series, fmt: str) -> bool:
    try:  # a few values first: most candidates fail at once, and text columns can be long
        return bool(parse_dates(text.iloc[:_GUESS_VALUES], fmt).notna().all()) and bool(parse_dates(text, fmt).notna().all())
    except (ValueError, TypeError, OverflowError):
        return False


def _reading(text: pd.Series, fmt: str, name: str) -> DateReading:
    notes = []
    swapped = fmt.replace("%d", "{day}").replace("%m", "%d").replace("{day}", "%m")
    if swapped != fmt and _plausible(swapped) and _parses_all(text, swapped):
        if fmt.find("%m") < fmt.find("%d") and "." in fmt:  # 01.02.2020: day-first, as in Europe
            fmt, swapped = swapped, fmt
        if not parse_dates(text, fmt).equals(parse_dates(text, swapped)):
            first = "month-first" if fmt.find("%m") < fmt.find("%d") else "day-first"
            notes.append(
                f"every date also reads as {swapped}; read {first} as {fmt} "
                f"(set 'datetime_format' to '{swapped}' in a schema JSON if that is wrong)"
            )
    tz = None
    if "%z" in fmt:
        tz, offset_note, literal_z = _offset_timezone(text, name)
        if literal_z:
            fmt = fmt.replace("%z", "Z")
        if offset_note:
            notes.append(offset_note)
    if not notes:
        return DateReading(fmt, tz)
    note = "; ".join(notes)
    return DateReading(fmt, tz, note, f"Column '{name}': {note}.")


def _offset_timezone(text: pd.Series, name: str) -> tuple[str | None, str | None, bool]:
    """``(timezone, note, all_z)`` of date strings ending in UTC offsets (see ColumnSchema)."""
    offsets = pd.unique(text.str.extract(_OFFSET, expand=False).dropna())
    if len(offsets) == 0:
        return None, None, False
    if len(offsets) == 1:
        only = str(offsets[0])
        return ("UTC", None, True) if only == "Z" else (only, None, False)
    shown = ", ".join(str(o) for o in offsets[:4])
    return "UTC", f"values carry several UTC offsets ({shown}); normalised to UTC", False


def parse_dates(values: pd.Series, fmt: str | None = None) -> pd.Series:
    """Dates of ``values`` as naive datetimes in UTC (NaT where a value does not parse).

    Strings are parsed with ``fmt`` (UTC offsets, even mixed ones, are converted to
    UTC); Python ``datetime`` objects and datetime dtypes need no format, and
    time-zone aware ones are converted to UTC. No pandas warning escapes.

    Raises
    ------
    SchemaError
        Time-zone aware and naive datetimes are mixed in one column.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            out = values
        elif fmt is None and holds_date_objects(present := values.dropna()):
            aware = np.array([v.tzinfo is not None for v in present], dtype=bool)
            if aware.any() and not aware.all():
                raise SchemaError(
                    f"Column '{values.name}' mixes time-zone aware and naive datetimes; "
                    "make them all aware (e.g. tz_localize('UTC')) or all naive."
                )
            out = pd.to_datetime(values, errors="coerce", utc=bool(aware.any()))
        elif fmt is not None and "%z" in fmt:
            out = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
        else:
            try:
                out = pd.to_datetime(values, format=fmt, errors="coerce")
            except (ValueError, TypeError):  # aware datetimes with different offsets
                try:
                    out = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
                except (ValueError, TypeError):
                    raise SchemaError(
                        f"Column '{values.name}' mixes time-zone aware and naive datetimes; "
                        "make them all aware (e.g. tz_localize('UTC')) or all naive."
                    ) from None
        if not pd.api.types.is_datetime64_any_dtype(out.dtype):  # e.g. objects pandas could not combine
            out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def holds_date_objects(values: pd.Series) -> bool:
    """Python ``datetime`` / pandas ``Timestamp`` objects (not ``date``) in an object column."""
    import datetime as _dt

    return len(values) > 0 and all(isinstance(v, _dt.datetime) for v in values)


def _object_timezone(values: pd.Series) -> str | None:
    """``"UTC"`` when datetime objects are time-zone aware (they are learned and written in UTC)."""
    return "UTC" if any(getattr(v, "tzinfo", None) is not None for v in values) else None


def _is_bool_set(values) -> bool:
    vals = list(values)
    return 0 < len(vals) <= 2 and all(isinstance(v, (bool, np.bool_)) for v in vals)


def _to_python(value: Any) -> Any:
    """numpy scalars -> plain Python values, so they survive JSON."""
    return value.item() if isinstance(value, np.generic) else value
