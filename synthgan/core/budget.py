"""The one rule for how long a model trains by default: optimiser steps, turned into epochs.

Every trainable model declares a :class:`Budget`; the trainer and the augmentation
experiment both turn it into epochs with :meth:`Budget.epochs`, so a default fit and an
experiment arm never disagree on what "about 3,000 steps" means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """About ``max(target_steps, steps_per_row x rows)`` optimiser steps, at most ``max_steps``.

    Larger tables hold more structure to fit, so the step count may grow with the rows
    (``steps_per_row``); epochs are then clipped to ``[min_epochs, max_epochs]``, so small
    tables get many cheap epochs and large ones few expensive ones.
    """

    target_steps: int
    steps_per_row: float = 0.0
    max_steps: int | None = None
    min_epochs: int = 5
    max_epochs: int = 300

    def steps(self, n_rows: int) -> int:
        """Optimiser steps the budget asks for on a table of ``n_rows`` rows."""
        steps = max(self.target_steps, self.steps_per_row * n_rows)
        return int(min(steps, self.max_steps) if self.max_steps is not None else steps)

    def epochs(self, n_rows: int, batch_size: int) -> int:
        """Epochs of ``n_rows // batch_size`` steps (the trainer's epoch) that reach :meth:`steps`."""
        steps_per_epoch = max(n_rows // batch_size, 1)
        return int(min(max(math.ceil(self.steps(n_rows) / steps_per_epoch), self.min_epochs), self.max_epochs))

    def to_dict(self) -> dict:
        return {"target_steps": self.target_steps, "steps_per_row": self.steps_per_row, "max_steps": self.max_steps,
                "min_epochs": self.min_epochs, "max_epochs": self.max_epochs}
