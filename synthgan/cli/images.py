"""`synthgan evaluate-images`: judge synthetic images against real ones, write JSON and HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def _print_summary(result: dict) -> None:
    from synthgan.images.evaluate import headline

    meta = result["meta"]
    image = meta["image"]
    held = "real holdout" if meta["holdout_given"] else "holdout split from the real images"
    typer.echo(f"{meta['n_synthetic']:,} synthetic vs {meta['n_train']:,} real training images "
               f"({image['width']}x{image['height']}, {'grey' if image['channels'] == 1 else 'colour'}), "
               f"{meta['n_holdout']:,} in the {held}")
    net = result["feature_net"]
    what = "class" if net["objective"] == "classes" else "rotation (no labels)"
    typer.echo(f"feature network trained here: {what} accuracy {net['accuracy']:.3f} on {net['n_validation']:,} "
               "held-out real images")
    rows = headline(result)
    width = max(len(label) for _, label, _, _ in rows)

    def fmt(value: float | None) -> str:
        return f"{'' if value is None else f'{value:.4g}':>10s}"

    typer.echo(f"  {'':{width}s} {'holdout':>10s} {'synthetic':>10s}")
    for _, label, real, synthetic in rows:
        if synthetic is not None or real is not None:
            typer.echo(f"  {label:{width}s} {fmt(real)} {fmt(synthetic)}")
    for family, verdict in result["verdicts"].items():
        mark = {True: "pass", False: "FAIL", None: "----"}[verdict["passed"]]
        typer.echo(f"{mark} {family}: {verdict['sentence']}")
    typer.echo("note: the Frechet distance is measured with a locally trained network; it is not comparable to "
               "published Inception FIDs")
    typer.echo(f"evaluated in {meta['inputs']['seconds']:.1f} s")


def evaluate_images_command(
    real: Annotated[Path, typer.Argument(help="Real training images: .npz (images, optional labels) or a folder with one subfolder per class.")],
    synthetic: Annotated[Path, typer.Argument(help="Synthetic images, same forms; their labels are the requested classes.")],
    holdout: Annotated[Optional[Path], typer.Option(help="Real images the generator never saw (the yardstick); without it 20% of REAL is split off.")] = None,
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the whole evaluation as JSON here.")] = None,
    html: Annotated[Optional[Path], typer.Option(help="Write the self-contained HTML report here.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the feature network, split and subsamples (same seed = same scores).")] = 0,
    device: Annotated[str, typer.Option(help="auto (CUDA if present), cpu or cuda: where the feature network runs.")] = "auto",
    k: Annotated[int, typer.Option("--k", help="Neighbours of the precision/recall/density/coverage balls.")] = 5,
    max_samples: Annotated[int, typer.Option("--max-samples", help="Images per side for the distances and the copy search (seeded subsample).")] = 10_000,
    title: Annotated[Optional[str], typer.Option(help="Title of the HTML report.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Score synthetic images against real ones with a feature network trained here: Frechet distance, precision/recall/density/coverage, class-conditional accuracy, memorisation; JSON and HTML report."""
    from synthgan.images.evaluate import evaluate_images

    result = evaluate_images(real, synthetic, holdout=holdout, seed=seed, device=device, k=k, max_samples=max_samples,
                             json_path=json_path, html_path=html, title=title)
    if not quiet:
        _print_summary(result)
        for path in (json_path, html):
            if path is not None:
                typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the ``evaluate-images`` command to the ``synthgan`` app."""
    app.command("evaluate-images")(evaluate_images_command)
