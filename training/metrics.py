"""Angle errors: per-axis MAE, MAE by |yaw| bin, and MAE in the literature's FSA-Net reading."""

from __future__ import annotations

import numpy as np

from training.biwi import fsanet_reading, matrices_from_angle_array

AXES = ("yaw", "pitch", "roll")
YAW_BINS = ((0.0, 30.0), (30.0, 60.0), (60.0, float("inf")))


def wrapped_abs_error(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """|pred - true| in degrees, wrapped to [0, 180]."""
    d = (np.asarray(pred, np.float64) - np.asarray(true, np.float64) + 180.0) % 360.0 - 180.0
    return np.abs(d)


def mae_per_axis(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    err = wrapped_abs_error(pred, true).reshape(-1, 3)
    out = {axis: float(err[:, i].mean()) if len(err) else float("nan") for i, axis in enumerate(AXES)}
    out["mean"] = float(np.mean([out[a] for a in AXES]))
    return out


def bin_label(lo: float, hi: float) -> str:
    return f"abs yaw {lo:.0f}-{hi:.0f}" if np.isfinite(hi) else f"abs yaw {lo:.0f}+"


def mae_by_yaw_bin(pred: np.ndarray, true: np.ndarray) -> dict[str, tuple[float, int]]:
    """Mean of the three axes' MAE within each |true yaw| bin, with the frame count."""
    err = wrapped_abs_error(pred, true).reshape(-1, 3).mean(axis=1)
    yaw = np.abs(np.asarray(true).reshape(-1, 3)[:, 0])
    out = {}
    for lo, hi in YAW_BINS:
        sel = (yaw >= lo) & (yaw < hi)
        out[bin_label(lo, hi)] = (float(err[sel].mean()) if sel.any() else float("nan"), int(sel.sum()))
    return out


def fsanet_mae(pred_angles: np.ndarray, true_rotations: np.ndarray) -> dict[str, float]:
    """MAE in FSA-Net's reading (project signs): comparable with published BIWI numbers."""
    pred_reading = fsanet_reading(matrices_from_angle_array(pred_angles))
    true_reading = fsanet_reading(np.asarray(true_rotations, np.float64))
    return mae_per_axis(pred_reading, true_reading)


# Finer bins for the model card and training.evaluate's per-axis table: the full range to 90.
YAW_EDGES_DEG = (0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0, float("inf"))
PITCH_ROLL_EDGES_DEG = (0.0, 20.0, 40.0, 60.0, float("inf"))


def mae_per_axis_by_bin(pred: np.ndarray, true: np.ndarray, axis: int, edges: tuple[float, ...]) -> list[dict]:
    """Per-axis MAE within bins of one axis' |true angle|: ``[{bin, frames, yaw, pitch, roll, mean}]``
    (empty bins left out)."""
    pred, true = np.asarray(pred).reshape(-1, 3), np.asarray(true).reshape(-1, 3)
    magnitude = np.abs(true[:, axis])
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (magnitude >= lo) & (magnitude < hi)
        if sel.any():
            rows.append({"bin": f"|{AXES[axis]}| " + (f"{lo:.0f}-{hi:.0f}" if np.isfinite(hi) else f"{lo:.0f}+"),
                         "frames": int(sel.sum()), **mae_per_axis(pred[sel], true[sel])})
    return rows


def binned_accuracy(pred: np.ndarray, true: np.ndarray) -> list[dict]:
    """Per-axis MAE by |yaw| bin up to 90 degrees, then by |pitch| and by |roll| bin."""
    return (mae_per_axis_by_bin(pred, true, 0, YAW_EDGES_DEG) + mae_per_axis_by_bin(pred, true, 1, PITCH_ROLL_EDGES_DEG)
            + mae_per_axis_by_bin(pred, true, 2, PITCH_ROLL_EDGES_DEG))


def binned_table(rows: list[dict]) -> list[str]:
    """Markdown lines of :func:`binned_accuracy`'s rows."""
    lines = ["| bin | frames | yaw | pitch | roll | mean |", "|---|---|---|---|---|---|"]
    lines += [f"| {r['bin']} | {r['frames']} | {r['yaw']:.2f} | {r['pitch']:.2f} | {r['roll']:.2f} | {r['mean']:.2f} |" for r in rows]
    return lines
