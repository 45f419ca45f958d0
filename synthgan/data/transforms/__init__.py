"""Reversible per-column transformers, one idea per module, and their registry by saved name."""

from synthgan.data.transforms.base import ColumnTransformer, SpanSpec
from synthgan.data.transforms.constant import ConstantColumn
from synthgan.data.transforms.identifier import IdentifierGenerator
from synthgan.data.transforms.mode_specific import ModeSpecificNormalizer
from synthgan.data.transforms.onehot import OneHotEncoder
from synthgan.data.transforms.ordinal import OrdinalCategories, OrdinalNumeric

TRANSFORMERS: dict[str, type[ColumnTransformer]] = {
    cls.name: cls
    for cls in (ConstantColumn, IdentifierGenerator, ModeSpecificNormalizer, OneHotEncoder, OrdinalCategories, OrdinalNumeric)
}

__all__ = [
    "TRANSFORMERS",
    "ColumnTransformer",
    "SpanSpec",
    "ConstantColumn",
    "IdentifierGenerator",
    "ModeSpecificNormalizer",
    "OneHotEncoder",
    "OrdinalCategories",
    "OrdinalNumeric",
]
