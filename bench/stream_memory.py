"""Is the streamed fit's data path flat in the number of rows? Reservoir + encoder + 16 encoded chunks.

Runs in this process (no training), so the peak RSS is the data path alone::

    python -m bench.make_big_table --rows 1000000 --out /tmp/big_1m
    python -m bench.stream_memory /tmp/big_1m bench/.cache/diabetes_10m

Prints one line per table: rows, peak RSS after the 200,000-row reservoir, and after encoding
16 shuffled chunks of 262,144 rows (what ``fit --stream`` reads for the default budget). Each
table is measured in its own subprocess, so the peaks do not mix.
"""

from __future__ import annotations

import resource
import subprocess
import sys

import numpy as np


def measure(path: str, chunks: int = 16) -> str:
    from synthgan.io.parquet_stream import ParquetSource
    from synthgan.tabular.encoder import TableEncoder
    from synthgan.tabular.schema import infer_schema

    source = ParquetSource(path)
    sample = source.reservoir(200_000, np.random.default_rng(0))
    after_reservoir = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    encoder = TableEncoder(encoding="mode_specific", seed=0).fit(sample, infer_schema(sample))
    stream = source.chunks(262_144, np.random.default_rng(1))
    for _ in range(chunks):
        encoder.transform(next(stream))
    after_chunks = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{path}: {source.n_rows:,} rows, peak RSS {after_reservoir:.0f} MB after the reservoir, {after_chunks:.0f} MB after {chunks} chunks"


def main(argv: list[str] | None = None) -> None:
    paths = sys.argv[1:] if argv is None else argv
    if len(paths) == 1:
        print(measure(paths[0]))
        return
    for path in paths:
        print(subprocess.run([sys.executable, "-m", "bench.stream_memory", path], capture_output=True, text=True, check=True).stdout.strip())


if __name__ == "__main__":
    main()
