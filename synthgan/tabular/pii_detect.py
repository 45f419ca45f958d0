"""Direct identifiers found by content: emails, phone numbers, national ids, addresses, person names, free text.

Schema inference (:func:`synthgan.tabular.schema.infer_column`) asks :func:`detect_pii` about
every text column that is not a date. A flagged column gets kind ``"pii"`` and its type in
``ColumnSchema.pii``: it is never learned, and synthetic rows carry realistic fakes made by
:mod:`synthgan.tabular.pii_fakes` instead. Decisions read the values, not the column's name,
except for person names: without Faker's name lists (the ``pii`` extra) a column of
capitalised words is only called names when its name says so ("name", "customer" ...).

A type is called when at least :data:`SHARE` of the distinct values (up to
:data:`MAX_VALUES` of them, in order of appearance) match its pattern; names, addresses and
free text also need mostly distinct values, which tells them from cities and categories.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["PII_TYPES", "detect_pii", "is_luhn_valid", "known_names"]

#: the types a column may be flagged with, in the order they are tried
PII_TYPES = ("email", "national_id", "phone", "address", "person_name", "free_text")
SHARE = 0.9  # share of distinct values that must match a type's pattern
MAX_VALUES = 2_000  # distinct values read per column
MIN_VALUES = 5  # fewer distinct values than this say nothing
DISTINCT_SHARE = 0.5  # names, addresses and free text: distinct values / present values ...
MANY_VALUES = 50  # ... or at least this many distinct values (people who recur on several rows)
ADDRESS_SHARE = 0.8  # addresses vary more in layout (PO boxes, military addresses)

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]")
_IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}")
_CARD = re.compile(r"\d{4}([ -]?\d{3,4}){2,3}\d{0,3}")
_PHONE = re.compile(r"(\+|00)?[\d\s().-]{7,22}(\s*(x|ext\.?)\s*\d{1,6})?", re.IGNORECASE)
_ADDRESS_NUMBER_FIRST = re.compile(r"\d{1,5}[A-Za-z]?,?\s+[^\W\d_]{2,}(\s+\S+)+", re.UNICODE)
_ADDRESS_NUMBER_AFTER = re.compile(r"[^\W\d_]{3,}\.?\s\d{1,5}[a-zA-Z]?\s*(?:,|\n|$)", re.UNICODE)
_NAME = re.compile(r"[^\W\d_][^\W\d_'’.-]*\.?([ -][^\W\d_][^\W\d_'’.-]*\.?){1,3}", re.UNICODE)
_DATE_LIKE = re.compile(r"\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_NAME_HINT = re.compile(r"name|customer|client|patient|person|contact|owner|employee|author|user", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")


def is_luhn_valid(digits: np.ndarray) -> np.ndarray:
    """Luhn check of equal-length rows of digits (``(n, length)`` int array): True where valid."""
    doubled = digits[:, ::-1].copy()
    doubled[:, 1::2] *= 2
    doubled[doubled > 9] -= 9
    return doubled.sum(axis=1) % 10 == 0


def _share(values: pd.Series, pattern: re.Pattern) -> float:
    return float(values.str.fullmatch(pattern).mean())


def _digit_count(values: pd.Series) -> pd.Series:
    return values.str.count(r"\d")


def _is_card_column(values: pd.Series) -> bool:
    if _share(values, _CARD) < SHARE:
        return False
    digits = values.str.replace(r"\D", "", regex=True)
    valid = 0
    for length, group in digits.groupby(digits.str.len()):  # a few lengths, not rows
        if 13 <= length <= 19:
            matrix = np.frombuffer("".join(group).encode("ascii"), dtype=np.uint8).reshape(-1, length) - ord("0")
            valid += int(is_luhn_valid(matrix.astype(np.int64)).sum())
    return valid >= SHARE * len(values)


def _is_phone_column(values: pd.Series) -> bool:
    if _share(values, _PHONE) < SHARE or values.str.match(_DATE_LIKE).mean() >= 0.5:
        return False
    n_digits = _digit_count(values.str.replace(r"\s*(x|ext\.?)\s*\d+$", "", regex=True, case=False))
    formatted = values.str.contains(r"[\s().+-]", regex=True) | (n_digits >= 10)
    return float(((n_digits >= 7) & (n_digits <= 15) & formatted).mean()) >= SHARE


@lru_cache(maxsize=1)
def known_names() -> frozenset[str] | None:
    """Lower-case first and last names of several Faker locales, or None without Faker."""
    try:
        import faker  # noqa: F401
    except ImportError:
        return None
    from importlib import import_module

    names: set[str] = set()
    for locale in NAME_LOCALES:
        try:
            provider = import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:  # pragma: no cover - a Faker without this locale
            continue
        for attr in ("first_names", "last_names", "first_names_male", "first_names_female"):
            names.update(str(v).lower() for v in getattr(provider, attr, ()) or ())
    return frozenset(names)


def _is_name_column(name: str, values: pd.Series) -> bool:
    if _share(values, _NAME) < SHARE or not values.str.contains(r"^[^\W\d_]*[A-ZÀ-Ý]", regex=True).mean() >= SHARE:
        return False
    known = known_names()
    if known is None:
        return bool(_NAME_HINT.search(name))
    words = values.str.lower().str.findall(_WORD).explode()
    hits = words.isin(known).groupby(level=0).any()  # a value with any known first or last name
    return float(hits.mean()) >= 0.6 or (bool(_NAME_HINT.search(name)) and float(hits.mean()) >= 0.3)


def _is_address_column(values: pd.Series) -> bool:
    first = values.str.match(_ADDRESS_NUMBER_FIRST)
    after = values.str.contains(_ADDRESS_NUMBER_AFTER)
    return float((first | after).mean()) >= ADDRESS_SHARE


def _is_free_text_column(values: pd.Series) -> bool:
    words = values.str.count(r"\S+")
    return float(words.mean()) >= 6 and float(values.str.contains(_WORD).mean()) >= SHARE


def detect_pii(name: str, s: pd.Series) -> str | None:
    """The direct-identifier type of a text column, or None.

    Parameters
    ----------
    name : str
        The column's name (used only to confirm person names when Faker is missing).
    s : pandas.Series
        The column's values (strings; missing values are ignored).

    Returns
    -------
    str or None
        One of :data:`PII_TYPES`.
    """
    present = s.dropna()
    if present.empty:
        return None
    distinct = pd.Series(pd.unique(present.astype(str).str.strip())[:MAX_VALUES], dtype=object).astype(str)
    distinct = distinct[distinct != ""]
    if len(distinct) < MIN_VALUES:
        return None
    varied = len(distinct) >= MANY_VALUES or present.nunique() >= DISTINCT_SHARE * len(present)
    if _share(distinct, _EMAIL) >= SHARE:
        return "email"
    if max(_share(distinct, _SSN), _share(distinct, _NINO), _share(distinct, _IBAN)) >= SHARE or _is_card_column(distinct):
        return "national_id"
    if _is_phone_column(distinct):
        return "phone"
    if not varied:
        return None
    if _is_address_column(distinct):
        return "address"
    if _is_name_column(name, distinct):
        return "person_name"
    if _is_free_text_column(distinct):
        return "free_text"
    return None
