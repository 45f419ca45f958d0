"""`synthgan experiment augment-images`: does GAN augmentation help a small CNN trained on a few labelled images per class?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from synthgan.cli.anomaly_experiment import _shots
from synthgan.cli.augment import HtmlOut, JsonOut, Quiet, Seed, _split_list
from synthgan.images.lowshot.arms import (ARMS, DEFAULT_CLASSIFIER_STEPS, DEFAULT_GENERATOR_STEPS, DEFAULT_RATIO,
                                          DEFAULT_SHOTS)


def experiment_augment_images(
    data: Annotated[Path, typer.Argument(help="Labelled images: an .npz with 'images' and 'labels', or a folder with one subfolder per class. The labelled sets are drawn from it (after the test share is split off unless --test is given).")],
    shots: Annotated[Optional[list[str]], typer.Option("--shots", help=f"Comma-separated labelled images per class; default {','.join(map(str, DEFAULT_SHOTS))}.")] = None,
    seeds: Annotated[int, typer.Option(help="Repetitions; intervals are t intervals over them.")] = 5,
    arms: Annotated[Optional[list[str]], typer.Option("--arms", help=f"Comma-separated arms: {', '.join(ARMS)}; default: all.")] = None,
    test: Annotated[Optional[Path], typer.Option("--test", help="Separate labelled test images (.npz or folder), never seen by a generator.")] = None,
    test_size: Annotated[float, typer.Option(help="Stratified test share of DATA when no --test is given.")] = 0.2,
    ratio: Annotated[float, typer.Option(help="Synthetic images per labelled image, per class, in the GAN arms.")] = DEFAULT_RATIO,
    generator_steps: Annotated[int, typer.Option(help="Optimiser steps of each generator fit (one per seed and shot count).")] = DEFAULT_GENERATOR_STEPS,
    classifier_steps: Annotated[int, typer.Option(help="Optimiser steps of every classifier, whatever its training set's size.")] = DEFAULT_CLASSIFIER_STEPS,
    device: Annotated[str, typer.Option(help="auto (CUDA when present), cpu or cuda.")] = "auto",
    threads: Annotated[Optional[int], typer.Option(help="Torch CPU threads (default: torch's setting).")] = None,
    html: HtmlOut = None,
    json_out: JsonOut = None,
    seed: Seed = 0,
    quiet: Quiet = False,
) -> None:
    """Compare no augmentation, random affine augmentation, GAN augmentation and both on a few labelled images per class."""
    from synthgan import verbs
    from synthgan.images.lowshot.report import experiment_text

    experiment = verbs.experiment_augment_images(
        data, shots=_shots(shots) or DEFAULT_SHOTS, seeds=seeds, arms=_split_list(arms), test=test, test_size=test_size,
        ratio=ratio, generator_steps=generator_steps, classifier_steps=classifier_steps, seed=seed, device=device,
        threads=threads, json_path=json_out, html_path=html,
        progress=None if quiet else (lambda line: typer.echo(line, err=True)))
    typer.echo(experiment_text(experiment.to_dict(), full=html is None and json_out is None))


def register(experiment_app: typer.Typer) -> None:
    """Add ``augment-images`` to the ``synthgan experiment`` sub-app."""
    experiment_app.command("augment-images")(experiment_augment_images)
