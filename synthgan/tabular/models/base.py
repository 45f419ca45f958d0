"""What the table models share on top of :class:`~synthgan.core.model.BaseModel`: the layout.

A table model learns from :class:`~synthgan.core.encoded.EncodedData` with only a static
part, described by a :class:`~synthgan.tabular.layout.Layout`; for convenience ``fit``
also takes the encoded matrix and its layout as two arguments.
"""

from __future__ import annotations

from typing import Any

from synthgan.core.encoded import EncodedData
from synthgan.errors import ConfigError, check_is_fitted
from synthgan.tabular.layout import Layout


def table_input(data: Any, layout: Layout | None, *, model: str) -> tuple[Any, Layout]:
    """``(matrix, layout)`` from ``fit(EncodedData)`` or ``fit(matrix, layout)``."""
    if isinstance(data, EncodedData):
        if not data.is_static_only:
            raise ConfigError(f"{model} learns tables; it cannot learn data with a temporal part (use a sequence model)")
        return data.static, data.static_spec if layout is None else layout
    return data, layout


def as_layout(spec: Layout | dict, *, model: str) -> Layout:
    """The layout saved by :meth:`TableModelMixin.data_spec` (or a Layout as it is)."""
    if isinstance(spec, Layout):
        return spec
    if not isinstance(spec, dict):
        raise ConfigError(f"{model}: expected the saved layout (a dict), got {type(spec).__name__}")
    return Layout.from_dict(spec)


class TableModelMixin:
    """``data_spec`` for models whose fitted state includes ``layout_``."""

    layout_: Layout | None = None

    def data_spec(self) -> dict[str, Any]:
        """The fitted layout as a dict (given back to ``from_state``)."""
        check_is_fitted(self, "layout_")
        return self.layout_.to_dict()


