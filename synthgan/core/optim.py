"""Adam (fused kernel) and RMSprop (``torch._foreach_*`` ops) without ``torch.optim``.

``torch.optim`` imports ``torch._dynamo`` when the first optimiser is built, which
costs seconds per process (a large share of a small fit or of a CLI call). These
two optimisers implement the same update rules (Adam with L2 weight decay as in
``torch.optim.Adam``; RMSprop with alpha 0.99) without that import, and never read
a device value back.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class _Foreach:
    _state_names: tuple[str, ...] = ()

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float) -> None:
        self.params = list(params)
        self.lr = lr
        self.weight_decay = weight_decay
        self.steps = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state_tensors(self) -> dict[str, torch.Tensor]:
        """Moments and step counts as named tensors (for checkpoints)."""
        out = {"steps": torch.tensor(self.steps, dtype=torch.int64)}
        for name in self._state_names:
            out.update({f"{name}.{i}": t for i, t in enumerate(getattr(self, name))})
        return out

    @torch.no_grad()
    def load_state_tensors(self, tensors: dict[str, torch.Tensor]) -> None:
        """Restore what :meth:`state_tensors` returned (in place, on the optimiser's device)."""
        self.steps = int(tensors["steps"])
        for name in self._state_names:
            for i, t in enumerate(getattr(self, name)):
                t.copy_(tensors[f"{name}.{i}"])

    def _grads(self) -> list[torch.Tensor]:
        grads = [p.grad for p in self.params]
        if self.weight_decay:
            grads = torch._foreach_add(grads, self.params, alpha=self.weight_decay)
        return grads


class Adam(_Foreach):
    """Adam (Kingma & Ba) with L2 weight decay added to the gradient, as ``torch.optim.Adam``.

    Uses ATen's fused kernel (one pass over each tensor instead of about eight,
    the same kernel as ``torch.optim.Adam(fused=True)``).
    """

    _state_names = ("exp_avg", "exp_avg_sq", "state_steps")

    def __init__(self, params, *, lr: float, betas: tuple[float, float] = (0.9, 0.999), weight_decay: float = 0.0, eps: float = 1e-8) -> None:
        super().__init__(params, lr, weight_decay)
        self.betas = betas
        self.eps = eps
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.state_steps = [torch.zeros((), device=p.device) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        torch._foreach_add_(self.state_steps, 1.0)  # the kernel reads the step count, the caller advances it
        torch._fused_adam_(
            self.params, [p.grad for p in self.params], self.exp_avg, self.exp_avg_sq, [], self.state_steps,
            lr=self.lr, beta1=self.betas[0], beta2=self.betas[1], weight_decay=self.weight_decay,
            eps=self.eps, amsgrad=False, maximize=False,
        )


class RMSprop(_Foreach):
    """RMSprop as ``torch.optim.RMSprop`` (alpha 0.99, eps 1e-8, no momentum)."""

    _state_names = ("square_avg",)

    def __init__(self, params, *, lr: float, weight_decay: float = 0.0, alpha: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = alpha
        self.eps = eps
        self.square_avg = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        grads = self._grads()
        torch._foreach_mul_(self.square_avg, self.alpha)
        torch._foreach_addcmul_(self.square_avg, grads, grads, value=1.0 - self.alpha)
        denom = torch._foreach_sqrt(self.square_avg)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, grads, denom, value=-self.lr)
