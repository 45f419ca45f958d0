"""Training machinery: conditional sampler, span ops, layers, optimisers, trainer loop, callbacks."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from synthgan.errors import ConditionError, ConfigError
from synthgan.core.registry import create_model
from synthgan.tabular.models._synthetic import synthetic_encoded
from synthgan.core.layers import PacCritic, ResidualGenerator, categorical_draw, gumbel_noise, seeded_linear
from synthgan.tabular.models.spans import SpanOps
from synthgan.core.callbacks import Callback, RichProgress
from synthgan.tabular.models.condition_vectors import ConditionVectorSampler
from synthgan.core.device import resolve_device
from synthgan.core.optim import load_optimizer_tensors, make_optimizer, optimizer_tensors
from synthgan.core.budget import Budget
from synthgan.core.trainer import Trainer

CPU = torch.device("cpu")


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def skewed():
    """One condition span of width 4 with counts 1000, 100, 10, 0 and one of width 2."""
    x, layout = synthetic_encoded(1110, category_widths=(4, 2), seed=0)
    span = layout.spans[layout.condition_spans[0]]
    codes = np.repeat([0, 1, 2], [1000, 100, 10])
    x[:, span.start : span.end] = np.eye(4, dtype=np.float32)[codes]
    return torch.as_tensor(x), layout


def test_counts_and_log_frequency_training_batches(skewed):
    data, layout = skewed
    counts = ConditionVectorSampler.count_categories(data, layout)
    np.testing.assert_array_equal(counts[0], [1000, 100, 10, 0])
    sampler = ConditionVectorSampler(layout, counts, CPU, data=data, log_frequency=True)
    batch = sampler.training_batch(40000, gen(1))
    assert batch.vectors.shape == (40000, layout.condition_width)
    assert torch.all(batch.vectors.sum(dim=1) == 1)
    first = batch.spans == 0
    assert abs(first.float().mean().item() - 0.5) < 0.02  # spans chosen uniformly
    freq = torch.bincount(batch.vectors[first, :4].argmax(dim=1), minlength=4).double() / first.sum()
    expected = np.log1p([1000, 100, 10, 0]) / np.log1p([1000, 100, 10, 0]).sum()
    np.testing.assert_allclose(freq.numpy(), expected, atol=0.015)
    # every real row has exactly the chosen category
    rows = data.index_select(0, batch.real_rows)
    assert torch.equal(rows.gather(1, batch.target_columns.unsqueeze(1)).squeeze(1), torch.ones(40000))


def test_sampling_batches_use_empirical_frequencies_or_the_condition(skewed):
    data, layout = skewed
    sampler = ConditionVectorSampler(layout, ConditionVectorSampler.count_categories(data, layout), CPU)
    vectors = sampler.sampling_batch(40000, gen(2))
    first = vectors[:, :4].sum(dim=1) == 1
    freq = vectors[first, :4].mean(dim=0).numpy()
    np.testing.assert_allclose(freq, [1000 / 1110, 100 / 1110, 10 / 1110, 0.0], atol=0.01)
    fixed = sampler.sampling_batch(10, gen(2), condition=(1, 1))
    assert torch.equal(fixed, torch.tensor([[0, 0, 0, 0, 0, 1]], dtype=torch.float32).expand(10, 6))
    with pytest.raises(ConditionError, match="j=4"):
        sampler.sampling_batch(3, gen(), condition=(0, 4))
    with pytest.raises(ConditionError, match="pair"):
        sampler.check_condition("a")


def test_sampler_without_condition_spans_draws_uniform_rows():
    x, layout = synthetic_encoded(50, category_widths=())
    sampler = ConditionVectorSampler(layout, np.zeros((0, 0)), CPU, data=torch.as_tensor(x))
    batch = sampler.training_batch(1000, gen())
    assert batch.vectors.shape == (1000, 0) and batch.real_rows.max() < 50 and batch.real_rows.unique().numel() == 50


def test_span_index_activation_and_cross_entropy():
    _, layout = synthetic_encoded(10, category_widths=(3, 5))
    index = SpanOps(layout, CPU)
    x = torch.randn(64, layout.width, generator=gen())
    out = index.activate(x)
    for span in layout.spans:
        block = out[:, span.start : span.end]
        if span.activation == "softmax":
            torch.testing.assert_close(block, torch.softmax(x[:, span.start : span.end], dim=1))
        else:
            torch.testing.assert_close(block, torch.tanh(x[:, span.start : span.end]))
    noisy_a, noisy_b = index.activate(x, tau=0.2, generator=gen(3)), index.activate(x, tau=0.2, generator=gen(3))
    assert torch.equal(noisy_a, noisy_b) and not torch.allclose(noisy_a, out)
    codes = torch.stack([torch.randint(0, s.width, (64,), generator=gen(i)) for i, s in enumerate(layout.spans) if s.is_discrete], 1)
    ce = index.span_cross_entropy(x, codes)
    soft = [s for s in layout.spans if s.is_discrete]
    for k, s in enumerate(soft):
        torch.testing.assert_close(ce[:, k], F.cross_entropy(x[:, s.start : s.end], codes[:, k], reduction="none"))
    one_hot = index.one_hot(codes, layout.width)
    assert torch.equal(index.codes(one_hot), codes)


def test_gumbel_noise_and_layers_draw_only_from_the_given_generator():
    like = torch.zeros(1000)
    a, b = gumbel_noise(like, gen(5)), gumbel_noise(like, gen(5))
    assert torch.equal(a, b) and torch.isfinite(a).all()
    assert abs(a.mean().item() - 0.5772) < 0.1  # Euler-Mascheroni constant
    l1, l2 = seeded_linear(7, 3, gen(1)), seeded_linear(7, 3, gen(1))
    assert torch.equal(l1.weight, l2.weight) and l1.weight.abs().max() <= 1 / math.sqrt(7)
    g1, g2 = ResidualGenerator(4, (8, 8), 5, gen(2)), ResidualGenerator(4, (8, 8), 5, gen(2))
    assert all(torch.equal(p, q) for p, q in zip(g1.parameters(), g2.parameters()))
    assert g1(torch.zeros(6, 4)).shape == (6, 5)
    critic = PacCritic(5, (8,), pac=3, dropout=0.5, generator=gen(), dropout_generator=gen())
    assert critic(torch.zeros(12, 5)).shape == (4, 1)


def test_categorical_draw_follows_the_softmax_and_never_draws_an_impossible_category():
    probs = torch.tensor([0.0, 0.5, 0.0, 0.2, 0.3])
    logits = torch.log(probs).expand(200_000, 5).clone()  # -inf for the impossible ones
    a = categorical_draw(logits.clone(), gen(9))
    assert torch.equal(a, categorical_draw(logits.clone(), gen(9)))
    assert a.dtype == torch.int64 and a.shape == (200_000,)
    shares = torch.bincount(a, minlength=5).double() / a.numel()
    assert shares[0] == 0 and shares[2] == 0
    torch.testing.assert_close(shares, probs.double(), atol=0.005, rtol=0)
    # large logits (no overflow: the row maximum is taken out first) and one logit per row
    big = torch.tensor([[1000.0, 1000.0 + math.log(3.0)]]).expand(100_000, 2).clone()
    assert abs(categorical_draw(big, gen(1)).double().mean().item() - 0.75) < 0.005
    assert torch.equal(categorical_draw(torch.zeros(4, 1), gen(2)), torch.zeros(4, dtype=torch.int64))


def test_generator_inference_path_matches_the_training_graph_in_eval_mode():
    net = ResidualGenerator(6, (16, 12), 9, gen(3))
    with torch.no_grad():  # move the running statistics and the affine BatchNorm weights off their defaults
        net(torch.randn(64, 6, generator=gen(4)) * 3 + 1)
        for block in net.blocks:
            block.bn.weight.uniform_(0.5, 1.5, generator=gen(5))
            block.bn.bias.normal_(generator=gen(6))
    x = torch.randn(200, 6, generator=gen(7))
    net.eval()
    reference = net.out(net.blocks(x))  # grad enabled: the plain concatenating graph
    with torch.no_grad():
        fast = net(x)
    torch.testing.assert_close(fast, reference, rtol=1e-5, atol=1e-5)
    assert not torch.equal(fast, net.train()(x).detach())  # train mode: batch statistics, the plain graph
    before = net.blocks[0].bn.running_mean.clone()
    with torch.no_grad():
        net(x)  # training mode still updates the running statistics under no_grad (critic steps' fakes)
    assert not torch.equal(before, net.blocks[0].bn.running_mean)


def test_critic_dropout_is_seeded_and_off_in_eval():
    x = torch.randn(40, 6, generator=gen(9))
    a = PacCritic(6, (64,), pac=2, dropout=0.5, generator=gen(1), dropout_generator=gen(4))
    b = PacCritic(6, (64,), pac=2, dropout=0.5, generator=gen(1), dropout_generator=gen(4))
    assert torch.equal(a(x), b(x))  # same masks from the same generator
    assert not torch.equal(a(x), a(x))  # a new mask each call
    assert torch.equal(a.eval()(x), a(x))  # eval: no dropout
    ref = F.leaky_relu(x.reshape(20, 12) @ a.hidden[0].weight.T + a.hidden[0].bias, 0.2) @ a.out.weight.T + a.out.bias
    torch.testing.assert_close(a(x), ref)


def test_critic_gradient_penalty_gradients_match_plain_leaky_relu():
    critic = PacCritic(5, (16, 16), pac=2, dropout=0.0, generator=gen(2), dropout_generator=None)

    def reference(x):
        h = x.reshape(-1, 10)
        for layer in critic.hidden:
            h = F.leaky_relu(layer(h), 0.2)
        return critic.out(h)

    grads = []
    for forward in (critic, reference):
        mixed = torch.randn(8, 5, generator=gen(3)).requires_grad_(True)
        (g,) = torch.autograd.grad(forward(mixed).sum(), mixed, create_graph=True)
        penalty = (g.reshape(-1, 10).norm(dim=1) - 1).square().mean()
        grads.append(torch.autograd.grad(penalty, list(critic.parameters()), allow_unused=True, materialize_grads=True))
    for ours, ref in zip(*grads):
        torch.testing.assert_close(ours, ref)


@pytest.mark.parametrize("kind", ["adam", "rmsprop"])
def test_optimisers_are_torch_optim_and_match_the_reference_update(kind):
    a = torch.nn.Parameter(torch.randn(6, 4, generator=gen()))
    b = torch.nn.Parameter(a.detach().clone())
    ours = make_optimizer(kind, [a], lr=0.01, betas=(0.5, 0.9), weight_decay=1e-3)
    assert isinstance(ours, torch.optim.Optimizer)  # so opacus' DPOptimizer and schedulers can wrap it
    if kind == "adam":
        assert ours.defaults["fused"] is True
        ref = torch.optim.Adam([b], lr=0.01, betas=(0.5, 0.9), weight_decay=1e-3, foreach=False)
    else:
        ref = torch.optim.RMSprop([b], lr=0.01, weight_decay=1e-3, foreach=False)
    weights = torch.arange(24.0).view(6, 4)
    for _ in range(15):
        for p, opt in ((a, ours), (b, ref)):
            opt.zero_grad()
            (p.sin() * weights).sum().backward()
            opt.step()
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", ["adam", "rmsprop"])
def test_optimizer_state_round_trips_through_named_tensors(kind):
    weights = torch.arange(24.0).view(6, 4)

    def run(steps, start=None):
        p = torch.nn.Parameter(torch.ones(6, 4) if start is None else start[0].clone())
        opt = make_optimizer(kind, [p], lr=0.01, betas=(0.5, 0.9))
        if start is not None:
            load_optimizer_tensors(opt, start[1])
        for _ in range(steps):
            opt.zero_grad()
            (p.sin() * weights).sum().backward()
            opt.step()
        return p.detach(), {k: v.clone() for k, v in optimizer_tensors(opt).items()}

    straight, _ = run(10)
    halfway = run(4)
    assert set(halfway[1]) == ({"0.step", "0.exp_avg", "0.exp_avg_sq"} if kind == "adam" else {"0.step", "0.square_avg"})
    resumed, _ = run(6, halfway)
    assert torch.equal(straight, resumed)


def test_default_epochs_rule():
    budget = Budget(target_steps=6000)
    assert budget.epochs(26048, 500) == 116
    assert budget.epochs(100, 500) == 300
    assert budget.epochs(10_000_000, 500) == 5
    assert Budget(target_steps=10, min_epochs=1, max_epochs=9).epochs(1000, 100) == 1  # 10 steps of 10 per epoch


class Recorder(Callback):
    def __init__(self, stop_at: int | None = None) -> None:
        self.events: list = []
        self.stop_at = stop_at

    def on_train_begin(self, model, total_epochs):
        self.events.append(("begin", total_epochs))

    def on_epoch_end(self, model, epoch, logs):
        self.events.append(("epoch", epoch, round(logs["loss"], 6)))
        return epoch == self.stop_at

    def on_train_end(self, model):
        self.events.append(("end",))


class Dummy:
    name = "dummy"


def test_trainer_averages_step_logs_calls_back_and_stops_early():
    counter = {"n": 0}

    def step():
        counter["n"] += 1
        return torch.tensor([float(counter["n"]), 1.0])

    rec = Recorder(stop_at=2)
    model = Dummy()
    history = Trainer(5, 3, ["loss", "other"], [rec]).run(model, step)
    assert rec.events == [("begin", 5), ("epoch", 1, 2.0), ("epoch", 2, 5.0), ("end",)]
    assert len(history) == 2 and model.history_ is history
    assert history[1]["loss"] == 5.0 and history[1]["other"] == 1.0 and history[1]["epoch"] == 2.0 and history[1]["seconds"] >= 0


def test_trainer_reports_divergence_as_config_error():
    with pytest.raises(ConfigError, match="diverged at epoch 1.*loss"):
        Trainer(3, 2, ["loss"]).run(Dummy(), lambda: torch.tensor([float("nan")]))


def test_rich_progress_in_quiet_mode_reports_epochs_and_losses():
    from rich.console import Console

    buffer = io.StringIO()
    progress = RichProgress(console=Console(file=buffer, width=120, force_terminal=False))
    x, layout = synthetic_encoded(100)
    model = create_model("ctgan", epochs=2, batch_size=50, embedding_dim=8, generator_dim=(16,), discriminator_dim=(16,))
    model.fit(x, layout, seed=0, callbacks=[progress])
    text = buffer.getvalue()
    assert "ctgan epoch" in text and "2/2" in text and "G " in text and "C " in text
    assert progress._progress is None  # stopped at the end


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ConfigError, match="'device'"):
        resolve_device("quantum")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA is not available"):
            resolve_device("cuda")


@pytest.mark.parametrize("cond_width", [0, 1, 7])
def test_generate_fast_path_equals_the_graph_with_a_one_hot_condition(cond_width):
    from synthgan.core.layers import GENERATE_BLOCK_ROWS

    net = ResidualGenerator(5 + cond_width, (16, 12), 9, gen(3))
    with torch.no_grad():
        net(torch.randn(64, 5 + cond_width, generator=gen(4)) * 2 + 1)  # running statistics off their defaults
    net.eval()
    n = GENERATE_BLOCK_ROWS + 37  # more than one block, the last one partial
    noise = torch.randn(n, 5, generator=gen(5))
    positions = torch.randint(0, max(cond_width, 1), (n,), generator=gen(6))
    x = torch.cat([noise, F.one_hot(positions, cond_width).float()], dim=1) if cond_width else noise
    reference = net.out(net.blocks(x)).detach()  # grad enabled: the plain concatenating graph
    with torch.no_grad():
        rows = net.generate(noise, positions if cond_width else None)
        columns = net.generate(noise, positions if cond_width else None, transposed=True)
    torch.testing.assert_close(rows, reference, rtol=1e-5, atol=1e-5)
    assert columns.shape == (9, n) and columns.is_contiguous()
    torch.testing.assert_close(columns.T, reference, rtol=1e-5, atol=1e-5)
    if cond_width:
        with pytest.raises(ValueError, match="conditional vector"):
            net.generate(noise)


def test_sample_rows_draws_one_hot_categories_with_softmax_frequencies():
    _, layout = synthetic_encoded(10, category_widths=(3, 300))  # a span wider than 255 counts in int32
    index = SpanOps(layout, CPU)
    logits = torch.randn(layout.width, generator=gen(1)) * 2
    wide = next(s for s in layout.spans if s.width == 300)
    logits[wide.start : wide.end] = -30.0
    logits[wide.start + 280] = 3.0  # nearly all the mass far past 255
    logits[wide.start + 3] = 2.0
    n = 200_000
    xt = logits[:, None].expand(-1, n).contiguous()
    out = index.sample_rows(xt, gen(2))
    assert out.shape == (n, layout.width)
    for span in layout.spans:
        block = out[:, span.start : span.end]
        if span.activation == "softmax":
            assert torch.equal(block.sum(dim=1), torch.ones(n)) and set(block.unique().tolist()) == {0.0, 1.0}
            expected = torch.softmax(logits[span.start : span.end], dim=0)
            torch.testing.assert_close(block.mean(dim=0), expected, rtol=0.0, atol=0.005)
        else:
            torch.testing.assert_close(block, torch.tanh(logits[span.start : span.end]).expand(n, -1))
    assert torch.equal(out, index.sample_rows(xt, gen(2))) and not torch.equal(out, index.sample_rows(xt, gen(3)))


def test_sampling_positions_are_where_the_sampling_vectors_are_one(skewed):
    data, layout = skewed
    sampler = ConditionVectorSampler(layout, ConditionVectorSampler.count_categories(data, layout), CPU)
    positions = sampler.sampling_positions(5000, gen(2))
    vectors = sampler.sampling_batch(5000, gen(2))
    assert torch.equal(vectors.argmax(dim=1), positions) and torch.equal(vectors.sum(dim=1), torch.ones(5000))
    assert torch.equal(sampler.sampling_positions(4, gen(), condition=(1, 1)), torch.full((4,), 5))


def test_gan_default_epochs_grow_with_the_table():
    budget = create_model("ctgan").capabilities.budget
    assert budget.epochs(26_048, 500) == 61  # max(3000, 0.12 x 26,048 = 3,126) steps / 52 per epoch
    assert budget.epochs(36_168, 500) == 61  # 4,340 steps / 72 per epoch
    assert budget.epochs(5_000, 500) == 300  # 3,000 steps, capped at 300 epochs
    assert budget.epochs(253_680, 500) == 16  # capped at 8,000 steps / 507 per epoch
