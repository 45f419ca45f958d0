"""`synthgan card`: build a data card from a model file and its real table, write JSON and HTML."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from synthgan.errors import ConfigError
from synthgan.io.tables import as_table

__all__ = ["make_card"]


def _model(model: Any):
    from synthgan.tabular.synthesizer import Synthesizer

    if isinstance(model, Synthesizer):
        return model
    if not isinstance(model, (str, os.PathLike)):
        raise ConfigError(f"model must be a fitted Synthesizer or a model file path, got {type(model).__name__}")
    from synthgan.core.files import load

    loaded = load(model)
    if not isinstance(loaded, Synthesizer):
        raise ConfigError(f"'{model}' is not a table model; data cards describe table models (fit one with `synthgan fit`)")
    return loaded


def make_card(model: Any, data: Any, *, synthetic: Any = None, holdout: Any = None, target: str | None = None,
              sensitive: str | list[str] | None = None, n: int | None = None, seed: int = 0,
              intended_use: list[str] | None = None, limits: list[str] | None = None,
              json_path: str | os.PathLike | None = None, html_path: str | os.PathLike | None = None,
              title: str | None = None) -> dict[str, Any]:
    """Build the data card of a table model and, with paths, write it as JSON and as HTML.

    Parameters
    ----------
    model : Synthesizer, str or PathLike
        A fitted table model or its model file.
    data : DataFrame, str or PathLike
        The real table the model was fitted on (a file is hashed byte for byte).
    synthetic : DataFrame, str or PathLike, optional
        Synthetic rows to judge; default: ``n`` rows sampled from the model with ``seed``.
    holdout : DataFrame, str or PathLike, optional
        Real rows the model never saw; privacy is judged against them.
    target, sensitive : optional
        Target for utility and fairness, sensitive columns for fairness and attribute inference.
    n : int, optional
        Rows to sample when ``synthetic`` is not given (default: as many as ``data`` has).
    seed : int, default=0
        Seed of the sample and of the evaluation.
    intended_use, limits : list of str, optional
        Sentences added to the card's own.
    json_path, html_path : str or PathLike, optional
        Where to write the card (checked before any work; written atomically).
    title : str, optional
        Title of the HTML page.

    Returns
    -------
    dict
        The card (see :func:`synthgan.card.build.build_card`).
    """
    from synthgan.card.build import build_card
    from synthgan.card.render import render_card
    from synthgan.evaluation import evaluate
    from synthgan.io.atomic import atomic_path, check_output_path

    for path, what in ((json_path, "card JSON"), (html_path, "card HTML")):
        if path is not None:
            check_output_path(path, what=what)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n <= 0):
        raise ConfigError(f"n must be a positive number of rows, got {n!r}")
    syn = _model(model)
    real = as_table(data, "data")
    missing = [c for c in syn.schema_.names if c not in real.columns]
    if missing:
        raise ConfigError(f"the data has no column {missing[0]!r} of the model's schema; pass the table the model was fitted on")
    if synthetic is None:
        rows = n or len(real)
        fake = syn.sample(rows, seed=seed)
        source = f"sampled from the model, seed {seed}"
    else:
        fake = as_table(synthetic, "synthetic")
        source = Path(synthetic).name if isinstance(synthetic, (str, os.PathLike)) else "DataFrame"
    held = None if holdout is None else as_table(holdout, "holdout")
    sensitive_list = [sensitive] if isinstance(sensitive, str) else list(sensitive or [])
    result = evaluate(real[syn.schema_.names], fake[syn.schema_.names], holdout=None if held is None else held[syn.schema_.names],
                      target=target, sensitive=sensitive_list or None, seed=seed)
    card = build_card(syn, data, real, result, synthetic_rows=len(fake), holdout_given=held is not None,
                      synthetic_source=source, intended_use=intended_use, limits=limits, target=target,
                      sensitive=sensitive_list)
    texts = {}  # both rendered before either is written
    if json_path is not None:
        texts[json_path] = json.dumps(card, indent=2, ensure_ascii=False, default=str) + "\n"
    if html_path is not None:
        texts[html_path] = render_card(card, title=title)
    for path, text in texts.items():
        with atomic_path(path, what="data card") as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
    return card
