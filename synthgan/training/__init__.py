"""Training loop, conditional sampling and callbacks for the neural models."""

from synthgan.training.callbacks import Callback, RichProgress

__all__ = ["Callback", "RichProgress"]
