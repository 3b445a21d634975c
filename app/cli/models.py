"""List the head-pose models the onnx engine can use (models/ and the user's model folder) with their card."""

from __future__ import annotations

import argparse
from pathlib import Path

# Metadata/card keys that say the same thing under the names exporters use.
DATA_KEYS = ("train_data", "training_data", "data", "dataset")
SPLIT_KEYS = ("split", "split_protocol", "data_split")
COLUMNS = ("model", "precision", "backbone", "data", "split", "MAE yaw/pitch/roll (deg)", "folder")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, default=None, help="user data folder (its models/ subfolder is searched)")
    parser.add_argument("--dir", type=Path, action="append", default=None, help="search this folder instead (repeatable)")


def run(args: argparse.Namespace) -> int:
    from app.engines.model_registry import find_models
    from app.model_folders import default_model_dirs

    folders = list(args.dir) if args.dir else default_model_dirs(args.data_dir)
    entries = find_models(folders)
    print("model folders: " + ", ".join(str(f) + ("" if f.is_dir() else " (absent)") for f in folders))
    print("onnx engine device: " + device_summary())
    if not entries:
        print("no models found: the app measures with the landmarks engine. To add a model, see docs/ONNX.md.")
        return 0
    rows = [table_row(entry) for entry in entries if entry.info is not None]
    if rows:
        print(format_table([COLUMNS, *rows]))
    for entry in entries:
        if entry.info is None:
            print(f"unusable: {entry.path}: {entry.problem}")
    return 0


def device_summary() -> str:
    from app.engines.onnx_session import CUDA_PROVIDER, available_providers, default_cpu_threads

    cpu = f"CPU with {default_cpu_threads()} threads"
    if CUDA_PROVIDER in available_providers():
        return f"CUDA available (--device auto uses it), else {cpu}"
    return f"{cpu} (no CUDA: install onnxruntime-gpu for a GPU)"


def table_row(entry) -> tuple[str, ...]:
    info = entry.info
    return (
        info.name,
        info.precision,
        info.describe("backbone"),
        first_value(info, DATA_KEYS),
        first_value(info, SPLIT_KEYS),
        info.mae_summary(),
        str(entry.path.parent),
    )


def first_value(info, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = info.describe(key, "")
        if value:
            return value
    return "?"


def format_table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
