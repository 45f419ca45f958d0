"""The verbs: fit, sample, evaluate, report and augment, each one whole task from tables or files to results.

The command line only parses options, calls a verb and prints what it returns; a
notebook or a server calls the same functions. Tables may be pandas DataFrames or
files (CSV, optionally gzipped, TSV or Parquet); models may be fitted
:class:`~synthgan.tabular.synthesizer.Synthesizer` objects or model files. With a
``time_column``, :func:`fit` learns long-format series instead
(:class:`~synthgan.timeseries.synthesizer.SeriesSynthesizer`), and :func:`sample` draws
paths from such a model. Every verb
checks its output paths before it reads or trains anything, and writes atomically,
so bad input writes nothing.

>>> import synthgan                                                        # doctest: +SKIP
>>> syn = synthgan.fit("adult.csv", model="copula", output="model.synthgan")  # doctest: +SKIP
>>> synthgan.sample("model.synthgan", 1000, seed=1, output="synth.csv")     # doctest: +SKIP
>>> synthgan.fit("sp500.csv", time_column="Date", columns="Close", returns="log", output="sp.synthgan")  # doctest: +SKIP
>>> synthgan.sample("sp.synthgan", paths=200, length=2520, seed=1, output="paths.parquet")  # doctest: +SKIP
>>> synthgan.evaluate("adult.csv", "synth.csv", html_path="report.html")    # doctest: +SKIP
>>> synthgan.verbs.evaluate_series("sp500.csv", "paths.parquet", time_column="Date", columns="Close",
...                                returns="log", split_date="2011-01-01", html_path="ts.html")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from synthgan.tabular import DEFAULT_TABLE_MODEL

if TYPE_CHECKING:
    import pandas as pd

    from synthgan.evaluation.suite import EvaluationResult
    from synthgan.tabular.synthesizer import Synthesizer
    from synthgan.timeseries.synthesizer import SeriesSynthesizer

TableLike = Union["pd.DataFrame", str, os.PathLike]
ModelLike = Union["Synthesizer", "SeriesSynthesizer", str, os.PathLike]

__all__ = ["fit", "sample", "sample_shards", "evaluate", "evaluate_series", "report", "augment", "WrittenTable",
           "Augmented"]


@dataclass(frozen=True)
class WrittenTable:
    """A table a verb wrote: where, how many rows, and the seconds generating and writing took."""

    path: Path
    rows: int
    seconds: float


@dataclass(frozen=True)
class Augmented:
    """What :func:`augment` made: the real rows then the synthetic ones, and what was added.

    Attributes
    ----------
    table : pandas.DataFrame
    added : dict
        Synthetic rows per ``{column: {value: rows}}``.
    real_rows : int
    path : Path or None
        Where ``table`` was written, if it was.
    """

    table: pd.DataFrame
    added: dict[str, dict[Any, int]]
    real_rows: int
    path: Path | None = None


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def _table(data: TableLike, what: str) -> pd.DataFrame:
    from synthgan.io.tables import as_table

    return as_table(data, what)


def _check_outputs(*paths: tuple[str | os.PathLike | None, str]) -> None:
    from synthgan.io.atomic import check_output_path
    from synthgan.io.tables import check_table_output

    for path, what in paths:
        if path is not None:  # fail before minutes of work, not after
            (check_table_output if what == "table" else check_output_path)(path, what=what)


def _synthesizer(model: ModelLike, *, series: bool = False) -> Synthesizer | SeriesSynthesizer:
    """A Synthesizer as it is, or the one a model file holds (with ``series``, a SeriesSynthesizer too)."""
    from synthgan.errors import ConfigError
    from synthgan.tabular.synthesizer import Synthesizer
    from synthgan.timeseries.synthesizer import SeriesSynthesizer

    loaded = model
    if _is_path(model):
        from synthgan.core.files import load

        loaded = load(model)
    elif not isinstance(model, (Synthesizer, SeriesSynthesizer)):
        raise ConfigError(f"model must be a fitted Synthesizer or a model file path, got {type(model).__name__}")
    if isinstance(loaded, Synthesizer) or (series and isinstance(loaded, SeriesSynthesizer)):
        return loaded
    if isinstance(loaded, SeriesSynthesizer):
        where = f"'{model}' holds" if _is_path(model) else "this is"
        raise ConfigError(f"{where} a sequence model (fitted with a time column): it generates paths, not table rows; "
                          "sample it with `synthgan sample MODEL --paths N --length L`")
    from synthgan.anomaly.detector import AnomalyDetector
    from synthgan.images.synthesizer import ImageSynthesizer

    if isinstance(loaded, ImageSynthesizer):
        raise ConfigError(f"'{model}' holds an image model: it generates images, not table rows; sample it with "
                          "`synthgan sample MODEL -n N -o images.npz` (or a folder, or --grid grid.png)")
    if isinstance(loaded, AnomalyDetector):
        raise ConfigError(f"'{model}' holds an anomaly detector: it scores rows, it does not generate them; "
                          "use `synthgan anomaly score MODEL DATA` (synthgan.verbs.anomaly_score)")
    from synthgan.images.translate.model import ImageTranslator

    if isinstance(loaded, ImageTranslator):
        raise ConfigError(f"'{model}' holds an image translator: it translates images, it does not generate table rows; "
                          "use `synthgan translate apply MODEL IMAGES -o OUT.npz`")
    raise ConfigError(f"'{model}' holds a bare {loaded.capabilities.kind} model, not a table Synthesizer; "
                      "load it with synthgan.load and call its sample() for encoded rows")


def _title(prefix: str, first: Any, second: Any, joint: str) -> str | None:
    if _is_path(first) and _is_path(second):
        return f"{prefix}: {Path(first).name} {joint} {Path(second).name}"
    return None


def fit(data: TableLike, *, model: str | None = None, output: str | os.PathLike | None = None, resume: bool = False,
        callbacks: list | None = None, distributed: bool | None = None, stream: bool = False,
        time_column: str | None = None, entity: str | None = None, columns: str | list[str] | None = None,
        returns: str | None = None, **options: Any) -> Synthesizer | SeriesSynthesizer:
    """Fit a synthesizer on a table (or, with ``time_column``, on series) and, with ``output``, save it.

    Parameters
    ----------
    data : DataFrame, str or PathLike
        The training table, or its file. An ``.npz`` archive or a folder of images (or an
        ImageSet or array) learns images instead (:func:`synthgan.images.run.fit_images`).
    model : str, optional
        A registered table model (:func:`synthgan.core.registry.available_models`; default
        :data:`synthgan.tabular.DEFAULT_TABLE_MODEL`), or with ``time_column`` a sequence model (default
        :data:`~synthgan.timeseries.synthesizer.DEFAULT_SEQUENCE_MODEL`).
    output : str or PathLike, optional
        Model file to write (checked before the table is read).
    resume : bool, default=False
        Continue an interrupted fit from its checkpoint (default path with ``output``:
        ``<output>.ckpt``).
    callbacks : list, optional
        Training callbacks (see :mod:`synthgan.core.callbacks`).
    distributed : bool, optional
        Data parallel training over the ranks torchrun started (see
        :mod:`synthgan.core.distributed`); ``None``: when launched by torchrun
        (``WORLD_SIZE`` > 1). Joins the process group if needed (and leaves it again),
        trains every rank on its part of the rows; rank 0 alone shows progress and
        writes ``output``, the others wait for it.
    stream : bool, default=False
        ``data`` is a Parquet file or folder larger than memory: fit it out of core
        (:meth:`~synthgan.tabular.synthesizer.Synthesizer.fit_stream`), in memory
        independent of its rows. Not with ``resume`` or under torchrun.
    time_column, entity, columns, returns : optional
        Learn long-format series instead (:func:`synthgan.timeseries.run.fit_series`, which
        says what it refuses): the time column, the entity key column, the value columns (a
        list or a comma-separated string) and ``"log"`` or ``"simple"`` returns for price columns.
    **options
        :class:`~synthgan.tabular.synthesizer.Synthesizer` arguments (``epochs``, ``seed``,
        ``schema``, ``patience``, ``checkpoint_every``, model options, ...), or the
        SeriesSynthesizer's (``epochs``, ``max_time``, ``seed``, ``verbose``, ``device``, model options).

    Returns
    -------
    Synthesizer or SeriesSynthesizer
        The fitted synthesizer.

    Raises
    ------
    ConfigError
        Unknown model or bad option; InputFileError, DataValidationError and SchemaError
        for tables that cannot be learned as they are.
    """
    from synthgan.images import run as images
    from synthgan.tabular.synthesizer import Synthesizer
    from synthgan.timeseries import run

    if images.is_image_input(data, stream):  # an .npz archive or a folder of images
        return images.fit_images(data, model=model, output=output, callbacks=callbacks, resume=resume, stream=stream,
                                 distributed=distributed, time_column=time_column, entity=entity, columns=columns,
                                 returns=returns, **options)
    if time_column is not None:
        return run.fit_series(data, model=model, output=output, callbacks=callbacks, resume=resume, stream=stream,
                              distributed=distributed, time_column=time_column, entity=entity, columns=columns,
                              returns=returns, **options)
    run.refuse_series_options(entity=entity, columns=columns, returns=returns)
    model = DEFAULT_TABLE_MODEL if model is None else model
    _check_table_model(model)  # unknown names fail before any reading or training
    _check_outputs((output, "model file"))
    if stream:
        return _fit_stream(data, model, output, resume, callbacks, distributed, options)
    frame = _table(data, "data")
    if output is not None and options.get("checkpoint") is None and (options.get("checkpoint_every") is not None or resume):
        options["checkpoint"] = Path(output).with_name(Path(output).name + ".ckpt")
    from synthgan.core import distributed as dist

    parallel = dist.launched() if distributed is None else bool(distributed)
    if not parallel:
        syn = Synthesizer(model, **options).fit(frame, callbacks=callbacks, resume=resume)
        if output is not None:
            syn.save(output)
        return syn
    joined = not dist.is_active()
    if joined:
        dist.init(options.get("device", "auto"))
    try:
        if not dist.is_main():
            options["verbose"] = False
        syn = Synthesizer(model, **options).fit(frame, callbacks=callbacks, resume=resume, distributed=True)
        if output is not None and dist.is_main():
            syn.save(output)
        dist.barrier()  # the file is complete when any rank returns
    finally:
        if joined:
            dist.destroy()
    return syn


def _check_table_model(model: str) -> None:
    """Unknown model names, and models of another kind of data, fail before anything is read."""
    from synthgan.core.registry import get_model_class, names_help
    from synthgan.errors import ConfigError

    found = get_model_class(model).capabilities.kind
    if found != "table":
        raise ConfigError(f"{model} learns {found} data: to learn series, name the time column (--time-column); "
                          f"for a table choose one of {names_help('table')}")


def _fit_stream(data: Any, model: str, output: Any, resume: bool, callbacks: list | None, distributed: bool | None,
                options: dict[str, Any]) -> Synthesizer:
    from synthgan.core import distributed as dist
    from synthgan.errors import ConfigError
    from synthgan.tabular.synthesizer import Synthesizer

    if not _is_path(data):
        raise ConfigError(f"stream=True reads a Parquet file or folder; got {type(data).__name__} (a table in memory needs no streaming)")
    if resume:
        raise ConfigError("a streamed fit cannot resume (it keeps no checkpoint of its place in the files); fit again without --resume")
    if (dist.launched() if distributed is None else distributed):
        raise ConfigError("a streamed fit runs in one process; launch it without torchrun, or fit a table in memory under torchrun")
    syn = Synthesizer(model, **options).fit_stream(data, callbacks=callbacks)
    if output is not None:
        syn.save(output)
    return syn


def sample(model: ModelLike, n: int | None = None, *, paths: int | None = None, length: int | None = None,
           conditions: dict[str, Any] | None = None, seed: int | None = None, output: str | os.PathLike | None = None,
           chunk_rows: int | None = None, grid: str | os.PathLike | None = None) -> pd.DataFrame | WrittenTable:
    """Generate ``n`` synthetic rows (or, from a sequence model, ``paths`` paths) and, with ``output``, write them.

    Parameters
    ----------
    model : Synthesizer, SeriesSynthesizer, str or PathLike
        A fitted synthesizer, or a model file written by ``synthgan fit``.
    n : int
        Rows to generate (> 0), from a table model.
    paths, length : int, optional
        From a sequence model: the number of paths (> 0) and their steps (default: the
        longest training series); the rows are long format (see
        :meth:`~synthgan.timeseries.synthesizer.SeriesSynthesizer.sample`).
    conditions : dict, optional
        ``{column: value}`` that every row meets (see :meth:`Synthesizer.sample`), or for
        paths ``{attribute: value}`` on a static attribute such as the entity.
    seed : int, optional
        Makes the rows reproducible; ``None`` continues the synthesizer's own stream.
    output : str or PathLike, optional
        Table to write (.csv, .csv.gz, .tsv or .parquet), chunk by chunk with flat memory.
    chunk_rows : int, optional
        Rows generated per chunk (default 100,000); the same rows come with or without ``output``.
        Tables only: paths are generated in one piece.
    grid : str or PathLike, optional
        Image models only: a PNG grid of the images. From an image model, ``n`` images are
        written to ``output`` (``.npz``, ``.png`` grid or a folder of PNG files) and returned
        as an ImageSet (:func:`synthgan.images.run.sample_images`).

    Returns
    -------
    DataFrame or WrittenTable
        The rows, or, with ``output``, where they were written, how many and how fast.

    Raises
    ------
    ConfigError
        ``n`` for a sequence model, or ``paths``/``length`` for a table model.
    """
    from synthgan.errors import ConfigError
    from synthgan.tabular.synthesizer import DEFAULT_CHUNK_ROWS, _check_n
    from synthgan.images import run as images
    from synthgan.timeseries.synthesizer import SeriesSynthesizer

    if images.is_image_model(model):  # an ImageSynthesizer: images to .npz, PNG files or a PNG grid
        return images.sample_images(model, n, paths=paths, length=length, conditions=conditions, seed=seed,
                                    output=output, grid=grid)
    images.refuse_image_options(grid=grid, output=output, model=model)
    _check_outputs((output, "table"))
    syn = _synthesizer(model, series=True)
    where = f"'{model}' holds" if _is_path(model) else "this is"
    if isinstance(syn, SeriesSynthesizer):
        from synthgan.timeseries.run import sample_paths

        started = time.perf_counter()
        frame = sample_paths(syn, paths, length, n=n, conditions=conditions, seed=seed, output=output, where=where)
        return frame if output is None else WrittenTable(Path(output), len(frame), time.perf_counter() - started)
    if paths is not None or length is not None:
        raise ConfigError(f"--paths and --length (paths=, length=) are for sequence models; {where} a table model: "
                          "ask for rows with -n N (n=)")
    if n is None:
        raise ConfigError(f"{where} a table model: say how many rows to generate with -n N (n=), e.g. -n 1000")
    n = _check_n(n)
    started = time.perf_counter()
    chunks = syn.sample_chunks(n, conditions=conditions, seed=seed, chunk_rows=DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows)
    if output is None:
        import pandas as pd

        parts = list(chunks)
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    from synthgan.io.tables import write_table_chunks

    rows = write_table_chunks(chunks, output)
    return WrittenTable(Path(output), rows, time.perf_counter() - started)


def sample_shards(model: str | os.PathLike, n: int, output: str | os.PathLike, *, shards: int,
                  conditions: dict[str, Any] | None = None, seed: int | None = None, workers: int = 1,
                  dask: str | None = None, overwrite: bool = False, chunk_rows: int | None = None):
    """Write ``n`` synthetic rows from a model file as ``shards`` Parquet files in the directory ``output``.

    Shard ``i`` is sampled with ``child_seed(seed, "shard", str(i))``, so the files are the
    same bytes whatever ``workers`` or ``dask``; a re-run of the same request keeps the
    finished shards and writes the missing ones. See :func:`synthgan.sharding.sample_shards`.

    Parameters
    ----------
    model : str or PathLike
        A model file written by ``synthgan fit``.
    n : int
        Rows in all (> 0, at least ``shards``).
    output : str or PathLike
        Directory for ``part-00000.parquet``, ... and ``_manifest.json``.
    shards : int
        Number of files.
    conditions : dict, optional
        ``{column: value}`` that every row meets.
    seed : int, optional
        Seed the shards' seeds are derived from (``None``: the directory's recorded one, or a new one).
    workers : int, default=1
        Local processes, or the workers of ``dask="local"``.
    dask : str, optional
        ``"local"`` or a Dask scheduler address (needs ``synthgan[distributed]``).
    overwrite : bool, default=False
        Replace shards of a different request in ``output``.
    chunk_rows : int, optional
        Rows per generated chunk within a shard (default 100,000).

    Returns
    -------
    synthgan.sharding.ShardedTable
    """
    from synthgan.sharding import sample_shards as _sample_shards
    from synthgan.tabular.synthesizer import DEFAULT_CHUNK_ROWS

    if not _is_path(model):
        from synthgan.errors import ConfigError

        raise ConfigError(f"sharded sampling needs a model file path (workers load it), got {type(model).__name__}; "
                          "save the synthesizer with .save(path) first")
    return _sample_shards(model, n, output, shards=shards, seed=seed, conditions=conditions, workers=workers, dask=dask,
                          overwrite=overwrite, chunk_rows=DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows)


def evaluate(real: TableLike, synthetic: TableLike, *, holdout: TableLike | None = None, target: str | None = None,
             sensitive: str | list[str] | None = None, seed: int = 0, metrics: str | list[str] | None = None,
             json_path: str | os.PathLike | None = None, html_path: str | os.PathLike | None = None,
             title: str | None = None) -> EvaluationResult:
    """Score a synthetic table against the real one and optionally write the JSON and the HTML report.

    Parameters
    ----------
    real, synthetic : DataFrame, str or PathLike
        The real table the synthetic one imitates, and the synthetic table (same columns).
    holdout : DataFrame, str or PathLike, optional
        Real rows the generator never saw (needed to judge privacy).
    target : str, optional
        Column to predict for utility and fairness.
    sensitive : str or list of str, optional
        Columns for fairness and attribute inference.
    seed : int, default=0
        Seeds subsamples, folds and models.
    metrics : str or list of str, optional
        Families to run (default all); see :func:`synthgan.evaluation.evaluate`.
    json_path, html_path : str or PathLike, optional
        Where to write all metrics as JSON and the self-contained HTML report.
    title : str, optional
        Title of the HTML report (default names the two files).

    Returns
    -------
    EvaluationResult
    """
    from synthgan.evaluation import evaluate as score

    _check_outputs((json_path, "metrics JSON"), (html_path, "HTML report"))
    real_df, synth_df = _table(real, "real"), _table(synthetic, "synthetic")
    holdout_df = _table(holdout, "holdout") if holdout is not None else None
    result = score(real_df, synth_df, holdout=holdout_df, target=target, sensitive=sensitive, seed=seed, metrics=metrics)
    if json_path is not None:
        result.to_json(json_path)
    if html_path is not None:
        from synthgan.reports.html import write_report

        title = title or _title("synthgan evaluation", synthetic, real, "vs") or "synthgan evaluation report"
        write_report(result, html_path, real=real_df, synthetic=synth_df, title=title)
    return result


def evaluate_series(real: TableLike, synthetic: TableLike, *, time_column: str, entity: str | None = None,
                    columns: str | list[str] | None = None, returns: str | None = None, holdout: TableLike | None = None,
                    split_date: str | None = None, window: int = 20, repetitions: int = 3, seed: int = 0,
                    classifiers: tuple[str, ...] = ("lightgbm", "gru"), json_path: str | os.PathLike | None = None,
                    html_path: str | os.PathLike | None = None, title: str | None = None) -> dict[str, Any]:
    """Score synthetic long-format series (sampled paths) against the real ones; optionally write JSON and HTML.

    With ``returns`` ("log" or "simple") the values are prices compared as returns, with an
    optional real ``holdout`` file or ``split_date``; without it they are sensor values.
    See :func:`synthgan.timeseries.evaluate.evaluate_series` for every parameter.

    Returns
    -------
    dict
        The JSON-safe evaluation (``kind`` "returns" or "sensors", ``summary``, ``meta``, ...).
    """
    from synthgan.timeseries.evaluate import evaluate_series as run

    return run(real, synthetic, time_column=time_column, entity=entity, columns=columns, returns=returns, holdout=holdout,
               split_date=split_date, window=window, repetitions=repetitions, seed=seed, classifiers=classifiers,
               json_path=json_path, html_path=html_path, title=title)


def report(model: ModelLike, *, data: TableLike, output: str | os.PathLike, holdout: TableLike | None = None,
           n: int | None = None, seed: int = 0, target: str | None = None, sensitive: str | list[str] | None = None,
           json_path: str | os.PathLike | None = None, title: str | None = None) -> EvaluationResult:
    """Sample from a model, evaluate the rows against the real table and write the HTML report with loss curves.

    Parameters
    ----------
    model : Synthesizer, str or PathLike
        A fitted synthesizer or its model file.
    data : DataFrame, str or PathLike
        The real table the model was trained on.
    output : str or PathLike
        HTML report to write.
    holdout : DataFrame, str or PathLike, optional
        Real rows the model never saw (needed to judge privacy).
    n : int, optional
        Synthetic rows to generate (default: as many as ``data``).
    seed : int, default=0
        Seeds the sample and the evaluation.
    target, sensitive : optional
        As for :func:`evaluate`.
    json_path : str or PathLike, optional
        Also write all metrics as JSON here.
    title : str, optional
        Title of the report (default names the model file and the table).

    Returns
    -------
    EvaluationResult
    """
    from synthgan.errors import ConfigError
    from synthgan.evaluation import evaluate as score
    from synthgan.reports.html import write_report

    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n <= 0):
        raise ConfigError(f"n must be a positive number of rows, got {n!r}; e.g. n=10000")
    _check_outputs((output, "HTML report"), (json_path, "metrics JSON"))
    syn = _synthesizer(model)
    real_df = _table(data, "data")
    holdout_df = _table(holdout, "holdout") if holdout is not None else None
    synth_df = syn.sample(n or len(real_df), seed=seed)
    result = score(real_df, synth_df, holdout=holdout_df, target=target, sensitive=sensitive, seed=seed)
    if json_path is not None:
        result.to_json(json_path)
    title = title or _title("synthgan report", model, data, "on") or "synthgan report"
    write_report(result, output, real=real_df, synthetic=synth_df, history=getattr(syn, "history_", None), title=title,
                 privacy=getattr(syn, "privacy_", None))
    return result


def augment(data: TableLike, *, target: str | None = None, ratio: float | None = None, add: list | None = None,
            model: str = DEFAULT_TABLE_MODEL, from_model: ModelLike | None = None, output: str | os.PathLike | None = None,
            origin_column: str | None = None, epochs: int | None = None, batch_size: int | None = None,
            seed: int | None = 0, verbose: bool = False) -> Augmented:
    """Append synthetic rows to a table by conditional sampling: rebalance a class or add rows per value.

    Parameters
    ----------
    data : DataFrame, str or PathLike
        The real rows (kept unchanged, first).
    target : str, optional
        Class column to rebalance with ``ratio``.
    ratio : float, optional
        Bring every class up to ``ratio`` x the largest class (> 0; default 1.0).
    add : list of str, optional
        ``"COLUMN=VALUE:COUNT"`` rows to add for a value of any categorical column.
    model : str, default=DEFAULT_TABLE_MODEL ("autoregressive")
        Registered model to fit on ``data`` when no ``from_model`` is given.
    from_model : Synthesizer, str or PathLike, optional
        A fitted synthesizer or model file to sample instead (it may come from another table).
    output : str or PathLike, optional
        Augmented table to write.
    origin_column : str, optional
        Add a column holding ``"real"`` or ``"synthetic"`` per row.
    epochs, batch_size : int, optional
        Training options for ``model``.
    seed : int or None, default=0
    verbose : bool, default=False
        Show training progress.

    Returns
    -------
    Augmented
        The augmented table, the rows added per column and value, and where it was written.

    Raises
    ------
    DataValidationError, ConfigError, ConditionError
        As :func:`synthgan.augment.augment` (checked before any training).
    """
    from synthgan.augment.augment import augment as augment_table
    from synthgan.augment.augment import plan_augmentation

    _check_outputs((output, "table"))
    frame = _table(data, "data")
    plan = plan_augmentation(frame, target, ratio=ratio, add=add)  # bad input fails before any training
    synthesizer = _synthesizer(from_model) if from_model is not None else None
    table = augment_table(frame, target, ratio=ratio, add=add, model=model, synthesizer=synthesizer, epochs=epochs,
                          batch_size=batch_size, seed=seed, origin_column=origin_column, verbose=verbose)
    path = None
    if output is not None:
        from synthgan.io.tables import write_table

        path = write_table(table, output)
    return Augmented(table, plan, len(frame), path)


# ------------------------------------------------------------------ anomaly detection
def anomaly_fit(data: TableLike, *, output: str | os.PathLike | None = None, model: str | None = None,
                ignore: list[str] | str | None = None, seed: int | None = 0, epochs: int | None = None,
                device: str = "auto", verbose: bool = False, **model_params: Any):
    """Fit an anomaly detector on a table or table file and, with ``output``, save it.

    See :func:`synthgan.anomaly.run.fit_detector`; returns the fitted
    :class:`~synthgan.anomaly.detector.AnomalyDetector`.
    """
    from synthgan.anomaly.run import fit_detector

    return fit_detector(data, output=output, model=model, ignore=ignore, seed=seed, epochs=epochs, device=device,
                        verbose=verbose, **model_params)


def anomaly_score(detector: Any, data: TableLike, *, output: str | os.PathLike | None = None,
                  threshold: float | None = None, contamination: float | None = None, chunk_rows: int = 100_000):
    """Every row plus ``anomaly_score`` and ``is_anomaly``, streamed to ``output`` in chunks.

    See :func:`synthgan.anomaly.run.score_table`.
    """
    from synthgan.anomaly.run import score_table

    return score_table(detector, data, output=output, threshold=threshold, contamination=contamination,
                       chunk_rows=chunk_rows)


def anomaly_explain(detector: Any, data: TableLike, *, top: int = 3, output: str | os.PathLike | None = None,
                    chunk_rows: int = 100_000):
    """The ``top`` columns driving each row's anomaly score; see :func:`synthgan.anomaly.run.explain_table`."""
    from synthgan.anomaly.run import explain_table

    return explain_table(detector, data, top=top, output=output, chunk_rows=chunk_rows)


def experiment_anomaly(data: TableLike, *, label: str, seeds: int = 5, shots=(10, 25), detectors=None, arms=None,
                       classifiers=None, anomaly_value: Any = None, test_size: float = 0.4, ratio: float = 1.0, drop=(),
                       epochs: int | None = None, detector_epochs: int | None = None, seed: int = 0, n_jobs: int = 1,
                       json_path: str | os.PathLike | None = None, html_path: str | os.PathLike | None = None,
                       progress=None, title: str | None = None):
    """Compare anomaly detectors and rare-event enrichment arms on a labelled table; optionally write JSON and HTML.

    See :class:`synthgan.anomaly.experiment.AnomalyExperiment` (``shots`` is its
    ``labelled_anomalies``; ``None`` arguments take its defaults). Output paths are
    checked before the table is read, and nothing is written when the input is refused.
    Returns the fitted experiment.
    """
    from synthgan.anomaly.experiment import AnomalyExperiment
    from synthgan.anomaly.experiment_report import write_anomaly_html, write_json

    _check_outputs((json_path, "JSON results"), (html_path, "HTML report"))
    frame = _table(data, "data")
    options = {k: v for k, v in {"labelled_anomalies": shots, "detectors": detectors, "arms": arms,
                                 "classifiers": classifiers}.items() if v is not None}
    experiment = AnomalyExperiment(label, seeds=seeds, seed=seed, anomaly_value=anomaly_value, test_size=test_size,
                                   ratio=ratio, drop=drop, epochs=epochs, detector_epochs=detector_epochs, n_jobs=n_jobs,
                                   progress=progress, **options).fit(frame)
    result = experiment.to_dict()
    if json_path is not None:
        write_json(result, json_path)
    if html_path is not None:
        write_anomaly_html(result, html_path, title=title or ("Anomaly experiment" + (f": {Path(data).name}" if _is_path(data) else "")))
    return experiment


def _image_set(data: Any, what: str):
    from synthgan.errors import ConfigError
    from synthgan.images.io import ImageSet, read_images

    if isinstance(data, ImageSet):
        return data
    if _is_path(data):
        return read_images(data)
    raise ConfigError(f"{what} must be an .npz file, an image folder or an ImageSet, got {type(data).__name__}")


def experiment_augment_images(data: Any, *, shots=None, seeds: int = 5, arms=None, test: Any = None,
                              test_size: float = 0.2, ratio: float | None = None, generator_steps: int | None = None,
                              classifier_steps: int | None = None, seed: int = 0, device: str = "auto",
                              threads: int | None = None, json_path: str | os.PathLike | None = None,
                              html_path: str | os.PathLike | None = None, progress=None, on_seed=None,
                              title: str | None = None):
    """The low-shot image experiment: no, classic, GAN and both augmentations; optionally write JSON and HTML.

    ``data`` (an ``.npz`` with ``images`` and ``labels``, a folder with one subfolder per class,
    or an :class:`~synthgan.images.io.ImageSet`) is the pool the labelled images are drawn from;
    without ``test``, a stratified ``test_size`` share of it is split off once (seeded by
    ``seed``) and never reaches a generator. See
    :class:`synthgan.images.lowshot.experiment.ImageAugmentExperiment`; ``None`` arguments take
    its defaults. Output paths are checked before the images are read, and nothing is written
    when the input is refused. Returns the fitted experiment.
    """
    import numpy as np

    from synthgan._random import child_seed
    from synthgan.errors import ConfigError
    from synthgan.images.io import ImageSet
    from synthgan.images.lowshot.experiment import ImageAugmentExperiment
    from synthgan.images.lowshot.report import write_json, write_lowshot_html

    _check_outputs((json_path, "JSON results"), (html_path, "HTML report"))
    pool = _image_set(data, "data")
    if pool.labels is None:
        raise ConfigError(f"'{pool.source}' has no labels: the low-shot experiment needs a class per image; give an .npz "
                          "with a 'labels' array, or a folder with one subfolder of images per class")
    if test is not None:
        train, test_set = pool, _image_set(test, "test")
    else:
        if isinstance(test_size, bool) or not isinstance(test_size, (int, float)) or not 0 < test_size < 1:
            raise ConfigError(f"test_size must be a share strictly between 0 and 1, got {test_size!r}; e.g. test_size=0.2")
        from sklearn.model_selection import train_test_split

        _, counts = np.unique(pool.labels, return_counts=True)
        if counts.min() < 2:
            raise ConfigError("a class has a single image, so no stratified test share can be split off; give more "
                              "images per class or a separate test set (test=...)")
        rows = np.arange(len(pool))
        fit_rows, test_rows = train_test_split(rows, test_size=test_size, stratify=pool.labels,
                                               random_state=child_seed(seed, "lowshot", "test-split") % 2**32)
        fit_rows, test_rows = np.sort(fit_rows), np.sort(test_rows)
        train = ImageSet(pool.images[fit_rows], pool.labels[fit_rows], pool.class_names, pool.source)
        test_set = ImageSet(pool.images[test_rows], pool.labels[test_rows], pool.class_names, pool.source + " (test share)")
    options = {k: v for k, v in {"shots": None if shots is None else tuple(shots),
                                 "arms": None if arms is None else tuple(arms), "ratio": ratio,
                                 "generator_steps": generator_steps, "classifier_steps": classifier_steps}.items()
               if v is not None}
    experiment = ImageAugmentExperiment(seeds=seeds, seed=seed, device=device, threads=threads,
                                        progress=progress, on_seed=on_seed, **options).fit(train, test_set)
    result = experiment.to_dict()
    result["info"]["test_source"] = "given" if test is not None else f"stratified {test_size:g} share of the data"
    if json_path is not None:
        write_json(result, json_path)
    if html_path is not None:
        name = Path(data).name if _is_path(data) else None
        write_lowshot_html(result, html_path, title=title or ("Low-shot image augmentation" + (f": {name}" if name else "")))
    return experiment
