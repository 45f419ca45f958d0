"""The table models' neural base: a table is the static-only case of the core's data contract."""

from __future__ import annotations

from typing import Any

import torch

from synthgan.core.encoded import EncodedData, static_table
from synthgan.core.neural import NeuralModel
from synthgan.tabular.layout import Layout
from synthgan.tabular.models.base import TableModelMixin, as_layout, table_input
from synthgan.tabular.models.inputs import check_encoded


class TableNeuralModel(TableModelMixin, NeuralModel):
    """A neural model over one encoded table: the static-only case of the core's data contract.

    ``layout_`` is the core's ``spec_``; ``fit`` takes EncodedData or ``(matrix, layout)``.
    """

    @property
    def layout_(self) -> Layout | None:  # type: ignore[override]
        return getattr(self, "spec_", None)

    def _check_data(self, data: Any, spec: Any) -> tuple[EncodedData, Layout]:
        matrix, layout = table_input(data, spec, model=self.name)
        x = check_encoded(matrix, layout, model=self.name, encoding=self.capabilities.encoding)
        return static_table(x, layout), layout

    def _tensors(self, data: EncodedData) -> dict[str, torch.Tensor]:
        return {"static": torch.as_tensor(data.static, device=self._device)}

    def _restore_spec(self, spec: Any) -> Layout:
        return as_layout(spec, model=self.name)

    def _sample_shape(self) -> tuple[int, ...]:
        return (self.layout_.width,)
