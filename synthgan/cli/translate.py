"""`synthgan translate fit|apply|evaluate`: unpaired image-to-image style transfer (CycleGAN) between two image sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

translate_app = typer.Typer(
    name="translate",
    help="Unpaired image-to-image style transfer (CycleGAN): learn to turn images of one set into the style of "
         "another and back, translate files, judge a translation.",
    no_args_is_help=True,
)

_IMAGES = ".npz (images, optional labels) or a folder of PNG/JPEG images (one subfolder per class)"


@translate_app.command("fit")
def fit_command(
    source: Annotated[Path, typer.Argument(help=f"Source images: {_IMAGES}.")],
    target: Annotated[Path, typer.Argument(help=f"Target images, same height and width (channels may differ); not paired with SOURCE. {_IMAGES}.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (e.g. style.synthgan).")],
    steps: Annotated[int, typer.Option(min=1, help="Training steps (one generator and one critic update each).")] = 5000,
    max_time: Annotated[Optional[float], typer.Option("--max-time", help="Stop training after this many seconds.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (>= 0): same data + seed + machine = same weights.")] = 0,
    device: Annotated[str, typer.Option(help="auto (CUDA if present), cpu or cuda.")] = "auto",
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="ImageTranslator option KEY=VALUE (JSON value), repeatable, e.g. -p width=16 -p batch_size=16.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors still print.")] = False,
) -> None:
    """Learn to translate SOURCE images into the style of TARGET images and back; save the model (never pickled)."""
    from synthgan.cli.main import _parse_params
    from synthgan.errors import ConfigError
    from synthgan.images.translate.run import translate_fit

    params = _parse_params(param)
    for key in params:
        if key in ("steps", "max_time", "seed", "device", "verbose", "output"):
            raise ConfigError(f"--param {key}=... sets an option of its own; use --{key.replace('_', '-')} instead")
    translator = translate_fit(source, target, output=output, steps=steps, max_time=max_time, seed=seed, device=device,
                               verbose=not quiet, **params)
    if not quiet:
        (cs, h, w), ct = translator.source_encoder_.shape_, translator.target_encoder_.shape_[0]
        stop = " (stopped at --max-time)" if translator.stopped_early_ else ""
        typer.echo(f"fitted a translator between {translator.n_source_:,} source and {translator.n_target_:,} target images "
                   f"({h}x{w}, {cs} -> {ct} channel{'s' if ct > 1 else ''}) in {translator.fit_seconds_:.1f} s, "
                   f"{translator.steps_:,} steps{stop}; model saved to {output}")


@translate_app.command("apply")
def apply_command(
    model: Annotated[Path, typer.Argument(help="Model file written by `synthgan translate fit`.")],
    images: Annotated[Path, typer.Argument(help=f"Images to translate, like the fit's SOURCE (or TARGET with --backward): {_IMAGES}.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Translated images as .npz (keys images and, if the input had them, labels).")] = None,
    grid: Annotated[Optional[Path], typer.Option(help="PNG grid: originals, translations and the round trip back, in rows (per class when labelled).")] = None,
    backward: Annotated[bool, typer.Option("--backward", help="Translate target-style images back into the source style.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Translate images with a fitted translator; write an .npz and/or a PNG grid."""
    from synthgan.images.translate.run import translate_apply

    result = translate_apply(model, images, output=output, grid=grid, direction="backward" if backward else "forward")
    if not quiet:
        where = " and ".join(str(p) for p in (output, grid) if p is not None)
        typer.echo(f"translated {len(result['images']):,} images {'backward' if backward else 'forward'}; wrote {where}")


@translate_app.command("evaluate")
def evaluate_command(
    model: Annotated[Path, typer.Argument(help="Model file written by `synthgan translate fit`.")],
    source: Annotated[Path, typer.Argument(help="Source-style test images to translate, with labels for the content score.")],
    target: Annotated[Path, typer.Argument(help="Real target-style images, with labels for the content score.")],
    json_path: Annotated[Optional[Path], typer.Option("--json", help="Write the evaluation as JSON here.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the two classifiers trained here.")] = 0,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs of each classifier.")] = 10,
    device: Annotated[str, typer.Option(help="auto (CUDA if present), cpu or cuda.")] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Judge a translation: content kept (a classifier of TARGET's labels reads translated SOURCE), style changed (a domain classifier calls it target), cycle error; and the same for untranslated SOURCE."""
    from synthgan.images.translate.run import translate_evaluate

    result = translate_evaluate(model, source, target, json_path=json_path, seed=seed, epochs=epochs, device=device)
    if quiet:
        return
    t, b = result["translated"], result["identity_baseline"]

    def fmt(value: Optional[float]) -> str:
        return "   n/a" if value is None else f"{value:6.3f}"

    typer.echo(f"{result['n_source']:,} source images translated; classifiers trained on {result['n_target']:,} target images")
    typer.echo(f"  {'':34s} {'translated':>10s} {'untranslated':>12s}")
    typer.echo(f"  {'content kept (label read)':34s} {fmt(t['content_accuracy']):>10s} {fmt(b['content_accuracy']):>12s}")
    typer.echo(f"  {'style changed (called target)':34s} {fmt(t['target_share']):>10s} {fmt(b['target_share']):>12s}")
    typer.echo(f"  {'cycle error (mean abs, [-1, 1])':34s} {fmt(t['cycle_error']):>10s}")
    typer.echo(f"classifiers' held-out accuracy: content {fmt(result['content_classifier_accuracy']).strip()}, "
               f"domain {result['domain_classifier_accuracy']:.3f}, real vs translated "
               f"{result['real_vs_translated_accuracy']:.3f} (0.5: translations pass for real)")
    if json_path is not None:
        typer.echo(f"wrote {json_path}")


def register(app: typer.Typer) -> None:
    """Add the ``translate`` sub-app to the ``synthgan`` app."""
    app.add_typer(translate_app, name="translate")
