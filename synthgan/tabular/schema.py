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

COLUMN_KINDS = ("continuous", "integer", "categorical", "boolean", "datetime", "id")
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


@dataclass
class ColumnSchema:
    """How one column is learned and how it is written back.

    Parameters
    ----------
    name : str
        Column name in the table.
    kind : {"continuous", "integer", "categorical", "boolean", "datetime", "id"}
        What the column is: drives the encoding. ``"id"`` columns are not learned;
        fresh unique keys are generated instead.
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
    """

    columns: list[ColumnSchema] = field(default_factory=list)

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
        return Schema(columns)

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
        """JSON-safe dict ``{"columns": [{"name", "kind", "dtype", ...}, ...]}``."""
        return {"columns": [_drop_defaults(asdict(c)) for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        """Build a schema from :meth:`to_dict` output; raises :class:`SchemaError` on bad entries."""
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
        return cls(columns)

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
        fmt = col.datetime_format
        if col.kind == "datetime" and fmt is None and pd.api.types.is_string_dtype(s.dtype) and s.notna().any():
            fmt = guess_date_format(pd.Series(s.dropna().unique(), dtype=object).astype(str))
        cats, ordered = col.categories, col.ordered
        if cats is None and isinstance(s.dtype, pd.CategoricalDtype):
            cats, ordered = [_to_python(v) for v in s.cat.categories], bool(s.cat.ordered)
        columns.append(replace(col, dtype=dtype, datetime_format=fmt, categories=cats, ordered=ordered))
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
    if inferred in ("mixed-integer", "mixed-integer-float", "mixed"):
        _warn_mixed(name)
        return ColumnSchema(name, "categorical", dtype)
    if inferred != "string":
        return ColumnSchema(name, "categorical", dtype)
    text = pd.Series(values.unique(), dtype=object).astype(str)  # distinct values are enough, and few
    numeric = pd.to_numeric(text, errors="coerce").notna().to_numpy()
    if numeric.any() and not numeric.all():
        _warn_mixed(name)
        return ColumnSchema(name, "categorical", dtype)
    if not numeric.any():
        fmt = guess_date_format(text)
        if fmt is not None:
            return ColumnSchema(name, "datetime", dtype, datetime_format=fmt)
    if len(s) >= _MIN_ID_ROWS and values.nunique() == len(s):
        return ColumnSchema(name, "id", dtype)
    return ColumnSchema(name, "categorical", dtype)


def _warn_mixed(name: str) -> None:
    warnings.warn(
        f"Column '{name}' mixes numbers and strings; it is learned as categorical. "
        "Clean it, or set its kind in a schema JSON, if that is not what you want.",
        DataWarning,
        stacklevel=4,
    )


def guess_date_format(text: pd.Series) -> str | None:
    """The one ``strftime`` format every value of ``text`` (non-empty strings) parses with, or None."""
    fmt = pd.tseries.api.guess_datetime_format(text.iloc[0])
    if fmt is None or not any(f in fmt for f in _DATE_FIELDS):
        return None
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return fmt if parsed.notna().all() else None


def _is_bool_set(values) -> bool:
    vals = list(values)
    return 0 < len(vals) <= 2 and all(isinstance(v, (bool, np.bool_)) for v in vals)


def _to_python(value: Any) -> Any:
    """numpy scalars -> plain Python values, so they survive JSON."""
    return value.item() if isinstance(value, np.generic) else value
