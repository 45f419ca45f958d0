"""`synthgan privacy`: singling out, linkability and attribute inference with controls, beside the privacy metrics."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def privacy_command(
    train: Annotated[Path, typer.Argument(help="The real rows the generator was fitted on (CSV, optionally .gz, TSV or Parquet).")],
    synthetic: Annotated[Path, typer.Argument(help="The synthetic table.")],
    holdout: Annotated[Path, typer.Option(help="Real rows from the same population the generator never saw: the control of every attack.")],
    secret: Annotated[Optional[list[str]], typer.Option(help="Column an attacker wants to infer from the others (repeatable).")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write every figure as JSON here.")] = None,
    html: Annotated[Optional[Path], typer.Option(help="Write a self-contained HTML report here.")] = None,
    n_attacks: Annotated[int, typer.Option("--n-attacks", min=50, help="Predicates / targets per attack and side.")] = 5_000,
    seed: Annotated[int, typer.Option(min=0, help="Seed of every draw (same seed = same figures).")] = 0,
) -> None:
    """Attack a synthetic table: singling out, linkability and attribute inference, each as risk over a holdout control with a 95% interval and a verdict; plus distances to closest records, exact copies and membership inference."""
    from synthgan.evaluation.attacks.report import privacy_report

    result = privacy_report(train, synthetic, holdout, secret=secret, n_attacks=n_attacks, seed=seed,
                            json_path=json_path, html_path=html)
    attacks = [("singling out", result["attacks"]["singling_out"]), ("linkability", result["attacks"]["linkability"])]
    attacks += [(f"inference {s}", a) for s, a in result["attacks"]["attribute_inference"].items()]
    for name, a in attacks:
        typer.echo(f"{name:24s} risk {a['risk']:+.3f} [{a['ci_low']:+.3f}, {a['ci_high']:+.3f}]  {a['verdict'].split(':')[0]}")
    typer.echo(f"distances: {result['verdict']}")
    for alarm in result["alarms"]:
        typer.echo(f"alarm: {alarm}", err=True)
    for path in (json_path, html):
        if path is not None:
            typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``privacy`` command to the ``synthgan`` app."""
    app.command("privacy")(privacy_command)
