"""Success rates with Wilson intervals, and the privacy risk an attack shows over its control.

An attack is run twice with the same synthetic table: on *training* targets (rows the
generator saw) and on *control* targets (real rows it never saw, as many). What the attack
learns from the population alone succeeds equally on both; only what the generator leaked
about its training rows lifts the first rate. Following Giomi et al. (2022, the anonymeter
paper), the risk is that lift as a share of what the control attack left to gain::

    risk = (rate_train - rate_control) / (1 - rate_control)

with both rates' 95% Wilson score intervals carried into the risk by error propagation.
A naive *baseline* attack (guessing without looking at the synthetic rows) checks that the
attack itself works: an attack no better than guessing says nothing either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Rate", "attack_result", "LOW_RISK"]

Z = 1.959963984540054  # two-sided 95%
LOW_RISK = 0.1  # a risk whose whole interval lies below this is called low


@dataclass(frozen=True)
class Rate:
    """A success rate (Wilson centre) and its half-width."""

    successes: int
    attempts: int
    value: float
    error: float

    @classmethod
    def of(cls, successes: int, attempts: int) -> "Rate":
        """The Wilson score estimate of ``successes / attempts`` (attempts > 0)."""
        n, x = float(attempts), float(successes)
        centre = (x + Z**2 / 2) / (n + Z**2)
        half = Z / (n + Z**2) * np.sqrt(x * (n - x) / n + Z**2 / 4)
        return cls(int(successes), int(attempts), float(centre), float(half))

    def to_dict(self) -> dict:
        return {"successes": self.successes, "attempts": self.attempts, "rate": self.value,
                "ci_low": max(0.0, self.value - self.error), "ci_high": min(1.0, self.value + self.error)}


def _risk(train: Rate, control: Rate) -> tuple[float, float]:
    gap = 1.0 - control.value
    risk = (train.value - control.value) / gap
    error = np.sqrt((train.error / gap) ** 2 + (control.error * (train.value - 1.0) / gap**2) ** 2)
    return float(risk), float(error)


def attack_result(name: str, train: Rate, control: Rate, baseline: Rate, details: dict | None = None) -> dict:
    """``risk``, ``ci_low``, ``ci_high``, ``verdict`` and the three rates of one attack."""
    risk, error = _risk(train, control)
    low, high = max(-1.0, risk - error), min(1.0, risk + error)
    naive = train.value - train.error <= baseline.value + baseline.error
    if low > 0:
        verdict = (f"risk: the {name} attack succeeds more often on training rows than on unseen real rows "
                   f"(risk {risk:.3f}, 95% interval {low:.3f} to {high:.3f})")
    elif high < LOW_RISK:
        verdict = f"low risk: no {name} advantage on training rows over unseen ones (interval {low:.3f} to {high:.3f})"
        if naive:
            verdict += "; the attack does no better than a naive guess"
    else:
        verdict = (f"inconclusive: no measurable {name} risk, but the interval ({low:.3f} to {high:.3f}) is too wide "
                   f"to call it low; attack more targets")
    return {"risk": risk, "ci_low": low, "ci_high": high, "verdict": verdict, "train": train.to_dict(),
            "control": control.to_dict(), "baseline": baseline.to_dict(), "details": details or {}}
