"""Exponential moving average of a network's weights (sampling from the average is smoother)."""

from __future__ import annotations

import torch
from torch import nn


class WeightAverage:
    """Keep ``average = decay * average + (1 - decay) * current`` for parameters and float buffers.

    The average lives in ``shadow``, a second instance of the same architecture;
    :meth:`update` is one fused device op per call (no host sync). The decay warms
    up as ``min(decay, (1 + t) / (10 + t))`` at update ``t``, so that short runs are
    not dominated by the random initial weights.
    """

    def __init__(self, module: nn.Module, shadow: nn.Module, decay: float) -> None:
        shadow.load_state_dict(module.state_dict())
        self.shadow = shadow.requires_grad_(False)
        self.decay = decay
        self.updates = 0
        self._source = self._float_tensors(module)
        self._target = self._float_tensors(shadow)

    @staticmethod
    def _float_tensors(module: nn.Module) -> list[torch.Tensor]:
        tensors = list(module.parameters()) + [b for b in module.buffers() if b.is_floating_point()]
        return [t.detach() for t in tensors]

    def update(self) -> None:
        decay = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        self.updates += 1
        torch._foreach_lerp_(self._target, self._source, 1.0 - decay)
