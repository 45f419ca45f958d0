"""Placing the transformers' output blocks into the encoded matrix, and reading them back fast.

Each transformer declares the :class:`~synthgan.tabular.transforms.base.SpanShape`
of every block it outputs; :func:`build_layout` places them side by side, in
transformer order, as the :class:`~synthgan.tabular.layout.Span` entries of a
:class:`~synthgan.tabular.layout.Layout`, and marks the condition spans.
:func:`one_hot_codes` reads the category of every softmax span of exact one-hot
rows in one matrix product.
"""

from __future__ import annotations

import numpy as np

from synthgan.tabular.layout import Layout, Span
from synthgan.tabular.transforms.base import ColumnTransformer


def build_layout(transformers: dict[str, ColumnTransformer], encoding: str) -> Layout:
    """The layout of the matrix the fitted ``transformers`` encode into.

    Parameters
    ----------
    transformers : dict of str to ColumnTransformer
        Fitted transformers by column, in encoding order.
    encoding : {"mode_specific", "ordinal", "binned"}

    Returns
    -------
    Layout
        Condition spans are the categorical spans of either encoding: native
        conditions use the mode-specific ones, rejection sampling only needs the
        value check both provide.
    """
    spans, pos = [], 0
    for name, t in transformers.items():
        for shape in t.spans():
            spans.append(Span(name, pos, pos + shape.width, shape.activation, shape.role, shape.n_categories))
            pos += shape.width
    conditions = tuple(i for i, s in enumerate(spans) if s.role == "category" or (s.role == "ordinal" and s.n_categories))
    return Layout(tuple(spans), conditions, encoding)


def one_hot_codes(X: np.ndarray, layout: Layout) -> list[np.ndarray]:
    """Category of every row in each softmax span (layout order) of one-hot ``X``.

    ``X @ M`` with ``M[start + j, k] = j`` on span ``k``'s columns: one BLAS call
    reads every span at once, exactly (small integers are exact in float32).

    Parameters
    ----------
    X : numpy.ndarray of shape (n_rows, layout.width)
        Exact one-hot rows in every softmax span.
    layout : Layout

    Returns
    -------
    list of numpy.ndarray
        One int64 array of codes in ``[0, span.width)`` per softmax span.
    """
    soft = [s for s in layout.spans if s.activation == "softmax"]
    if not soft:
        return []
    weights = np.zeros((layout.width, len(soft)), dtype=np.float32)
    for k, s in enumerate(soft):  # once per span, not per row
        weights[s.start : s.end, k] = np.arange(s.width)
    found = np.rint(X @ weights).astype(np.int64)
    return [np.clip(found[:, k], 0, s.width - 1) for k, s in enumerate(soft)]
