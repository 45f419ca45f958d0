"""SeriesSynthesizer: prices back as prices, calendars continued, entities and conditions, seeds, files, any model."""

from __future__ import annotations

import dataclasses
import io
import time
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

import synthgan
from synthgan.core import registry
from synthgan.core.budget import Budget
from synthgan.core.model import Capabilities
from synthgan.errors import ConditionError, ConfigError, ModelFileError, NotFittedError
from synthgan.timeseries import SequenceEncoder, SequenceSpec, SeriesSynthesizer
from synthgan.timeseries.models.bootstrap import StationaryBootstrap
from synthgan.timeseries.describe import describe_series_file
from synthgan.timeseries.synthesizer import DEFAULT_SEQUENCE_MODEL


def sp500(shared_datasets, first: str = "2000-01-01", last: str = "2010-12-31") -> pd.DataFrame:
    df = pd.read_csv(shared_datasets / "sp500_daily.csv.gz")
    return df[(df["Date"] >= first) & (df["Date"] <= last)].reset_index(drop=True)


def air(shared_datasets, stations=("Dongsi", "Tiantan"), until: str = "2016-03-08") -> pd.DataFrame:
    df = pd.read_csv(shared_datasets / "sequences_beijing_air_quality.csv.gz")
    return df[df["station"].isin(stations) & (df["timestamp"] < until)].reset_index(drop=True)


@pytest.fixture(scope="module")
def sp_fitted(shared_datasets):
    frame = sp500(shared_datasets)
    return frame, SeriesSynthesizer(time_column="Date", columns="Close", returns="log", seed=0).fit(frame)


def test_reexports_and_default_model():
    from synthgan.timeseries.encoder import SequenceEncoder as Encoder
    from synthgan.timeseries.sequences import SequenceSpec as Spec

    assert SequenceEncoder is Encoder and SequenceSpec is Spec
    assert DEFAULT_SEQUENCE_MODEL in registry.available_models("sequence")
    assert SeriesSynthesizer(time_column="t").model == DEFAULT_SEQUENCE_MODEL


def test_prices_come_back_as_prices_continuing_the_last_day(sp_fitted):
    frame, syn = sp_fitted
    paths = syn.sample(20, 60, seed=1)
    assert list(paths.columns) == ["path", "Date", "Close"] and len(paths) == 20 * 60
    assert sorted(paths["path"].unique()) == list(range(20))
    assert (paths["Close"] > 0).all() and paths["Close"].dtype == np.float64
    last_close = float(frame["Close"].iloc[-1])
    first = paths.groupby("path")["Close"].first().to_numpy()
    assert np.abs(np.log(first / last_close)).max() < 0.15  # one daily return away from the last training close
    dates = pd.DatetimeIndex(paths.loc[paths["path"] == 0, "Date"])
    assert dates[0] == pd.Timestamp("2011-01-03")  # the business day after Friday 2010-12-31
    assert (dates.day_of_week < 5).all() and (np.busday_count(dates[:-1].values.astype("M8[D]"), dates[1:].values.astype("M8[D]")) == 1).all()
    assert syn.training_length_ == len(frame) - 1 and syn.n_series_fit_ == 1 and syn.seed_ == 0
    assert len(syn.sample(2, seed=0)) == 2 * syn.training_length_  # default length: the training length


def test_same_seed_same_paths_and_the_stream(sp_fitted):
    _, syn = sp_fitted
    a, b = syn.sample(5, 40, seed=3), syn.sample(5, 40, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(syn.sample(5, 40, seed=4))
    fresh = SeriesSynthesizer(time_column="Date", columns="Close", returns="log", seed=0).fit(sp_fitted[0])
    first, second = fresh.sample(3, 10), fresh.sample(3, 10)
    assert not first.equals(second)
    again = SeriesSynthesizer(time_column="Date", columns="Close", returns="log", seed=0).fit(sp_fitted[0])
    pd.testing.assert_frame_equal(again.sample(3, 10), first)


def test_save_load_round_trip(sp_fitted, tmp_path):
    _, syn = sp_fitted
    path = syn.save(tmp_path / "sp.synthgan")
    back = synthgan.load(path)
    assert isinstance(back, SeriesSynthesizer) and back.seed_ == syn.seed_
    pd.testing.assert_frame_equal(back.sample(4, 30, seed=7), syn.sample(4, 30, seed=7))
    assert SeriesSynthesizer.load(path).training_length_ == syn.training_length_
    text = describe_series_file(path)
    for part in ("stationary-bootstrap", "sequence model", "business days", "2010-12-31", "log", "Close",
                 f"{syn.training_length_:,} steps", "seed 0"):
        assert part in text, part


def test_seed_none_is_drawn_once_and_kept(sp_fitted, tmp_path):
    frame = sp_fitted[0].tail(300)
    syn = SeriesSynthesizer(time_column="Date", columns="Close", returns="log", seed=None).fit(frame)
    assert isinstance(syn.seed_, int) and syn.seed is None
    back = synthgan.load(syn.save(tmp_path / "s.synthgan"))
    assert back.seed_ == syn.seed_
    pd.testing.assert_frame_equal(back.sample(2, 5, seed=1), syn.sample(2, 5, seed=1))


def test_entities_conditions_and_labels(shared_datasets, tmp_path):
    frame = air(shared_datasets)
    syn = SeriesSynthesizer(time_column="timestamp", entity="station", columns="PM2.5,TEMP,wd", seed=0).fit(frame)
    assert syn.n_series_fit_ == 2 and syn.n_entities_fit_ == 2
    paths = syn.sample(6, 48, seed=0, conditions={"station": "Dongsi"})
    assert list(paths.columns) == ["station", "timestamp", "PM2.5", "TEMP", "wd"]
    assert sorted(paths["station"].unique()) == [f"Dongsi#{i}" for i in range(1, 7)]
    stamps = pd.DatetimeIndex(paths["timestamp"])
    assert stamps.min() == pd.Timestamp(frame["timestamp"].max()) + pd.Timedelta(hours=1)
    assert set(paths["wd"].dropna()) <= set(frame["wd"].dropna())
    mixed = syn.sample(10, 24, seed=0)
    assert {label.split("#")[0] for label in mixed["station"]} <= {"Dongsi", "Tiantan"}
    with pytest.raises(ConditionError, match="Nowhere"):
        syn.sample(2, 5, conditions={"station": "Nowhere"})
    with pytest.raises(ConditionError, match="attribute"):
        syn.sample(2, 5, conditions={"TEMP": 3})
    back = synthgan.load(syn.save(tmp_path / "air.synthgan"))
    pd.testing.assert_frame_equal(back.sample(3, 12, seed=2, conditions={"station": "Tiantan"}),
                                  syn.sample(3, 12, seed=2, conditions={"station": "Tiantan"}))


def test_options_checked_at_fit(sp_fitted):
    frame = sp_fitted[0].tail(100)
    with pytest.raises(NotFittedError):
        SeriesSynthesizer(time_column="Date").sample(2, 3)
    for kwargs, message in [({"model": "ctgan"}, "not series"), ({"model": "nope"}, "unknown model"),
                            ({"epochs": 3}, "without epochs"), ({"seed": -1}, "seed"), ({"returns": "cubic"}, "returns"),
                            ({"mean_block_length": 0.5}, "mean_block_length")]:
        with pytest.raises(ConfigError, match=message):
            SeriesSynthesizer(time_column="Date", columns="Close", **kwargs).fit(frame)
    syn = sp_fitted[1]
    for args, message in [((0, 5), "paths"), ((2, 0), "length"), ((2.5, 5), "paths")]:
        with pytest.raises(ConfigError, match=message):
            syn.sample(*args)


def test_damaged_file_is_refused(sp_fitted, tmp_path):
    from synthgan.io.serialization import load_model_file, save_model_file

    path = sp_fitted[1].save(tmp_path / "sp.synthgan")
    manifest, arrays = load_model_file(path)
    del manifest["fit"]["training_length"]
    save_model_file(tmp_path / "bad.synthgan", manifest, arrays)
    with pytest.raises(ModelFileError, match="training_length"):
        synthgan.load(tmp_path / "bad.synthgan")


# ---------------------------------------------------------------- any model: a trainable, unconditional one
class EpochBootstrap(StationaryBootstrap):
    """The bootstrap, dressed as a trainable model that cannot condition: it walks through epochs and callbacks."""

    name: ClassVar[str] = "epoch-bootstrap"
    capabilities: ClassVar[Capabilities] = dataclasses.replace(StationaryBootstrap.capabilities, conditional=False,
                                                               trainable=True, budget=Budget(40), summary="test double")
    checkers = {**StationaryBootstrap.checkers, "epochs": lambda model, arg, value: value}
    seen: ClassVar[dict[str, Any]] = {}

    def __init__(self, *, mean_block_length: float | None = None, epochs: int | None = None) -> None:
        self._store(locals())

    def fit(self, data, *, seed=None, callbacks=None):
        epochs = self.epochs or 50
        callbacks = list(callbacks or [])
        EpochBootstrap.seen.update(callbacks=[type(cb).__name__ for cb in callbacks], static=data.static)
        for cb in callbacks:
            cb.on_train_begin(self, epochs)
        history = []
        for epoch in range(1, epochs + 1):
            time.sleep(0.002)
            history.append({"epoch": float(epoch), "loss": 0.0})
            if any([cb.on_epoch_end(self, epoch, history[-1]) for cb in callbacks]):
                break
        for cb in callbacks:
            cb.on_train_end(self)
        super().fit(data, seed=seed)
        self.history_ = history
        return self


@pytest.fixture
def epoch_bootstrap(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTERED", dict(registry._REGISTERED))
    registry.register(EpochBootstrap)
    return EpochBootstrap


def test_trainable_unconditional_model_gets_callbacks_and_drawn_attributes(epoch_bootstrap, shared_datasets, tmp_path):
    from rich.console import Console

    from synthgan.core.callbacks import RichProgress

    frame = air(shared_datasets, until="2016-03-04")
    common = dict(time_column="timestamp", entity="station", columns="TEMP,DEWP", seed=0)
    syn = SeriesSynthesizer("epoch-bootstrap", epochs=4, **common).fit(frame)
    assert len(syn.history_) == 4 and EpochBootstrap.seen["static"] is None  # attributes are the pipeline's
    paths = syn.sample(8, 10, seed=0)
    assert {label.split("#")[0] for label in paths["station"]} <= {"Dongsi", "Tiantan"}
    with pytest.raises(ConditionError):
        syn.sample(2, 5, conditions={"station": "Dongsi"})

    quiet = RichProgress(console=Console(file=io.StringIO()))
    timed = SeriesSynthesizer("epoch-bootstrap", max_time=1e-6, verbose=True, **common).fit(frame, callbacks=[quiet])
    assert EpochBootstrap.seen["callbacks"] == ["RichProgress", "RichProgress", "TimeLimit"]
    assert len(timed.history_) == 1 and timed.diagnostics_["stop_reason"] == "max_time"
    back = synthgan.load(timed.save(tmp_path / "t.synthgan"))
    pd.testing.assert_frame_equal(back.sample(3, 6, seed=5), timed.sample(3, 6, seed=5))


def test_garch_cannot_condition(shared_datasets):
    pytest.importorskip("arch")
    frame = air(shared_datasets, until="2016-03-06")
    syn = SeriesSynthesizer("garch-t", time_column="timestamp", entity="station", columns="TEMP", seed=0).fit(frame)
    assert len(syn.sample(3, 20, seed=0)) == 60
    with pytest.raises(ConditionError, match="garch-t"):
        syn.sample(2, 5, conditions={"station": "Dongsi"})
