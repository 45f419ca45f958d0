"""`synthgan anomaly fit|score|explain`: anomaly detection with what synthgan learns from a table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from synthgan.anomaly.detectors import DEFAULT_DETECTOR, DETECTORS

anomaly_app = typer.Typer(
    name="anomaly",
    help="Score how anomalous rows are with a model learned from the rows: fit a detector, score files, explain scores.",
    no_args_is_help=True,
)

_MODELS = ", ".join(f"{name} ({summary})" for name, (_, _, summary) in DETECTORS.items())


@anomaly_app.command("fit")
def fit_command(
    data: Annotated[Path, typer.Argument(help="Training rows: normal rows only, or rows that hold anomalies (CSV, optionally .gz, TSV or Parquet).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Detector file to write (e.g. detector.synthgan).")],
    model: Annotated[str, typer.Option("--model", "-m", help=f"Detector: {_MODELS}. Default {DEFAULT_DETECTOR}.")] = DEFAULT_DETECTOR,
    label: Annotated[Optional[list[str]], typer.Option("--label", help="A column not to learn (a known label, an id), repeatable; scoring passes it through.")] = None,
    trim: Annotated[Optional[float], typer.Option(help="Share of the training rows ranked most anomalous left out of the fit, in [0, 0.5) (default 0.15, for rows that may hold anomalies); 0 when DATA holds normal rows only.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Training epochs (default: chosen from the data size).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (>= 0): same data + seed + machine = same scores.")] = 0,
    device: Annotated[str, typer.Option(help="auto (CUDA if present), cpu or cuda.")] = "auto",
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="Detector model option KEY=VALUE (JSON value), repeatable, e.g. -p embedding_dim=8.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors still print.")] = False,
) -> None:
    """Fit an anomaly detector on a table and save it (safetensors + JSON manifest, never pickle)."""
    from synthgan import verbs
    from synthgan.cli.main import _parse_params
    from synthgan.errors import ConfigError

    params = _parse_params(param)
    for key in params:
        if key in ("epochs", "seed", "device", "model", "ignore", "output", "verbose", "data", "trim"):
            raise ConfigError(f"--param {key}=... sets an option of its own; use --{key.replace('_', '-')} instead")
    if trim is not None:
        params["trim"] = trim
    det = verbs.anomaly_fit(data, output=output, model=model, ignore=label, epochs=epochs, seed=seed, device=device,
                            verbose=not quiet, **params)
    if not quiet:
        typer.echo(f"fitted {det.model} detector on {det.n_rows_fit_:,} rows x {len(det.columns_)} columns in "
                   f"{det.fit_seconds_:.1f} s ({len(det.history_)} epochs); 99 % of training rows score below "
                   f"{det.threshold_score():.4g}; detector saved to {output}")


@anomaly_app.command("score")
def score_command(
    detector: Annotated[Path, typer.Argument(help="Detector file written by `synthgan anomaly fit`.")],
    data: Annotated[Path, typer.Argument(help="Rows to score (CSV, optionally .gz, TSV or Parquet); read in chunks.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Scored table: every input row plus anomaly_score and is_anomaly.")],
    threshold: Annotated[Optional[float], typer.Option(help="Flag scores above this quantile of the training scores, in (0, 1). Default 0.99.")] = None,
    contamination: Annotated[Optional[float], typer.Option(help="Or: the expected share of anomalies, in (0, 0.5]; flags scores above the 1 - c training quantile.")] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows read, scored and written per chunk (memory stays flat).")] = 100_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Score every row of a table: anomaly_score (higher = more anomalous) and an is_anomaly flag."""
    from synthgan import verbs

    result = verbs.anomaly_score(detector, data, output=output, threshold=threshold, contamination=contamination,
                                 chunk_rows=chunk_rows)
    if not quiet:
        share = result.flagged / max(result.rows, 1)
        typer.echo(f"scored {result.rows:,} rows in {result.seconds:.1f} s ({result.rows / max(result.seconds, 1e-9):,.0f} rows/s); "
                   f"{result.flagged:,} flagged ({share:.2%}) above score {result.threshold:.4g}; wrote {output}")


@anomaly_app.command("explain")
def explain_command(
    detector: Annotated[Path, typer.Argument(help="Detector file written by `synthgan anomaly fit`.")],
    data: Annotated[Path, typer.Argument(help="Rows to explain (CSV, optionally .gz, TSV or Parquet); read in chunks.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Table of row, anomaly_score and the top columns with their contributions and shares.")],
    top: Annotated[int, typer.Option(min=1, help="Columns to name per row (at most the learned columns).")] = 3,
    chunk_rows: Annotated[int, typer.Option(help="Rows read, explained and written per chunk.")] = 100_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Name the columns that drive each row's anomaly score (top k per row, with shares)."""
    from synthgan import verbs

    result = verbs.anomaly_explain(detector, data, top=top, output=output, chunk_rows=chunk_rows)
    if not quiet:
        typer.echo(f"explained {result.rows:,} rows in {result.seconds:.1f} s; wrote {output}")


def register(app: typer.Typer) -> None:
    """Add the ``anomaly`` command group to the ``synthgan`` app."""
    app.add_typer(anomaly_app, name="anomaly")
