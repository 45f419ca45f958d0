"""Reversible per-column transformers, one idea per module, and their registry by saved name."""

from synthgan.tabular.transforms.base import ColumnTransformer, SpanShape
from synthgan.tabular.transforms.binned import BinnedNumeric
from synthgan.tabular.transforms.constant import ConstantColumn
from synthgan.tabular.transforms.identifier import IdentifierGenerator
from synthgan.tabular.transforms.mode_specific import ModeSpecificNormalizer
from synthgan.tabular.transforms.onehot import OneHotEncoder
from synthgan.tabular.transforms.ordinal import OrdinalCategories, OrdinalNumeric
from synthgan.tabular.transforms.pii import ConsistentIdentifiers, FakeIdentifiers

TRANSFORMERS: dict[str, type[ColumnTransformer]] = {
    cls.name: cls
    for cls in (ConstantColumn, IdentifierGenerator, ModeSpecificNormalizer, OneHotEncoder, OrdinalCategories, OrdinalNumeric,
                FakeIdentifiers, ConsistentIdentifiers, BinnedNumeric)
}

__all__ = [
    "TRANSFORMERS",
    "BinnedNumeric",
    "ColumnTransformer",
    "SpanShape",
    "ConstantColumn",
    "IdentifierGenerator",
    "ModeSpecificNormalizer",
    "OneHotEncoder",
    "OrdinalCategories",
    "OrdinalNumeric",
    "FakeIdentifiers",
    "ConsistentIdentifiers",
]
