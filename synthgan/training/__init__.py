"""Training loop, conditional sampling, callbacks, early stopping, checkpoints and diagnostics for the neural models."""

from synthgan.training.callbacks import Callback, RichProgress
from synthgan.training.checkpoint import Checkpoint, TrainingState, read_checkpoint, write_checkpoint
from synthgan.training.diagnostics import CollapseMonitor
from synthgan.training.early_stopping import EarlyStopping

__all__ = ["Callback", "RichProgress", "EarlyStopping", "Checkpoint", "TrainingState", "read_checkpoint",
           "write_checkpoint", "CollapseMonitor"]
