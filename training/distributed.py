"""Where a training process runs: its torchrun rank (DDP) and its device."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from app.engines.choices import Device
from app.errors import InputError


@dataclass(frozen=True)
class Distributed:
    """This process's place in a torchrun job (rank 0 of 1 when not under torchrun)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        """Wait for every rank (rank 0 writes the checkpoints before anyone reads them)."""
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()


def setup_distributed(device_kind: str) -> Distributed:
    """Join the torchrun process group when WORLD_SIZE > 1 (NCCL on CUDA, gloo on CPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed()
    import torch.distributed as dist

    if not dist.is_initialized():  # ablate trains several models in one torchrun process group
        dist.init_process_group(backend="nccl" if device_kind == "cuda" else "gloo")
    return Distributed(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def shutdown_distributed() -> None:
    """Leave the process group, if one was joined (the CLI's last step)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """``auto`` | ``cpu`` | ``cuda`` (this rank's GPU) as a device; ``cuda`` without one is refused."""
    if name == Device.CUDA or (name == Device.AUTO and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise InputError("--device cuda asked but no CUDA device is available; use --device cpu")
        return torch.device("cuda", local_rank)
    return torch.device("cpu")
