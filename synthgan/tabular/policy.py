"""Which transformer each column gets, from its schema kind, its data and the encoder's options.

========================  ========================  =========================  ==========================
column                    ``"mode_specific"``       ``"ordinal"``              ``"binned"``
========================  ========================  =========================  ==========================
id                        regenerated, no span      regenerated, no span       regenerated, no span
pii (fake / consistent)   fakes, no span / codes    fakes, no span / codes     fakes, no span / codes
one value / all missing   constant, no span         constant, no span          constant, no span
derived (dependency)      re-derived, no span       re-derived, no span        re-derived, no span
categorical, boolean      one-hot ``category``      level code ``ordinal``     one-hot ``category``
integer, <= 30 levels     one-hot ``category``      number ``ordinal``         one-hot ``category``
continuous, integer,      ``value`` + ``component`` number ``ordinal``         bin + position (two
datetime                                                                       softmax ``component``)
========================  ========================  =========================  ==========================

Derived columns (see :mod:`synthgan.tabular.relations`) get no transformer at all;
the encoder asks this policy only for the others. The thresholds are the
:class:`~synthgan.tabular.encoder.TableEncoder` constructor arguments, checked by
:meth:`TransformerPolicy.check`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.tabular.schema import ColumnSchema, Schema
from synthgan.tabular.transforms.base import ColumnTransformer
from synthgan.tabular.transforms.binned import BinnedNumeric
from synthgan.tabular.transforms.constant import ConstantColumn
from synthgan.tabular.transforms.identifier import IdentifierGenerator
from synthgan.tabular.transforms.mode_specific import ModeSpecificNormalizer
from synthgan.tabular.transforms.onehot import OneHotEncoder
from synthgan.tabular.transforms.ordinal import OrdinalCategories, OrdinalNumeric
from synthgan.tabular.transforms.pii import ConsistentIdentifiers, FakeIdentifiers

ENCODINGS = ("mode_specific", "ordinal", "binned")
PII_MODES = ("fake", "consistent")  # see synthgan.tabular.transforms.pii
_LEVELED_KINDS = ("categorical", "boolean")


@dataclass(frozen=True)
class TransformerPolicy:
    """The encoder options that decide, per column, which transformer learns it.

    Parameters mirror :class:`~synthgan.tabular.encoder.TableEncoder` (see there for
    their meaning); build one with :meth:`from_params` from the encoder's
    ``get_params()``.
    """

    encoding: str = "mode_specific"
    max_modes: int = 10
    weight_threshold: float = 0.005
    fit_size: int = 10_000
    point_mass_share: float = 0.01
    spike_ratio: float = 3.0
    max_categories: int = 100
    min_category_share: float = 0.001
    discrete_max_levels: int = 30
    pii: str = "fake"
    pii_locale: str = "en_US"

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> "TransformerPolicy":
        """The policy part of an encoder's parameters (other keys are ignored).

        Parameters
        ----------
        params : dict
            ``TableEncoder.get_params()`` output.

        Returns
        -------
        TransformerPolicy
        """
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in params.items() if k in names})

    def check(self) -> None:
        """Raise :class:`~synthgan.errors.ConfigError` naming the first option out of range."""
        if self.encoding not in ENCODINGS:
            raise ConfigError(f"encoding='{self.encoding}' is not supported; use one of {', '.join(ENCODINGS)}.")
        if self.pii not in PII_MODES:
            raise ConfigError(f"pii={self.pii!r} is not supported; use 'fake' (a fresh fake per row) or 'consistent' "
                              "(recurring identities keep one fake each).")
        if not isinstance(self.pii_locale, str) or not self.pii_locale:
            raise ConfigError(f"pii_locale={self.pii_locale!r} must be a Faker locale name such as 'en_US'.")
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

    def is_discrete(self, col: ColumnSchema, s: pd.Series) -> bool:
        """Whether ``col`` is learned as categories (one-hot, and a candidate for dependencies).

        Parameters
        ----------
        col : ColumnSchema
        s : pandas.Series
            The column's training values.

        Returns
        -------
        bool
            True for a non-constant categorical or boolean column, or an integer column
            with at most ``discrete_max_levels`` distinct values.
        """
        if col.kind not in (*_LEVELED_KINDS, "integer") or s.nunique(dropna=False) < 2:
            return False
        return col.kind != "integer" or s.nunique(dropna=True) <= self.discrete_max_levels

    def discrete_columns(self, df: pd.DataFrame, schema: Schema) -> list[str]:
        """Names of the columns of ``schema`` that :meth:`is_discrete` accepts, in table order."""
        return [c.name for c in schema if self.is_discrete(c, df[c.name])]

    def transformer_for(self, col: ColumnSchema, s: pd.Series, discrete: bool) -> ColumnTransformer:
        """An unfitted transformer for ``col`` (see the table in the module docstring).

        Parameters
        ----------
        col : ColumnSchema
        s : pandas.Series
            The column's training values (after tied events are imputed).
        discrete : bool
            What :meth:`is_discrete` said of the column.

        Returns
        -------
        ColumnTransformer
        """
        levels = {"max_categories": self.max_categories, "min_share": self.min_category_share}
        if col.kind == "id":
            return IdentifierGenerator(col)
        if col.kind == "pii":
            if self.pii == "consistent":
                if self.encoding == "ordinal":
                    raise ConfigError(f"pii='consistent' learns who recurs in '{col.name}' as a category, which this model's "
                                      "ordinal encoding cannot; use pii='fake' or a neural model such as ctgan")
                return ConsistentIdentifiers(col, locale=self.pii_locale, max_categories=self.max_categories)
            return FakeIdentifiers(col, locale=self.pii_locale)
        if s.nunique(dropna=False) <= 1:
            return ConstantColumn(col)
        if self.encoding == "ordinal":
            return OrdinalCategories(col, **levels) if col.kind in _LEVELED_KINDS else OrdinalNumeric(col)
        if discrete or col.kind in _LEVELED_KINDS:
            return OneHotEncoder(col, **levels)
        if self.encoding == "binned":
            return BinnedNumeric(col)
        return ModeSpecificNormalizer(
            col,
            max_modes=self.max_modes,
            weight_threshold=self.weight_threshold,
            fit_size=self.fit_size,
            point_mass_share=self.point_mass_share,
            spike_ratio=self.spike_ratio,
        )
