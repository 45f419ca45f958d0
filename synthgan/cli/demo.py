"""`synthgan demo`: fit on the bundled UCI Adult sample, sample, save, summarise."""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

import pandas as pd
import typer

from synthgan.tabular import DEFAULT_TABLE_MODEL

DEMO_FILE = "adult_sample.csv.gz"
DEMO_EPOCHS = 60  # for every model that trains over epochs (autoregressive: about 15 s on 2 cores, ctgan about a minute); others fit in one pass


def demo_epochs(model: str) -> int | None:
    """The demo's training length for ``model``: :data:`DEMO_EPOCHS` if it trains over epochs, else ``None``."""
    from synthgan.core.registry import capabilities

    return DEMO_EPOCHS if capabilities(model).trainable else None


def load_demo_table() -> pd.DataFrame:
    """The bundled 5,000-row sample of UCI Adult (CC BY 4.0, see synthgan/demo/ATTRIBUTION.md)."""
    from synthgan.io.tables import read_table

    with resources.as_file(resources.files("synthgan.demo") / DEMO_FILE) as path:
        return read_table(path)


def run_demo(output_dir: Path, *, model: str = DEFAULT_TABLE_MODEL, epochs: int | None = None, seed: int = 0, quiet: bool = False) -> dict:
    """Run the demo and return what it measured (paths, seconds, scores)."""
    from synthgan import verbs
    from synthgan.evaluation import column_pair_trends, column_shapes
    from synthgan.io.tables import write_table

    demo = demo_epochs(model)  # an unknown name fails here, before anything is written
    epochs = demo if epochs is None else epochs
    output_dir.mkdir(parents=True, exist_ok=True)
    real = load_demo_table()
    started = time.perf_counter()
    model_path = output_dir / "model.synthgan"
    syn = verbs.fit(real, model=model, output=model_path, epochs=epochs, seed=seed, verbose=not quiet)
    synthetic = verbs.sample(syn, len(real), seed=seed)
    data_path = write_table(synthetic, output_dir / "synthetic.csv")
    seconds = time.perf_counter() - started
    shapes = float(column_shapes(real, synthetic))
    trends = float(column_pair_trends(real, synthetic))
    summary = {"model_path": str(model_path), "synthetic_path": str(data_path), "seconds": seconds,
               "column_shapes": shapes, "column_pair_trends": trends, "rows": len(synthetic)}
    if not quiet:
        typer.echo(
            f"\nsynthgan demo: {model} on {len(real):,} rows of UCI Adult (CC BY 4.0), {seconds:.0f} s in all\n"
            f"  column shapes      {shapes:.3f}   (1 = marginals identical)\n"
            f"  column pair trends {trends:.3f}   (1 = pairwise relations identical)\n"
            f"  synthetic rows     {data_path}\n"
            f"  model file         {model_path}\n"
            f"next: synthgan sample {model_path} -n 1000 -o more.csv --condition income='>50K'\n"
            f"      synthgan evaluate <real.csv> {data_path} --html report.html"
        )
    return summary
