"""Sequence baselines: the stationary bootstrap and GARCH(1,1)-t (fitted with the optional ``arch``)."""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
from scipy.stats import kurtosis

from synthgan.core.encoded import EncodedData
from synthgan.errors import ConditionError, ConfigError, ModelFileError, NotFittedError
from synthgan.timeseries.models.bootstrap import StationaryBootstrap, automatic_block_length, optimal_block_length
from synthgan.timeseries.models.garch import MISSING_ARCH, GarchT


def _ar1(n: int, phi: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0]
    for t in range(1, n):
        x[t] = phi * x[t - 1] + e[t]
    return x


def _garch_t(n: int, mu: float, omega: float, alpha: float, beta: float, nu: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.standard_t(nu, n) * np.sqrt((nu - 2) / nu)
    x, s2 = np.empty(n), omega / (1 - alpha - beta)
    for t in range(n):
        e = np.sqrt(s2) * z[t]
        x[t], s2 = mu + e, omega + alpha * e * e + beta * s2
    return x


def _labelled_series(lengths=(300, 200, 250)) -> EncodedData:
    """Series whose steps are unique labels: feature 0 = series * 1000 + step, feature 1 = -feature 0."""
    steps = max(lengths)
    temporal = np.zeros((len(lengths), steps, 2), dtype=np.float32)
    for i, n in enumerate(lengths):
        temporal[i, :n, 0] = i * 1000 + np.arange(n)
        temporal[i, :n, 1] = -temporal[i, :n, 0]
    static = np.eye(len(lengths), dtype=np.float32)
    return EncodedData(static=static, temporal=temporal, lengths=np.asarray(lengths))


# ---------------------------------------------------------------- stationary bootstrap

def test_bootstrap_shapes_dtypes_and_every_value_comes_from_training():
    data = _labelled_series()
    model = StationaryBootstrap(mean_block_length=8).fit(data, seed=0)
    out = model.sample(40, seed=1)
    assert out.temporal.shape == (40, 300, 2) and out.temporal.dtype == np.float32
    assert out.static.shape == (40, 3) and out.static.dtype == np.float32
    assert (out.lengths == 300).all()
    assert model.sample(5, length=1000, seed=2).temporal.shape == (5, 1000, 2)  # longer than any series: wraps
    training = {tuple(row) for i, n in enumerate(data.lengths) for row in data.temporal[i, :n]}
    assert {tuple(row) for row in out.temporal.reshape(-1, 2)} <= training
    # each path stays within the series its static vector names; rows keep features together
    series = out.temporal[..., 0] // 1000
    assert (series == out.static.argmax(axis=1)[:, None]).all()
    assert (out.temporal[..., 1] == -out.temporal[..., 0]).all()


def test_bootstrap_blocks_have_the_mean_length_and_wrap_within_their_series():
    data = EncodedData(temporal=np.arange(5000, dtype=np.float32)[None, :, None])
    model = StationaryBootstrap(mean_block_length=12.5).fit(data, seed=0)
    index = model.sample(50, length=4000, seed=3).temporal[..., 0].astype(np.int64)
    continues = index[:, 1:] == (index[:, :-1] + 1) % 5000
    blocks = index.size / (index.shape[0] + (~continues).sum())
    assert blocks == pytest.approx(12.5, rel=0.03)
    assert (index[:, :-1] == 4999)[continues].any()  # some block wrapped from the last step to the first


def test_bootstrap_same_seed_same_bytes_other_seed_differs_and_stream_continues():
    model = StationaryBootstrap(mean_block_length=5).fit(_labelled_series(), seed=7)
    a, b = model.sample(20, seed=11), model.sample(20, seed=11)
    assert a.temporal.tobytes() == b.temporal.tobytes() and a.static.tobytes() == b.static.tobytes()
    assert model.sample(20, seed=12).temporal.tobytes() != a.temporal.tobytes()
    fresh = StationaryBootstrap(mean_block_length=5).fit(_labelled_series(), seed=7)
    first = model.sample(20).temporal.tobytes()
    assert model.sample(20).temporal.tobytes() != first
    assert fresh.sample(20).temporal.tobytes() == first  # the same fit seed starts the same stream


def test_bootstrap_condition_draws_only_from_matching_series():
    data = _labelled_series()
    model = StationaryBootstrap(mean_block_length=4).fit(data, seed=0)
    out = model.sample(30, length=500, seed=0, condition=data.static[1])
    assert (out.temporal[..., 0] // 1000 == 1).all() and (out.static == data.static[1]).all()
    with pytest.raises(ConditionError, match="no training series"):
        model.sample(3, condition=np.array([0.5, 0.5, 0.0]))
    with pytest.raises(ConditionError, match="shape"):
        model.sample(3, condition=np.zeros(2))
    unconditioned = StationaryBootstrap(mean_block_length=4).fit(EncodedData(temporal=data.temporal, lengths=data.lengths), seed=0)
    with pytest.raises(ConditionError, match="without a static part"):
        unconditioned.sample(3, condition=data.static[0])


def test_automatic_block_length_matches_arch_and_grows_with_dependence():
    arch_bootstrap = pytest.importorskip("arch.bootstrap")
    for n, phi, seed in ((20, 0.3, 0), (200, 0.0, 1), (1000, 0.6, 2), (3000, 0.9, 3)):
        x = _ar1(n, phi, seed)
        assert optimal_block_length(x) == pytest.approx(arch_bootstrap.optimal_block_length(x)["stationary"].iloc[0], rel=1e-10)
    weak, strong = _ar1(3000, 0.2, 4), _ar1(3000, 0.9, 5)
    temporal = np.stack([weak, strong], axis=1)[None].astype(np.float32)
    assert optimal_block_length(weak) < optimal_block_length(strong)
    model = StationaryBootstrap().fit(EncodedData(temporal=temporal), seed=0)
    assert model.mean_block_length_ == pytest.approx(automatic_block_length(temporal, np.array([3000])))
    assert model.mean_block_length_ == pytest.approx((optimal_block_length(weak) + optimal_block_length(strong)) / 2, rel=1e-5)


def test_bootstrap_short_series_warn_and_fall_back_to_single_steps():
    data = EncodedData(temporal=np.random.default_rng(0).standard_normal((10, 8, 1)).astype(np.float32))
    with pytest.warns(UserWarning, match="mean_block_length"):
        model = StationaryBootstrap().fit(data, seed=0)
    assert model.mean_block_length_ == 1.0


def test_bootstrap_checks_config_fitted_and_round_trips_state():
    with pytest.raises(NotFittedError):
        StationaryBootstrap().sample(3)
    with pytest.raises(ConfigError, match="mean_block_length"):
        StationaryBootstrap(mean_block_length=0.5).fit(_labelled_series())
    with pytest.raises(ConfigError, match="temporal part"):
        StationaryBootstrap().fit(EncodedData(static=np.zeros((3, 2), np.float32)))
    model = StationaryBootstrap(mean_block_length=6).fit(_labelled_series(), seed=3)
    again = StationaryBootstrap.from_state(model.get_config(), model.state_arrays(), model.data_spec(), model.history_)
    for kwargs in ({"seed": 4}, {}, {"seed": 5, "condition": _labelled_series().static[2]}):
        a, b = model.sample(9, length=77, **kwargs), again.sample(9, length=77, **kwargs)
        assert a.temporal.tobytes() == b.temporal.tobytes() and a.static.tobytes() == b.static.tobytes()
    broken = dict(model.state_arrays(), offsets=np.array([0, 5], dtype=np.int64))
    with pytest.raises(ModelFileError):
        StationaryBootstrap.from_state(model.get_config(), broken, model.data_spec(), model.history_)


# ---------------------------------------------------------------- GARCH(1,1)-t

TRUE = {"mu": 0.0003, "omega": 3e-6, "alpha": 0.08, "beta": 0.9, "nu": 6.0}  # daily-return-like units


@pytest.fixture(scope="module")
def garch_fit():
    pytest.importorskip("arch")
    x = _garch_t(6000, **TRUE, seed=0)
    return GarchT().fit(EncodedData(temporal=x[None, :, None].astype(np.float32)), seed=0)


def test_garch_recovers_persistence_and_tail_from_a_simulated_series(garch_fit):
    model = garch_fit
    assert model.scale_[0] == 100.0  # std ~0.012 -> fitted at percent scale
    assert model.alpha_[0] + model.beta_[0] == pytest.approx(TRUE["alpha"] + TRUE["beta"], abs=0.02)
    assert model.nu_[0] == pytest.approx(TRUE["nu"], abs=1.5)
    unconditional = TRUE["omega"] / (1 - TRUE["alpha"] - TRUE["beta"])
    assert model.omega_[0] / (1 - model.alpha_[0] - model.beta_[0]) == pytest.approx(unconditional, rel=0.3)


def _from_params(start: str = "unconditional", **params: float) -> GarchT:
    arrays = {k: np.array([v]) for k, v in params.items()}
    arrays.update(last_variance=np.array([params["omega"] * 5]), scale=np.array([1.0]), seed=np.asarray(0))
    return GarchT.from_state({"scale": None, "start": start}, arrays, {"width": 1, "max_length": 100, "static_width": None}, [])


def test_garch_paths_have_the_theoretical_std_and_kurtosis():
    mu, omega, alpha, beta, nu = 0.1, 0.1, 0.05, 0.85, 10.0
    model = _from_params(mu=mu, omega=omega, alpha=alpha, beta=beta, nu=nu)
    paths = model.sample(4000, length=400, seed=0).temporal[:, 100:, 0].astype(np.float64)  # drop the start-up
    k, p = 3 * (nu - 2) / (nu - 4), alpha + beta  # kurtosis of the innovations; persistence
    assert paths.mean() == pytest.approx(mu, abs=0.005)
    assert paths.std() == pytest.approx(np.sqrt(omega / (1 - p)), rel=0.02)
    theory = k * (1 - p**2) / (1 - p**2 - alpha**2 * (k - 1))
    assert kurtosis(paths.ravel(), fisher=False) == pytest.approx(theory, rel=0.1)


def test_garch_start_variance():
    params = {"mu": 0.0, "omega": 0.1, "alpha": 0.1, "beta": 0.8, "nu": 8.0}
    assert _from_params(**params).initial_variance() == pytest.approx([1.0])
    assert _from_params("last", **params).initial_variance() == pytest.approx([0.5])
    first = _from_params("last", **params).sample(20000, length=1, seed=0).temporal[:, 0, 0]
    assert first.var() == pytest.approx(0.5, rel=0.1)


def test_garch_is_reproducible_and_round_trips_state(garch_fit):
    model = garch_fit
    a = model.sample(50, length=300, seed=9)
    assert a.temporal.shape == (50, 300, 1) and a.temporal.dtype == np.float32 and a.static is None
    assert model.sample(50, length=300, seed=9).temporal.tobytes() == a.temporal.tobytes()
    assert model.sample(50, length=300, seed=10).temporal.tobytes() != a.temporal.tobytes()
    assert model.sample(2).temporal.shape == (2, 6000, 1)
    again = GarchT.from_state(model.get_config(), model.state_arrays(), model.data_spec(), model.history_)
    assert again.sample(50, length=300, seed=9).temporal.tobytes() == a.temporal.tobytes()
    assert again.sample(7, length=30).temporal.tobytes() == GarchT.from_state(
        model.get_config(), model.state_arrays(), model.data_spec(), model.history_).sample(7, length=30).temporal.tobytes()
    with pytest.raises(ConditionError):
        model.sample(3, condition=np.zeros(1))


def test_garch_fits_features_independently_and_passes_static_parts_through():
    pytest.importorskip("arch")
    x = np.stack([_garch_t(3000, **TRUE, seed=1), 200 * _garch_t(3000, **TRUE, seed=2)], axis=1)
    temporal = x.reshape(2, 1500, 2).astype(np.float32)  # two series of one entity each
    static = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    model = GarchT(start="last").fit(EncodedData(static=static, temporal=temporal), seed=0)
    assert model.scale_.tolist() == [100.0, 1.0]
    assert model.mu_.shape == (2,) and model.omega_[1] > 100 * model.omega_[0]
    out = model.sample(10, length=20, seed=0)
    assert out.temporal.shape == (10, 20, 2) and out.static.shape == (10, 2)
    assert {tuple(row) for row in out.static} <= {(1.0, 0.0), (0.0, 1.0)}


def test_garch_without_arch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "arch", None)  # `import arch` now raises ImportError
    monkeypatch.delitem(sys.modules, "synthgan.timeseries.models.garch")
    garch = importlib.import_module("synthgan.timeseries.models.garch")  # importing needs no arch
    data = EncodedData(temporal=np.random.default_rng(0).standard_normal((1, 200, 1)).astype(np.float32))
    with pytest.raises(ConfigError) as info:
        garch.GarchT().fit(data)
    assert str(info.value) == MISSING_ARCH == "GarchT needs the 'arch' package: pip install 'synthgan[timeseries]'"


def test_garch_refuses_constant_features_and_bad_config():
    pytest.importorskip("arch")
    temporal = np.zeros((1, 200, 2), dtype=np.float32)
    temporal[0, :, 0] = np.random.default_rng(0).standard_normal(200)
    with pytest.raises(Exception, match="feature 1 is constant"):
        GarchT().fit(EncodedData(temporal=temporal))
    with pytest.raises(ConfigError, match="start"):
        GarchT(start="first").fit(EncodedData(temporal=temporal))
    with pytest.raises(NotFittedError):
        GarchT().sample(2)


# ---------------------------------------------------------------- model files

@pytest.fixture
def registered():
    from synthgan.core import registry

    before = dict(registry._REGISTERED)
    registry.register(StationaryBootstrap)
    registry.register(GarchT)
    yield
    registry._REGISTERED.clear()
    registry._REGISTERED.update(before)


@pytest.mark.parametrize("cls", [StationaryBootstrap, GarchT])
def test_model_file_round_trip(registered, cls, tmp_path):
    import synthgan
    from synthgan.core.files import read_model_file, save_model

    if cls is GarchT:
        pytest.importorskip("arch")
    rng = np.random.default_rng(0)
    data = EncodedData(static=np.eye(2, dtype=np.float32), temporal=rng.standard_normal((2, 300, 2)).astype(np.float32))
    model = cls().fit(data, seed=1)
    path = save_model(model, tmp_path / "model.synthgan")
    manifest, _ = read_model_file(path)
    assert manifest["kind"] == "sequence" and manifest["model"] == cls.name and manifest["data_spec"] == model.data_spec()
    again = synthgan.load(path)
    a, b = model.sample(4, length=50, seed=2), again.sample(4, length=50, seed=2)
    assert type(again) is cls and a.temporal.tobytes() == b.temporal.tobytes() and a.static.tobytes() == b.static.tobytes()
