"""Run under ``torchrun --nproc-per-node 2``: each gloo rank fits on its own half of a small table
with every network wrapped in DistributedDataParallel through the trainer's hooks (no model code
changes), then writes its final sampling weights. tests/test_core_seams.py compares the ranks."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist
from safetensors.torch import save_file
from torch.nn.parallel import DistributedDataParallel

from synthgan.core.hooks import TrainingHooks
from synthgan.core.registry import create_model
from synthgan.tabular.models._synthetic import synthetic_encoded


class DataParallel(TrainingHooks):
    """Wrap every network in DDP; one backward per step, as DDP expects."""

    single_backward = True

    def wrap_network(self, name, network):
        return DistributedDataParallel(network)


def main(out_dir: str, model: str, wrap: str) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    data, layout = synthetic_encoded(400, seed=0)
    part = data[rank::2]  # each rank reads its own part of the data
    hooks = [DataParallel()] if wrap == "ddp" else []
    fitted = create_model(model, epochs=2, batch_size=50, pac=5, generator_ema=None, device="cpu") if model != "tvae" \
        else create_model(model, epochs=2, batch_size=50, device="cpu")
    fitted.fit(part, layout, seed=0, hooks=hooks)
    weights = {k: torch.from_numpy(v) for k, v in fitted.state_arrays().items() if k != "seed"}
    save_file(weights, str(Path(out_dir) / f"{model}-{wrap}-rank{rank}.safetensors"))
    dist.destroy_process_group()


if __name__ == "__main__":
    main(*sys.argv[1:4])
