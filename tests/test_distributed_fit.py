"""Data parallel table fits: `torchrun --nproc-per-node 2 -m synthgan fit` (gloo, CPU) and its refusals."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import synthgan
from synthgan import verbs
from synthgan._random import child_seed
from synthgan.core import distributed as dist
from synthgan.core.hooks import TrainingHooks
from synthgan.core.registry import create_model, get_model_class
from synthgan.io.tables import read_table
from synthgan.errors import ConfigError
from synthgan.tabular.encoder import TableEncoder
from synthgan.tabular.schema import infer_schema
from synthgan.tabular.synthesizer import Synthesizer

ROOT = Path(__file__).resolve().parents[1]
N_ROWS = 401  # odd: the two ranks' parts differ by one row before padding


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "age": rng.normal(40, 10, N_ROWS).round(1),
        "city": rng.choice(["a", "b", "c", "d"], N_ROWS, p=[0.5, 0.3, 0.15, 0.05]),
        "flag": rng.choice(["y", "n"], N_ROWS),
        "income": rng.lognormal(10, 1, N_ROWS).round(2),
    })


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _torchrun_fit(tmp_path: Path, model: str, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
           "--master-port", str(_free_port()), "-m", "synthgan", "fit", "small.csv", "-o", "m.synthgan",
           "--model", model, "--epochs", "2", "--seed", "0", "--quiet", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)


class _SameStream(TrainingHooks):
    """What rank 0 runs, minus DDP: its stream, one backward per step, no gradient averaging."""

    single_backward = True
    stream_keys = ("rank", "0")


@pytest.mark.parametrize("model", ["ctgan", "tvae"])
def test_two_torchrun_ranks_fit_one_model_file(model, tmp_path):
    _table().to_csv(tmp_path / "small.csv", index=False)
    done = _torchrun_fit(tmp_path, model)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.synthgan", "small.csv"]  # one file, no leftovers
    parallel = synthgan.load(tmp_path / "m.synthgan")
    rows = parallel.sample(50, seed=1)
    assert len(rows) == 50 and list(rows.columns) == ["age", "city", "flag", "income"]

    single = verbs.fit(str(tmp_path / "small.csv"), model=model, epochs=2, seed=0, device="cpu", distributed=False)
    (p_meta, p_enc), (s_meta, s_enc) = parallel.encoder_.to_state(), single.encoder_.to_state()
    assert p_meta == s_meta and p_enc.keys() == s_enc.keys() and all(np.array_equal(p_enc[k], s_enc[k]) for k in p_enc)
    # the encoded rows every rank trained from, as Synthesizer.fit makes them
    frame = read_table(tmp_path / "small.csv")
    encoder = TableEncoder(encoding=get_model_class(model).capabilities.encoding, seed=child_seed(0, "encoder"))
    encoded = encoder.fit(frame, infer_schema(frame)).transform(frame)
    p_arrays, s_arrays = parallel.model_.state_arrays(), single.model_.state_arrays()
    if model == "ctgan":  # sampling frequencies are the whole table's, not rank 0's
        assert np.array_equal(p_arrays["condition_counts"], s_arrays["condition_counts"])
        assert p_arrays["condition_counts"].sum() == N_ROWS * len(single.encoder_.layout_.condition_spans)

    # rank 0 alone: same rows, stream and thread count, no DDP (with DDP's wrap switched off this gives rank 0's
    # weights bit for bit); the parallel fit's weights differ, so the ranks really averaged gradients
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        alone = create_model(model, epochs=2, device="cpu")
        alone.fit(encoded[dist.padded_rank_rows(N_ROWS, 0, 2)], encoder.layout_, seed=child_seed(0, "model"),
                  hooks=[_SameStream()])
    finally:
        torch.set_num_threads(threads)
    a_arrays = alone.state_arrays()
    weights = [k for k in p_arrays if k not in ("seed", "condition_counts")]
    assert weights and set(weights) <= set(a_arrays)
    assert not all(np.array_equal(p_arrays[k], a_arrays[k]) for k in weights)


def test_rank_rows_split_every_row_once():
    parts = [dist.rank_rows(11, r, 3) for r in range(3)]
    assert [p.tolist() for p in parts] == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8]]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(11))
    padded = [dist.padded_rank_rows(11, r, 3) for r in range(3)]
    assert [len(p) for p in padded] == [4, 4, 4] and padded[2].tolist() == [2, 5, 8, 2]  # own rows first
    assert np.array_equal(dist.rank_rows(11, 1, 3), dist.rank_rows(11, 1, 3))
    with pytest.raises(ConfigError, match="rank must be"):
        dist.rank_rows(10, 2, 2)
    with pytest.raises(ConfigError, match="cannot be split over 4 ranks"):
        dist.rank_rows(3, 0, 4)


def test_launch_detection_and_helpers_without_a_group():
    assert dist.launched({"WORLD_SIZE": "2"}) and not dist.launched({"WORLD_SIZE": "1"}) and not dist.launched({})
    assert dist.launch_rank({"WORLD_SIZE": "2", "RANK": "1"}) == 1 and dist.launch_rank({"RANK": "1"}) == 0
    assert not dist.is_active() and dist.rank() == 0 and dist.world_size() == 1 and dist.is_main()
    counts = np.array([[1.0, 2.0]])
    assert dist.all_reduce_sum(counts) is counts
    assert dist.backend_for("cpu") == "gloo" and dist.backend_for("cuda") == "nccl" and dist.rank_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match="torchrun"):
        dist.DataParallelHooks()


@pytest.mark.parametrize("option, name", [({"patience": 3}, "patience"), ({"max_time": 5.0}, "max_time"),
                                          ({"validation_every": 2}, "validation_every"),
                                          ({"checkpoint_every": 1, "checkpoint": "x.ckpt"}, "checkpoint_every")])
def test_distributed_fit_refuses_what_it_does_not_support(option, name):
    with pytest.raises(ConfigError, match=f"does not support .*{name}.*fit in one process"):
        Synthesizer("ctgan", epochs=1, **option).fit(_table(), distributed=True)


def test_distributed_fit_refusals_for_models_and_missing_group():
    with pytest.raises(ConfigError, match="copula .*without torchrun"):
        Synthesizer("copula").fit(_table(), distributed=True)
    with pytest.raises(ConfigError, match="process group of 2\\+ ranks"):
        Synthesizer("ctgan", epochs=1).fit(_table(), distributed=True)
    assert not torch.distributed.is_initialized()
