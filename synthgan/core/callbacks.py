"""Training callbacks: hooks the training loop calls at the start, after each epoch and at the end.

A callback sees the model and the epoch's logs (a dict of floats, converted from
the device once per epoch); returning True from :meth:`Callback.on_epoch_end`
asks the loop to stop after that epoch.
"""

from __future__ import annotations

import math
from typing import Any


class Callback:
    """Base class: override the hooks you need; every hook is a no-op by default."""

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        """Called once before the first epoch with the number of epochs planned."""

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        """Called after each epoch (1-based ``epoch``); return True to stop training."""
        return False

    def on_train_end(self, model: Any) -> None:
        """Called once after the last epoch (also after an early stop)."""


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "   -   "
    return f"{value:+.3f}"


class RichProgress(Callback):
    """A rich progress bar on stderr: epoch i/N, generator and critic losses, elapsed and ETA.

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw; default a console on stderr. Pass
        ``Console(file=io.StringIO())`` to keep it quiet (tests, logs).
    transient : bool, default=False
        Remove the bar when training ends.
    """

    def __init__(self, console: Any = None, transient: bool = False) -> None:
        self.console = console
        self.transient = transient
        self._progress = None
        self._task = None

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        console = self.console if self.console is not None else Console(stderr=True)
        self._progress = Progress(
            TextColumn(f"[bold]{getattr(model, 'name', 'model')}[/] epoch"),
            MofNCompleteColumn(),
            BarColumn(),
            TextColumn("{task.fields[losses]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=self.transient,
        )
        self._progress.start()
        self._task = self._progress.add_task("train", total=total_epochs, losses="")

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        if self._progress is not None:
            if "generator_loss" in logs or "critic_loss" in logs:
                losses = f"G {_fmt(logs.get('generator_loss'))}  C {_fmt(logs.get('critic_loss'))}"
            else:
                losses = f"loss {_fmt(logs.get('loss'))}"
            self._progress.update(self._task, completed=epoch, losses=losses)
        return False

    def on_train_end(self, model: Any) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
