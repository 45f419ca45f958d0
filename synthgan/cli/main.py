"""`synthgan` command line: fit, sample, schema, info, models, demo (+ evaluate, report, augment, evaluate-series)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from synthgan.tabular import DEFAULT_TABLE_MODEL
from synthgan.core.registry import names_help
from synthgan.errors import ConfigError
from synthgan.images.synthesizer import DEFAULT_IMAGE_MODEL
from synthgan.timeseries.synthesizer import DEFAULT_SEQUENCE_MODEL

app = typer.Typer(
    name="synthgan",
    help="Learn tables, series and images with GANs (and VAEs and a Gaussian copula); generate faithful, private synthetic data, and measure it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary; errors still print.")]


def _hide_flag_types() -> None:
    """Flags take no value, so help shows no type after them (typer 0.2x prints ``<bool>`` there)."""
    from typer import core

    original = getattr(core.TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_synthgan_flags", False):
        return

    def display_type_rich(self, ctx):  # noqa: ANN001, ANN202
        if getattr(self, "is_flag", False):
            return None
        return original(self, ctx)

    display_type_rich._synthgan_flags = True  # type: ignore[attr-defined]
    core.TyperOption.display_type_rich = display_type_rich


_hide_flag_types()


def _parse_pairs(pairs: list[str] | None, option: str, what: str = "COLUMN") -> dict[str, str]:
    parsed: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} expects {what}=VALUE, got {pair!r}; e.g. {option} income='>50K'")
        key = key.strip()
        if key in parsed:
            raise ConfigError(f"{option} names {what.lower()} '{key}' twice ({key}={parsed[key]!r} and {key}={value!r}); "
                              "give each one once")
        parsed[key] = value
    return parsed


def _check_schema_file(schema: Path | None) -> None:
    if schema is not None and not schema.is_file():
        reason = "is a folder" if schema.is_dir() else "does not exist"
        raise ConfigError(f"--schema: '{schema}' {reason}; write one with `synthgan schema DATA -o schema.json`")


def _parse_params(pairs: list[str] | None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, text in _parse_pairs(pairs, "--param", "KEY").items():
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        params[key] = tuple(value) if isinstance(value, list) else value
    return params


@app.command()
def fit(
    data: Annotated[Path, typer.Argument(help="Training table: CSV (optionally .gz), TSV or Parquet; or images: an .npz file (keys images, labels) or a folder with one subfolder of PNG/JPEG images per class.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (e.g. model.synthgan).")],
    model: Annotated[Optional[str], typer.Option("--model", "-m", help=f"{names_help('table')} (see `synthgan models`), default {DEFAULT_TABLE_MODEL}; with --time-column: {names_help('sequence')}, default {DEFAULT_SEQUENCE_MODEL}; for images: {names_help('image')}, default {DEFAULT_IMAGE_MODEL}.")] = None,
    epochs: Annotated[Optional[int], typer.Option(help="Training epochs (default: chosen from the data size).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Rows per training step (default: the model's).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (>= 0): same data + seed + machine = same model.")] = 0,
    schema: Annotated[Optional[Path], typer.Option(help="Schema JSON (from `synthgan schema`) to override inference.")] = None,
    device: Annotated[str, typer.Option(help="auto (CUDA if present), cpu or cuda.")] = "auto",
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="Model option KEY=VALUE (JSON value), repeatable.")] = None,
    patience: Annotated[Optional[int], typer.Option(help="Early stopping: stop after N validation scores without improvement (holds out 10% of rows, max 5,000).")] = None,
    max_time: Annotated[Optional[float], typer.Option(help="Stop training after this many seconds, keeping the best weights.")] = None,
    validation_every: Annotated[Optional[int], typer.Option(help="Epochs between validation scores (default: about 20 per fit).")] = None,
    checkpoint_every: Annotated[Optional[int], typer.Option(help="Write a resumable training checkpoint every N epochs.")] = None,
    checkpoint: Annotated[Optional[Path], typer.Option(help="Checkpoint file (default: <output>.ckpt).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue from the checkpoint of an interrupted fit (same data and options).")] = False,
    stream: Annotated[bool, typer.Option("--stream", help="DATA is a Parquet file or folder larger than memory: fit the encoder on a 200,000-row reservoir sample and train on shuffled 262,144-row chunks (an epoch is one chunk).")] = False,
    time_column: Annotated[Optional[str], typer.Option("--time-column", help="Learn series, not a table: the time column (dates, times or step numbers). Sampled paths continue its calendar.")] = None,
    entity: Annotated[Optional[str], typer.Option(help="With --time-column: the entity key column (a station, a ticker); one series per entity.")] = None,
    columns: Annotated[Optional[str], typer.Option(help="With --time-column: value columns to learn, comma-separated (default: every other column).")] = None,
    returns: Annotated[Optional[str], typer.Option(help="With --time-column: learn price columns as 'log' or 'simple' returns; sampled prices continue from the last training price.")] = None,
    pii: Annotated[Optional[str], typer.Option(help="Tables: direct identifiers found by content (names, emails, phones, addresses, national ids, free text) are never learned; 'fake' (default) gives each row a fresh fake, 'consistent' keeps one fake per recurring identity. Needs synthgan[pii].")] = None,
    pii_locale: Annotated[Optional[str], typer.Option("--pii-locale", help="Faker locale of the fakes (default en_US).")] = None,
    fair_target: Annotated[Optional[str], typer.Option("--fair-target", help="Tables: fair generation. Sampled rows draw this column and --fair-sensitive from the product of their real shares, so the target is independent of the group; the rest of each row is generated for its cell.")] = None,
    fair_sensitive: Annotated[Optional[str], typer.Option("--fair-sensitive", help="Tables: the sensitive column (e.g. sex) the --fair-target must not depend on.")] = None,
    epsilon: Annotated[Optional[float], typer.Option(help=f"Tables: differential privacy for the whole fit (noisy column statistics + DP-SGD until the budget is spent); models marked DP in `synthgan models`. Needs synthgan[dp].")] = None,
    delta: Annotated[Optional[float], typer.Option(help="With --epsilon: the DP delta (default 1e-5; keep it well below 1 / rows).")] = None,
    quiet: Quiet = False,
) -> None:
    """Fit a model on a table (or, with --time-column, on series) and save it (safetensors + JSON manifest, never pickle)."""
    from synthgan import verbs

    _check_schema_file(schema)
    options = dict(epochs=epochs, batch_size=batch_size, seed=seed, device=device, verbose=not quiet, schema=schema,
                   patience=patience, max_time=max_time, validation_every=validation_every,
                   checkpoint_every=checkpoint_every, checkpoint=checkpoint)
    series = dict(time_column=time_column, entity=entity, columns=columns, returns=returns)
    table_only = {"pii": pii, "pii_locale": pii_locale, "fair_target": fair_target, "fair_sensitive": fair_sensitive,
                  "epsilon": epsilon, "delta": delta}
    options.update({k: v for k, v in table_only.items() if v is not None})
    params = _parse_params(param)
    for key in params:
        if key in options or key in series or key in ("model", "output", "resume", "data", "callbacks", "stream"):
            raise ConfigError(f"--param {key}=... sets an option of its own; use --{key.replace('_', '-')} instead")
    syn = verbs.fit(data, model=model, output=output, resume=resume, stream=stream, **series, **options, **params)
    from synthgan.core.distributed import launch_rank

    if quiet or launch_rank() != 0:  # under torchrun, rank 0 alone reports
        return
    from synthgan.images.run import fit_message, is_image_input

    if is_image_input(data, stream):
        typer.echo(fit_message(syn, output))
        return
    if time_column is not None:
        typer.echo(f"fitted {syn.model} on {syn.n_series_fit_:,} series ({syn.n_rows_fit_:,} rows x "
                   f"{len(syn.encoder_.columns_)} columns, longest {syn.training_length_:,} steps) in {syn.fit_seconds_:.1f} s; "
                   f"model saved to {output}")
    else:
        typer.echo(f"fitted {syn.model} on {syn.n_rows_fit_:,} rows x {len(syn.schema_.names)} columns in {syn.fit_seconds_:.1f} s "
                   f"({len(syn.history_)} epochs); model saved to {output}")
        if getattr(syn, "privacy_", None):
            from synthgan.dp.describe import privacy_line

            typer.echo(privacy_line(syn.privacy_))
    _echo_diagnostics(syn.diagnostics_)


def _echo_diagnostics(diagnostics: dict[str, Any]) -> None:
    if diagnostics.get("validation") is not None:
        stop = f", stopped early ({diagnostics.get('stop_reason')})" if diagnostics.get("stopped_early") else ""
        typer.echo(f"best validation score {diagnostics['validation']:.4f} at epoch {diagnostics['best_epoch']}{stop}; "
                   "the model keeps those weights")
    for alarm in diagnostics.get("alarms", []):
        typer.echo(f"warning: {alarm}", err=True)


@app.command()
def sample(
    model_file: Annotated[Path, typer.Argument(help="Model file written by `synthgan fit`.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output table: .csv, .csv.gz, .tsv or .parquet; from an image model: .npz, a .png grid, or a folder (no suffix) of PNG files per class.")],
    n: Annotated[Optional[int], typer.Option("--n", "-n", help="Number of rows to generate (> 0).")] = None,
    paths: Annotated[Optional[int], typer.Option(help="Sequence models: number of paths to generate (> 0), written in long format.")] = None,
    length: Annotated[Optional[int], typer.Option(help="Sequence models: steps per path (default: the training length).")] = None,
    seed: Annotated[Optional[int], typer.Option(min=0, help="Seed for this sample, >= 0 (default: the model's own stream).")] = None,
    condition: Annotated[Optional[list[str]], typer.Option("--condition", "-c", help="COLUMN=VALUE every row must meet, repeatable (sequence models: an attribute every path has, e.g. station=Dongsi).")] = None,
    chunk_rows: Annotated[int, typer.Option(help="Rows generated and written per chunk (memory stays flat).")] = 100_000,
    shards: Annotated[Optional[int], typer.Option(help="Write -n rows as this many Parquet files part-00000.parquet, ... into the directory -o; a re-run resumes.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="With --shards: local processes writing shards (default 1), or --dask local's workers.")] = None,
    dask: Annotated[Optional[str], typer.Option(help="With --shards: a Dask scheduler address, or 'local' (needs the 'distributed' extra).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="With --shards: replace the shards of a different earlier request in -o.")] = False,
    grid: Annotated[Optional[Path], typer.Option(help="Image models: also write the images as one PNG grid (a row per class).")] = None,
    quiet: Quiet = False,
) -> None:
    """Generate synthetic rows from a model file, streamed to CSV or Parquet (or, with --shards, a directory of Parquet files).

    From a sequence model (fitted with --time-column): --paths N paths of --length L steps, in long format.
    From an image model: -n images (--condition label=3 picks the class) to .npz, PNG files or a PNG grid.
    """
    from synthgan import verbs

    conditions = _parse_pairs(condition, "--condition")
    if shards is None:
        for name, value in (("--workers", workers), ("--dask", dask), ("--overwrite", overwrite or None)):
            if value is not None:
                raise ConfigError(f"{name} works with --shards only; add e.g. --shards 8 and a directory as -o")
    else:
        if paths is not None or length is not None:
            raise ConfigError("--shards writes table rows; sample a sequence model with --paths/--length and no --shards")
        result = verbs.sample_shards(model_file, n, output, shards=shards, conditions=conditions, seed=seed,
                                     workers=1 if workers is None else workers, dask=dask, overwrite=overwrite,
                                     chunk_rows=chunk_rows)
        if not quiet:
            typer.echo(f"wrote {result.rows:,} rows as {result.shards} shards in {output} ({result.written} written, "
                       f"{result.kept} kept) with seed {result.seed} in {result.seconds:.1f} s")
        return
    started = time.perf_counter()
    written = verbs.sample(model_file, n, paths=paths, length=length, conditions=conditions, seed=seed, output=output,
                           chunk_rows=chunk_rows, grid=grid)
    from synthgan.images.io import ImageSet

    if isinstance(written, ImageSet):
        from synthgan.images.run import sample_message

        if not quiet:
            typer.echo(sample_message(written, output, grid, time.perf_counter() - started))
    elif not quiet and paths is not None:
        typer.echo(f"wrote {paths:,} paths ({written.rows:,} rows) to {output} in {written.seconds:.1f} s")
    elif not quiet:
        typer.echo(f"wrote {written.rows:,} rows to {output} in {written.seconds:.1f} s "
                   f"({written.rows / max(written.seconds, 1e-9):,.0f} rows/s)")


@app.command()
def schema(
    data: Annotated[Path, typer.Argument(help="Table to infer the schema of.")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the JSON here instead of printing it.")] = None,
    rules: Annotated[bool, typer.Option("--rules/--no-rules", help="Add the rules between columns found in the data "
                                        "(a <= b, sums, ranges per level, forbidden combinations).")] = True,
) -> None:
    """Print (or write) the inferred schema as JSON; edit it and pass it back with `fit --schema`.

    Its "rules" list holds the rules every synthetic row will keep: delete an entry to drop
    it, add one to declare it, or leave the list out to have `fit` find them itself.
    """
    from dataclasses import replace

    from synthgan.tabular.rules_detect import detect_rules
    from synthgan.tabular.schema import infer_schema
    from synthgan.io.atomic import atomic_path
    from synthgan.io.tables import read_table

    table = read_table(data)
    inferred = infer_schema(table)
    text = (replace(inferred, rules=detect_rules(table, inferred)) if rules else inferred).to_json()
    if output is None:
        typer.echo(text)
        return
    with atomic_path(output, what="schema file") as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"schema written to {output}", err=True)


@app.command()
def info(model_file: Annotated[Path, typer.Argument(help="Model file written by `synthgan fit`.")]) -> None:
    """Describe a model file: model, columns, training history and diagnostics (for series: entity, calendar, returns; for images: size, classes, quality)."""
    from synthgan.cli.describe import describe_model_file
    from synthgan.images.describe import describe_image_file
    from synthgan.timeseries.describe import describe_series_file

    typer.echo(describe_series_file(model_file) or describe_image_file(model_file) or describe_model_file(model_file))


@app.command("models")
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print every model's capabilities as JSON instead.")] = False,
) -> None:
    """List the registered models: name, kind of data and what each one is."""
    from synthgan.core.registry import available_models, capabilities

    if as_json:
        typer.echo(json.dumps({name: capabilities(name).to_dict() for name in available_models()}, indent=2))
        return
    for name in available_models():
        caps = capabilities(name)
        typer.echo(f"{name:14s} {caps.kind:8s} {'DP ' if caps.private else '   '}{caps.summary}")


@app.command()
def demo(
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder for the demo's outputs.")] = Path("synthgan-demo-output"),
    model: Annotated[str, typer.Option("--model", "-m", help=f"Model to fit on the demo table: {names_help('table')}.")] = DEFAULT_TABLE_MODEL,
    epochs: Annotated[Optional[int], typer.Option(help="Training epochs (default: about a minute on 2 cores).")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (>= 0).")] = 0,
    quiet: Quiet = False,
) -> None:
    """Fit a quick model on the bundled UCI Adult sample, sample from it and print a summary."""
    from synthgan.cli.demo import run_demo

    run_demo(output_dir, model=model, epochs=epochs, seed=seed, quiet=quiet)


def _register_command_modules() -> None:
    # Commands defined beside their feature; a broken import must fail loudly, not vanish.
    import importlib

    for name in ("synthgan.cli.evaluate", "synthgan.cli.augment", "synthgan.cli.series", "synthgan.cli.anomaly",
                 "synthgan.cli.images", "synthgan.cli.translate", "synthgan.cli.card",
                 "synthgan.cli.privacy"):
        importlib.import_module(name).register(app)


_register_command_modules()
from synthgan.cli._errors import wrap_all_commands  # noqa: E402

wrap_all_commands(app)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
