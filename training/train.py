"""Train the dual-branch CNN or the landmark-MLP baseline on the preprocessed BIWI splits.

    python -m training.train --config training/configs/dual_branch.yaml --data data/splits \
        --out models/saved [--epochs N] [--batch-size N] [--no-pretrained] [--weights FILE] \
        [--device cpu|cuda] [--resume OUT/cervical_headpose_cnn_last.pth] [--set train.lr=3e-4 ...]
    torchrun --nproc_per_node=4 -m training.train --config ...      # multi-GPU (DDP)

Writes ``OUT/cervical_headpose_cnn_best.pth`` (best validation MAE), ``..._last.pth`` (for
--resume), ``OUT/train_log.csv`` and, when the tensorboard package is installed, ``OUT/tb/``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from app.errors import InputError
from training.checkpoint import BEST_NAME, LAST_NAME, load_checkpoint, save_checkpoint
from training.config import RunConfig, config_to_dict, load_config
from training.dataset import CropDataset, LandmarkDataset, normalize_images
from training.metrics import mae_per_axis
from training.models import DualBranchNet, build_model
from training.pretrained import load_pretrained_backbone

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("models/saved")
CSV_FIELDS = ("epoch", "train_loss", "val_mae_yaw", "val_mae_pitch", "val_mae_roll", "val_mae_mean", "lr", "seconds")


@dataclass
class TrainResult:
    best_val_mae: float
    best_path: Path
    last_path: Path
    history: list[dict] = field(default_factory=list)


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_distributed(device_kind: str) -> Distributed:
    """Join the torchrun process group when WORLD_SIZE > 1 (NCCL on CUDA, gloo on CPU)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed()
    import torch.distributed as dist

    if not dist.is_initialized():  # ablate trains several models in one torchrun process group
        dist.init_process_group(backend="nccl" if device_kind == "cuda" else "gloo")
    return Distributed(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise InputError("--device cuda asked but no CUDA device is available; use --device cpu")
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def loss_function(name: str) -> nn.Module:
    return {"smooth_l1": nn.SmoothL1Loss(beta=1.0), "l1": nn.L1Loss(), "mse": nn.MSELoss()}[name]


def forward_batch(model: nn.Module, batch: dict, device: torch.device) -> dict[str, torch.Tensor]:
    """Run either architecture on a batch from its dataset."""
    if "image" in batch:
        return model(normalize_images(batch["image"].to(device, non_blocking=True)))
    return model(batch["face_landmarks"].to(device), batch["pose_landmarks"].to(device))


def compute_loss(out: dict, batch: dict, criterion: nn.Module, aux_weight: float, device: torch.device) -> torch.Tensor:
    loss = criterion(out["angles"].float(), batch["angles"].to(device))
    if aux_weight > 0 and "face_landmarks" in out and "landmark_mask" in batch:
        mask = batch["landmark_mask"].to(device)
        if mask.any():
            face_t = batch["face_landmarks"].to(device)[mask]
            pose_t = batch["pose_landmarks"].to(device)[mask]
            aux = nn.functional.mse_loss(out["face_landmarks"][mask].float(), face_t) + nn.functional.mse_loss(
                out["pose_landmarks"][mask].float(), pose_t
            )
            loss = loss + aux_weight * aux
    return loss


@torch.no_grad()
def predict(model: nn.Module, loader: DataLoader, device: torch.device) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and true angles [N, 3] over a loader."""
    model.eval()
    preds, trues = [], []
    for batch in loader:
        preds.append(forward_batch(model, batch, device)["angles"].float().cpu().numpy())
        trues.append(batch["angles"].numpy())
    if not preds:
        return np.zeros((0, 3)), np.zeros((0, 3))
    return np.concatenate(preds), np.concatenate(trues)


def make_datasets(cfg: RunConfig, data_dir: Path):
    if cfg.model.architecture == "mlp_baseline":
        return LandmarkDataset(data_dir, "train"), LandmarkDataset(data_dir, "val")
    size = cfg.model.input_size
    train = CropDataset(data_dir, "train", size, augment=cfg.data.augment, seed=cfg.train.seed)
    val = CropDataset(data_dir, "val", size, augment=False)
    if cfg.train.aux_landmark_weight > 0 and not train.landmarks:
        raise InputError("train.aux_landmark_weight > 0 needs landmarks: run training.preprocess with --landmarks")
    return train, val


def build_optimizer(model: nn.Module, cfg: RunConfig) -> torch.optim.Optimizer:
    t = cfg.train
    backbone_params, other = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (backbone_params if name.startswith("backbone.") else other).append(p)
    groups = [{"params": other, "lr": t.lr}]
    if backbone_params:
        groups.append({"params": backbone_params, "lr": t.lr * t.backbone_lr_factor})
    return torch.optim.AdamW(groups, lr=t.lr, weight_decay=t.weight_decay)


def train(
    cfg: RunConfig,
    data_dir: Path,
    out_dir: Path = DEFAULT_OUT,
    resume: Path | None = None,
    weights_file: Path | None = None,
    show_progress: bool = True,
) -> TrainResult:
    """The whole run; returns the best validation MAE and the per-epoch history."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    dist_info = setup_distributed("cuda" if cfg.train.device != "cpu" and torch.cuda.is_available() else "cpu")
    device = resolve_device(cfg.train.device, dist_info.local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    seed_everything(cfg.train.seed + dist_info.rank)
    train_set, val_set = make_datasets(cfg, data_dir)
    if len(train_set) == 0 or len(val_set) == 0:
        raise InputError(f"empty split in {data_dir}: train {len(train_set)}, val {len(val_set)} frames")

    model = build_model(cfg.model)
    weights_source = "random init"
    if isinstance(model, DualBranchNet):
        if cfg.model.pretrained_cnn and resume is None:
            weights_source = load_pretrained_backbone(model.backbone, cfg.model.backbone, weights_file)
        model.set_backbone_frozen(cfg.model.freeze_cnn_backbone)
    model.to(device)
    optimizer = build_optimizer(model, cfg)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, cfg.train.epochs))
    use_amp = cfg.train.amp and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

    start_epoch, best, history = 0, math.inf, []
    if resume is not None:
        ckpt = load_checkpoint(resume)
        if "optimizer_state" not in ckpt:
            raise InputError(f"{resume} holds no optimiser state; resume from {LAST_NAME}, not {BEST_NAME}")
        model.load_state_dict(ckpt["model_state"])
        optimizer.load_state_dict(ckpt["optimizer_state"])
        scheduler.load_state_dict(ckpt["scheduler_state"])
        scaler.load_state_dict(ckpt["scaler_state"])
        start_epoch = int(ckpt["epoch"]) + 1
        best = float(ckpt["best_val_mae"])
        history = list(ckpt.get("history", []))
        weights_source = str(ckpt.get("weights_source", "resumed"))
        log.info("resumed from %s at epoch %d", resume, start_epoch)

    net = model
    if dist_info.enabled:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    sampler = DistributedSampler(train_set, shuffle=True, seed=cfg.train.seed) if dist_info.enabled else None
    generator = torch.Generator().manual_seed(cfg.train.seed)
    workers = cfg.data.num_workers
    train_loader = DataLoader(
        train_set, batch_size=cfg.train.batch_size, shuffle=sampler is None, sampler=sampler,
        num_workers=workers, pin_memory=device.type == "cuda", drop_last=len(train_set) > cfg.train.batch_size,
        generator=generator, persistent_workers=workers > 0,
    )
    val_loader = DataLoader(val_set, batch_size=cfg.train.batch_size * 2, shuffle=False, num_workers=0)
    criterion = loss_function(cfg.train.loss)

    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "train_log.csv"
    writer = _tensorboard_writer(out_dir) if dist_info.is_main else None
    if dist_info.is_main and (resume is None or not csv_path.exists()):
        with csv_path.open("w", newline="") as fh:
            csv.DictWriter(fh, CSV_FIELDS).writeheader()

    best_path, last_path = out_dir / BEST_NAME, out_dir / LAST_NAME
    for epoch in range(start_epoch, cfg.train.epochs):
        t0 = time.perf_counter()
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        total, count = 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{cfg.train.epochs}", disable=not (show_progress and dist_info.is_main), leave=False)
        for step, batch in enumerate(bar):
            if cfg.train.max_steps_per_epoch and step >= cfg.train.max_steps_per_epoch:
                break
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
                out = forward_batch(net, batch, device)
                loss = compute_loss(out, batch, criterion, cfg.train.aux_landmark_weight, device)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            n = len(batch["angles"])
            total += float(loss.detach()) * n
            count += n
            bar.set_postfix(loss=f"{total / count:.3f}")
        scheduler.step()
        pred, true = predict(model, val_loader, device)
        val = mae_per_axis(pred, true)
        row = {
            "epoch": epoch + 1,
            "train_loss": total / max(count, 1),
            **{f"val_mae_{k}": v for k, v in val.items()},
            "lr": optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - t0,
        }
        history.append(row)
        if not dist_info.is_main:
            continue
        with csv_path.open("a", newline="") as fh:
            csv.DictWriter(fh, CSV_FIELDS).writerow({k: row[k] for k in CSV_FIELDS})
        if writer is not None:
            for key in ("train_loss", "val_mae_mean", "val_mae_yaw", "val_mae_pitch", "val_mae_roll"):
                writer.add_scalar(key, row[key], epoch + 1)
        improved = val["mean"] < best
        best = min(best, val["mean"])
        payload = {
            "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "epoch": epoch,
            "best_val_mae": best,
            "val_mae": val,
            "history": history,
            "config": config_to_dict(cfg),
            "data_dir": str(data_dir),
            "split_protocol": str(getattr(train_set, "arrays", {}).get("split_protocol", "unknown")),
            "crop_margin": float(getattr(train_set, "arrays", {}).get("crop_margin", 0.25)),
            "dataset": str(getattr(train_set, "arrays", {}).get("dataset", "")),
            "weights_source": weights_source,
            "train_frames": len(train_set),
        }
        if improved:  # the best checkpoint is for evaluation and export: weights, config, metrics
            save_checkpoint(best_path, payload)
        if (epoch + 1) % cfg.train.checkpoint_every == 0 or epoch + 1 == cfg.train.epochs:
            # The last checkpoint also carries the optimiser state (3x the weights) for --resume.
            resume_state = {
                "optimizer_state": optimizer.state_dict(),
                "scheduler_state": scheduler.state_dict(),
                "scaler_state": scaler.state_dict(),
            }
            save_checkpoint(last_path, {**payload, **resume_state})
        log.info("epoch %d: loss %.4f, val MAE %.3f (best %.3f)", epoch + 1, row["train_loss"], val["mean"], best)
        if show_progress:
            print(f"epoch {epoch + 1}: train loss {row['train_loss']:.4f} | val MAE yaw {val['yaw']:.2f} "
                  f"pitch {val['pitch']:.2f} roll {val['roll']:.2f} mean {val['mean']:.2f} | {row['seconds']:.1f}s")
    if writer is not None:
        writer.close()
    if dist_info.enabled:
        import torch.distributed as dist

        dist.barrier()  # rank 0 has written the checkpoints before anyone reads them
    return TrainResult(best, best_path, last_path, history)


def _tensorboard_writer(out_dir: Path):
    """A SummaryWriter if the tensorboard package is installed, else None (it is optional)."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:
        return None
    return SummaryWriter(log_dir=str(out_dir / "tb"))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    p.add_argument("--config", type=Path, default=Path("training/configs/dual_branch.yaml"))
    p.add_argument("--data", type=Path, help="preprocessed split folder (default: the config's data.dir)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--no-pretrained", action="store_true", help="random backbone init (no ImageNet weights)")
    p.add_argument("--weights", type=Path, help="ImageNet backbone state dict to use instead of downloading")
    p.add_argument("--device", choices=("cpu", "cuda", "auto"))
    p.add_argument("--resume", type=Path, help="continue from a checkpoint (normally OUT/cervical_headpose_cnn_last.pth)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def config_from_args(args: argparse.Namespace) -> RunConfig:
    overrides = list(args.overrides)
    if args.epochs is not None:
        overrides.append(f"train.epochs={args.epochs}")
    if args.batch_size is not None:
        overrides.append(f"train.batch_size={args.batch_size}")
    if args.no_pretrained:
        overrides.append("model.pretrained_cnn=false")
    if args.device is not None:
        overrides.append(f"train.device={args.device}")
    if args.data is not None:
        overrides.append(f"data.dir={args.data}")
    return load_config(args.config, overrides)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        cfg = config_from_args(args)
        result = train(cfg, Path(cfg.data.dir), args.out, args.resume, args.weights, show_progress=not args.quiet)
    except InputError as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun only rank 0 tracks the best model
        print(f"Best validation MAE: {result.best_val_mae:.3f} deg -> {result.best_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
