"""The per-epoch record of a training run: ``OUT/train_log.csv``, TensorBoard (when installed), the console."""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CSV_NAME = "train_log.csv"
CSV_FIELDS = ("epoch", "train_loss", "val_mae_yaw", "val_mae_pitch", "val_mae_roll", "val_mae_mean", "lr", "seconds")
TENSORBOARD_KEYS = ("train_loss", "val_mae_mean", "val_mae_yaw", "val_mae_pitch", "val_mae_roll")


def epoch_row(epoch: int, train_loss: float, val: dict[str, float], lr: float, seconds: float) -> dict[str, float]:
    """One epoch's line of the history (``epoch`` counts from 1)."""
    return {
        "epoch": epoch + 1,
        "train_loss": train_loss,
        **{f"val_mae_{k}": v for k, v in val.items()},
        "lr": lr,
        "seconds": seconds,
    }


class TrainLog:
    """Appends each epoch to the CSV (a resumed run continues its file) and to TensorBoard."""

    def __init__(self, out_dir: Path, resumed: bool, console: bool) -> None:
        self.csv_path = Path(out_dir) / CSV_NAME
        self.console = console
        self.writer = _tensorboard_writer(Path(out_dir))
        if not resumed or not self.csv_path.exists():
            with self.csv_path.open("w", newline="") as fh:
                csv.DictWriter(fh, CSV_FIELDS).writeheader()

    def write(self, row: dict[str, Any], best: float) -> None:
        with self.csv_path.open("a", newline="") as fh:
            csv.DictWriter(fh, CSV_FIELDS).writerow({k: row[k] for k in CSV_FIELDS})
        if self.writer is not None:
            for key in TENSORBOARD_KEYS:
                self.writer.add_scalar(key, row[key], row["epoch"])
        log.info("epoch %d: loss %.4f, val MAE %.3f (best %.3f)", row["epoch"], row["train_loss"], row["val_mae_mean"], best)
        if self.console:  # the train command's own output, one line an epoch
            print(f"epoch {row['epoch']}: train loss {row['train_loss']:.4f} | val MAE yaw {row['val_mae_yaw']:.2f} "
                  f"pitch {row['val_mae_pitch']:.2f} roll {row['val_mae_roll']:.2f} mean {row['val_mae_mean']:.2f} | {row['seconds']:.1f}s")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _tensorboard_writer(out_dir: Path):
    """A SummaryWriter if the tensorboard package is installed, else None (it is optional)."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except Exception:
        return None
    return SummaryWriter(log_dir=str(out_dir / "tb"))
