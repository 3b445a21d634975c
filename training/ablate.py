"""Run the guide's ablation grid and write one comparison table (Markdown).

    python -m training.ablate --data data/splits --out models/ablations [--epochs N] \
        [--only dual_branch ablation_frozen_backbone ...] [--set train.batch_size=32 ...]

Grid (``training/configs``): the dual-branch model (ImageNet ResNet18, fine-tuned), without
pretrained weights, with a frozen backbone, ResNet34, EfficientNet-B0, MobileNetV2, with the
auxiliary landmark loss, with plain ReLU heads, and the landmark-MLP baseline. Runs needing landmarks are skipped (and
listed) when the splits were made without ``--landmarks``. Each run trains into ``OUT/<name>/``;
the table goes to ``OUT/ablation.md``. ``--skip-existing`` reuses finished runs.

``--grid renders`` runs the grid of the shipped model on renders (``training.synthesize``):
ResNet18 from scratch with the auxiliary landmark loss, MobileNetV2 with ImageNet weights (the
offline package's file, found by training.pretrained), and ResNet18 without the auxiliary loss.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app.errors import InputError
from training.checkpoint import BEST_NAME
from training.cli import EXIT_BAD_INPUT, attempt, setup_logging
from training.config import load_config
from training.dataset import has_landmarks, load_split
from training.evaluate import evaluate_checkpoint, markdown_table
from training.train import train

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
GRID = (
    "dual_branch",
    "ablation_no_pretrained",
    "ablation_frozen_backbone",
    "ablation_resnet34",
    "ablation_efficientnet_b0",
    "ablation_mobilenet_v2",
    "ablation_aux_landmarks",
    "ablation_relu_heads",
    "mlp_baseline",
)
# On renders of textured heads (training.synthesize): the shipped model (ResNet18 from scratch with
# the auxiliary landmark loss) against MobileNetV2 with ImageNet weights and against no auxiliary loss.
RENDERS_GRID = ("renders_resnet18", "renders_mobilenet_v2", "renders_resnet18_no_aux")
GRIDS = {"biwi": GRID, "renders": RENDERS_GRID}


def needs_landmarks(cfg) -> bool:
    return cfg.model.architecture == "mlp_baseline" or cfg.train.aux_landmark_weight > 0


def run_grid(
    data_dir: Path,
    out_dir: Path,
    names: tuple[str, ...] = GRID,
    overrides: list[str] | None = None,
    weights_file: Path | None = None,
    skip_existing: bool = False,
    split: str = "test",
) -> tuple[str, list[str]]:
    """Train and evaluate every configuration; return the Markdown table and the skipped notes."""
    landmarks = has_landmarks(load_split(data_dir, "train"))
    results, skipped = [], []
    for name in names:
        path = CONFIG_DIR / f"{name}.yaml"
        if not path.is_file():
            raise InputError(f"no ablation config {path.name}; choose from {', '.join(GRID + RENDERS_GRID)}")
        cfg = load_config(path, [f"data.dir={data_dir}", *(overrides or [])])
        if needs_landmarks(cfg) and not landmarks:
            skipped.append(f"{name}: needs landmarks (run training.preprocess with --landmarks)")
            continue
        run_dir = out_dir / name
        best = run_dir / BEST_NAME
        if not (skip_existing and best.is_file()):
            print(f"== {name}")
            # A --weights file is a ResNet18 state dict: other backbones download their own.
            train(cfg, data_dir, run_dir, weights_file=weights_file if cfg.model.backbone == "resnet18" else None)
        results.append(evaluate_checkpoint(best, data_dir, split, name=name))
    if not results:
        raise InputError("no ablation could run: " + "; ".join(skipped))
    table = markdown_table(results)
    if skipped:
        table += "\nSkipped: " + "; ".join(skipped) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "ablation.md").write_text(table, encoding="utf-8")
    return table, skipped


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.ablate", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, type=Path)
    p.add_argument("--out", type=Path, default=Path("models/ablations"))
    p.add_argument("--grid", choices=tuple(GRIDS), default="biwi",
                   help="biwi: the guide's grid (default); renders: the grid of the shipped model on renders")
    p.add_argument("--only", nargs="+", choices=GRID + RENDERS_GRID, help="run only these configurations")
    p.add_argument("--epochs", type=int)
    p.add_argument("--no-pretrained", action="store_true", help="no ImageNet weights anywhere (offline smoke runs)")
    p.add_argument("--weights", type=Path, help="ImageNet ResNet state dict for the runs that use ResNet18")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE")
    p.add_argument("--skip-existing", action="store_true")
    p.add_argument("--split", default="test", choices=("val", "test"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.WARNING)
    overrides = list(args.overrides)
    if args.epochs is not None:
        overrides.append(f"train.epochs={args.epochs}")
    if args.no_pretrained:
        overrides.append("model.pretrained_cnn=false")
    grid = attempt("ablate", lambda: run_grid(args.data, args.out, tuple(args.only or GRIDS[args.grid]), overrides, args.weights, args.skip_existing, args.split))
    if grid is None:
        return EXIT_BAD_INPUT
    print(grid[0])
    print(f"Wrote {args.out / 'ablation.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
