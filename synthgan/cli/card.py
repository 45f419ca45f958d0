"""`synthgan card`: a data card (JSON + self-contained HTML) for a table model and its real table."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def card_command(
    model_file: Annotated[Path, typer.Argument(help="A table model file written by `synthgan fit`.")],
    data: Annotated[Path, typer.Option("--data", help="The real table the model was fitted on (hashed byte for byte; the yardstick of the evaluation).")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the card as one self-contained HTML page here.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the card as JSON here.")] = None,
    synthetic: Annotated[Optional[Path], typer.Option(help="Synthetic table to judge (default: sample --n rows from the model).")] = None,
    holdout: Annotated[Optional[Path], typer.Option(help="Real rows the model never saw; privacy is judged against them.")] = None,
    target: Annotated[Optional[str], typer.Option(help="Column to predict for utility and fairness.")] = None,
    sensitive: Annotated[Optional[list[str]], typer.Option(help="Sensitive column for fairness and attribute inference (repeatable).")] = None,
    n: Annotated[Optional[int], typer.Option("-n", min=1, help="Rows to sample when --synthetic is not given (default: as many as --data).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the sample and the evaluation.")] = 0,
    intended_use: Annotated[Optional[list[str]], typer.Option("--intended-use", help="A sentence on intended use, added to the card's own (repeatable).")] = None,
    limit: Annotated[Optional[list[str]], typer.Option("--limit", help="A known limit, added to the card's own (repeatable).")] = None,
    title: Annotated[Optional[str], typer.Option(help="Title of the HTML page.")] = None,
) -> None:
    """Write a data card: source hash and shape, schema and identifier handling, model and training, DP (or none), fair generation, fidelity/privacy/fairness verdicts, intended use and known limits."""
    from synthgan.card.run import make_card
    from synthgan.errors import ConfigError

    if output is None and json_path is None:
        raise ConfigError("say where to write the card: -o card.html and/or --json card.json")
    card = make_card(model_file, data, synthetic=synthetic, holdout=holdout, target=target, sensitive=sensitive, n=n,
                     seed=seed, intended_use=intended_use, limits=limit, json_path=json_path, html_path=output,
                     title=title)
    source = card["source"]
    typer.echo(f"card for {card['model']['name']} fitted on {source['name']} ({source['rows']:,} rows, sha256 "
               f"{source['sha256'][:12]}...): DP {card['differential_privacy']['statement']}; "
               f"{len(card['known_limits'])} known limits")
    for path in (json_path, output):
        if path is not None:
            typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``card`` command to the ``synthgan`` app."""
    app.command("card")(card_command)
