"""The verbs' sequence half: fit a :class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer` and sample paths.

:func:`synthgan.verbs.fit` hands a request with a ``time_column`` to :func:`fit_series`, and
:func:`synthgan.verbs.sample` hands a sequence model to :func:`sample_paths`; the option checks
that only concern series live here too. Like every verb, these check options and output
paths before reading a table or training anything, so bad input writes nothing.

Tables in memory or in files are read with :func:`synthgan.io.tables.as_table`, as every verb does.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from synthgan.errors import ConfigError
from synthgan.io.tables import as_table

if TYPE_CHECKING:
    import pandas as pd

    from synthgan.timeseries.synthesizer import SeriesSynthesizer

__all__ = ["check_sequence_model", "fit_series", "refuse_series_options", "sample_paths"]

#: table-fit options a series fit refuses (for now)
NOT_FOR_SERIES = ("schema", "patience", "validation_every", "checkpoint_every", "checkpoint")


def refuse_series_options(*, entity: Any = None, columns: Any = None, returns: Any = None) -> None:
    """Raise :class:`ConfigError` when options that describe series come without a time column."""
    given = [f"{name} (--{name})" for name, value in (("entity", entity), ("columns", columns), ("returns", returns))
             if value is not None]
    if given:
        raise ConfigError(f"{', '.join(given)} {'describes' if len(given) == 1 else 'describe'} series: name the time column "
                          "too (time_column=, --time-column), or drop it to learn a table")


def check_sequence_model(model: str) -> None:
    """Unknown model names, and models of another kind of data, fail before anything is read."""
    from synthgan.core.registry import get_model_class, names_help

    found = get_model_class(model).capabilities.kind
    if found != "sequence":
        raise ConfigError(f"{model} learns {found} data, not series: with --time-column choose one of {names_help('sequence')}")


def fit_series(data: Any, *, model: str | None = None, output: str | os.PathLike | None = None,
               callbacks: list | None = None, resume: bool = False, stream: bool = False,
               distributed: bool | None = None, **options: Any) -> SeriesSynthesizer:
    """Fit a SeriesSynthesizer on long-format ``data`` and, with ``output``, save it (see :func:`synthgan.verbs.fit`).

    Parameters
    ----------
    data : DataFrame, str or PathLike
        Long-format series, or their file.
    model : str, optional
        A registered sequence model (default
        :data:`~synthgan.timeseries.synthesizer.DEFAULT_SEQUENCE_MODEL`).
    output : str or PathLike, optional
        Model file to write (checked before the table is read).
    callbacks : list, optional
        Training callbacks of a trainable model.
    resume, stream, distributed
        Refused (with the options of :data:`NOT_FOR_SERIES`): not supported for series yet.
    **options
        :class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer` arguments (``time_column``,
        ``entity``, ``columns``, ``returns``, ``epochs``, ``seed``, model options, ...).

    Returns
    -------
    SeriesSynthesizer
    """
    from synthgan.core import distributed as dist
    from synthgan.io.atomic import check_output_path
    from synthgan.timeseries.synthesizer import DEFAULT_SEQUENCE_MODEL, SeriesSynthesizer

    asked = [f"{name} (--{name.replace('_', '-')})" for name in NOT_FOR_SERIES if options.pop(name, None) is not None]
    asked += [f"{name} (--{name})" for name, value in (("resume", resume), ("stream", stream)) if value]
    if dist.launched() if distributed is None else distributed:
        asked.append("distributed training (torchrun)")
    if asked:
        raise ConfigError(f"{', '.join(asked)} {'is' if len(asked) == 1 else 'are'} not supported for series "
                          "(--time-column) yet; drop it and fit again")
    if options.get("batch_size", 0) is None:  # a model option of trainable sequence models, when given
        del options["batch_size"]
    model = DEFAULT_SEQUENCE_MODEL if model is None else model
    check_sequence_model(model)
    if output is not None:
        check_output_path(output, what="model file")
    syn = SeriesSynthesizer(model, **options).fit(as_table(data, "data"), callbacks=callbacks)
    if output is not None:
        syn.save(output)
    return syn


def sample_paths(syn: SeriesSynthesizer, paths: int | None, length: int | None = None, *, n: int | None = None,
                 conditions: dict[str, Any] | None = None, seed: int | None = None,
                 output: str | os.PathLike | None = None, where: str = "this is") -> pd.DataFrame:
    """Sample ``paths`` paths of ``length`` steps from a sequence model and, with ``output``, write them.

    Parameters
    ----------
    syn : SeriesSynthesizer
        A fitted (or loaded) synthesizer.
    paths, length : int
        Number of paths (> 0) and steps per path (default: the training length).
    n : int, optional
        Refused: a sequence model generates paths, not rows (the message says so).
    conditions, seed
        As :meth:`~synthgan.timeseries.synthesizer.SeriesSynthesizer.sample`.
    output : str or PathLike, optional
        Table to write (checked by the caller before the model was loaded).
    where : str, default="this is"
        How messages name the model (``"'m.synthgan' holds"``).

    Returns
    -------
    pandas.DataFrame
        The paths in long format (also when written).
    """
    if n is not None:
        raise ConfigError(f"{where} a sequence model, which generates whole paths: ask for --paths N --length L "
                          "(paths=, length=) instead of -n")
    if paths is None:
        raise ConfigError(f"{where} a sequence model: say how many paths to generate with --paths N (paths=), "
                          "and their steps with --length L (default: the training length)")
    frame = syn.sample(paths, length, seed=seed, conditions=conditions)
    if output is not None:
        from synthgan.io.tables import write_table

        write_table(frame, output)
    return frame
