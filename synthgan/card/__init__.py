"""Data cards: what was done to make a synthetic table, and how it scored (JSON + self-contained HTML)."""

from synthgan.card.build import CARD_VERSION, build_card
from synthgan.card.render import render_card
from synthgan.card.run import make_card

__all__ = ["CARD_VERSION", "build_card", "make_card", "render_card"]
