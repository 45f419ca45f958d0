"""Common checks over every registered model, plus per-model behaviour (ctgan conditions, copula marginals).

Models learn from small synthetic encoded matrices built from a Layout
(synthgan.tabular.models._synthetic), so these tests do not depend on the encoder.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

from synthgan.tabular.layout import Layout, Span
from synthgan.errors import ConditionError, ConfigError, DataValidationError, NotFittedError
from synthgan.core.registry import available_models, create_model, get_model_class
from synthgan.tabular.models._synthetic import synthetic_binned, synthetic_encoded, synthetic_ordinal

SMALL = {
    "ctgan": dict(epochs=2, batch_size=50, embedding_dim=8, generator_dim=(32,), discriminator_dim=(32,)),
    "wgan-gp": dict(epochs=2, batch_size=50, embedding_dim=8, generator_dim=(32,), discriminator_dim=(32,)),
    "wgan": dict(epochs=2, batch_size=50, embedding_dim=8, generator_dim=(32,), discriminator_dim=(32,), discriminator_steps=2),
    "gan": dict(epochs=2, batch_size=50, embedding_dim=8, generator_dim=(32,), discriminator_dim=(32,), generator_ema=0.9),
    "tvae": dict(epochs=2, batch_size=50, embedding_dim=8, compress_dims=(32,), decompress_dims=(32,)),
    "copula": dict(),
    "autoregressive": dict(epochs=2, batch_size=50, embedding_dim=8, hidden=16),
    "vine-copula": dict(families="one-parameter", threads=1),
    "table-gan": dict(epochs=2, batch_size=50, embedding_dim=8, channels=4),
}
MODELS = available_models("table")


def data_for(name: str) -> tuple[np.ndarray, Layout]:
    if get_model_class(name).capabilities.encoding == "ordinal":
        return synthetic_ordinal(300, seed=1)
    if get_model_class(name).capabilities.encoding == "binned":
        return synthetic_binned(300, seed=1)
    return synthetic_encoded(300, seed=1)


def fit(name: str, seed: int = 0, **overrides):
    x, layout = data_for(name)
    return create_model(name, **{**SMALL[name], **overrides}).fit(x, layout, seed=seed)


@pytest.fixture(scope="module")
def fitted() -> dict:
    return {name: fit(name) for name in MODELS}


def test_every_builtin_model_is_covered():
    assert set(SMALL) <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_sample_shape_dtype_and_span_ranges(fitted, name):
    model = fitted[name]
    out = model.sample(257, seed=3)
    assert out.shape == (257, model.layout_.width) and out.dtype == np.float32
    for span in model.layout_.spans:
        block = out[:, span.start : span.end]
        if span.activation == "softmax":
            np.testing.assert_allclose(block.sum(axis=1), 1.0, atol=1e-5)
            assert block.min() >= 0.0
        elif span.activation == "tanh":
            assert np.abs(block).max() <= 1.0
        elif span.n_categories:
            codes = block[~np.isnan(block)]
            assert set(np.unique(codes)) <= set(range(span.n_categories))


@pytest.mark.parametrize("name", MODELS)
def test_unfitted_model_raises_not_fitted(name):
    model = create_model(name)
    with pytest.raises(NotFittedError, match="not fitted"):
        model.sample(5)
    with pytest.raises(NotFittedError):
        model.state_arrays()


@pytest.mark.parametrize("name", MODELS)
def test_same_seed_same_model_and_bytes_different_seed_differs(fitted, name):
    again = fit(name, seed=0)
    a, b = fitted[name].state_arrays(), again.state_arrays()
    assert a.keys() == b.keys()
    assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    assert fitted[name].sample(100, seed=5).tobytes() == again.sample(100, seed=5).tobytes()
    other, same = fit(name, seed=1), fit(name, seed=0)
    assert not np.array_equal(other.sample(100), same.sample(100), equal_nan=True)
    assert not np.array_equal(again.sample(100, seed=5), again.sample(100, seed=6), equal_nan=True)
    if name != "copula":  # the copula's fit has no randomness: its seed only drives sampling
        assert not np.array_equal(other.state_arrays()["seed"], a["seed"])
        assert not np.array_equal(other.sample(100, seed=5), again.sample(100, seed=5))


@pytest.mark.parametrize("name", MODELS)
def test_unseeded_samples_follow_the_models_own_stream(name):
    first, second = fit(name, seed=4), fit(name, seed=4)
    a1, a2 = first.sample(50), first.sample(50)
    assert not np.array_equal(a1, a2, equal_nan=True)  # the stream moves on
    assert a1.tobytes() == second.sample(50).tobytes() and a2.tobytes() == second.sample(50).tobytes()


@pytest.mark.parametrize("name", MODELS)
def test_from_state_round_trip_is_exact(fitted, name):
    model = fitted[name]
    config = json.loads(json.dumps(model.get_config()))  # must be JSON-safe
    arrays = model.state_arrays()
    assert {a.dtype for a in arrays.values()} <= {np.dtype("float32"), np.dtype("float64"), np.dtype("int64"), np.dtype("uint8")}  # uint8: text state as bytes (a vine's JSON)
    history = json.loads(json.dumps(model.history_))
    rebuilt = type(model).from_state(config, arrays, Layout.from_dict(model.layout_.to_dict()), history)
    assert rebuilt.sample(300, seed=11).tobytes() == model.sample(300, seed=11).tobytes()
    assert rebuilt.history_ == model.history_
    assert rebuilt.get_config() == model.get_config()
    # a rebuilt model starts the same seed stream as a freshly fitted one
    assert rebuilt.sample(20).tobytes() == type(model).from_state(config, arrays, model.layout_, history).sample(20).tobytes()


@pytest.mark.parametrize("name", MODELS)
def test_global_random_state_is_untouched(name):
    np_state, torch_state, py_state = np.random.get_state(), torch.get_rng_state(), random.getstate()
    model = fit(name, seed=2)
    model.sample(64)
    model.sample(64, seed=1)
    after = np.random.get_state()
    assert np_state[0] == after[0] and np.array_equal(np_state[1], after[1]) and np_state[2:] == after[2:]
    assert torch.equal(torch_state, torch.get_rng_state())
    assert py_state == random.getstate()


@pytest.mark.parametrize("name", MODELS)
def test_history_has_one_finite_entry_per_epoch(fitted, name):
    model = fitted[name]
    expected = SMALL[name].get("epochs", 1)
    assert len(model.history_) == model.epochs_ == expected
    assert [h["epoch"] for h in model.history_] == list(range(1, expected + 1))
    for logs in model.history_:
        assert "seconds" in logs and all(isinstance(v, float) and np.isfinite(v) for v in logs.values())
        assert any(k.endswith("loss") for k in logs)


@pytest.mark.parametrize("name", MODELS)
def test_bad_n_and_seed_raise_config_error(fitted, name):
    with pytest.raises(ConfigError, match="'n'"):
        fitted[name].sample(0)
    with pytest.raises(ConfigError, match="'seed'"):
        fitted[name].sample(3, seed=-1)


@pytest.mark.parametrize("name", [n for n in MODELS if not get_model_class(n).capabilities.conditional])
def test_models_without_conditions_refuse_one(fitted, name):
    with pytest.raises(ConditionError, match="condition"):
        fitted[name].sample(5, condition=(0, 0))


@pytest.mark.parametrize(
    ("name", "arg", "value"),
    [
        ("ctgan", "batch_size", -5),
        ("ctgan", "pac", 0),
        ("ctgan", "epochs", 0),
        ("ctgan", "generator_dim", ()),
        ("ctgan", "betas", (1.5, 0.9)),
        ("ctgan", "generator_lr", float("nan")),
        ("ctgan", "log_frequency", "yes"),
        ("ctgan", "generator_ema", 1.0),
        ("ctgan", "device", "tpu"),
        ("wgan", "clip_value", 0),
        ("gan", "discriminator_steps", 1.5),
        ("tvae", "lr", -1e-3),
        ("tvae", "compress_dims", "128"),
        ("copula", "ridge", 1.5),
        ("copula", "max_quantiles", 0),
        ("autoregressive", "lr_schedule", "linear"),
        ("vine-copula", "families", "clayton"),
        ("vine-copula", "truncation", 0),
        ("autoregressive", "hidden", 0),
        ("table-gan", "channels", 0),
        ("table-gan", "info_loss_margin", -0.1),
        ("table-gan", "label_column", 3),
        ("table-gan", "label_column", "num0"),
    ],
)
def test_bad_config_raises_at_fit_naming_the_argument(name, arg, value):
    model = create_model(name, **{**SMALL[name], arg: value})  # stored, not checked
    assert getattr(model, arg) is value
    x, layout = data_for(name)
    with pytest.raises(ConfigError, match=arg):
        model.fit(x, layout, seed=0)


def test_batch_size_must_be_a_multiple_of_pac():
    x, layout = synthetic_encoded(100)
    with pytest.raises(ConfigError, match="multiple of 'pac'"):
        create_model("ctgan", batch_size=55, pac=10, epochs=1).fit(x, layout)


@pytest.mark.parametrize("name", ["ctgan", "tvae", "copula"])
def test_data_not_matching_the_layout_is_refused(name):
    x, layout = data_for(name)
    with pytest.raises(DataValidationError, match="shape"):
        create_model(name, **SMALL[name]).fit(x[:, :-1], layout)
    other_encoding = synthetic_encoded(50)[1] if layout.encoding == "ordinal" else synthetic_ordinal(50)[1]
    with pytest.raises(DataValidationError, match="encoding"):
        create_model(name, **SMALL[name]).fit(x, other_encoding)


def test_non_finite_values_name_the_column():
    x, layout = synthetic_encoded(100)
    x[3, 0] = np.nan
    with pytest.raises(DataValidationError, match="num0"):
        create_model("ctgan", **SMALL["ctgan"]).fit(x, layout)


def test_ctgan_condition_fixes_the_span_and_steers_other_columns():
    # noise=0: cat0 = cluster % 3 and cat1 = cluster % 4 with 4 clusters, so cat0 == 1 implies cat1 == 1.
    x, layout = synthetic_encoded(500, noise=0.0, seed=0)
    model = create_model("ctgan", epochs=60, batch_size=50, embedding_dim=16, generator_dim=(64,), discriminator_dim=(64,),
                         generator_lr=2e-3, discriminator_lr=2e-3)
    model.fit(x, layout, seed=0)
    cat0, cat1 = (layout.spans[i] for i in layout.condition_spans)
    out = model.sample(400, seed=1, condition=(0, 1))
    assert (out[:, cat0.start : cat0.end].argmax(axis=1) == 1).all()
    assert np.array_equal(out[:, cat0.start : cat0.end], np.tile(np.eye(3, dtype=np.float32)[1], (400, 1)))
    follows = (out[:, cat1.start : cat1.end].argmax(axis=1) == 1).mean()
    assert follows > 0.8  # unconditionally only about 0.25 of rows have cat1 == 1
    with pytest.raises(ConditionError, match="j=7"):
        model.sample(5, condition=(1, 7))
    with pytest.raises(ConditionError, match="k=2"):
        model.sample(5, condition=(2, 0))


def test_ctgan_unconditioned_samples_follow_category_frequencies():
    x, layout = synthetic_encoded(600, category_widths=(2,), seed=3)
    x[:, -2:] = np.eye(2, dtype=np.float32)[(np.arange(600) % 10 == 0).astype(int)]  # 90% / 10%
    model = create_model("ctgan", **SMALL["ctgan"]).fit(x, layout, seed=0)
    vectors = model._sampler.sampling_batch(20000, torch.Generator().manual_seed(0))
    assert vectors.shape == (20000, 2)
    assert abs(vectors[:, 1].mean().item() - 0.1) < 0.01


def test_tvae_sampling_gives_one_hot_spans_and_learns_marginals():
    x, layout = synthetic_encoded(600, seed=2)
    model = create_model("tvae", epochs=40, batch_size=100, embedding_dim=8, compress_dims=(64,), decompress_dims=(64,)).fit(x, layout, seed=0)
    out = model.sample(3000, seed=0)
    soft = [c for s in layout.spans if s.activation == "softmax" for c in range(s.start, s.end)]
    assert set(np.unique(out[:, soft])) == {0.0, 1.0}
    np.testing.assert_allclose(out[:, soft].mean(axis=0), x[:, soft].mean(axis=0), atol=0.08)
    assert model.history_[-1]["loss"] < model.history_[0]["loss"]


def test_copula_keeps_marginals_point_masses_missing_rates_and_correlation():
    x, layout = synthetic_ordinal(3000, seed=0)
    model = create_model("copula").fit(x, layout, seed=0)
    out = model.sample(30000, seed=1)
    np.testing.assert_allclose(np.isnan(out).mean(axis=0), np.isnan(x).mean(axis=0), atol=0.01)
    assert abs((out[:, 1] == 0).mean() - (x[:, 1] == 0).mean()) < 0.015  # the point mass comes back exactly
    assert np.all(out[:, 4] == 7.0)  # constant column stays constant
    np.testing.assert_allclose(np.nanquantile(out[:, 0], [0.1, 0.5, 0.9]), np.quantile(x[:, 0], [0.1, 0.5, 0.9]), rtol=0.03)
    assert np.corrcoef(out[:, 0], out[:, 2])[0, 1] > 0.6  # c0 follows x0 in the data (about 0.88)
    assert set(np.unique(out[:, 3][~np.isnan(out[:, 3])])) == {0.0, 1.0, 2.0, 3.0}
    assert np.all(np.isfinite(model.correlation_)) and np.allclose(np.diag(model.correlation_), 1.0)


def test_copula_survives_degenerate_columns():
    spans = tuple(Span(n, i, i + 1, "identity", "ordinal", c) for i, (n, c) in enumerate([("a", 0), ("b", 2), ("c", 0)]))
    x = np.column_stack([np.ones(50), np.zeros(50), np.full(50, np.nan)]).astype(np.float32)
    model = create_model("copula").fit(x, Layout(spans, (), "ordinal"), seed=0)
    out = model.sample(100, seed=0)
    assert np.all(out[:, 0] == 1.0) and np.all(out[:, 1] == 0.0) and np.all(np.isnan(out[:, 2]))


def test_copula_rejects_codes_out_of_range():
    x, layout = synthetic_ordinal(100)
    x[0, 2] = 5.0
    with pytest.raises(DataValidationError, match="'c0'"):
        create_model("copula").fit(x, layout)


def test_copula_module_does_not_import_torch():
    code = "import sys; import synthgan.tabular.models.copula; import synthgan.core.registry; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_autoregressive_cosine_schedule_ends_at_zero_and_learns_marginals():
    """The rate decays to 0 over the planned steps; the samples then keep each span's shares."""
    x, layout = synthetic_binned(2000, seed=3)
    model = create_model("autoregressive", epochs=20, batch_size=100, embedding_dim=16, hidden=32)
    seen = []
    original = model._training_step

    def spy(ctx, tensors, cfg):  # record the rate each step runs with
        step, names = original(ctx, tensors, cfg)

        def logged():
            out = step()
            seen.append(ctx.optimizers["network"].param_groups[0]["lr"])
            return out
        return logged, names

    model._training_step = spy
    model.fit(x, layout, seed=0)
    assert len(seen) == 20 * (2000 // 100)
    assert seen[0] == pytest.approx(2e-3) and seen[-1] < 1e-5 and all(a >= b for a, b in zip(seen, seen[1:]))
    assert int(model._steps_done) == len(seen)
    samples = model.sample(20000, seed=1)
    for span in layout.spans:
        real = x[:, span.start : span.end].mean(axis=0)
        fake = samples[:, span.start : span.end].mean(axis=0)
        assert np.abs(real - fake).max() < 0.03, span


def test_vine_copula_keeps_a_tail_dependence_the_gaussian_copula_cannot():
    """Lower-tail dependence (a Clayton pair): the vine keeps the joint lower tail, the Gaussian copula thins it."""
    from scipy.stats import norm

    from synthgan.tabular.layout import Layout, Span

    rng = np.random.default_rng(0)
    n, theta = 3000, 4.0  # Clayton copula by conditional inversion
    u = rng.random(n)
    w = rng.random(n)
    v = ((w ** (-theta / (1 + theta)) - 1) * u ** (-theta) + 1) ** (-1 / theta)
    x = np.column_stack([norm.ppf(u), norm.ppf(v)]).astype(np.float32)
    layout = Layout((Span("a", 0, 1, "identity", "ordinal"), Span("b", 1, 2, "identity", "ordinal")), (), "ordinal")

    def joint_low(rows):
        qa, qb = np.quantile(x[:, 0], 0.05), np.quantile(x[:, 1], 0.05)
        return np.mean((rows[:, 0] < qa) & (rows[:, 1] < qb))

    vine = create_model("vine-copula", families="one-parameter", threads=1).fit(x, layout, seed=0)
    gauss = create_model("copula").fit(x, layout, seed=0)
    real, from_vine, from_gauss = joint_low(x), joint_low(vine.sample(20000, seed=1)), joint_low(gauss.sample(20000, seed=1))
    assert "clayton" in str(vine.vine_.families[0][0]).lower()
    assert abs(from_vine - real) < 0.01 and from_gauss < real - 0.008


def test_vine_copula_without_pyvinecopulib_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyvinecopulib", None)  # import now raises ImportError
    x, layout = data_for("vine-copula")
    with pytest.raises(ConfigError, match=r"synthgan\[vine\]"):
        create_model("vine-copula").fit(x, layout, seed=0)


def test_table_gan_pads_each_row_to_the_smallest_square():
    from synthgan.tabular.models.table_gan import square_side

    assert [square_side(w) for w in (1, 2, 4, 5, 15, 16, 17, 154)] == [1, 2, 2, 3, 4, 4, 5, 13]
    x, layout = synthetic_encoded(300, seed=1)  # 15 encoded columns: a 4 x 4 square, one cell of padding
    model = fit("table-gan")
    square = model._square(torch.as_tensor(x[:3]))
    assert square.shape == (3, 1, 4, 4)
    np.testing.assert_array_equal(square.flatten(1)[:, :15].numpy(), x[:3])
    assert (square.flatten(1)[:, 15:] == 0).all()
    z = torch.zeros(2, SMALL["table-gan"]["embedding_dim"])
    assert model.networks_["generator"](z, raw=True).shape == (2, 1, 4, 4)  # cropped to the square, then cut to 15


def test_table_gan_label_column_must_name_a_categorical_column():
    x, layout = synthetic_encoded(100, seed=0)
    with pytest.raises(ConfigError, match=r"'label_column'.*'nope'.*'cat0', 'cat1'"):
        create_model("table-gan", **SMALL["table-gan"], label_column="nope").fit(x, layout, seed=0)
    model = create_model("table-gan", **SMALL["table-gan"], label_column="cat0").fit(x, layout, seed=0)
    assert model.label_span_ == layout.spans[layout.condition_spans[0]]
    numeric, numeric_layout = synthetic_encoded(100, category_widths=(), seed=0)  # no categorical column: no classifier
    plain = create_model("table-gan", **SMALL["table-gan"]).fit(numeric, numeric_layout, seed=0)
    assert plain.label_span_ is None and "classifier_loss" not in plain.history_[-1]
    assert plain.sample(10, seed=0).shape == (10, numeric_layout.width)
    with pytest.raises(ConfigError, match="no categorical column"):
        create_model("table-gan", **SMALL["table-gan"], label_column="cat0").fit(numeric, numeric_layout, seed=0)


def test_table_gan_classifier_trains_and_the_generator_keeps_the_label_dependency():
    # noise=0: cat0 = cluster % 3 and cat1 = cluster % 4 with 4 clusters, so cat0 == cat1 % 3 in every real row
    x, layout = synthetic_encoded(1000, noise=0.0, seed=0)
    model = create_model("table-gan", epochs=20, batch_size=100, embedding_dim=16).fit(x, layout, seed=0)
    assert model.label_span_.column == "cat1"
    first, last = model.history_[0], model.history_[-1]
    assert np.isfinite(last["classifier_loss"]) and np.isfinite(last["classification_loss"])
    assert last["classifier_loss"] < 0.5 * first["classifier_loss"]  # it learns to read cat1 from the other columns
    out = model.sample(4000, seed=1)
    cat0, cat1 = (layout.spans[i] for i in layout.condition_spans)
    agreement = (out[:, cat0.start : cat0.end].argmax(axis=1) == out[:, cat1.start : cat1.end].argmax(axis=1) % 3).mean()
    assert agreement > 0.65  # about 1/3 if the columns were drawn independently
