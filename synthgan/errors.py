"""Exception classes raised by synthgan.

Every error says what went wrong, names the column or argument involved, and
says what to do next. The CLI turns any :class:`SynthganError` into a one-line
message and exit code 2, without a traceback.
"""

from __future__ import annotations


class SynthganError(Exception):
    """Base class of every error raised on purpose by synthgan."""


class NotFittedError(SynthganError, ValueError, AttributeError):
    """A method that needs a fitted object was called before ``fit``."""


class ConfigError(SynthganError, ValueError):
    """A constructor argument or option has an invalid value."""


class DataValidationError(SynthganError, ValueError):
    """The input table cannot be learned from as it is (names the column and the fix)."""


class SchemaError(SynthganError, ValueError):
    """A schema (inferred or given as JSON) is invalid or does not match the data."""


class ConditionError(SynthganError, ValueError):
    """A sampling condition names an unknown column or value, or cannot be met."""


class ModelFileError(SynthganError):
    """A model file is missing, corrupt, tampered with, or from an incompatible version."""


class InputFileError(SynthganError):
    """An input or output file cannot be read or written (missing, not a table, bad encoding)."""


def check_is_fitted(obj: object, attribute: str) -> None:
    """Raise :class:`NotFittedError` unless ``obj`` has the fitted ``attribute``."""
    if getattr(obj, attribute, None) is None:
        name = type(obj).__name__
        raise NotFittedError(
            f"This {name} instance is not fitted yet. Call 'fit' with your data before using it."
        )


class DataWarning(UserWarning):
    """Valid but unusual input that synthgan handled in a way the user should know about."""
