"""`synthgan augment` and `synthgan experiment augment|collapse`: augmentation that proves itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from synthgan.core.registry import names_help
from synthgan.tabular import DEFAULT_TABLE_MODEL

experiment_app = typer.Typer(
    help="Measure it: does augmentation help a classifier (augment)? do tails vanish over generations (collapse)?",
    no_args_is_help=True,
)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines; errors and verdicts still print.")]
Seed = Annotated[int, typer.Option(help="Root random seed: same data + seed + machine = same result.")]
Epochs = Annotated[Optional[int], typer.Option(help="Generator training epochs (default: chosen from the data size).")]
BatchSize = Annotated[Optional[int], typer.Option(help="Generator rows per training step (default: chosen from the data size).")]
Drop = Annotated[Optional[list[str]], typer.Option("--drop", help="Column to leave out (an identifier), repeatable.")]
HtmlOut = Annotated[Optional[Path], typer.Option("--html", help="Write the HTML report here.")]
JsonOut = Annotated[Optional[Path], typer.Option("--json", help="Write the JSON results here.")]


def _split_list(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _check_outputs(*paths: Path | None) -> None:
    from synthgan.io.atomic import check_output_path

    for path in paths:
        if path is not None:
            check_output_path(path, what="report")


def augment_command(
    data: Annotated[Path, typer.Argument(help="Table to augment: CSV (optionally .gz), TSV or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Augmented table to write (.csv, .csv.gz, .tsv, .parquet).")],
    target: Annotated[Optional[str], typer.Option("--target", "-t", help="Class column to rebalance with --ratio.")] = None,
    ratio: Annotated[Optional[float], typer.Option(help="Bring every class up to RATIO x the largest class (> 0; default 1.0).")] = None,
    add: Annotated[Optional[list[str]], typer.Option("--add", help="COLUMN=VALUE:COUNT rows to add for a value of any categorical column, repeatable.")] = None,
    model: Annotated[str, typer.Option("--model", "-m", help=f"Model to fit: {names_help('table')}.")] = DEFAULT_TABLE_MODEL,
    from_model: Annotated[Optional[Path], typer.Option("--from-model", help="Use this fitted model file instead of fitting one (it may come from another table).")] = None,
    origin_column: Annotated[Optional[str], typer.Option("--origin-column", help="Add a column with 'real' or 'synthetic' per row.")] = None,
    epochs: Epochs = None,
    batch_size: BatchSize = None,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Append synthetic rows to a table by conditional sampling: rebalance a class (--ratio) or add rows per value (--add)."""
    from synthgan import verbs

    result = verbs.augment(data, target=target, ratio=ratio, add=add, model=model, from_model=from_model, output=output,
                           origin_column=origin_column, epochs=epochs, batch_size=batch_size, seed=seed, verbose=not quiet)
    if not quiet:
        for column, per_value in result.added.items():
            added = ", ".join(f"{value}: +{n:,}" for value, n in per_value.items())
            typer.echo(f"{column}: {added}")
        total = len(result.table)
        typer.echo(f"wrote {total:,} rows ({result.real_rows:,} real + {total - result.real_rows:,} synthetic) to {output}")


@experiment_app.command("augment")
def experiment_augment(
    data: Annotated[Path, typer.Argument(help="Training table (the test rows are split off first unless --test is given).")],
    target: Annotated[str, typer.Option("--target", "-t", help="Binary class column; its rarer class is the minority.")],
    test: Annotated[Optional[Path], typer.Option("--test", help="Separate test table (never seen by any generator or resampler).")] = None,
    seeds: Annotated[int, typer.Option(help="Repetitions; intervals are t intervals over them.")] = 5,
    arms: Annotated[Optional[list[str]], typer.Option("--arms", help="Comma-separated arms: none, class_weights, threshold, random_oversampling, smote_nc, a model "
                                                                      f"({names_help('table')}), or transfer:MODEL (fitted on the whole training split; with --train-sizes); "
                                                                      "default: all of those arms and the models made for this experiment.")] = None,
    train_sizes: Annotated[Optional[str], typer.Option("--train-sizes", help="A learning curve: comma-separated training rows per seed, "
                                                                              "'full' for the whole split (e.g. 250,1000,4000,full); one verdict per size.")] = None,
    classifiers: Annotated[Optional[list[str]], typer.Option("--classifiers", help="Comma-separated: logreg, lightgbm (default: both).")] = None,
    ratio: Annotated[float, typer.Option(help="Minority : majority ratio the oversampling and generator arms reach.")] = 1.0,
    test_size: Annotated[float, typer.Option(help="Test share when no --test is given.")] = 0.25,
    drop: Drop = None,
    html: HtmlOut = None,
    json_out: JsonOut = None,
    epochs: Epochs = None,
    batch_size: BatchSize = None,
    n_jobs: Annotated[int, typer.Option(help="Threads for LightGBM.")] = 1,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Compare no resampling, class weights, threshold tuning, random oversampling, SMOTE-NC and synthgan models."""
    from synthgan.augment.arms import default_arms
    from synthgan.augment.classifiers import CLASSIFIERS
    from synthgan.augment.experiment import AugmentExperiment
    from synthgan.augment.report import experiment_text, write_experiment_html, write_json
    from synthgan.io.tables import read_table

    _check_outputs(html, json_out)
    sizes = None
    if train_sizes is not None:
        from synthgan.augment.curve import parse_sizes

        sizes = parse_sizes(train_sizes)  # a bad list fails before any reading
    train = read_table(data)
    test_frame = read_table(test) if test is not None else None
    if sizes is not None:
        _learning_curve(train, test_frame, sizes, html, json_out, title=f"Augmentation learning curve: {data.name}", target=target,
                        arms=tuple(_split_list(arms) or default_arms()), classifiers=tuple(_split_list(classifiers) or CLASSIFIERS),
                        seeds=seeds, seed=seed, ratio=ratio, test_size=test_size, drop=tuple(drop or ()), epochs=epochs,
                        batch_size=batch_size, n_jobs=n_jobs, progress=None if quiet else (lambda line: typer.echo(line, err=True)))
        return
    experiment = AugmentExperiment(
        target, arms=tuple(_split_list(arms) or default_arms()), classifiers=tuple(_split_list(classifiers) or CLASSIFIERS),
        seeds=seeds, seed=seed, ratio=ratio, test_size=test_size, drop=tuple(drop or ()), epochs=epochs,
        batch_size=batch_size, n_jobs=n_jobs, progress=None if quiet else (lambda line: typer.echo(line, err=True)),
    ).run(train, test_frame)
    if json_out is not None:
        write_json(experiment.to_dict(), json_out)
    if html is not None:
        write_experiment_html(experiment.to_dict(), html, title=f"Augmentation experiment: {data.name}")
    typer.echo(experiment_text(experiment.to_dict(), full=html is None and json_out is None))


def _learning_curve(train, test, sizes, html, json_out, *, title: str, target: str, **options) -> None:
    from synthgan.augment.curve import LearningCurve
    from synthgan.augment.curve_report import curve_text, write_curve_html
    from synthgan.augment.report import write_json

    curve = LearningCurve(target, sizes=sizes, **options).run(train, test)
    result = curve.to_dict()
    if json_out is not None:
        write_json(result, json_out)
    if html is not None:
        write_curve_html(result, html, title=title)
    typer.echo(curve_text(result))


@experiment_app.command("collapse")
def experiment_collapse(
    data: Annotated[Path, typer.Argument(help="Real table that generation 1 is trained on.")],
    generations: Annotated[int, typer.Option(help="Number of generations (each trained only on the previous one's samples).")] = 5,
    model: Annotated[str, typer.Option("--model", "-m", help=f"Model to study: {names_help('table')}.")] = DEFAULT_TABLE_MODEL,
    rows: Annotated[Optional[int], typer.Option(help="Rows sampled per generation (default: as many as the real table).")] = None,
    drop: Drop = None,
    html: HtmlOut = None,
    json_out: JsonOut = None,
    epochs: Epochs = None,
    batch_size: BatchSize = None,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Model-collapse study: tail coverage, rare-category coverage and shape/trend scores per generation."""
    from synthgan.augment.collapse import CollapseStudy
    from synthgan.augment.report import collapse_text, write_collapse_html, write_json
    from synthgan.io.tables import read_table

    _check_outputs(html, json_out)
    frame = read_table(data)
    study = CollapseStudy(model, generations=generations, n_rows=rows, drop=tuple(drop or ()), epochs=epochs,
                          batch_size=batch_size, seed=seed,
                          progress=None if quiet else (lambda line: typer.echo(line, err=True))).run(frame)
    if json_out is not None:
        write_json(study.to_dict(), json_out)
    if html is not None:
        write_collapse_html(study.to_dict(), html, title=f"Model collapse study: {data.name}")
    typer.echo(collapse_text(study.to_dict()))


def register(app: typer.Typer) -> None:
    """Add ``augment`` and the ``experiment`` sub-app (``augment``, ``collapse``, ``anomaly``, ``augment-images``) to the main app."""
    from synthgan.cli.anomaly_experiment import register as register_anomaly_experiment
    from synthgan.cli.images_experiment import register as register_images_experiment

    app.command("augment")(augment_command)
    register_anomaly_experiment(experiment_app)  # `synthgan experiment anomaly`
    register_images_experiment(experiment_app)  # `synthgan experiment augment-images`
    app.add_typer(experiment_app, name="experiment")
