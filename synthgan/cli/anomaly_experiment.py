"""`synthgan experiment anomaly`: every detector and rare-event enrichment arm on a table with an anomaly label."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from synthgan.cli.augment import Drop, Epochs, HtmlOut, JsonOut, Quiet, Seed, _split_list


def _shots(values: list[str] | None) -> tuple[int, ...] | None:
    items = _split_list(values)
    if items is None:
        return None
    if not all(item.isdigit() for item in items):
        from synthgan.errors import ConfigError

        raise ConfigError(f"--shots must be whole numbers separated by commas, e.g. --shots 10,25; got {','.join(items)!r}")
    return tuple(int(item) for item in items)


def experiment_anomaly(
    data: Annotated[Path, typer.Argument(help="Table with a binary anomaly label (CSV, optionally .gz, TSV or Parquet).")],
    label: Annotated[str, typer.Option("--label", "-l", help="Binary column that marks anomalies (1/True, or the rarer value).")],
    seeds: Annotated[int, typer.Option(help="Repetitions; intervals are t intervals over them.")] = 5,
    shots: Annotated[Optional[list[str]], typer.Option("--shots", help="Comma-separated counts of labelled anomalies (each >= 2); default 10,25.")] = None,
    detectors: Annotated[Optional[list[str]], typer.Option("--detectors", help="Comma-separated detectors: synthgan:vae, synthgan:alad, synthgan:critic, iforest, lof, ocsvm, ecod (needs pyod); default: all available.")] = None,
    arms: Annotated[Optional[list[str]], typer.Option("--arms", help="Comma-separated enrichment arms: none, random_oversampling, smote_nc, a synthgan model conditioned on the label (e.g. ctgan), or MODEL@anomalies (fitted on the labelled anomalies alone, e.g. copula@anomalies); default: the baselines and copula@anomalies.")] = None,
    classifiers: Annotated[Optional[list[str]], typer.Option("--classifiers", help="Comma-separated: lightgbm, logreg (default: both).")] = None,
    anomaly_value: Annotated[Optional[str], typer.Option("--anomaly-value", help="Label value that marks an anomaly (default: 1 / True, else the rarer value).")] = None,
    test_size: Annotated[float, typer.Option(help="Test share of the rows, per seed.")] = 0.4,
    ratio: Annotated[float, typer.Option(help="Anomalies : normal rows that the oversampling and generator arms reach.")] = 1.0,
    drop: Drop = None,
    html: HtmlOut = None,
    json_out: JsonOut = None,
    epochs: Epochs = None,
    n_jobs: Annotated[int, typer.Option(help="Threads for LightGBM.")] = 1,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Compare anomaly detectors with classifiers trained on a few labelled anomalies, enriched by SMOTE, oversampling or synthgan."""
    from synthgan import verbs
    from synthgan.anomaly.experiment_report import experiment_text

    experiment = verbs.experiment_anomaly(
        data, label=label, seeds=seeds, shots=_shots(shots), detectors=_split_list(detectors), arms=_split_list(arms),
        classifiers=_split_list(classifiers), anomaly_value=anomaly_value, test_size=test_size, ratio=ratio,
        drop=tuple(drop or ()), epochs=epochs, detector_epochs=epochs, seed=seed, n_jobs=n_jobs, json_path=json_out,
        html_path=html, progress=None if quiet else (lambda line: typer.echo(line, err=True)))
    typer.echo(experiment_text(experiment.to_dict(), full=html is None and json_out is None))


def register(experiment_app: typer.Typer) -> None:
    """Add ``anomaly`` to the ``synthgan experiment`` sub-app."""
    experiment_app.command("anomaly")(experiment_anomaly)
