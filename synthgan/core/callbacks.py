"""Training callbacks: hooks the training loop calls at the start, after each epoch and at the end.

A callback sees the model and the epoch's logs (a dict of floats, converted from
the device once per epoch); returning True from :meth:`Callback.on_epoch_end`
asks the loop to stop after that epoch.
"""

from __future__ import annotations

import math
import time
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

    def deadline(self) -> float | None:
        """A ``time.perf_counter()`` value after which training must stop, even within an epoch; None: no limit.

        Asked once, after :meth:`on_train_begin`. The loop reads the clock between steps
        (no device sync); an epoch cut short is logged and passed to ``on_epoch_end`` as
        usual, then training stops.
        """
        return None


class TimeLimit(Callback):
    """Stop training ``seconds`` after it began (the loop checks between steps, mid-epoch if need be).

    ``stopped_`` says whether it stopped the fit.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stopped_ = False

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        self._started = time.perf_counter()

    def deadline(self) -> float | None:
        return self._started + self.seconds

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        self.stopped_ = time.perf_counter() >= self.deadline()
        return self.stopped_


def _fmt(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "   -   "
    return f"{value:+.3f}"


class RichProgress(Callback):
    """Progress on stderr: epoch i/N, generator and critic losses, elapsed time (and ETA).

    On a terminal, a rich progress bar. When the console is not a terminal (a log file,
    a pipe, CI), plain lines instead, one every ``every_epochs`` epochs or
    ``every_seconds`` seconds (and for the first and last epoch), e.g.
    ``ctgan epoch 12/61  G -0.550  C +0.060  41 s``.

    Parameters
    ----------
    console : rich.console.Console, optional
        Where to draw; default a console on stderr. Pass
        ``Console(file=io.StringIO())`` to keep it quiet (tests, logs).
    transient : bool, default=False
        Remove the bar when training ends.
    every_epochs : int, optional
        Plain lines: epochs between lines (default: about 20 lines per fit).
    every_seconds : float, default=30.0
        Plain lines: also a line whenever this many seconds passed since the last one.
    """

    def __init__(self, console: Any = None, transient: bool = False, every_epochs: int | None = None,
                 every_seconds: float = 30.0) -> None:
        self.console = console
        self.transient = transient
        self.every_epochs = every_epochs
        self.every_seconds = every_seconds
        self._progress = None
        self._task = None
        self._plain = None

    def on_train_begin(self, model: Any, total_epochs: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        console = self.console if self.console is not None else Console(stderr=True)
        name = getattr(model, "name", "model")
        if not console.is_terminal:
            every = self.every_epochs or max(1, math.ceil(total_epochs / 20))
            now = time.perf_counter()
            self._plain = {"console": console, "name": name, "total": total_epochs, "every": every,
                           "started": now, "last": now, "shown": 0, "pending": None}
            return
        self._progress = Progress(
            TextColumn(f"[bold]{name}[/] epoch"),
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

    @staticmethod
    def _losses(logs: dict[str, float]) -> str:
        if "generator_loss" in logs or "critic_loss" in logs:
            return f"G {_fmt(logs.get('generator_loss'))}  C {_fmt(logs.get('critic_loss'))}"
        return f"loss {_fmt(logs.get('loss'))}"

    def _line(self, epoch: int, losses: str) -> None:
        plain = self._plain
        elapsed = time.perf_counter() - plain["started"]
        plain["console"].print(f"{plain['name']} epoch {epoch}/{plain['total']}  {losses}  {elapsed:.0f} s",
                               markup=False, highlight=False, soft_wrap=True)
        plain["last"], plain["shown"], plain["pending"] = time.perf_counter(), epoch, None

    def on_epoch_end(self, model: Any, epoch: int, logs: dict[str, float]) -> bool:
        losses = self._losses(logs)
        if self._plain is not None:
            plain = self._plain
            due = (epoch == 1 or epoch % plain["every"] == 0 or epoch >= plain["total"]
                   or time.perf_counter() - plain["last"] >= self.every_seconds)
            if due:
                self._line(epoch, losses)
            else:
                plain["pending"] = (epoch, losses)
        elif self._progress is not None:
            self._progress.update(self._task, completed=epoch, losses=losses)
        return False

    def on_train_end(self, model: Any) -> None:
        if self._plain is not None:
            if self._plain["pending"] is not None:  # stopped early: say where
                self._line(*self._plain["pending"])
            self._plain = None
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
