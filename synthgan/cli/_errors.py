"""One place that turns library errors into one-line messages and exit codes.

Every command registered on the app (including sub-apps added by other modules)
is wrapped, so a :class:`~synthgan.errors.SynthganError` prints ``error: ...`` and
exits with code 2, Ctrl-C prints one line and exits with 130, and a
:class:`~synthgan.errors.DataWarning` prints ``warning: ...`` as it happens.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import typer

from synthgan.errors import DataWarning, SynthganError

USAGE_ERROR = 2
INTERRUPTED = 130


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ARG001
    prefix = "warning" if issubclass(category, DataWarning) else category.__name__
    typer.echo(f"{prefix}: {message}", err=True)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a command so library errors become one-line messages, never tracebacks."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", DataWarning)
            warnings.showwarning = _show_warning
            try:
                return func(*args, **kwargs)
            except SynthganError as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(USAGE_ERROR) from None
            except KeyboardInterrupt:
                typer.echo("interrupted: nothing was written", err=True)
                raise typer.Exit(INTERRUPTED) from None

    return wrapper


def wrap_all_commands(app: typer.Typer) -> None:
    """Apply :func:`handle_errors` to every command of ``app`` and its sub-apps, once."""
    for command in app.registered_commands:
        if command.callback is not None and not getattr(command.callback, "_synthgan_wrapped", False):
            command.callback = handle_errors(command.callback)
            command.callback._synthgan_wrapped = True  # type: ignore[attr-defined]
    for group in app.registered_groups:
        if group.typer_instance is not None:
            wrap_all_commands(group.typer_instance)
