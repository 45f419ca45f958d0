"""SequenceEncoder: long-format series <-> EncodedData, reversible, described by feature spans.

``fit`` reads the frame (:func:`~synthgan.timeseries.sequences.read_sequences`), decides
how each column is learned and fits the scalings; ``transform`` gives
:class:`~synthgan.core.encoded.EncodedData` whose ``temporal`` part is
``(n_items, max_steps, width)`` float32 and whose ``static`` part (when there are
attributes) is ``(n_items, static_width)``; ``inverse_transform`` turns model output back
into a long frame: a path id column, times continuing the training calendar, and every
learned column in the input's units and dtypes.

Temporal features, in input column order, then one missing indicator per numeric column
that had missing values:

* price columns (``returns=``): returns, standardised; an OHLC group as the four
  unconstrained features of :mod:`synthgan.timeseries.returns` (so decoded bars are
  always ordered). Missing prices are carried forward for the returns and flagged;
* other numeric columns: standardised values, missing values filled with the mean;
* categorical columns: one-hot, with a "missing" category where values were missing.

Static attributes (the entity label, when learned, and columns constant within each
entity) are one-hot or standardised the same way. Both parts are described by a
:class:`~synthgan.timeseries.features.FeatureLayout` (``temporal_spec`` / ``static_spec``),
whose spans tell a model which activation to apply where: ``identity`` (numeric),
``softmax`` (a categorical span) or ``sigmoid`` (a 0/1 missing indicator, decoded as
missing above 0.5). The spans and the per-feature helpers live in
:mod:`synthgan.timeseries.features`.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from synthgan.core.encoded import EncodedData
from synthgan.errors import ConditionError, ConfigError, DataValidationError, DataWarning, ModelFileError, check_is_fitted
from synthgan.timeseries.features import (FeatureLayout, FeatureSpan, decode_features, encode_features, fit_spans, matches,
                                           path_ids, restore_dtype, to_python)
from synthgan.timeseries.returns import OHLCGroup, check_positive, decode_ohlc, encode_ohlc, find_ohlc, from_returns, returns_within
from synthgan.timeseries.sequences import Calendar, SequenceFrame, SequenceSpec, read_sequences
from synthgan.timeseries.windows import pad_items, valid_mask

__all__ = ["FeatureLayout", "FeatureSpan", "SequenceEncoder"]

_OHLC_NAMES = {"anchor": "return", "gap": "gap", "up": "upper_spread", "down": "lower_spread"}


class SequenceEncoder:
    """Reversible encoding of long-format series into :class:`~synthgan.core.encoded.EncodedData`.

    Parameters
    ----------
    spec : SequenceSpec or None, default=None
        How to read the frame; or give its fields as keyword ``options``
        (``SequenceEncoder(time="Date", returns="log")``), not both.
    **options
        Fields of :class:`~synthgan.timeseries.sequences.SequenceSpec`.

    Attributes
    ----------
    spec_ : SequenceSpec
    calendar_ : Calendar
        Steps of the training data; sampled times continue it.
    temporal_layout_, static_layout_ : FeatureLayout
        Spans of the encoded parts (``static_layout_`` may be empty).
    static_columns_, temporal_columns_ : tuple of str
        The value columns learned as attributes and as features.
    ohlc_ : OHLCGroup or None
        The OHLC group, encoded so that every decoded bar is ordered.
    price_columns_ : tuple of str
        Other columns learned as returns.

    Examples
    --------
    >>> enc = SequenceEncoder(time="Date", columns="Close", returns="log")   # doctest: +SKIP
    >>> data = enc.fit_transform(df)                                         # doctest: +SKIP
    >>> paths = enc.inverse_transform(model.sample(200, length=2520))        # doctest: +SKIP
    """

    def __init__(self, spec: SequenceSpec | None = None, **options: Any) -> None:
        self.spec = spec
        self.options = options

    temporal_layout_: FeatureLayout | None = None

    def get_params(self) -> dict[str, Any]:
        """The configuration, as :class:`SequenceSpec` fields."""
        return self._spec().to_dict()

    def _spec(self) -> SequenceSpec:
        if self.spec is not None and self.options:
            raise ConfigError("give SequenceEncoder a spec or keyword options, not both")
        if self.spec is not None:
            if not isinstance(self.spec, SequenceSpec):
                raise ConfigError(f"spec must be a SequenceSpec, got {type(self.spec).__name__}")
            return self.spec.check()
        try:
            return SequenceSpec(**self.options).check()
        except TypeError as exc:
            raise ConfigError(f"SequenceEncoder options: {exc}; see SequenceSpec for the accepted ones") from None

    # ------------------------------------------------------------------ fit
    def fit(self, df: pd.DataFrame) -> "SequenceEncoder":
        """Learn the columns' roles, the calendar and the scalings from long-format ``df``."""
        self.fit_transform(df)
        return self

    def fit_transform(self, df: pd.DataFrame) -> EncodedData:
        """:meth:`fit`, then :meth:`transform` of the same frame (read once)."""
        spec = self._spec()
        sf = read_sequences(df, spec, min_length=2 if spec.returns else 1)
        self._plan(sf)
        self.time_dtype_ = str(df[spec.time].dtype)
        features, isna, filled, keep = self._temporal_features(sf)
        temporal_layout = fit_spans(features, isna)
        static_features, static_isna = self._static_features(sf)
        static_layout = fit_spans(static_features, static_isna)
        self._set_levels(sf, filled)
        self.temporal_layout_, self.static_layout_ = temporal_layout, static_layout
        data = self._assemble(sf, features, isna, keep, static_features, static_isna)
        self.static_rows_ = None if data.static is None else data.static.astype(np.float64)
        return data

    def _plan(self, sf: SequenceFrame) -> None:
        spec = sf.spec
        self.spec_, self.calendar_ = spec, sf.calendar
        self.time_kind_ = "datetime" if sf.times.dtype.kind == "M" else "number"
        self.last_time_ = sf.times.max().astype(np.int64).item() if self.time_kind_ == "datetime" else float(sf.times.max())
        columns = [c for c in sf.frame.columns if c != spec.entity]
        self.columns_ = tuple(columns)
        self.dtypes_ = {c: str(sf.frame[c].dtype) for c in sf.frame.columns}
        self.static_columns_ = sf.static
        self.temporal_columns_ = tuple(c for c in columns if c not in sf.static)
        self.numeric_columns_ = sf.numeric
        n_entities = len(pd.unique(sf.item_entity)) if sf.item_entity is not None else 0
        auto = 0 < n_entities <= spec.max_categories
        self.entity_attribute_ = bool(spec.entity is not None and (auto if spec.entity_attribute is None else spec.entity_attribute))
        self.ohlc_, self.ohlc_returns_, self.returns_ = None, spec.returns is not None, spec.returns
        if spec.returns is not None:
            given = spec.price_columns
            for c in given or ():
                if c not in sf.numeric:
                    raise DataValidationError(f"Column '{c}' in price_columns is not a numeric column that changes over time; "
                                              f"name one of: {', '.join(sf.numeric) or '(none)'}.")
            group = find_ohlc(list(given or sf.numeric))
            prices = given or (group.columns if group else sf.numeric)
            self.ohlc_ = find_ohlc(list(prices))
        else:
            group = find_ohlc(list(sf.numeric))
            if group is not None:
                values = sf.frame[list(group.columns)].to_numpy(dtype=np.float64)
                if (values <= 0).any():
                    warnings.warn(f"Columns {', '.join(group.columns)} look like OHLC prices but hold values <= 0; "
                                  "they are learned as plain numbers, so decoded bars may be unordered.", DataWarning, stacklevel=3)
                else:
                    self.ohlc_ = group
            prices = ()
        in_group = self.ohlc_.columns if self.ohlc_ else ()
        self.price_columns_ = tuple(c for c in prices if c not in in_group)
        self.uses_returns_ = bool(self.price_columns_) or (self.ohlc_ is not None and self.ohlc_returns_)

    def _price(self, sf: SequenceFrame, column: str, isna: dict, positive: bool) -> np.ndarray:
        values = sf.frame[column].to_numpy(dtype=np.float64)
        isna[column] = np.isnan(values)
        if isna[column].any():
            values = pd.Series(values).groupby(sf.item).ffill().groupby(sf.item).bfill().to_numpy()
            if np.isnan(values).any():
                i = int(np.argmax(np.isnan(values)))
                raise DataValidationError(f"Column '{column}' is missing on every row of the series at {sf.where(i)}; "
                                          "drop that series, or learn the column without returns.")
        if positive:
            check_positive(values, column, sf.where)
        elif (zero := values == 0).any():
            raise DataValidationError(f"Column '{column}' is 0 at {sf.where(int(np.argmax(zero)))}: simple returns divide by the "
                                      "previous value. Fix or drop those rows, or learn the column without returns (--returns none).")
        return values

    def _temporal_features(self, sf: SequenceFrame) -> tuple[list, dict, dict, np.ndarray]:
        """``(features, isna, filled prices, kept rows)``: a feature is ``(name, column, kind, transform, raw)``."""
        features, isna, filled = [], {}, {}
        group = self.ohlc_
        for c in self.temporal_columns_:
            if group is not None and c in group.columns:
                if c != group.columns[0]:
                    continue
                prices = {g: self._price(sf, g, isna, True) for g in group.columns}
                filled.update(prices)
                encoded = encode_ohlc(group, prices, sf.first, returns=self.ohlc_returns_)
                owner = {"anchor": group.anchor, "gap": group.open, "up": group.high, "down": group.low}
                for key in group.features:
                    name = f"{owner[key]}:{'log_level' if key == 'anchor' and not self.ohlc_returns_ else _OHLC_NAMES[key]}"
                    features.append((name, owner[key], "numeric", key, encoded[key]))
            elif c in self.price_columns_:
                filled[c] = self._price(sf, c, isna, self.returns_ == "log")
                features.append((f"{c}:{self.returns_}_return", c, "numeric", f"{self.returns_}_return",
                                 returns_within(filled[c], sf.first, self.returns_)))
            elif c in self.numeric_columns_:
                values = sf.frame[c].to_numpy(dtype=np.float64)
                isna[c] = np.isnan(values)
                features.append((c, c, "numeric", "value", values))
            else:
                features.append((c, c, "categorical", "category", sf.frame[c].to_numpy(dtype=object)))
        keep = ~sf.first if self.uses_returns_ else np.ones(len(sf.frame), dtype=bool)
        features = [(*f[:4], f[4][keep]) for f in features]
        return features, {c: m[keep] for c, m in isna.items()}, filled, keep

    def _static_features(self, sf: SequenceFrame, layout: FeatureLayout | None = None) -> tuple[list, dict]:
        """Static features, one row per item; their kinds are those of ``layout`` when given."""
        features, isna = [], {}
        if self.entity_attribute_:
            features.append((self.spec_.entity, self.spec_.entity, "categorical", "category", sf.item_entity))
        first = sf.frame.iloc[np.flatnonzero(sf.first)]
        fitted = {s.column: s.kind for s in layout.spans if s.kind != "missing"} if layout is not None else {}
        for c in self.static_columns_:
            s = first[c]
            if c in fitted:
                numeric = fitted[c] == "numeric"
            else:
                numeric = (pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
                           and s.nunique() > self.spec_.discrete_max_levels)
            if numeric:
                values = s.to_numpy(dtype=np.float64)
                isna[c] = np.isnan(values)
                features.append((c, c, "numeric", "value", values))
            else:
                features.append((c, c, "categorical", "category", s.to_numpy(dtype=object)))
        return features, isna

    def _set_levels(self, sf: SequenceFrame, filled: dict) -> None:
        """The last training level of every price column (and the OHLC anchor), per entity."""
        columns = list(self.price_columns_) + ([self.ohlc_.anchor] if self.ohlc_ is not None and self.ohlc_returns_ else [])
        self.level_columns_ = tuple(columns)
        labels = sf.frame[self.spec_.entity] if self.spec_.entity else pd.Series(np.zeros(len(sf.frame), dtype=np.int64))
        last = labels.drop_duplicates(keep="last").index.to_numpy()
        last = np.sort(last) if self.entity_attribute_ else last.max(initial=0)[None]  # the last row's entity is the default
        self.level_entities_ = [to_python(v) for v in labels.to_numpy(dtype=object)[last]] if self.entity_attribute_ else [None]
        self.last_levels_ = np.stack([filled[c][last] for c in columns], axis=1) if columns else np.zeros((len(last), 0))

    # ------------------------------------------------------------ transform
    def _assemble(self, sf, features, isna, keep, static_features, static_isna) -> EncodedData:
        item = sf.item[keep]
        flat = encode_features(self.temporal_layout_, features, isna, int(keep.sum()))
        temporal, lengths = pad_items(flat, item, sf.n_items)
        static = None
        if self.static_layout_.width:
            static = encode_features(self.static_layout_, static_features, static_isna, sf.n_items).astype(np.float32)
        return EncodedData(static=static, temporal=temporal, lengths=lengths,
                           static_spec=self.static_layout_ if static is not None else None, temporal_spec=self.temporal_layout_)

    def transform(self, df: pd.DataFrame) -> EncodedData:
        """Encode long-format ``df`` (the training frame or another with the same columns)."""
        check_is_fitted(self, "temporal_layout_")
        spec = self.spec_ if self.spec_.columns is not None else replace(self.spec_, columns=self.columns_)
        sf = read_sequences(df, spec, calendar=self.calendar_, min_length=2 if self.uses_returns_ else 1)
        features, isna, _, keep = self._temporal_features(sf)
        static_features, static_isna = self._static_features(sf, self.static_layout_)
        return self._assemble(sf, features, isna, keep, static_features, static_isna)

    # --------------------------------------------------------------- decode
    def inverse_transform(self, encoded: EncodedData, start_time: Any = None, entity_ids: Any = None, *,
                          start_levels: dict[str, Any] | None = None) -> pd.DataFrame:
        """Encoded paths (model output or :meth:`transform` output) -> a long frame.

        Parameters
        ----------
        encoded : EncodedData
            ``temporal`` ``(n, steps, width)`` (valid for ``lengths[i]`` steps) and, when
            the encoder learned attributes, ``static`` ``(n, static_width)``.
        start_time : datetime-like, number or None, default=None
            Time of every path's first step; None: one calendar step after the last
            training time.
        entity_ids : array-like of shape (n,) or None, default=None
            Path ids. None: the decoded entity label when the entity is learned
            (labels held by several paths are numbered ``label#1``, ``label#2``, ...),
            else ``0 .. n-1``.
        start_levels : dict of str to float or array of shape (n,), optional
            The level before the first step of a price column (the OHLC group: its
            close, or open without a close); default: the last training level of the
            path's entity (or of the last series).

        Returns
        -------
        pandas.DataFrame
            The path id column (named like the entity column, else ``path``), the time
            column, then every learned column in input order and dtype; missing
            indicators above 0.5 give missing values.
        """
        check_is_fitted(self, "temporal_layout_")
        if not isinstance(encoded, EncodedData) or encoded.temporal is None:
            raise DataValidationError("inverse_transform takes EncodedData with a temporal part (n_paths, steps, width)")
        X = np.nan_to_num(np.asarray(encoded.temporal, dtype=np.float64), nan=0.0, posinf=50.0, neginf=-50.0)
        n, steps, width = X.shape
        if width != self.temporal_layout_.width:
            raise DataValidationError(f"the encoded series have {width} features; this encoder's layout has {self.temporal_layout_.width}")
        static, entity = self._decode_static(encoded.static, n)
        raws, labels, missing = decode_features(self.temporal_layout_, X)
        starts = self._starts(entity, start_levels, n)
        values: dict[str, np.ndarray] = {}
        if self.ohlc_ is not None:
            features = {s.transform: raws[s.name] for s in self.temporal_layout_.spans if s.transform in ("anchor", "gap", "up", "down")}
            values.update(decode_ohlc(self.ohlc_, features, starts.get(self.ohlc_.anchor), returns=self.ohlc_returns_))
        for s in self.temporal_layout_.spans:
            if s.transform.endswith("_return"):
                values[s.column] = from_returns(raws[s.name], starts[s.column], self.returns_)
            elif s.transform == "value":
                values[s.column] = raws[s.name]
            elif s.transform == "category":
                values[s.column] = labels[s.name]
        for column, mask in missing.items():
            values[column] = np.where(mask, np.nan, values[column])
        lengths = encoded.lengths
        mask = valid_mask(lengths, steps)
        id_name = self.spec_.entity or ("path" if "path" not in self.columns_ else "path_id")
        ids = pd.Series(np.repeat(self._path_ids(entity, entity_ids, n), lengths))
        if entity_ids is None and id_name in self.dtypes_:  # entity labels back in the entity column's dtype
            ids = restore_dtype(ids.to_numpy(), self.dtypes_[id_name])
        out = {id_name: ids,
               self.spec_.time: np.broadcast_to(self._times(start_time, steps), (n, steps))[mask]}
        for c in self.columns_:
            out[c] = restore_dtype(np.repeat(static[c], lengths) if c in static else values[c][mask], self.dtypes_[c])
        return pd.DataFrame(out)

    def _decode_static(self, static: np.ndarray | None, n: int) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        if not self.static_layout_.width:
            return {}, None
        if static is None or np.shape(static) != (n, self.static_layout_.width):
            raise DataValidationError(f"the encoder learned attributes: the encoded paths need a static part of shape "
                                      f"({n}, {self.static_layout_.width}), got {None if static is None else np.shape(static)}")
        raws, labels, missing = decode_features(self.static_layout_, np.nan_to_num(np.asarray(static, dtype=np.float64)))
        values = {s.column: raws[s.name] if s.kind == "numeric" else labels[s.name] for s in self.static_layout_.spans if s.kind != "missing"}
        for column, mask in missing.items():
            values[column] = np.where(mask, np.nan, values[column])
        entity = values.pop(self.spec_.entity) if self.entity_attribute_ else None
        return values, entity

    def _starts(self, entity: np.ndarray | None, given: dict[str, Any] | None, n: int) -> dict[str, np.ndarray]:
        rows = np.full(n, len(self.level_entities_) - 1)
        if entity is not None:
            found = pd.Index(self.level_entities_, dtype=object).get_indexer(pd.Index(entity, dtype=object))
            rows = np.where(found >= 0, found, rows)
        starts = {c: self.last_levels_[rows, j] for j, c in enumerate(self.level_columns_)}
        for c, v in (given or {}).items():
            if c not in starts:
                raise ConfigError(f"start_levels names '{c}', which is not learned as returns; name one of: {', '.join(starts) or '(none)'}")
            v = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))
            if not np.isfinite(v).all() or ((self.returns_ == "log" or self.ohlc_ is not None) and (v <= 0).any()):
                raise ConfigError(f"start_levels['{c}'] must be finite (and > 0 for log returns and OHLC prices), got {v[:3]}")
            starts[c] = v
        return starts

    def _path_ids(self, entity: np.ndarray | None, given: Any, n: int) -> np.ndarray:
        if given is None:
            return path_ids(entity, n)
        ids = np.asarray(given, dtype=object)
        if ids.shape != (n,):
            raise ConfigError(f"entity_ids must give one id per path ({n}), got shape {ids.shape}")
        return ids

    def _times(self, start_time: Any, steps: int) -> np.ndarray:
        if start_time is None:
            last = np.datetime64(self.last_time_, "ns") if self.time_kind_ == "datetime" else self.last_time_
            start = self.calendar_.after(last)
        else:
            try:
                start = pd.Timestamp(start_time) if self.time_kind_ == "datetime" else float(start_time)
            except (TypeError, ValueError):
                raise ConfigError(f"start_time {start_time!r} is not a {'date/time' if self.time_kind_ == 'datetime' else 'number'}") from None
        times = self.calendar_.times(start, steps)
        if self.time_kind_ == "number" and self.time_dtype_.startswith("int") and float(self.calendar_.step).is_integer():
            times = times.astype(np.int64)
        return times

    # ----------------------------------------------------------- conditions
    def condition_vector(self, condition: dict[str, Any]) -> np.ndarray:
        """The encoded static vector ``(static_width,)`` of training series matching ``condition``.

        ``condition`` maps attributes (the entity column, static columns) to values, e.g.
        ``{"station": "Dongsi"}``; attributes it leaves out take their values from the
        matching training series (the most common combination).

        Raises
        ------
        ConditionError
            No attributes were learned; a column is not an attribute; no training series matches.
        """
        check_is_fitted(self, "temporal_layout_")
        if self.static_rows_ is None:
            raise ConditionError("this model learned no attributes (no entity label or static column) to condition on")
        values, entity = self._decode_static(self.static_rows_, len(self.static_rows_))
        if entity is not None:
            values[self.spec_.entity] = entity
        match = np.ones(len(self.static_rows_), dtype=bool)
        for column, want in condition.items():
            if column not in values:
                raise ConditionError(f"cannot condition on '{column}': it is not an attribute of the series; use one of: {', '.join(values)}")
            equal = matches(values[column], want)
            if not equal.any():
                known = sorted({str(v) for v in values[column]})[:20]
                raise ConditionError(f"Column '{column}' has no value {want!r} in the training series; known values: {', '.join(known)}")
            match &= equal
        if not match.any():
            raise ConditionError(f"no training series has all of {condition}; condition on fewer attributes")
        rows, counts = np.unique(self.static_rows_[match], axis=0, return_counts=True)
        return rows[int(np.argmax(counts))].astype(np.float32)

    # ---------------------------------------------------------------- state
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The learned state: a JSON-safe dict and numeric arrays (no pickling)."""
        check_is_fitted(self, "temporal_layout_")
        state = {
            "spec": self.spec_.to_dict(), "calendar": self.calendar_.to_dict(), "time_kind": self.time_kind_,
            "time_dtype": self.time_dtype_, "last_time": self.last_time_, "columns": list(self.columns_), "dtypes": dict(self.dtypes_),
            "static_columns": list(self.static_columns_), "temporal_columns": list(self.temporal_columns_),
            "numeric_columns": list(self.numeric_columns_), "entity_attribute": self.entity_attribute_,
            "ohlc": None if self.ohlc_ is None else self.ohlc_.to_dict(), "ohlc_returns": self.ohlc_returns_,
            "returns": self.returns_, "price_columns": list(self.price_columns_), "uses_returns": self.uses_returns_,
            "temporal_layout": self.temporal_layout_.to_dict(), "static_layout": self.static_layout_.to_dict(),
            "level_columns": list(self.level_columns_), "level_entities": list(self.level_entities_),
        }
        arrays = {"last_levels": np.asarray(self.last_levels_, dtype=np.float64)}
        if self.static_rows_ is not None:
            arrays["static_rows"] = np.asarray(self.static_rows_, dtype=np.float64)
        return state, arrays

    state = to_state

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> "SequenceEncoder":
        """Rebuild a fitted encoder from :meth:`to_state` output."""
        try:
            enc = cls(SequenceSpec.from_dict(state["spec"]))
            enc.spec_, enc.calendar_ = enc.spec, Calendar.from_dict(state["calendar"])
            enc.time_kind_, enc.time_dtype_, enc.last_time_ = state["time_kind"], state["time_dtype"], state["last_time"]
            enc.columns_, enc.dtypes_ = tuple(state["columns"]), dict(state["dtypes"])
            enc.static_columns_, enc.temporal_columns_ = tuple(state["static_columns"]), tuple(state["temporal_columns"])
            enc.numeric_columns_, enc.entity_attribute_ = tuple(state["numeric_columns"]), bool(state["entity_attribute"])
            enc.ohlc_, enc.ohlc_returns_ = OHLCGroup.from_dict(state["ohlc"]), bool(state["ohlc_returns"])
            enc.returns_, enc.price_columns_ = state["returns"], tuple(state["price_columns"])
            enc.uses_returns_ = bool(state["uses_returns"])
            enc.static_layout_ = FeatureLayout.from_dict(state["static_layout"])
            enc.level_columns_, enc.level_entities_ = tuple(state["level_columns"]), list(state["level_entities"])
            enc.last_levels_ = np.asarray(arrays["last_levels"], dtype=np.float64)
            enc.static_rows_ = np.asarray(arrays["static_rows"], dtype=np.float64) if "static_rows" in arrays else None
            enc.temporal_layout_ = FeatureLayout.from_dict(state["temporal_layout"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"the saved sequence encoder state is incomplete or damaged ({exc!r}); fit the model again") from None
        return enc
