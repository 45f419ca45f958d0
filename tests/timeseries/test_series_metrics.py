"""Series evaluation: every statistic against a closed form or a hand-computed case, the scores on
clear-cut pairs (same process vs visibly different), the suites' JSON output and the HTML report."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from synthgan.errors import ConfigError, DataValidationError
from synthgan.timeseries.evaluation import (
    acf,
    aggregational_gaussianity,
    as_paths,
    copying_scores,
    discriminative_score,
    evaluate_returns,
    evaluate_sensors,
    hill_tail_index,
    lagged_correlations,
    leverage,
    predictive_score,
    wasserstein_sums,
    windows,
    write_series_report,
)
from synthgan.timeseries.evaluation.stylized import aggregated_sums, tail_indices


def ar1(rng: np.random.Generator, n_paths: int, length: int, phi: float) -> np.ndarray:
    """AR(1) paths via a linear filter over the time axis (vectorised over paths), stationary start."""
    from scipy.signal import lfilter

    eps = rng.standard_normal((n_paths, length))
    eps[:, 0] /= math.sqrt(1 - phi**2)
    return lfilter([1.0], [1.0, -phi], eps, axis=1)


def garch(rng: np.random.Generator, n_paths: int, length: int, *, asymmetry: float = 0.0, a: float = 0.08,
          b: float = 0.9, scale: float = 0.01) -> np.ndarray:
    """(GJR-)GARCH(1,1) returns: a shock that falls raises the next variance by ``asymmetry`` more."""
    omega = scale**2 * (1 - a - asymmetry / 2 - b)
    var = np.full(n_paths, scale**2)
    out = np.empty((n_paths, length))
    for t in range(length):  # the recursion is sequential in time; vectorised over paths
        x = np.sqrt(var) * rng.standard_normal(n_paths)
        out[:, t] = x
        var = omega + (a + asymmetry * (x < 0)) * x**2 + b * var
    return out


# --- stylized facts -------------------------------------------------------------------------


def test_acf_of_ar1_is_phi_to_the_k():
    rng = np.random.default_rng(0)
    phi = 0.6
    one = acf(ar1(rng, 1, 40_000, phi), 5)
    many = acf(ar1(rng, 100, 400, phi), 5)
    expected = phi ** np.arange(6)
    np.testing.assert_allclose(one["pooled"], expected, atol=0.03)
    np.testing.assert_allclose(many["pooled"], expected, atol=0.03)
    # each short path is demeaned on its own: slightly biased low, still close
    np.testing.assert_allclose(many["path_mean"], expected, atol=0.05)


def test_acf_hand_case_divides_by_the_number_of_pairs():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    out = acf(x, 4)["pooled"]
    # centred: -1.5, -0.5, 0.5, 1.5 (variance 1.25); lag 1: (0.75 - 0.25 + 0.75) / 3 pairs
    assert out[1] == pytest.approx((1.25 / 3) / 1.25)
    assert out[3] == pytest.approx((-1.5 * 1.5) / 1.25)
    assert np.isnan(out[4])  # no pair at a lag of the whole length


def test_hill_index_of_pareto_samples():
    rng = np.random.default_rng(1)
    x = rng.pareto(3.0, 40_000) + 1.0  # classic Pareto(alpha=3, x_m=1)
    assert hill_tail_index(x) == pytest.approx(3.0, abs=0.3)
    signed = x * rng.choice([-1.0, 1.0], x.size)
    tails = tail_indices(signed[None])
    assert tails["left"] == pytest.approx(3.0, abs=0.4)
    assert tails["right"] == pytest.approx(3.0, abs=0.4)
    assert tails["abs"] == pytest.approx(3.0, abs=0.3)
    gaussian = hill_tail_index(np.abs(rng.standard_normal(40_000)))
    assert gaussian > 4.5  # thin tails: a much larger index


def test_hill_hand_case():
    x = np.exp([0.0, 1.0, 2.0, 3.0])
    # k = 2 largest (e^3, e^2) over the threshold e: mean log ratio (2 + 1) / 2
    assert hill_tail_index(x, tail_fraction=0.5, min_k=1) == pytest.approx(1 / 1.5)
    assert np.isnan(hill_tail_index(x))  # fewer positive values than min_k


def test_leverage_hand_case_and_sign():
    r = np.array([[1.0, -1.0, 2.0]])
    lev = leverage(r, 2)
    # E[r^2] = 2; lag 1: (1 * 1 + (-1) * 4) / 2 pairs = -1.5; lag 2: 1 * 4 / 1 pair = 4
    np.testing.assert_allclose(lev["pooled"], [-1.5 / 4, 4 / 4])
    rng = np.random.default_rng(2)
    skewed = garch(rng, 20, 3000, asymmetry=0.15, a=0.0, b=0.8)
    lev = leverage(skewed, 3)
    assert (lev["pooled"] < 0).all() and (lev["correlation"] < -0.05).all()
    assert (lev["path_mean"] < 0).all()
    iid = leverage(rng.standard_normal((20, 3000)), 3)
    assert np.abs(iid["pooled"]).max() < 0.05 and np.abs(iid["correlation"]).max() < 0.03


def test_kurtosis_of_sums_decreases_for_iid_student_t():
    rng = np.random.default_rng(3)
    x = rng.standard_t(6, (10, 40_000))  # excess kurtosis 3; of h-step sums 3 / h
    k = aggregational_gaussianity(x, (1, 5, 20))
    assert k["1"] > k["5"] > k["20"]
    assert k["1"] > 1.5 and abs(k["20"]) < 0.6
    assert abs(aggregational_gaussianity(rng.standard_normal((1, 200_000)), (1,))["1"]) < 0.1  # excess: Gaussian 0


def test_aggregated_sums_stay_within_paths():
    x = np.arange(14, dtype=float).reshape(2, 7)
    np.testing.assert_array_equal(aggregated_sums(x, 3), [3, 12, 24, 33])  # the last step of each path dropped


def test_wasserstein_of_a_shift_is_the_shift_times_horizon():
    rng = np.random.default_rng(4)
    real = rng.standard_normal((1, 1000)) * 0.01
    w = wasserstein_sums(real, real + 0.002, (1, 5))
    assert w["1"] == pytest.approx(0.002) and w["5"] == pytest.approx(0.010)
    assert wasserstein_sums(real, real.copy(), (1, 20)) == {"1": 0.0, "20": 0.0}


def test_shapes_and_windows():
    assert as_paths(np.zeros(10), name="r", paths=False).shape == (1, 10, 1)
    assert as_paths(np.zeros((10, 3)), name="r", paths=False).shape == (1, 10, 3)
    assert as_paths(np.zeros((4, 10)), name="s", paths=True).shape == (4, 10, 1)
    with pytest.raises(DataValidationError, match="reshape"):
        as_paths(np.zeros((2, 3, 4)), name="real_train", paths=False)
    with pytest.raises(DataValidationError, match="NaN"):
        as_paths(np.array([0.0, np.nan, 1.0]), name="real_train", paths=False)
    x = np.arange(2 * 7, dtype=float).reshape(2, 7, 1)
    w = windows(x, 3)
    assert w.shape == (4, 3, 1) and w[2, :, 0].tolist() == [7, 8, 9]  # never across two paths
    assert windows(x, 3, step=1).shape == (10, 3, 1)


# --- discriminative, predictive, copying ----------------------------------------------------


@pytest.mark.parametrize("classifier", ["lightgbm", "gru"])
def test_discriminative_score_same_vs_different(classifier):
    rng = np.random.default_rng(5)
    real = rng.standard_t(4, (400, 20, 1)) * 0.01
    same = rng.standard_t(4, (400, 20, 1)) * 0.01
    kwargs = dict(classifier=classifier, repetitions=2, seed=0, epochs=12)
    close = discriminative_score(real, same, **kwargs)
    far = discriminative_score(real, same * 3, **kwargs)
    assert close["score_mean"] < 0.1
    assert far["score_mean"] > 0.35
    assert close["n_windows_per_class"] == 400 and len(close["scores"]) == 2


def test_discriminative_balances_classes_and_is_seeded():
    rng = np.random.default_rng(6)
    real, synth = rng.standard_normal((300, 10, 1)), rng.standard_normal((120, 10, 1))
    a = discriminative_score(real, synth, repetitions=2, seed=3)
    assert a["n_windows_per_class"] == 120 and a["n_train_per_class"] + a["n_test_per_class"] == 120
    assert a == discriminative_score(real, synth, repetitions=2, seed=3)
    with pytest.raises(ConfigError, match="classifier"):
        discriminative_score(real, synth, classifier="svm")


def test_predictive_score_same_process_vs_wrong_scale():
    rng = np.random.default_rng(7)
    clustered = dict(a=0.2, b=0.75)  # strong volatility clustering: |r| is predictable
    real_train, holdout = garch(rng, 1, 4000, **clustered), garch(rng, 1, 2000, **clustered)
    same = garch(rng, 10, 400, **clustered)
    good = predictive_score(real_train[..., None], same[..., None], holdout[..., None], lags=10, n_estimators=60)
    bad = predictive_score(real_train[..., None], 3 * same[..., None], holdout[..., None], lags=10, n_estimators=60)
    assert good["mae_ratio"] == pytest.approx(1.0, abs=0.1)
    assert bad["mae_ratio"] > 1.25
    assert good["mae_real_trained"] < 0.98 * good["mae_median_baseline"]  # better than knowing nothing


def test_copying_exact_copies_and_independent_draws():
    rng = np.random.default_rng(8)
    real = rng.standard_normal((1, 3000, 1))
    holdout = rng.standard_normal((1, 3000, 1))
    copies = real[:, 7:2007].reshape(100, 20, 1)  # segments at an offset that is not a window multiple
    out = copying_scores(real, copies, holdout, window=20)
    assert out["exact_copy_share"] == 1.0 and out["distance_ratio"] == 0.0
    fresh = copying_scores(real, rng.standard_normal((150, 20, 1)), holdout, window=20)
    assert fresh["exact_copy_share"] == 0.0
    assert fresh["distance_ratio"] == pytest.approx(1.0, abs=0.1)
    assert copying_scores(real, copies, None, window=20)["distance_ratio"] is None


# --- sensors --------------------------------------------------------------------------------


def sensor_frame(rng: np.random.Generator, n_stations: int = 3, hours: int = 24 * 21, shift: int = 0) -> pd.DataFrame:
    time = pd.date_range("2024-01-01", periods=hours, freq="h")
    hour = np.tile(time.hour.to_numpy(), n_stations)
    light = np.clip(np.sin((hour - 6 - shift) / 24 * 2 * np.pi), 0, None) * 100
    temp = 10 + 0.05 * light + ar1(rng, n_stations, hours, 0.8).ravel()
    return pd.DataFrame({
        "station": np.repeat([f"s{i}" for i in range(n_stations)], hours),
        "time": np.tile(time, n_stations),
        "light": light,
        "temp": temp,
        "lagged": np.r_[0.0, temp[:-1]],  # the previous hour's temperature
        "state": np.where(light > 0, "day", "night"),
        "region": np.repeat(["north", "south", "south"][:n_stations], hours),
    })


def test_lagged_correlations_hand_case_and_entity_boundaries():
    frame = pd.DataFrame({"e": [0, 0, 0, 0, 1, 1, 1, 1], "x": [1.0, 2, 3, 4, 1, 2, 3, 4]})
    c = lagged_correlations(frame, ["x"], entity_column="e", max_lag=1)
    assert c[0, 0, 0] == pytest.approx(1.0)
    assert c[1, 0, 0] == pytest.approx(1 / 3)  # the 4 -> 1 pair across the two entities is left out
    joined = lagged_correlations(frame, ["x"], max_lag=1)
    assert joined[1, 0, 0] == pytest.approx((2 * 1.25 - 2.25) / 7 / 1.25)


def test_sensor_metrics_identical_and_shifted():
    rng = np.random.default_rng(9)
    real = sensor_frame(rng)
    same = evaluate_sensors(real, real.sample(frac=1.0, random_state=0), time_column="time", entity_column="station")
    assert same["columns"] == {"values": ["light", "temp", "lagged"], "categorical": ["state"], "static": ["region"]}
    for key in ("correlation_distance", "daily_profile_distance", "weekly_profile_distance", "zero_share_distance",
                "category_distance", "static_distance"):
        assert same["summary"][key] == pytest.approx(0.0, abs=1e-12), key
    corr = np.array(same["correlations"]["real"], dtype=float)
    cols = same["columns"]["values"]
    assert corr[1, cols.index("temp"), cols.index("lagged")] > 0.99  # lagged(t+1) = temp(t)
    assert same["event_shares"]["zero_share"]["light"]["real"] == pytest.approx(0.5, abs=0.05)
    shifted = sensor_frame(np.random.default_rng(9), shift=6)
    shifted["region"] = "north"
    diff = evaluate_sensors(real, shifted, time_column="time", entity_column="station")
    assert diff["summary"]["daily_profile_distance"] > 0.3
    assert diff["summary"]["static_distance"] == pytest.approx(2 / 3)
    json.dumps(diff, allow_nan=False)


# --- suites and report ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def returns_result():
    rng = np.random.default_rng(10)
    real, holdout, synth = garch(rng, 1, 1500)[0], garch(rng, 1, 500)[0], garch(rng, 30, 200)
    result = evaluate_returns(real, synth, holdout, window=10, repetitions=1, seed=0, max_lag=30, gru_epochs=2)
    return result, real, synth


def test_evaluate_returns_is_json_safe_and_complete(returns_result):
    result, _, _ = returns_result
    json.dumps(result, allow_nan=False)
    assert set(result) == {"kind", "stylized", "discriminative", "predictive", "copying", "meta", "summary"}
    st = result["stylized"][0]
    assert len(st["real"]["acf"]["abs"]) == 31 and len(st["synthetic"]["leverage"]) == 20
    assert set(result["discriminative"]) == {"lightgbm", "gru"}
    assert result["meta"]["kurtosis"].startswith("excess")
    assert result["copying"]["exact_copy_share"] == 0.0


def test_evaluate_returns_leaves_global_random_state_alone():
    import torch

    rng = np.random.default_rng(11)
    np_state, torch_state = np.random.get_state()[1].copy(), torch.get_rng_state().clone()
    evaluate_returns(rng.standard_normal(300), rng.standard_normal((10, 60)), window=10, repetitions=1, max_lag=10,
                     gru_epochs=1)
    assert (np.random.get_state()[1] == np_state).all() and torch.equal(torch.get_rng_state(), torch_state)


def test_evaluate_returns_rejects_bad_input():
    with pytest.raises(DataValidationError, match="dimension"):
        evaluate_returns(np.zeros((100, 2)), np.zeros((3, 50)))
    with pytest.raises(ConfigError, match="window"):
        evaluate_returns(np.zeros(100), np.zeros((3, 50)), window=1)
    short = evaluate_returns(np.random.default_rng(0).standard_normal(60), np.ones((2, 30)) * 0.1, window=20,
                             classifiers=("lightgbm",), max_lag=5)
    assert "reason" in short["discriminative"]["lightgbm"]  # too few windows: said, not raised


def test_returns_report_is_self_contained(returns_result, tmp_path):
    result, real, synth = returns_result
    path = write_series_report(result, real, synth, tmp_path / "series.html")
    html = path.read_text(encoding="utf-8")
    for section in ('id="paths"', 'id="stylized"', "QQ plot", "Autocorrelation", "Leverage", 'id="discriminative"',
                    'id="predictive"', 'id="copying"'):
        assert section in html, section
    assert html.count("<img") >= 5 and html.count('src="data:image/png;base64,') == html.count("<img")
    assert "http://" not in html and "https://" not in html


def test_sensors_report_is_self_contained(tmp_path):
    real = sensor_frame(np.random.default_rng(12), hours=24 * 14)
    synth = sensor_frame(np.random.default_rng(13), hours=24 * 14, shift=2)
    result = evaluate_sensors(real, synth, time_column="time", entity_column="station", max_lag=6)
    html = write_series_report(result, real, synth, tmp_path / "sensors.html").read_text(encoding="utf-8")
    for section in ("Cross-correlations", "Daily profile", "Weekly profile", "Event shares", "Static attributes"):
        assert section in html, section
    assert html.count("<img") >= 5 and "http://" not in html and "https://" not in html
