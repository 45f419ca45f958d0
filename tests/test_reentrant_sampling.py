"""Seeded sampling touches no shared state; the unseeded stream is drawn under a lock; seed=None is resolved once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from synthgan import load
from synthgan.core.registry import create_model
from synthgan.errors import ConditionError, ConfigError
from synthgan.io.serialization import load_model_file
from synthgan.tabular.models._synthetic import synthetic_ordinal
from synthgan.tabular.synthesizer import Synthesizer

SMALL = {"copula": {}, "ctgan": dict(epochs=2, batch_size=50, embedding_dim=8, generator_dim=(32,), discriminator_dim=(32,))}


def _table(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    group = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    return pd.DataFrame({"x": rng.normal(size=n) + (group == "a"), "n": rng.integers(0, 50, n), "group": group,
                         "flag": rng.random(n) < 0.3})


def _bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module", params=sorted(SMALL))
def fitted(request, tmp_path_factory):
    syn = Synthesizer(request.param, seed=0, **SMALL[request.param]).fit(_table())
    return syn, syn.save(tmp_path_factory.mktemp("reentrant") / "m.synthgan")


def test_seeded_calls_in_parallel_equal_sequential_calls(fitted):
    syn, _ = fitted
    calls = [dict(seed=s, conditions={"group": "c"} if s % 2 else None) for s in range(8)]
    sequential = [_bytes(syn.sample(300, **call)) for call in calls]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda call: _bytes(syn.sample(300, **call)), calls))
    assert parallel == sequential
    assert len(set(sequential)) == len(calls)


def test_seeded_calls_leave_the_unseeded_stream_alone(fitted):
    _, path = fitted
    plain, mixed = load(path), load(path)
    expected = [_bytes(plain.sample(100)) for _ in range(3)]
    got = []
    for _ in range(3):
        mixed.sample(50, seed=9)
        got.append(_bytes(mixed.sample(100)))
    assert got == expected and len(set(expected)) == 3


def test_unseeded_calls_in_parallel_draw_one_seed_each(fitted):
    _, path = fitted
    first = _bytes(load(path).sample(100))  # a fresh stream always starts the same way
    one = load(path)
    expected = sorted(_bytes(one.sample(100)) for _ in range(8))
    assert len(set(expected)) == 8 and first in expected
    shared = load(path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = sorted(pool.map(lambda _: _bytes(shared.sample(100)), range(8)))
    assert parallel == expected  # the same eight per-call seeds, whichever thread took which


def test_model_seed_stream_is_thread_safe():
    x, layout = synthetic_ordinal(300, seed=1)
    model = create_model("copula").fit(x, layout, seed=0)
    twin = create_model("copula").fit(x, layout, seed=0)
    expected = sorted(twin.sample(50).tobytes() for _ in range(8))
    assert len(set(expected)) == 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = sorted(pool.map(lambda _: model.sample(50).tobytes(), range(8)))
    assert parallel == expected


def test_seed_none_is_resolved_once_and_stored(tmp_path):
    data = _table()
    syn = Synthesizer("copula", seed=None).fit(data)
    assert isinstance(syn.seed_, int) and syn.seed_ >= 0
    assert syn.get_params()["seed"] is None and syn.seed is None
    again = Synthesizer("copula", seed=syn.seed_).fit(data)  # the drawn seed reproduces the fit
    pd.testing.assert_frame_equal(again.sample(200, seed=1), syn.sample(200, seed=1))
    assert Synthesizer("copula", seed=None).fit(data).seed_ != syn.seed_

    fresh = Synthesizer("copula", seed=None).fit(data)
    path = fresh.save(tmp_path / "m.synthgan")
    manifest, _ = load_model_file(path)
    assert manifest["seed"] == fresh.seed_ and manifest["fit"]["params"]["seed"] is None
    back = load(path)
    assert back.seed_ == fresh.seed_ and back.get_params()["seed"] is None
    pd.testing.assert_frame_equal(back.sample(150), fresh.sample(150))  # the unseeded stream restarts identically


def test_sample_chunks_checks_its_arguments_when_called(fitted):
    syn, _ = fitted
    with pytest.raises(ConditionError, match="group"):
        syn.sample_chunks(10, conditions={"group": "zzz"})
    with pytest.raises(ConfigError, match="chunk_rows"):
        syn.sample_chunks(10, chunk_rows=0)
    with pytest.raises(ConfigError, match="seed"):
        syn.sample_chunks(10, seed=-1)
