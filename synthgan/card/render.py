"""The data card as one self-contained HTML page (no scripts, no external files)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["render_card"]


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_card(card: dict[str, Any], *, title: str | None = None) -> str:
    """The HTML text of ``card`` (what :func:`synthgan.card.build.build_card` returned)."""
    import jinja2

    source = resources.files("synthgan.reports").joinpath("templates/card.html.j2").read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    families = ("fidelity", "detection", "diversity", "privacy", "utility", "fairness")
    return env.from_string(source).render(card=card, title=title or f"Data card: {card['source']['name']}",
                                          families=families, fmt=_fmt)
