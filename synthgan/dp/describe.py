"""One line and a few rows about a DP fit, for ``fit``, ``info``, reports and data cards."""

from __future__ import annotations

from typing import Any


def privacy_line(privacy: dict[str, Any] | None) -> str:
    """``"differential privacy: epsilon 1 (spent 0.998), delta 1e-05; ..."``, or ``"differential privacy: none"``."""
    return f"differential privacy: {privacy_summary(privacy)}"


def privacy_summary(privacy: dict[str, Any] | None) -> str:
    """``"epsilon 1 (spent 0.998), delta 1e-05; ..."``, or ``"none"``."""
    if not privacy:
        return "none"
    sgd = privacy["sgd"]
    return (f"epsilon {privacy['epsilon']:g} (spent {privacy['epsilon_spent']:.3f}), "
            f"delta {privacy['delta']:g}; {sgd['steps_taken']} DP-SGD steps at noise {sgd['noise_multiplier']:.2f}, "
            f"sampling rate {sgd['sample_rate']:.4f}, clip {sgd['max_grad_norm']:g}; statistics noise "
            f"{privacy['statistics_sigma']:.1f} ({privacy['statistics_share']:.0%} of epsilon), categories under "
            f"{privacy['category_threshold']:.0f} rows dropped ({privacy['accountant']})")


def privacy_rows(privacy: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``(label, value)`` rows for tables in reports and cards."""
    if not privacy:
        return [("differential privacy", "none")]
    sgd = privacy["sgd"]
    return [
        ("epsilon (target)", f"{privacy['epsilon']:g}"),
        ("epsilon (spent, accountant)", f"{privacy['epsilon_spent']:.4f}"),
        ("delta", f"{privacy['delta']:g}"),
        ("accountant", privacy["accountant"]),
        ("DP-SGD steps", f"{sgd['steps_taken']} of {sgd['steps']}"),
        ("noise multiplier", f"{sgd['noise_multiplier']:.3f}"),
        ("sampling rate (Poisson)", f"{sgd['sample_rate']:.5f}"),
        ("per-example clip norm", f"{sgd['max_grad_norm']:g}"),
        ("statistics noise (sigma)", f"{privacy['statistics_sigma']:.2f} ({privacy['statistics_share']:.0%} of epsilon)"),
        ("category threshold (rows)", f"{privacy['category_threshold']:.1f}"),
    ]
