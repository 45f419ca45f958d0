"""The CycleGAN training loop: two generators, two patch critics, adversarial + cycle (+ identity) losses.

One step (Zhu et al. 2017), with ``a`` a batch of source images and ``b`` an independent
batch of target images (unpaired: nothing links them):

* generators: ``fake_b = G(a)``, ``fake_a = F(b)``; loss = adversarial(``D_b(fake_b)``) +
  adversarial(``D_a(fake_a)``) + ``cycle_weight * (|F(fake_b) - a| + |G(fake_a) - b|)``
  (mean absolute error in [-1, 1] units) + ``identity_weight * cycle_weight * (|G(b) - b| +
  |F(a) - a|)`` when both domains have the same channels (an identity mapping needs them);
  one Adam over both generators;
* critics: real vs the step's (detached) fakes; one Adam over both.

Losses: ``"lsgan"`` (least squares, CycleGAN's choice: critic ``(D(real) - 1)^2 + D(fake)^2``
halved, generator ``(D(fake) - 1)^2``) or ``"hinge"``. Adam ``betas`` (0.5, 0.999); the
step size is constant for the first half of the fit and decays linearly to 0 over the
second half (as CycleGAN); the fit's progress is the share of ``steps`` done or, when a
time limit is set and runs out first, the share of the time used, so a fit cut short by
``max_time`` still ends with its step size decayed. The generators' weights are averaged (EMA) when asked, and the
averages are what translation uses.

Every random draw (batches) comes from one ``torch.Generator``; a fixed seed and thread
count give the same weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from synthgan.core.ema import WeightAverage

__all__ = ["CycleTrainer", "TrainingResult"]


def critic_loss(kind: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    if kind == "hinge":
        return torch.relu(1.0 - real).mean() + torch.relu(1.0 + fake).mean()
    return 0.5 * ((real - 1.0).square().mean() + fake.square().mean())


def generator_loss(kind: str, fake: torch.Tensor) -> torch.Tensor:
    if kind == "hinge":
        return -fake.mean()
    return (fake - 1.0).square().mean()


@dataclass
class TrainingResult:
    """What a fit did: steps run, whether it stopped at ``max_time``, the logged rounds."""

    steps: int
    stopped_early: bool
    history: list[dict[str, float]] = field(default_factory=list)


@dataclass
class CycleTrainer:
    """Train ``networks`` (``forward``, ``backward``, ``critic_source``, ``critic_target``) on two image tensors.

    ``source``/``target`` are float NCHW tensors in [-1, 1] on the training device;
    ``cfg`` holds the checked options of :class:`~synthgan.images.translate.model.ImageTranslator`.
    """

    name = "cyclegan (50-step rounds)"  # what a progress bar calls the model

    networks: dict[str, nn.Module]
    averages: dict[str, WeightAverage | None]
    cfg: dict[str, Any]
    generator: torch.Generator

    def run(self, source: torch.Tensor, target: torch.Tensor, *, steps: int, deadline: float | None,
            callbacks: list, log_every: int) -> TrainingResult:
        cfg, nets = self.cfg, self.networks
        gens = [nets["forward"], nets["backward"]]
        critics = [nets["critic_source"], nets["critic_target"]]
        opt_g = torch.optim.Adam([p for g in gens for p in g.parameters()], lr=cfg["generator_lr"], betas=cfg["betas"])
        opt_d = torch.optim.Adam([p for d in critics for p in d.parameters()], lr=cfg["critic_lr"], betas=cfg["betas"])
        self._optimizers = {"generator": opt_g, "critic": opt_d}
        base = {opt_g: cfg["generator_lr"], opt_d: cfg["critic_lr"]}
        for net in (*gens, *critics):
            net.train()
        rounds = -(-steps // log_every)
        for cb in callbacks:
            cb.on_train_begin(self, rounds)
        deadlines = [d for d in [deadline, *(cb.deadline() for cb in callbacks)] if d is not None]
        stop_at = min(deadlines) if deadlines else None
        started = time.perf_counter()
        history: list[dict[str, float]] = []
        sums = {"generator": 0.0, "critic": 0.0, "cycle": 0.0}
        done, stopped, in_round = 0, False, 0
        while done < steps:
            now = time.perf_counter()
            progress = done / steps if stop_at is None else max(done / steps, (now - started) / max(stop_at - started, 1e-9))
            factor = min(1.0, max(0.0, 2.0 * (1.0 - progress)))  # 1 over the first half, then linearly to 0
            for optimizer, lr in base.items():
                for group in optimizer.param_groups:
                    group["lr"] = lr * factor
            losses = self._step(source, target)
            done += 1
            in_round += 1
            for key, value in losses.items():
                sums[key] += value
            out_of_time = stop_at is not None and time.perf_counter() >= stop_at
            if in_round == log_every or done == steps or out_of_time:
                logs = {f"{k}_loss": round(float(v) / in_round, 6) for k, v in sums.items()}
                history.append({"step": float(done), **logs})
                sums = dict.fromkeys(sums, 0.0)
                in_round = 0
                wants_stop = any([cb.on_epoch_end(self, len(history), logs) for cb in callbacks])
                if out_of_time or wants_stop:
                    stopped = done < steps
                    break
        for cb in callbacks:
            cb.on_train_end(self)
        for net in (*gens, *critics):
            net.eval()
        return TrainingResult(done, stopped, history)

    def _batch(self, images: torch.Tensor) -> torch.Tensor:
        rows = torch.randint(0, len(images), (self.cfg["batch_size"],), generator=self.generator)
        return images.index_select(0, rows.to(images.device))

    def _step(self, source: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        cfg, nets = self.cfg, self.networks
        kind, lam = cfg["loss"], cfg["cycle_weight"]
        g, f = nets["forward"], nets["backward"]
        d_a, d_b = nets["critic_source"], nets["critic_target"]
        a, b = self._batch(source), self._batch(target)

        # generators
        for d in (d_a, d_b):
            d.requires_grad_(False)
        fake_b, fake_a = g(a), f(b)
        cycle = (f(fake_b) - a).abs().mean() + (g(fake_a) - b).abs().mean()
        loss_g = generator_loss(kind, d_b(fake_b)) + generator_loss(kind, d_a(fake_a)) + lam * cycle
        if cfg["identity_weight"] and a.shape[1] == b.shape[1]:
            loss_g = loss_g + cfg["identity_weight"] * lam * ((g(b) - b).abs().mean() + (f(a) - a).abs().mean())
        self._optimizers_step(loss_g, "generator")

        # critics
        for d in (d_a, d_b):
            d.requires_grad_(True)
        fake_b, fake_a = fake_b.detach(), fake_a.detach()
        loss_d = critic_loss(kind, d_b(b), d_b(fake_b)) + critic_loss(kind, d_a(a), d_a(fake_a))
        self._optimizers_step(loss_d, "critic")
        for average in self.averages.values():
            if average is not None:
                average.update()
        return {"generator": loss_g.detach(), "critic": loss_d.detach(), "cycle": cycle.detach()}  # no device sync

    def _optimizers_step(self, loss: torch.Tensor, which: str) -> None:
        optimizer = self._optimizers[which]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
