"""TableEncoder: a table <-> float32 matrix, reversible, described by a Layout.

The encoder orchestrates; each of its jobs lives in a module of its own:

* :mod:`synthgan.tabular.policy`: which transformer each column gets (one-hot,
  mode-specific normalisation, ordinal codes, constant, regenerated identifier);
* :mod:`synthgan.tabular.relations`: dependencies and tied events between columns,
  kept exactly (the derived or tied child follows its parent after decoding);
* :mod:`synthgan.tabular.placement`: the transformers' blocks placed into the
  :class:`~synthgan.tabular.layout.Layout` of the matrix;
* :mod:`synthgan.tabular.condition_values`: ``column == value`` resolved to a
  condition span and category;
* :mod:`synthgan.tabular.encoder_state`: saving and loading without pickling.

Every ``category`` span is a condition span, so low-cardinality integer targets
(diabetes' ``Diabetes_binary``, stroke's ``stroke``) can be conditioned on too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthgan._random import numpy_rng
from synthgan.errors import DataValidationError, SchemaError, check_is_fitted
from synthgan.tabular import condition_values
from synthgan.tabular.encoder_state import EncoderParts, read_state, write_state
from synthgan.tabular.layout import Layout
from synthgan.tabular.placement import build_layout, one_hot_codes
from synthgan.tabular.policy import ENCODINGS, TransformerPolicy
from synthgan.tabular.relations import Relations, find_relations, impute_tied, restore_relations
from synthgan.tabular.schema import Schema, complete_schema, infer_schema
from synthgan.tabular.transforms.identifier import IdentifierGenerator
from synthgan.tabular.validate import validate_frame

__all__ = ["ENCODINGS", "TableEncoder"]

_PARAMS = (
    "encoding", "seed", "max_modes", "weight_threshold", "fit_size", "point_mass_share", "spike_ratio",
    "max_categories", "min_category_share", "discrete_max_levels", "detect_dependencies", "pii", "pii_locale",
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
    pii : {"fake", "consistent"}, default="fake"
        Identifier columns (kind ``"pii"``): a fresh fake per row, or one fixed fake per
        recurring identity, learned as an anonymous code (see
        :mod:`synthgan.tabular.transforms.pii`). Real values are never learned or stored.
    pii_locale : str, default="en_US"
        Faker locale of the fakes (names, streets, cities).

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
        pii: str = "fake",
        pii_locale: str = "en_US",
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
        self.pii = pii
        self.pii_locale = pii_locale

    layout_: Layout | None = None

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (JSON-safe)."""
        return {name: getattr(self, name) for name in _PARAMS}

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame, schema: Schema | None = None) -> "TableEncoder":
        """Learn the encoding of ``df`` (schema inferred when not given); returns ``self``."""
        policy = TransformerPolicy.from_params(self.get_params())
        policy.check()
        schema = infer_schema(df) if schema is None else schema
        validate_frame(df, schema, min_rows=1)
        schema = complete_schema(schema, df)
        discrete = policy.discrete_columns(df, schema)
        relations = find_relations(df, schema, discrete) if self.detect_dependencies else Relations()
        df = impute_tied(df, relations.ties, numpy_rng(self.seed, "encoder", "ties"))
        transformers = {}
        for col in schema:
            if col.name not in relations.derived:
                t = policy.transformer_for(col, df[col.name], col.name in discrete)
                transformers[col.name] = t.fit(df[col.name], numpy_rng(self.seed, "encoder", "fit", col.name))
        self._set_fitted(EncoderParts(self.get_params(), schema, build_layout(transformers, self.encoding), transformers,
                                      relations.dependencies, relations.ties))
        return self

    def fit_transform(self, df: pd.DataFrame, schema: Schema | None = None) -> np.ndarray:
        """``fit(df, schema)`` then ``transform(df)``."""
        return self.fit(df, schema).transform(df)

    def _set_fitted(self, parts: EncoderParts) -> None:
        self.schema_ = parts.schema
        self.transformers_ = parts.transformers
        self.dependencies_ = parts.dependencies
        self.ties_ = parts.ties
        self.layout_ = parts.layout
        self._transform_rng = numpy_rng(self.seed, "encoder", "transform")
        self._inverse_rng = numpy_rng(self.seed, "encoder", "inverse")

    def _parts(self) -> EncoderParts:
        return EncoderParts(self.get_params(), self.schema_, self.layout_, self.transformers_, self.dependencies_, self.ties_)

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
        df = impute_tied(df, self.ties_, numpy_rng(base, "ties"))
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
        return self._decode(X.shape[0], X, one_hot_codes(X, self.layout_) if one_hot else None, seed, id_offset)

    def inverse_codes(self, codes: np.ndarray, seed: int | None = None, *, id_offset: int = 0) -> pd.DataFrame:
        """Decode the category codes of every span (a ``code_samples`` model's ``sample_codes``) into a table.

        The same table :meth:`inverse_transform` gives for the one-hot rows of these codes,
        without that matrix. Every span of the layout must be a softmax (the ``"binned"``
        encoding).

        Parameters
        ----------
        codes : array-like of int, shape (n_rows, number of spans)
        seed, id_offset
            As for :meth:`inverse_transform`.
        """
        check_is_fitted(self, "layout_")
        codes = np.asarray(codes)
        spans = self.layout_.spans
        if any(s.activation != "softmax" for s in spans):
            raise DataValidationError("inverse_codes needs a layout of softmax spans only (the 'binned' encoding); "
                                      "decode encoded rows with inverse_transform instead")
        if codes.ndim != 2 or codes.shape[1] != len(spans) or not np.issubdtype(codes.dtype, np.integer):
            raise DataValidationError(f"codes have shape {codes.shape} and dtype {codes.dtype}; "
                                      f"expected integers of shape (n_rows, {len(spans)}), one column per span")
        per_span = [np.clip(codes[:, k], 0, s.width - 1) for k, s in enumerate(spans)]
        return self._decode(codes.shape[0], None, per_span, seed, id_offset)

    def _decode(self, n: int, X: np.ndarray | None, codes: list[np.ndarray] | None, seed: int | None,
                id_offset: int) -> pd.DataFrame:
        """Columns from encoded rows ``X`` and/or the codes of every softmax span (``X`` may be None when codes cover all)."""
        base = seed if seed is not None else int(self._inverse_rng.integers(2**63 - 1))
        index = pd.RangeIndex(n)
        remaining = iter(codes) if codes is not None else None
        out: dict[str, pd.Series] = {}
        pos = 0
        for name, t in self.transformers_.items():
            width = t.width
            rng = numpy_rng(base, "inverse", name)
            if isinstance(t, IdentifierGenerator):
                out[name] = t.keys(n, rng, index, offset=id_offset)
            elif remaining is not None:  # no copy of the block: the categories are known
                own = [next(remaining) for spec in t.spans() if spec.activation == "softmax"]
                # without X the block is never read (codes cover it), but zero-width columns take the row count from it
                block = X[:, pos : pos + width] if X is not None else np.empty((n, width), dtype=np.float32)
                out[name] = t.inverse(block, rng, index, codes=own or None)
            else:
                out[name] = t.inverse(np.ascontiguousarray(X[:, pos : pos + width]), rng, index)
            pos += width
        restore_relations(out, Relations(self.dependencies_, self.ties_), self.schema_, index)
        return pd.DataFrame({name: out[name] for name in self.schema_.names}, index=index)

    # ---------------------------------------------------------- conditions
    @property
    def condition_columns(self) -> list[str]:
        """Columns usable in conditions: those with a category span, and columns derived from them."""
        check_is_fitted(self, "layout_")
        return condition_values.condition_columns(self.schema_, self.layout_, self.dependencies_)

    def condition_index(self, column: str, value: Any) -> tuple[int, int]:
        """``(k, j)``: category ``j`` of the ``k``-th condition span for ``column == value``.

        A level that was bucketed into "other" gives the "other" category: decoded
        rows then hold a random bucketed level, so the caller should overwrite the
        conditioned column with ``value``. A derived column (e.g. education_num,
        derived from education) is conditioned through its parent when exactly one
        parent level maps to ``value``. See :func:`synthgan.tabular.condition_values.condition_index`.
        """
        check_is_fitted(self, "layout_")
        return condition_values.condition_index(
            column, value, schema=self.schema_, layout=self.layout_, transformers=self.transformers_,
            dependencies=self.dependencies_, ties=self.ties_,
        )

    # --------------------------------------------------------------- state
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Learned state as a JSON-safe dict and numeric arrays (no pickling; see :mod:`synthgan.tabular.encoder_state`)."""
        check_is_fitted(self, "layout_")
        return write_state(self._parts())

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> "TableEncoder":
        """Rebuild a fitted encoder from :meth:`to_state` output."""
        parts = read_state(state, arrays)
        enc = cls(**parts.params)
        enc._set_fitted(parts)
        return enc
