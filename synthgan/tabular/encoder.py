"""TableEncoder: a table <-> float32 matrix, reversible, described by a Layout.

One transformer per column (see :mod:`synthgan.tabular.transforms`), chosen from the
column's kind and data:

========================  ========================  =========================
column                    ``"mode_specific"``       ``"ordinal"``
========================  ========================  =========================
id                        regenerated, no span      regenerated, no span
one value / all missing   constant, no span         constant, no span
derived (dependency)      re-derived, no span       re-derived, no span
categorical, boolean      one-hot ``category``      level code ``ordinal``
integer, <= 30 levels     one-hot ``category``      number ``ordinal``
continuous, integer,      ``value`` + ``component`` number ``ordinal``
datetime
========================  ========================  =========================

Every ``category`` span is a condition span, so low-cardinality integer targets
(diabetes' ``Diabetes_binary``, stroke's ``stroke``) can be conditioned on too.

Frequent values of two columns that mark the same rows (bank's ``pdays = -1`` and
``previous = 0``) are *tied* (:mod:`synthgan.tabular.ties`): the child's value follows
the parent's after decoding, so no synthetic row breaks the relation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan._random import numpy_rng
from synthgan.tabular.dependencies import Dependency, find_dependencies
from synthgan.tabular.layout import Layout, Span
from synthgan.tabular.schema import ColumnSchema, Schema, complete_schema, infer_schema
from synthgan.tabular.ties import EventTie, find_ties
from synthgan.tabular.transforms import TRANSFORMERS
from synthgan.tabular.transforms.base import ColumnTransformer
from synthgan.tabular.transforms.constant import ConstantColumn
from synthgan.tabular.transforms.identifier import IdentifierGenerator
from synthgan.tabular.transforms.levels import same_level
from synthgan.tabular.transforms.mode_specific import ModeSpecificNormalizer
from synthgan.tabular.transforms.onehot import OneHotEncoder
from synthgan.tabular.transforms.ordinal import OrdinalCategories, OrdinalNumeric
from synthgan.tabular.transforms.values import restore_series
from synthgan.tabular.validate import validate_frame
from synthgan.errors import ConditionError, ConfigError, DataValidationError, SchemaError, check_is_fitted

ENCODINGS = ("mode_specific", "ordinal")
_STATE_FORMAT = "synthgan.TableEncoder"
_STATE_VERSION = 1
_PARAMS = (
    "encoding", "seed", "max_modes", "weight_threshold", "fit_size", "point_mass_share", "spike_ratio",
    "max_categories", "min_category_share", "discrete_max_levels", "detect_dependencies",
)


class TableEncoder:
    """Reversible encoding of a table into a float32 matrix for the models.

    Parameters
    ----------
    encoding : {"mode_specific", "ordinal"}, default="mode_specific"
        ``"mode_specific"`` for the neural models, ``"ordinal"`` for the Gaussian copula.
    seed : int or None, default=None
        Seed of the encoder's own random streams (mixture subsample, mode
        assignment, "other" levels, identifiers). Global random state is never used.
    max_modes : int, default=10
        Gaussian modes per numeric column at most.
    weight_threshold : float, default=0.005
        Modes lighter than this are dropped.
    fit_size : int, default=10000
        Mixtures are fitted on at most this many values per column.
    point_mass_share : float, default=0.01
        A value must hold this share of a numeric column to be a point mass.
    spike_ratio : float, default=3.0
        ... and be this many times more frequent than its neighbouring values.
    max_categories : int, default=100
        Levels kept per discrete column; the rest share one "other" category.
    min_category_share : float, default=0.001
        Levels rarer than this also go to "other" (when at least two do).
    discrete_max_levels : int, default=30
        Integer columns with at most this many distinct values are one-hot encoded
        (exact values) instead of mode-normalised.
    detect_dependencies : bool, default=True
        Find exact functional dependencies between discrete columns and re-derive
        the dependent column instead of learning it; and tie frequent values of two
        columns that mark the same rows (see :mod:`synthgan.tabular.ties`).

    Attributes
    ----------
    schema_ : Schema
        The schema the encoder was fitted with.
    layout_ : Layout
        Spans of the encoded matrix.
    transformers_ : dict[str, ColumnTransformer]
        Transformer of each column that is not derived.
    dependencies_ : list[Dependency]
        Columns re-derived from another column.
    ties_ : list[EventTie]
        Values of a column set from another column's value after decoding.

    Examples
    --------
    >>> enc = TableEncoder(seed=0).fit(df)             # doctest: +SKIP
    >>> X = enc.transform(df)                          # doctest: +SKIP
    >>> df2 = enc.inverse_transform(X, seed=1)         # doctest: +SKIP
    """

    def __init__(
        self,
        encoding: str = "mode_specific",
        *,
        seed: int | None = None,
        max_modes: int = 10,
        weight_threshold: float = 0.005,
        fit_size: int = 10_000,
        point_mass_share: float = 0.01,
        spike_ratio: float = 3.0,
        max_categories: int = 100,
        min_category_share: float = 0.001,
        discrete_max_levels: int = 30,
        detect_dependencies: bool = True,
    ):
        self.encoding = encoding
        self.seed = seed
        self.max_modes = max_modes
        self.weight_threshold = weight_threshold
        self.fit_size = fit_size
        self.point_mass_share = point_mass_share
        self.spike_ratio = spike_ratio
        self.max_categories = max_categories
        self.min_category_share = min_category_share
        self.discrete_max_levels = discrete_max_levels
        self.detect_dependencies = detect_dependencies

    layout_: Layout | None = None

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-safe)."""
        return {name: getattr(self, name) for name in _PARAMS}

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, schema: Schema | None = None) -> "TableEncoder":
        """Learn the encoding of ``df`` (schema inferred when not given); returns ``self``."""
        self._check_params()
        schema = infer_schema(df) if schema is None else schema
        validate_frame(df, schema, min_rows=1)
        schema = complete_schema(schema, df)
        discrete = [c.name for c in schema if self._is_discrete(c, df[c.name])]
        deps = find_dependencies(df, discrete) if self.detect_dependencies else []
        derived = {d.child for d in deps}
        ties = self._find_ties(df, schema, derived, {d.parent for d in deps}) if self.detect_dependencies else []
        df = _impute_tied(df, ties, numpy_rng(self.seed, "encoder", "ties"))
        transformers = {}
        for col in schema:
            if col.name not in derived:
                t = self._make_transformer(col, df[col.name], col.name in discrete)
                transformers[col.name] = t.fit(df[col.name], numpy_rng(self.seed, "encoder", "fit", col.name))
        self.schema_ = schema
        self.transformers_ = transformers
        self.dependencies_ = deps
        self.ties_ = ties
        self.layout_ = self._build_layout()
        self._transform_rng = numpy_rng(self.seed, "encoder", "transform")
        self._inverse_rng = numpy_rng(self.seed, "encoder", "inverse")
        return self

    def fit_transform(self, df: pd.DataFrame, schema: Schema | None = None) -> np.ndarray:
        """``fit(df, schema)`` then ``transform(df)``."""
        return self.fit(df, schema).transform(df)

    def _check_params(self) -> None:
        if self.encoding not in ENCODINGS:
            raise ConfigError(f"encoding='{self.encoding}' is not supported; use one of {', '.join(ENCODINGS)}.")
        for name in ("max_modes", "fit_size", "max_categories", "discrete_max_levels"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{name}={value!r} must be a positive integer.")
        for name in ("weight_threshold", "point_mass_share", "min_category_share"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
                raise ConfigError(f"{name}={value!r} must be a number in [0, 1).")
        if not isinstance(self.spike_ratio, (int, float)) or self.spike_ratio < 1.0:
            raise ConfigError(f"spike_ratio={self.spike_ratio!r} must be a number >= 1.")

    def _is_discrete(self, col: ColumnSchema, s: pd.Series) -> bool:
        """Learned as categories (one-hot, dependencies): not constant, and not a many-valued number."""
        if col.kind not in ("categorical", "boolean", "integer") or s.nunique(dropna=False) < 2:
            return False
        return col.kind != "integer" or s.nunique(dropna=True) <= self.discrete_max_levels

    @staticmethod
    def _find_ties(df: pd.DataFrame, schema: Schema, derived: set[str], parents: set[str]) -> list[EventTie]:
        kinds = {"categorical", "boolean", "integer", "continuous"}
        columns = [c.name for c in schema if c.kind in kinds and c.name not in derived]
        categorical = {c.name for c in schema if c.kind in ("categorical", "boolean")}
        return find_ties(df, columns, categorical, excluded_children=parents)

    def _make_transformer(self, col: ColumnSchema, s: pd.Series, discrete: bool) -> ColumnTransformer:
        levels = {"max_categories": self.max_categories, "min_share": self.min_category_share}
        if col.kind == "id":
            return IdentifierGenerator(col)
        if s.nunique(dropna=False) <= 1:
            return ConstantColumn(col)
        if self.encoding == "ordinal":
            return OrdinalCategories(col, **levels) if col.kind in ("categorical", "boolean") else OrdinalNumeric(col)
        if discrete or col.kind in ("categorical", "boolean"):
            return OneHotEncoder(col, **levels)
        return ModeSpecificNormalizer(
            col,
            max_modes=self.max_modes,
            weight_threshold=self.weight_threshold,
            fit_size=self.fit_size,
            point_mass_share=self.point_mass_share,
            spike_ratio=self.spike_ratio,
        )

    def _build_layout(self) -> Layout:
        spans, pos = [], 0
        for name, t in self.transformers_.items():
            for spec in t.spans():
                spans.append(Span(name, pos, pos + spec.width, spec.activation, spec.role, spec.n_categories))
                pos += spec.width
        # Categorical spans of either encoding: native conditions use the mode-specific
        # ones, rejection sampling only needs the value check both provide.
        conditions = tuple(i for i, s in enumerate(spans) if s.role == "category" or (s.role == "ordinal" and s.n_categories))
        return Layout(tuple(spans), conditions, self.encoding)

    # ----------------------------------------------------------- transform
    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode ``df`` as float32 of shape ``(len(df), layout_.width)``.

        Mode assignment is sampled from the encoder's own stream, so two calls on
        the same data may differ; both decode to the same table.
        """
        check_is_fitted(self, "layout_")
        missing = [name for name in self.transformers_ if name not in df.columns]
        if missing:
            raise SchemaError(f"Column '{missing[0]}' seen in fit is missing from the data; add it back.")
        base = int(self._transform_rng.integers(2**63 - 1))
        df = _impute_tied(df, self.ties_, numpy_rng(base, "ties"))
        blocks = [
            t.transform(df[name], numpy_rng(base, name)) for name, t in self.transformers_.items() if t.spans()
        ]
        if not blocks:
            return np.zeros((len(df), 0), dtype=np.float32)
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def inverse_transform(self, X: np.ndarray, seed: int | None = None, *, id_offset: int = 0, one_hot: bool = False) -> pd.DataFrame:
        """Decode encoded rows (model output or :meth:`transform` output) into a table.

        Parameters
        ----------
        X : array-like of shape (n_rows, layout_.width)
            Softmax spans may hold probabilities or one-hot rows (argmax is taken);
            value spans are clipped to [-1, 1].
        seed : int or None, default=None
            Seed for the random parts of decoding ("other" levels, identifiers);
            None uses the encoder's own stream.
        id_offset : int, default=0
            Row number of the first row for regenerated ``"id"`` columns; decode
            batches with disjoint ranges (0, n1, n1 + n2, ...) to keep keys unique
            across batches.
        one_hot : bool, default=False
            Promise that every softmax span holds exact one-hot rows (what the neural
            models' ``sample`` returns): categories are then read for all spans with
            one matrix product instead of an argmax per span (about 5x less decoding
            work on Adult). Rows that break the promise decode to arbitrary categories.

        Returns
        -------
        pandas.DataFrame
            All schema columns, in schema order, with the input dtypes.
        """
        check_is_fitted(self, "layout_")
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.layout_.width:
            raise DataValidationError(
                f"Encoded data has shape {X.shape}; expected (n_rows, {self.layout_.width}) from this encoder's layout."
            )
        if self.encoding == "mode_specific":  # a diverged model must not turn int columns into floats
            if not np.isfinite(X).all():  # one cheap pass; the full replacement only when needed
                X = np.nan_to_num(X, nan=0.0, posinf=1.0, neginf=-1.0)
        base = seed if seed is not None else int(self._inverse_rng.integers(2**63 - 1))
        index = pd.RangeIndex(X.shape[0])
        codes = iter(self._one_hot_codes(X)) if one_hot else None
        out: dict[str, pd.Series] = {}
        pos = 0
        for name, t in self.transformers_.items():
            width = t.width
            rng = numpy_rng(base, "inverse", name)
            if isinstance(t, IdentifierGenerator):
                out[name] = t.keys(X.shape[0], rng, index, offset=id_offset)
            elif codes is not None:  # no copy of the block: the categories are known
                own = [next(codes) for spec in t.spans() if spec.activation == "softmax"]
                out[name] = t.inverse(X[:, pos : pos + width], rng, index, codes=own or None)
            else:
                out[name] = t.inverse(np.ascontiguousarray(X[:, pos : pos + width]), rng, index)
            pos += width
        for dep in self.dependencies_:
            out[dep.child] = restore_series(dep.derive(out[dep.parent]), self.schema_[dep.child], index)
        for tie in self.ties_:
            out[tie.child] = tie.apply(out[tie.child], out[tie.parent])
        return pd.DataFrame({name: out[name] for name in self.schema_.names}, index=index)

    def _one_hot_codes(self, X: np.ndarray) -> list[np.ndarray]:
        """Category of every row in each softmax span (layout order) of one-hot ``X``.

        ``X @ M`` with ``M[start + j, k] = j`` on span ``k``'s columns: one BLAS call
        reads every span at once, exactly (small integers are exact in float32).
        """
        soft = [s for s in self.layout_.spans if s.activation == "softmax"]
        if not soft:
            return []
        weights = np.zeros((self.layout_.width, len(soft)), dtype=np.float32)
        for k, s in enumerate(soft):  # once per span, not per row
            weights[s.start : s.end, k] = np.arange(s.width)
        found = np.rint(X @ weights).astype(np.int64)
        return [np.clip(found[:, k], 0, s.width - 1) for k, s in enumerate(soft)]

    # ---------------------------------------------------------- conditions
    @property
    def condition_columns(self) -> list[str]:
        """Columns usable in conditions: those with a category span, and columns derived from them."""
        check_is_fitted(self, "layout_")
        direct = [self.layout_.spans[i].column for i in self.layout_.condition_spans]
        derived = [d.child for d in self.dependencies_ if d.parent in direct]
        return [name for name in self.schema_.names if name in direct or name in derived]

    def condition_index(self, column: str, value: Any) -> tuple[int, int]:
        """``(k, j)``: category ``j`` of the ``k``-th condition span for ``column == value``.

        A level that was bucketed into "other" gives the "other" category: decoded
        rows then hold a random bucketed level, so the caller should overwrite the
        conditioned column with ``value``. A derived column (e.g. education_num,
        derived from education) is conditioned through its parent when exactly one
        parent level maps to ``value``.
        """
        check_is_fitted(self, "layout_")
        if column not in self.schema_:
            raise ConditionError(f"Cannot condition on '{column}': no such column; use one of {', '.join(self.condition_columns)}.")
        tie = next((t for t in self.ties_ if t.child == column and _same_value(t.child_value, value)), None)
        if tie is not None:  # the child has this value exactly where its parent has its own
            return self.condition_index(tie.parent, tie.parent_value)
        dep = next((d for d in self.dependencies_ if d.child == column), None)
        if dep is not None:
            parents = dep.parent_levels_for(value)
            if len(parents) != 1:
                raise ConditionError(
                    f"Cannot condition on {column}={value!r}: it is derived from '{dep.parent}' and "
                    f"{'no' if not parents else 'several'} '{dep.parent}' values give it; condition on '{dep.parent}' instead."
                )
            return self.condition_index(dep.parent, parents[0])
        t = self.transformers_.get(column)
        if not isinstance(t, (OneHotEncoder, OrdinalCategories)):
            raise ConditionError(
                f"Cannot condition on '{column}': it is not a categorical column of this encoding; "
                f"use one of {', '.join(self.condition_columns) or '(none)'}."
            )
        code = t.levels_.missing_code if _is_missing(value) else t.levels_.code_of(value)
        if code is None:
            shown = ", ".join(repr(v) for v in t.levels_.kept[:10])
            raise ConditionError(f"Cannot condition on {column}={value!r}: not a value seen in training (e.g. {shown}).")
        span_index = next(i for i, s in enumerate(self.layout_.spans) if s.column == column and s.role in ("category", "ordinal"))
        return self.layout_.condition_spans.index(span_index), int(code)

    # --------------------------------------------------------------- state
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Learned state as a JSON-safe dict and numeric arrays (no pickling)."""
        check_is_fitted(self, "layout_")
        columns, arrays = [], {}
        for i, (name, t) in enumerate(self.transformers_.items()):
            state, arr = t.get_state()
            columns.append({"name": name, "transformer": t.name, "state": state})
            arrays.update({f"{i}.{key}": np.ascontiguousarray(value) for key, value in arr.items()})
        state = {
            "format": _STATE_FORMAT,
            "version": _STATE_VERSION,
            "params": self.get_params(),
            "schema": self.schema_.to_dict(),
            "layout": self.layout_.to_dict(),
            "columns": columns,
            "dependencies": [d.to_dict() for d in self.dependencies_],
            "ties": [t.to_dict() for t in self.ties_],
        }
        return state, arrays

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> "TableEncoder":
        """Rebuild a fitted encoder from :meth:`to_state` output."""
        if state.get("format") != _STATE_FORMAT or state.get("version") != _STATE_VERSION:
            raise SchemaError(
                f"Encoder state has format {state.get('format')!r} version {state.get('version')!r}; "
                f"expected {_STATE_FORMAT!r} version {_STATE_VERSION}. Refit the model with this synthgan version."
            )
        enc = cls(**state["params"])
        enc.schema_ = Schema.from_dict(state["schema"])
        transformers = {}
        for i, entry in enumerate(state["columns"]):
            t = TRANSFORMERS[entry["transformer"]](enc.schema_[entry["name"]])
            prefix = f"{i}."
            t.set_state(entry["state"], {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
            transformers[entry["name"]] = t
        enc.transformers_ = transformers
        enc.dependencies_ = [Dependency.from_dict(d) for d in state["dependencies"]]
        enc.ties_ = [EventTie.from_dict(t) for t in state.get("ties", [])]  # absent in files before ties
        enc.layout_ = Layout.from_dict(state["layout"])
        enc._transform_rng = numpy_rng(enc.seed, "encoder", "transform")
        enc._inverse_rng = numpy_rng(enc.seed, "encoder", "inverse")
        return enc


def _impute_tied(df: pd.DataFrame, ties: list[EventTie], rng: np.random.Generator) -> pd.DataFrame:
    """``df`` with every tied child's event cells replaced by its other values (a copy when changed)."""
    present = [t for t in ties if t.child in df.columns]
    if not present:
        return df
    df = df.copy()
    for tie in present:
        df[tie.child] = tie.impute(df[tie.child], rng)
    return df


def _same_value(a: Any, b: Any) -> bool:
    if _is_missing(a) or _is_missing(b):
        return _is_missing(a) and _is_missing(b)
    return same_level(a, b)


def _is_missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
