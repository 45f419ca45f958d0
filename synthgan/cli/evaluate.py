"""`synthgan evaluate` and `synthgan report`: judge synthetic data, write JSON and an HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from synthgan.errors import ConfigError

Holdout = Annotated[Optional[Path], typer.Option(help="Real rows the generator never saw (needed to judge privacy).")]
Target = Annotated[Optional[str], typer.Option(help="Column to predict for utility and fairness.")]
Sensitive = Annotated[Optional[list[str]], typer.Option(help="Sensitive column for fairness and attribute inference; repeatable.")]
Seed = Annotated[int, typer.Option(help="Seed for subsamples, folds and models (same seed = same scores).")]
Family = Annotated[Optional[list[str]], typer.Option("--metrics", help="Only these families (fidelity, detection, diversity, privacy, utility, fairness); repeatable.")]
Title = Annotated[Optional[str], typer.Option(help="Title of the HTML report.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def _print_summary(result) -> None:
    summary = result.summary()
    typer.echo("headline scores:")
    for name, value in summary["headline"].items():
        typer.echo(f"  {name:28s} {'n/a' if value is None else f'{value:.3f}'}")
    for family, text in summary["verdicts"].items():
        typer.echo(f"{family}: {text}")
    typer.echo(f"evaluated in {result.meta['seconds']['total']:.1f} s")


def evaluate_command(
    real: Annotated[Path, typer.Argument(help="Real table the synthetic data imitates (CSV or Parquet).")],
    synthetic: Annotated[Path, typer.Argument(help="Synthetic table with the same columns.")],
    holdout: Holdout = None,
    target: Target = None,
    sensitive: Sensitive = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write all metrics as JSON here.")] = None,
    html: Annotated[Optional[Path], typer.Option(help="Write the self-contained HTML report here.")] = None,
    seed: Seed = 0,
    metrics: Family = None,
    title: Title = None,
    quiet: Quiet = False,
) -> None:
    """Score a synthetic table against the real one: fidelity, detection, diversity, privacy, utility, fairness."""
    from synthgan import verbs

    result = verbs.evaluate(real, synthetic, holdout=holdout, target=target, sensitive=sensitive, seed=seed,
                            metrics=metrics, json_path=json_path, html_path=html, title=title)
    if not quiet:
        _print_summary(result)
        for path in (json_path, html):
            if path is not None:
                typer.echo(f"wrote {path}")


def report_command(
    model_file: Annotated[Path, typer.Argument(help="Model file written by `synthgan fit`.")],
    data: Annotated[Path, typer.Option("--data", help="The real table the model was trained on.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML report to write.")],
    holdout: Holdout = None,
    n: Annotated[Optional[int], typer.Option("--n", "-n", help="Synthetic rows to generate (default: as many as --data).")] = None,
    seed: Seed = 0,
    target: Target = None,
    sensitive: Sensitive = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Also write all metrics as JSON here.")] = None,
    title: Title = None,
    quiet: Quiet = False,
) -> None:
    """Sample from a model, evaluate the rows against the real data and write the HTML report (with loss curves)."""
    from synthgan import verbs

    if n is not None and n <= 0:
        raise ConfigError(f"--n must be a positive number of rows, got {n}; e.g. -n 10000")
    result = verbs.report(model_file, data=data, output=output, holdout=holdout, n=n, seed=seed, target=target,
                          sensitive=sensitive, json_path=json_path, title=title)
    if not quiet:
        _print_summary(result)
        typer.echo(f"wrote {output}")


def register(app: typer.Typer) -> None:
    """Add the ``evaluate`` and ``report`` commands to the ``synthgan`` app."""
    app.command("evaluate")(evaluate_command)
    app.command("report")(report_command)
