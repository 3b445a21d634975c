"""Train the dual-branch CNN or the landmark-MLP baseline on the preprocessed BIWI splits.

    python -m training.train --config training/configs/dual_branch.yaml --data data/splits \
        --out models/saved [--epochs N] [--batch-size N] [--no-pretrained] [--weights FILE] \
        [--device cpu|cuda] [--resume OUT/cervical_headpose_cnn_last.pth] [--set train.lr=3e-4 ...]
    torchrun --nproc_per_node=4 -m training.train --config ...      # multi-GPU (DDP)

Writes ``OUT/cervical_headpose_cnn_best.pth`` (best validation MAE), ``..._last.pth`` (for
--resume), ``OUT/train_log.csv`` and, when the tensorboard package is installed, ``OUT/tb/``
(training.train_log). Shaped like torchvision's classification references: ``train_one_epoch``,
``evaluate``, and ``train`` (their ``main``: set-up and the epoch loop) behind the CLI's ``main``.
"""

from __future__ import annotations

import argparse
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
from torch.utils.data import DataLoader, Dataset, DistributedSampler
from tqdm import tqdm

from app.core.view_ray import AngleFrame
from app.engines.choices import DEVICES, Device
from app.errors import InputError
from training.checkpoint import BEST_NAME, LAST_NAME, load_checkpoint, save_checkpoint
from training.cli import EXIT_BAD_INPUT, attempt, setup_logging
from training.config import RunConfig, config_to_dict, load_config
from training.dataset import CropDataset, LandmarkDataset, normalize_images
from training.distributed import Distributed, resolve_device, setup_distributed, shutdown_distributed
from training.metrics import mae_per_axis
from training.models import DualBranchNet, build_model
from training.pretrained import load_pretrained_backbone
from training.revision import git_commit
from training.train_log import TrainLog, epoch_row

log = logging.getLogger(__name__)

DEFAULT_OUT = Path("models/saved")


@dataclass
class TrainResult:
    best_val_mae: float
    best_path: Path
    last_path: Path
    history: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class Optimisation:
    """What changes the weights: the optimiser, its lr schedule and the mixed-precision scaler."""

    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    scaler: torch.amp.GradScaler
    use_amp: bool

    def resume_state(self) -> dict:
        """What ``--resume`` needs besides the weights (about 3x their size, so only in 'last')."""
        return {
            "optimizer_state": self.optimizer.state_dict(),
            "scheduler_state": self.scheduler.state_dict(),
            "scaler_state": self.scaler.state_dict(),
        }


@dataclass
class Progress:
    """Where a run stands (it changes every epoch): the next epoch, the best validation MAE, the history."""

    start_epoch: int = 0
    best: float = math.inf
    history: list[dict] = field(default_factory=list)
    weights_source: str = "random init"
    git_commit: str = ""  # the code that started the run (read once: commits made while it trains are not it)


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


def make_loaders(
    cfg: RunConfig, train_set: Dataset, val_set: Dataset, device: torch.device, dist_info: Distributed
) -> tuple[DataLoader, DataLoader, DistributedSampler | None]:
    """Shuffled train batches (seeded; this rank's share under DDP) and the validation batches in order."""
    t, workers = cfg.train, cfg.data.num_workers
    sampler = DistributedSampler(train_set, shuffle=True, seed=t.seed) if dist_info.enabled else None
    generator = torch.Generator().manual_seed(t.seed)
    train_loader = DataLoader(
        train_set, batch_size=t.batch_size, shuffle=sampler is None, sampler=sampler,
        num_workers=workers, pin_memory=device.type == "cuda", drop_last=len(train_set) > t.batch_size,
        generator=generator, persistent_workers=workers > 0,
    )  # fmt: skip
    val_loader = DataLoader(val_set, batch_size=t.batch_size * 2, shuffle=False, num_workers=0)
    return train_loader, val_loader, sampler


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


def build_optimisation(model: nn.Module, cfg: RunConfig, device: torch.device) -> Optimisation:
    optimizer = build_optimizer(model, cfg)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, cfg.train.epochs))
    use_amp = cfg.train.amp and device.type == "cuda"
    return Optimisation(optimizer, scheduler, torch.amp.GradScaler("cuda", enabled=use_amp), use_amp)


def prepare_model(cfg: RunConfig, resume: Path | None, weights_file: Path | None) -> tuple[nn.Module, str]:
    """The model with its starting backbone weights (ImageNet unless resuming) and where they came from."""
    model = build_model(cfg.model)
    weights_source = "random init"
    if isinstance(model, DualBranchNet):
        if cfg.model.pretrained_cnn and resume is None:
            weights_source = load_pretrained_backbone(model.backbone, cfg.model.backbone, weights_file)
        model.set_backbone_frozen(cfg.model.freeze_cnn_backbone)
    return model, weights_source


def resume_run(path: Path, model: nn.Module, opt: Optimisation) -> Progress:
    """Load a 'last' checkpoint's weights and optimiser state; the run goes on from its next epoch."""
    ckpt = load_checkpoint(path)
    if "optimizer_state" not in ckpt:
        raise InputError(f"{path} holds no optimiser state; resume from {LAST_NAME}, not {BEST_NAME}")
    model.load_state_dict(ckpt["model_state"])
    opt.optimizer.load_state_dict(ckpt["optimizer_state"])
    opt.scheduler.load_state_dict(ckpt["scheduler_state"])
    opt.scaler.load_state_dict(ckpt["scaler_state"])
    start_epoch = int(ckpt["epoch"]) + 1
    log.info("resumed from %s at epoch %d", path, start_epoch)
    history, source = list(ckpt.get("history", [])), str(ckpt.get("weights_source", "resumed"))
    return Progress(start_epoch, float(ckpt["best_val_mae"]), history, source, str(ckpt.get("git_commit") or git_commit()))


def train_one_epoch(
    net: nn.Module, criterion: nn.Module, opt: Optimisation, loader: DataLoader, device: torch.device,
    epoch: int, cfg: RunConfig, show_progress: bool = True,
) -> float:  # fmt: skip
    """One pass over ``loader`` (at most ``max_steps_per_epoch`` batches); returns the mean loss."""
    t = cfg.train
    net.train()
    total, count = 0.0, 0
    bar = tqdm(loader, desc=f"epoch {epoch + 1}/{t.epochs}", disable=not show_progress, leave=False)
    for step, batch in enumerate(bar):
        if t.max_steps_per_epoch and step >= t.max_steps_per_epoch:
            break
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=opt.use_amp):
            out = forward_batch(net, batch, device)
            loss = compute_loss(out, batch, criterion, t.aux_landmark_weight, device)
        opt.optimizer.zero_grad(set_to_none=True)
        opt.scaler.scale(loss).backward()
        opt.scaler.step(opt.optimizer)
        opt.scaler.update()
        n = len(batch["angles"])
        total += float(loss.detach()) * n
        count += n
        bar.set_postfix(loss=f"{total / count:.3f}")
        if (step + 1) % t.log_every == 0:
            log.info("epoch %d step %d: loss %.4f", epoch + 1, step + 1, total / count)
    return total / max(count, 1)


def evaluate(model: nn.Module, loader: DataLoader, device: torch.device) -> dict[str, float]:
    """Validation MAE per axis and their mean, in degrees."""
    return mae_per_axis(*predict(model, loader, device))


def checkpoint_payload(
    model: nn.Module, cfg: RunConfig, data_dir: Path, train_set: Dataset, progress: Progress, epoch: int, val: dict
) -> dict:
    """What the best and last checkpoints share: weights, config, metrics and the data's provenance."""
    arrays = getattr(train_set, "arrays", {})
    return {
        "model_state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "epoch": epoch,
        "best_val_mae": progress.best,
        "val_mae": val,
        "history": progress.history,
        "config": config_to_dict(cfg),
        "data_dir": str(data_dir),
        "split_protocol": str(arrays.get("split_protocol", "unknown")),
        "crop_margin": float(arrays.get("crop_margin", 0.25)),
        "dataset": str(arrays.get("dataset", "")),
        "angle_frame": str(arrays.get("angle_frame", AngleFrame.CAMERA.value)),  # what its labels are relative to
        "weights_source": progress.weights_source,
        "train_frames": len(train_set),
        "git_commit": progress.git_commit or git_commit(),  # the code that trained it (the card's trained_at_commit)
    }


def save_checkpoints(out_dir: Path, payload: dict, opt: Optimisation, epoch: int, improved: bool, cfg: RunConfig) -> None:
    """'best' when the validation MAE improved (for evaluation and export); 'last', with the
    optimiser state for --resume, every ``checkpoint_every`` epochs and after the final one."""
    if improved:
        save_checkpoint(out_dir / BEST_NAME, payload)
    if (epoch + 1) % cfg.train.checkpoint_every == 0 or epoch + 1 == cfg.train.epochs:
        save_checkpoint(out_dir / LAST_NAME, {**payload, **opt.resume_state()})


def train(
    cfg: RunConfig,
    data_dir: Path,
    out_dir: Path = DEFAULT_OUT,
    resume: Path | None = None,
    weights_file: Path | None = None,
    show_progress: bool = True,
) -> TrainResult:
    """The whole run (the references' ``main``): set up, then each epoch train, evaluate, save, log."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    dist_info = setup_distributed("cuda" if cfg.train.device != Device.CPU and torch.cuda.is_available() else "cpu")
    device = resolve_device(cfg.train.device, dist_info.local_rank)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    seed_everything(cfg.train.seed + dist_info.rank)
    train_set, val_set = make_datasets(cfg, data_dir)
    if len(train_set) == 0 or len(val_set) == 0:
        raise InputError(f"empty split in {data_dir}: train {len(train_set)}, val {len(val_set)} frames")
    model, weights_source = prepare_model(cfg, resume, weights_file)
    model.to(device)
    opt = build_optimisation(model, cfg, device)
    progress = resume_run(resume, model, opt) if resume is not None else Progress(weights_source=weights_source, git_commit=git_commit())
    net = model
    if dist_info.enabled:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    train_loader, val_loader, sampler = make_loaders(cfg, train_set, val_set, device, dist_info)
    criterion = loss_function(cfg.train.loss)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Only rank 0 keeps the best model, the log and the checkpoints.
    train_log = TrainLog(out_dir, resumed=resume is not None, console=show_progress) if dist_info.is_main else None
    for epoch in range(progress.start_epoch, cfg.train.epochs):
        t0 = time.perf_counter()
        if sampler is not None:
            sampler.set_epoch(epoch)
        loss = train_one_epoch(net, criterion, opt, train_loader, device, epoch, cfg, show_progress and dist_info.is_main)
        opt.scheduler.step()
        val = evaluate(model, val_loader, device)
        row = epoch_row(epoch, loss, val, opt.optimizer.param_groups[0]["lr"], time.perf_counter() - t0)
        progress.history.append(row)
        if train_log is None:
            continue
        improved = val["mean"] < progress.best
        progress.best = min(progress.best, val["mean"])
        payload = checkpoint_payload(model, cfg, data_dir, train_set, progress, epoch, val)
        save_checkpoints(out_dir, payload, opt, epoch, improved, cfg)
        train_log.write(row, progress.best)
    if train_log is not None:
        train_log.close()
    dist_info.barrier()  # rank 0 has written the checkpoints before anyone reads them
    return TrainResult(progress.best, out_dir / BEST_NAME, out_dir / LAST_NAME, progress.history)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.train", description=__doc__.split("\n")[0])
    p.add_argument("--config", type=Path, default=Path("training/configs/dual_branch.yaml"))
    p.add_argument("--data", type=Path, help="preprocessed split folder (default: the config's data.dir)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--no-pretrained", action="store_true", help="random backbone init (no ImageNet weights)")
    p.add_argument("--weights", type=Path, help="ImageNet backbone state dict to use instead of downloading")
    p.add_argument("--device", choices=DEVICES)
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
    setup_logging(logging.INFO if args.verbose else logging.WARNING)

    def run() -> TrainResult:
        cfg = config_from_args(args)
        return train(cfg, Path(cfg.data.dir), args.out, args.resume, args.weights, show_progress=not args.quiet)

    try:
        result = attempt("train", run)
    finally:
        shutdown_distributed()
    if result is None:
        return EXIT_BAD_INPUT
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun only rank 0 tracks the best model
        print(f"Best validation MAE: {result.best_val_mae:.3f} deg -> {result.best_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
