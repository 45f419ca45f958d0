"""Sharded sampling: ``n`` rows from one model file as many Parquet files in one directory.

Shard ``i`` (``part-00000.parquet``, ...) holds ``n // shards`` rows, plus one for the
first ``n % shards`` shards, generated with the seed ``child_seed(seed, "shard", str(i))``.
A shard therefore depends only on the model file, ``n``, ``shards``, ``seed``,
``conditions`` and ``chunk_rows``: the files are byte-identical whether they are written
in this process, by ``workers`` local processes (a ``spawn`` process pool, each process
loading the model once) or on a Dask cluster.

Each shard is streamed chunk by chunk through the chunked Parquet writer
(:func:`synthgan.io.tables.write_table_chunks`), so memory stays flat in ``n``, and is
written atomically (temporary file, then rename). The directory records its parameters in
``_manifest.json``; running the same request again keeps the finished shards (their row
count is checked) and writes the missing ones, while a different request into the same
directory is refused unless ``overwrite=True``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synthgan._random import child_seed
from synthgan.errors import ConfigError, InputFileError
from synthgan.io.atomic import TEMP_SUFFIX, atomic_path, clean_stale_temp_files

__all__ = ["ShardedTable", "shard_rows", "shard_seed", "shard_name", "sample_shards", "MANIFEST_NAME"]

MANIFEST_NAME = "_manifest.json"
MANIFEST_FORMAT = "synthgan-shards"
_PART = re.compile(r"^part-\d{5,}\.parquet$")
_TABLE_SUFFIXES = (".csv", ".gz", ".tsv", ".parquet", ".pq", ".json", ".txt")
_INSTALL_HINT = 'pip install "synthgan[distributed]"'


@dataclass(frozen=True)
class ShardedTable:
    """What :func:`sample_shards` wrote.

    Attributes
    ----------
    path : Path
        The output directory.
    rows : int
        Rows in all shards together (``n``).
    shards : int
        Number of shard files.
    written : int
        Shards written by this call.
    kept : int
        Finished shards of an earlier run that were kept.
    seed : int
        The seed the shards' seeds were derived from (drawn once when none was given).
    seconds : float
        Wall-clock seconds of the call.
    """

    path: Path
    rows: int
    shards: int
    written: int
    kept: int
    seed: int
    seconds: float


def shard_name(index: int) -> str:
    """File name of shard ``index``: ``part-00000.parquet``, ..."""
    return f"part-{index:05d}.parquet"


def shard_rows(n: int, shards: int) -> list[int]:
    """Rows per shard: ``n // shards``, plus one for each of the first ``n % shards`` shards."""
    base, extra = divmod(n, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


def shard_seed(seed: int, index: int) -> int:
    """The sampling seed of shard ``index``: ``child_seed(seed, "shard", str(index))``."""
    return child_seed(seed, "shard", str(index))


def _positive_int(value: Any, option: str, hint: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{option} must be a positive integer, got {value!r}; {hint}")
    return int(value)


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_shard_directory(path: str | os.PathLike) -> Path:
    """Check that ``path`` can hold shards: an existing directory of shard files only, or a new one.

    Raises
    ------
    InputFileError
        ``path`` is a file, looks like a table file name, its parent folder is missing, or
        it holds files other than shards, ``_manifest.json`` and synthgan's temporary files.
    """
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"--shards writes a directory of Parquet files, but '{out}' is a file; "
                             "give a directory, e.g. -o synth_parts/")
    if not out.exists():
        if out.name.lower().endswith(_TABLE_SUFFIXES):
            raise InputFileError(f"--shards writes a directory of Parquet files, not the file '{out}'; "
                                 f"give a directory, e.g. -o {out.name.split('.')[0] or 'synth'}_parts/")
        parent = out.parent if str(out.parent) else Path(".")
        if not parent.is_dir():
            raise InputFileError(f"cannot write shards into '{out}': folder '{parent}' does not exist; create it first")
        return out
    others = sorted(e.name for e in os.scandir(out)
                    if not (_PART.match(e.name) or e.name == MANIFEST_NAME
                            or (e.name.startswith(".") and e.name.endswith(TEMP_SUFFIX))))
    if others:
        listed = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise InputFileError(f"output directory '{out}' holds files that are not synthgan shards ({listed}); "
                             "choose an empty or new directory")
    return out


def _manifest(n: int, shards: int, seed: int, conditions: dict[str, Any], chunk_rows: int, model_path: Path,
              checksum: str) -> dict[str, Any]:
    return {"format": MANIFEST_FORMAT, "version": 1, "n": n, "shards": shards, "seed": seed,
            "conditions": json.loads(json.dumps(conditions, sort_keys=True, default=str)),
            "chunk_rows": chunk_rows, "model": {"name": model_path.name, "sha256": checksum}}


def _read_manifest(out: Path) -> dict[str, Any] | None:
    path = out / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    keys = ("n", "shards", "seed", "conditions", "chunk_rows")
    diff = [k for k in keys if old.get(k) != new[k]]
    if (old.get("model") or {}).get("sha256") != new["model"]["sha256"]:
        diff.append("model file")
    if old.get("format") != MANIFEST_FORMAT:
        diff.insert(0, "format")
    return diff


def _finished(path: Path, rows: int) -> bool:
    """Whether ``path`` is a complete shard of ``rows`` rows (its Parquet footer says so)."""
    if not path.is_file():
        return False
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows == rows
    except Exception:  # noqa: BLE001 - unreadable: write it again
        return False


# ------------------------------------------------------------------ the work of one shard
_LOADED: dict[tuple[str, str], Any] = {}  # per process: (model path, sha256) -> Synthesizer


def _set_threads(threads: int | None) -> None:
    if threads:
        import torch

        torch.set_num_threads(threads)


def _loaded_synthesizer(model_path: str, checksum: str) -> Any:
    """The synthesizer of ``model_path``, loaded once per process."""
    key = (model_path, checksum)
    if key not in _LOADED:
        from synthgan.verbs import _synthesizer

        _LOADED.clear()
        _LOADED[key] = _synthesizer(model_path)
    return _LOADED[key]


def _write_one(syn: Any, out_dir: str, index: int, rows: int, seed: int, conditions: dict[str, Any],
               chunk_rows: int) -> int:
    from synthgan.io.tables import write_table_chunks

    chunks = syn.sample_chunks(rows, conditions=conditions, seed=shard_seed(seed, index), chunk_rows=chunk_rows)
    return write_table_chunks(chunks, Path(out_dir) / shard_name(index))


def _write_shard_task(model_path: str, checksum: str, out_dir: str, index: int, rows: int, seed: int,
                      conditions: dict[str, Any], chunk_rows: int, threads: int | None = None) -> int:
    """Write one shard in a worker process (process pool or Dask worker); returns its rows."""
    _set_threads(threads)
    syn = _loaded_synthesizer(model_path, checksum)
    return _write_one(syn, out_dir, index, rows, seed, conditions, chunk_rows)


def _run_local(syn: Any, todo: list[tuple[int, int]], common: dict[str, Any], workers: int) -> None:
    if workers == 1:
        for index, rows in todo:
            _write_one(syn, common["out_dir"], index, rows, common["seed"], common["conditions"], common["chunk_rows"])
        return
    import multiprocessing
    from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

    threads = max(1, (os.cpu_count() or 1) // workers)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_write_shard_task, index=i, rows=r, threads=threads, **common) for i, r in todo]
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        for future in done:
            future.result()  # re-raise the first error


def _dask_client(address: str, workers: int):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(f"--dask needs the optional Dask extra; install it with {_INSTALL_HINT}, "
                          "or use --workers N for local processes") from None
    try:
        if address == "local":
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            return Client(cluster), cluster
        return Client(address, timeout="20s"), None
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"--dask: cannot reach the Dask scheduler at '{address}' ({exc}); "
                          "check the address, or use --dask local") from None


def _run_dask(client: Any, todo: list[tuple[int, int]], common: dict[str, Any]) -> None:
    futures = [client.submit(_write_shard_task, index=i, rows=r, key=f"synthgan-shard-{i}-{common['seed']}",
                             pure=False, **common) for i, r in todo]
    client.gather(futures)


def sample_shards(model_path: str | os.PathLike, n: int, output: str | os.PathLike, *, shards: int,
                  seed: int | None = None, conditions: dict[str, Any] | None = None, workers: int = 1,
                  dask: str | None = None, overwrite: bool = False, chunk_rows: int = 100_000) -> ShardedTable:
    """Write ``n`` synthetic rows from a model file as ``shards`` Parquet files in the directory ``output``.

    Parameters
    ----------
    model_path : str or PathLike
        A table model file written by ``synthgan fit`` (worker processes load it themselves;
        on a Dask cluster it must be readable at the same path by every worker).
    n : int
        Rows in all (> 0, at least ``shards``).
    output : str or PathLike
        Directory to write ``part-00000.parquet``, ... and ``_manifest.json`` into; created
        if missing (its parent must exist); may hold only an earlier run's shards.
    shards : int
        Number of files (> 0, at most ``n``).
    seed : int, optional
        Shard ``i`` is sampled with ``child_seed(seed, "shard", str(i))``. ``None`` reuses
        the seed recorded in ``output``'s manifest, if any, else draws one (recorded).
    conditions : dict, optional
        ``{column: value}`` that every row meets.
    workers : int, default=1
        Local processes (``spawn`` context; 1: this process), or, with ``dask="local"``,
        the workers of the local Dask cluster.
    dask : str, optional
        ``"local"`` for a :class:`dask.distributed.LocalCluster`, or a scheduler address
        (needs ``pip install "synthgan[distributed]"``).
    overwrite : bool, default=False
        Replace the shards of a different earlier request in ``output``.
    chunk_rows : int, default=100_000
        Rows generated and written per chunk within a shard (part of the request: it
        shapes the files).

    Returns
    -------
    ShardedTable

    Raises
    ------
    ConfigError
        Bad ``n``, ``shards``, ``workers`` or ``chunk_rows``, Dask missing or unreachable, or
        ``output`` holding shards of a different request without ``overwrite``.
    InputFileError
        ``output`` is a file, a table file name, or a directory holding other files.
    """
    from synthgan.tabular.synthesizer import _check_n

    started = time.perf_counter()
    n = _check_n(n)
    shards = _positive_int(shards, "--shards", "e.g. --shards 8")
    if shards > n:
        raise ConfigError(f"--shards {shards} is more than the {n:,} rows asked for; use at most --shards {n}")
    workers = _positive_int(workers, "--workers", "e.g. --workers 4")
    chunk_rows = _positive_int(chunk_rows, "--chunk-rows", "e.g. --chunk-rows 100000")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ConfigError(f"--seed must be a non-negative integer, got {seed!r}")
    conditions = dict(conditions or {})
    out = check_shard_directory(output)
    if dask is not None:
        try:
            import dask.distributed as _distributed  # noqa: F401 - ``import dask`` would rebind the argument
        except ImportError:
            raise ConfigError(f"--dask needs the optional Dask extra; install it with {_INSTALL_HINT}, "
                              "or use --workers N for local processes") from None

    model_path = Path(model_path)
    if not model_path.is_file():
        from synthgan.verbs import _synthesizer

        _synthesizer(model_path)  # raises the usual one-line error for a missing file or a folder
    checksum = file_sha256(model_path)
    syn = _loaded_synthesizer(str(model_path.resolve()), checksum)
    syn.sample_chunks(1, conditions=conditions, seed=0)  # checks the conditions now; generates nothing

    old = _read_manifest(out) if out.is_dir() else None
    if seed is None:
        seed = old["seed"] if old and isinstance(old.get("seed"), int) else child_seed(None, "shards")
    manifest = _manifest(n, shards, seed, conditions, chunk_rows, model_path, checksum)
    parts = sorted(p for p in out.iterdir() if _PART.match(p.name)) if out.is_dir() else []
    if old is not None or parts:
        diff = ["no manifest"] if old is None else _differences(old, manifest)
        if diff and not overwrite:
            raise ConfigError(f"output directory '{out}' holds shards of a different request ({', '.join(diff)} differ); "
                              "pass --overwrite to replace them, or choose another directory")
        if diff:
            for part in parts:
                part.unlink()

    client = cluster = None
    if dask is not None:
        client, cluster = _dask_client(dask, workers)
    try:
        out.mkdir(exist_ok=True)
        clean_stale_temp_files(out)
        with atomic_path(out / MANIFEST_NAME, what="shard manifest") as tmp:
            tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        sizes = shard_rows(n, shards)
        todo = [(i, rows) for i, rows in enumerate(sizes) if not _finished(out / shard_name(i), rows)]
        common = dict(model_path=str(model_path.resolve()), checksum=checksum, out_dir=str(out.resolve()), seed=seed,
                      conditions=conditions, chunk_rows=chunk_rows)
        if client is not None:
            _run_dask(client, todo, common)
        else:
            _run_local(syn, todo, common, min(workers, max(len(todo), 1)))
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return ShardedTable(out, n, shards, len(todo), shards - len(todo), seed, time.perf_counter() - started)
