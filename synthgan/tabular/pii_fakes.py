"""Realistic fake identifiers that are never learned from the data, made in bulk.

A :class:`FakeMaker` is built once per identifier column at fit time (with Faker, the
``pii`` extra) and then makes any number of fakes with numpy alone, so sampling needs no
Faker and no per-row Python loop:

* ``person_name``: a first and a last name from pools of the locale's names;
* ``email``: ``first.last`` (or ``firstlast42``) at a reserved domain (``example.com``,
  ``.net``, ``.org``; RFC 2606), which no real mailbox has;
* ``phone``, ``national_id``: random digits and letters in the *shapes* of the real
  values (``(999) 999-9999``, ``999-99-9999``, ``AA99 9999 ...``); a shape is kept only when
  at least two real values share it, so no one value's layout is stored;
* ``address``: a house number, a street and a city (and a postcode when the real values
  span lines) from the locale's pools;
* ``free_text``: words of Faker's word list, as many per value as the real texts have.

Pools never hold a word that occurs in the real column (names, streets and cities are
compared word by word, case-folded), so no fake equals a real value. They are drawn with a
seed keyed by the model's seed *and* a digest of the column's real values: someone holding
the model file cannot replay the draw to see which words were left out, and the same data
with the same seed still gives the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgan.errors import ConfigError
from synthgan.tabular.pii_detect import known_names

__all__ = ["FakeMaker", "RESERVED_DOMAINS", "faker_instance"]

RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
POOL_DRAWS = 1_500  # Faker calls per pool; pools keep the distinct results not in the data
MAX_SHAPES = 20
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_UPPER = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_LOWER = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


def faker_instance(locale: str, seed: int):
    """A Faker of ``locale`` seeded on its own (Faker's shared random state is never touched)."""
    try:
        from faker import Faker
        from faker.config import AVAILABLE_LOCALES
    except ImportError:
        raise ConfigError("replacing identifiers with fakes needs Faker: pip install 'synthgan[pii]' "
                          "(or set the column's kind to categorical in a schema JSON to learn it instead)") from None
    if locale not in AVAILABLE_LOCALES:
        raise ConfigError(f"pii_locale={locale!r} is not a Faker locale; use e.g. en_US, en_GB, de_DE or fr_FR")
    fake = Faker(locale)
    fake.seed_instance(seed)
    return fake


def _words(values: pd.Series) -> set[str]:
    """Case-folded words of every value (what pools must not contain)."""
    found = values.dropna().astype(str).str.casefold().str.findall(_WORD).explode().dropna()
    return set(found.unique())


def _ascii_pool(pool: list[str]) -> list[str]:
    """Lower-case ASCII forms of a pool's names (for mailbox names), distinct and non-empty."""
    folded = pd.Series(pool, dtype=object).str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    folded = folded.str.lower().str.replace(r"[^a-z]", "", regex=True)
    return sorted(set(folded[folded != ""]))


def _pool(make, banned: set[str], *, draws: int = POOL_DRAWS) -> list[str]:
    """Distinct Faker results none of whose words is banned, in a fixed order."""
    values = pd.Series([make() for _ in range(draws)], dtype=object).drop_duplicates()
    words = values.str.casefold().str.findall(_WORD).explode()
    clean = ~words.isin(banned).groupby(level=0).any()
    kept = values[clean.reindex(values.index, fill_value=True)]
    return sorted(kept.tolist())


def _shape(values: pd.Series, letters: bool = True) -> pd.Series:
    """Digits -> 9 and (with ``letters``) upper-case letters -> A, other letters -> a; the rest kept; non-ASCII shapes dropped.

    Phone numbers keep their letters ("x", "ext."), which mark extensions, not people.
    """
    shapes = values.str.replace(r"\d", "9", regex=True)
    if letters:
        shapes = shapes.str.replace(r"[^\W\d_]", lambda m: "A" if m.group().isupper() else "a", regex=True)
    return shapes[~shapes.str.contains(r"[^\x00-\x7f]", regex=True)]


def _fill_shapes(shapes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random digits/letters in the 9/A/a places of each shape (grouped by shape, no per-row loop)."""
    out = np.empty(len(shapes), dtype=object)
    for shape in np.unique(shapes):  # a handful of shapes
        rows = np.flatnonzero(shapes == shape)
        template = np.frombuffer(shape.encode("ascii"), dtype=np.uint8)
        chars = np.tile(template, (rows.size, 1))
        for mark, alphabet in ((ord("9"), np.frombuffer(b"0123456789", dtype=np.uint8)), (ord("A"), _UPPER), (ord("a"), _LOWER)):
            places = template == mark
            if places.any():
                chars[:, places] = alphabet[rng.integers(0, alphabet.size, size=(rows.size, int(places.sum())))]
        out[rows] = chars.view(f"S{template.size}").ravel().astype(str).astype(object)
    return out


def _join(*parts: np.ndarray) -> np.ndarray:
    out = parts[0].astype(str)
    for part in parts[1:]:
        out = np.char.add(out, part.astype(str))
    return out.astype(object)


@dataclass
class FakeMaker:
    """Makes fakes of one identifier type (see the module docstring); state is JSON-safe."""

    pii: str
    pools: dict[str, list[str]] = field(default_factory=dict)
    shapes: list[str] = field(default_factory=list)
    shape_weights: list[float] = field(default_factory=list)
    words: tuple[float, float] = (8.0, 3.0)  # free text: mean and spread of words per value
    multiline: bool = False

    @classmethod
    def learn(cls, pii: str, values: pd.Series, *, locale: str = "en_US", seed: int = 0) -> "FakeMaker":
        """Build the pools and shapes for ``values`` (one column of real values)."""
        present = values.dropna().astype(str)
        digest = hashlib.sha256("\x00".join(sorted(present.unique())).encode("utf-8")).digest()
        fake = faker_instance(locale, int(np.random.default_rng([seed, int.from_bytes(digest[:8], "little")]).integers(2**62)))
        banned = _words(present)
        maker = cls(pii)
        if pii in ("person_name", "email"):
            maker.pools = {"first": _pool(fake.first_name, banned), "last": _pool(fake.last_name, banned)}
            if pii == "email":  # mailbox names: ASCII, lower case
                maker.pools = {k: _ascii_pool(v) for k, v in maker.pools.items()}
        elif pii in ("phone", "national_id"):
            shapes = _shape(present, letters=pii == "national_id").value_counts()
            kept = shapes[shapes >= 2].head(MAX_SHAPES)
            if kept.empty:  # every value laid out differently: the locale's own format
                make = fake.phone_number if pii == "phone" else fake.ssn
                kept = _shape(pd.Series([make() for _ in range(200)]), letters=pii == "national_id").value_counts().head(MAX_SHAPES)
            maker.shapes = kept.index.tolist()
            maker.shape_weights = (kept / kept.sum()).round(6).tolist()
        elif pii == "address":
            maker.pools = {"street": _pool(fake.street_name, banned), "city": _pool(fake.city, banned),
                           "postcode": _pool(fake.postcode, banned, draws=300)}
            maker.multiline = bool(present.str.contains("\n").mean() >= 0.5)
        elif pii == "free_text":
            counts = present.str.count(r"\S+")
            maker.words = (float(counts.mean()), float(counts.std(ddof=0)) if len(counts) > 1 else 0.0)
            # common words may be shared with the real texts; names found in them may not
            maker.pools = {"word": _pool(fake.word, banned & (known_names() or frozenset()))}
        else:
            raise ConfigError(f"unknown identifier type {pii!r}")
        if any(len(pool) == 0 for pool in maker.pools.values()):
            raise ConfigError(f"could not draw fakes of type {pii} that share no word with the data; "
                              "try another pii_locale")
        return maker

    def make(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` fakes (object array of str)."""
        pools = {k: np.asarray(v, dtype=object) for k, v in self.pools.items()}

        def pick(name: str) -> np.ndarray:
            return pools[name][rng.integers(0, len(pools[name]), size=n)]

        if self.pii == "person_name":
            return _join(pick("first"), np.full(n, " "), pick("last"))
        if self.pii == "email":
            first, last = pick("first"), pick("last")
            style = rng.integers(0, 3, size=n)
            sep = np.where(style == 0, ".", np.where(style == 1, "_", ""))
            number = np.where(style == 2, rng.integers(1, 100, size=n).astype(str), "")
            domain = np.asarray(RESERVED_DOMAINS, dtype=object)[rng.integers(0, len(RESERVED_DOMAINS), size=n)]
            return _join(first, sep, last, number, np.full(n, "@"), domain)
        if self.pii in ("phone", "national_id"):
            chosen = np.asarray(self.shapes, dtype=object)[rng.choice(len(self.shapes), size=n, p=self._weights())]
            return _fill_shapes(chosen.astype(str), rng)
        if self.pii == "address":
            number = rng.integers(1, 10_000, size=n).astype(str)
            if self.multiline:
                return _join(number, np.full(n, " "), pick("street"), np.full(n, "\n"), pick("city"), np.full(n, " "),
                             pick("postcode"))
            return _join(number, np.full(n, " "), pick("street"), np.full(n, ", "), pick("city"))
        # free text: a sentence of rng-drawn length from the word pool, capitalised, with a full stop
        mean, spread = self.words
        lengths = np.clip(np.rint(rng.normal(mean, max(spread, 1.0), size=n)), 1, 200).astype(np.int64)
        width = int(lengths.max()) if n else 1
        words = pools["word"][rng.integers(0, len(pools["word"]), size=(n, width))]
        words[np.arange(width)[None, :] >= lengths[:, None]] = ""
        text = _join(*[np.char.add(words[:, j].astype(str), np.where(j < lengths - 1, " ", ""))
                       for j in range(width)])  # a loop over word positions, vectorised over rows
        return (pd.Series(text, dtype=object).str.capitalize() + ".").to_numpy(dtype=object)

    def _weights(self) -> np.ndarray:
        w = np.asarray(self.shape_weights, dtype=np.float64)
        return w / w.sum()

    def get_state(self) -> dict[str, Any]:
        """JSON-safe state (pools of fakes and shapes: nothing read from the data's values)."""
        return {"pii": self.pii, "pools": self.pools, "shapes": self.shapes, "shape_weights": self.shape_weights,
                "words": list(self.words), "multiline": self.multiline}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "FakeMaker":
        """Rebuild from :meth:`get_state` output."""
        return cls(str(state["pii"]), {k: [str(x) for x in v] for k, v in state["pools"].items()},
                   [str(s) for s in state["shapes"]], [float(w) for w in state["shape_weights"]],
                   (float(state["words"][0]), float(state["words"][1])), bool(state["multiline"]))
