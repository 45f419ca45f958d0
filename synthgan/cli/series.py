"""`synthgan evaluate-series`: judge synthetic series (sampled paths) against real ones, write JSON and HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def _print_summary(result: dict) -> None:
    from synthgan.timeseries.evaluate import headline

    meta = result["meta"]
    inputs = meta["inputs"]
    if result["kind"] == "returns":
        held = meta["real_holdout_length"]
        typer.echo(f"{inputs['returns']} returns of {', '.join(inputs['columns'])}: {meta['synthetic_paths']:,} synthetic "
                   f"paths x {meta['synthetic_length']:,} steps vs {meta['real_train_length']:,} real training returns"
                   + (f", {held:,} held out" if held else ", no holdout"))
    else:
        paths, entities = meta["entities"]["synthetic"], meta["entities"]["real"]
        typer.echo(f"sensor values: {meta['rows']['synthetic']:,} synthetic rows ({paths} path{'s' * (paths != 1)}) "
                   f"vs {meta['rows']['real']:,} real rows ({entities} {'entities' if entities != 1 else 'entity'})")
    rows = headline(result)
    width = max(len(label) for _, label, _, _ in rows)

    def fmt(value: float | None) -> str:
        return f"{'n/a' if value is None else f'{value:.4g}':>10s}"

    both = any(real is not None for _, _, real, _ in rows)  # sensors: distances only
    typer.echo(f"  {'':{width}s} " + (f"{'real':>10s} {'synthetic':>10s}" if both else f"{'distance':>10s}"))
    for _, label, real, synthetic in rows:
        typer.echo(f"  {label:{width}s} " + (f"{fmt(real) if real is not None else ' ' * 10} " if both else "")
                   + fmt(synthetic))
    typer.echo(f"evaluated in {inputs['seconds']:.1f} s")


def evaluate_series_command(
    real: Annotated[Path, typer.Argument(help="Real series, long format: CSV (optionally .gz), TSV or Parquet.")],
    synthetic: Annotated[Path, typer.Argument(help="Synthetic paths as `synthgan sample --paths` writes them (path id, time, values).")],
    time_column: Annotated[str, typer.Option("--time-column", help="The time column of both files.")],
    entity: Annotated[Optional[str], typer.Option(help="The real entity key column; synthetic path ids are in the column of that name, or in 'path'.")] = None,
    columns: Annotated[Optional[str], typer.Option(help="Value columns, comma-separated (default: every other column; numeric ones with --returns).")] = None,
    returns: Annotated[Optional[str], typer.Option(help="'log' or 'simple': the values are prices, compared as returns (stylized facts, discriminative, predictive, copying); without it: sensor values.")] = None,
    holdout: Annotated[Optional[Path], typer.Option(help="With --returns: real series the generator never saw (predictive test set, copying yardstick).")] = None,
    split_date: Annotated[Optional[str], typer.Option("--split-date", help="With --returns: real returns before YYYY-MM-DD are the training side, the rest the holdout.")] = None,
    window: Annotated[int, typer.Option(help="Window length (steps) of the discriminative and copying scores.")] = 20,
    repetitions: Annotated[int, typer.Option(help="Repetitions of each discriminative classifier.")] = 3,
    classifier: Annotated[Optional[list[str]], typer.Option("--classifier", help="Discriminative classifier: lightgbm or gru, repeatable (default both).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for subsamples, splits and models (same seed = same scores).")] = 0,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the whole evaluation as JSON here.")] = None,
    html: Annotated[Optional[Path], typer.Option(help="Write the self-contained HTML report here.")] = None,
    title: Annotated[Optional[str], typer.Option(help="Title of the HTML report.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Score synthetic series against real ones: returns (with --returns) or sensor values; JSON and HTML report."""
    from synthgan import verbs

    result = verbs.evaluate_series(real, synthetic, time_column=time_column, entity=entity, columns=columns,
                                   returns=returns, holdout=holdout, split_date=split_date, window=window,
                                   repetitions=repetitions, seed=seed,
                                   classifiers=tuple(classifier) if classifier else ("lightgbm", "gru"),
                                   json_path=json_path, html_path=html, title=title)
    if not quiet:
        _print_summary(result)
        for path in (json_path, html):
            if path is not None:
                typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``evaluate-series`` command to the ``synthgan`` app."""
    app.command("evaluate-series")(evaluate_series_command)
