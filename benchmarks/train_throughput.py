"""Training throughput of the dual-branch ResNet18 at 224x224 on this machine's CPU (or --device cuda).

Prints images/s for data loading alone (cached crops vs decoding BIWI's 640x480 PNGs), for
compute alone (forward + backward + AdamW step), and end to end, then the projected time of one
epoch over the guide's BIWI training split (10046 frames) against the guide's 2-3 h on CPU.

    .venv/bin/python benchmarks/train_throughput.py [--batch-size 32] [--steps 6] [--threads N]

The data is a synthetic set in BIWI's exact format (training/synthetic_biwi.py), preprocessed by
the real pipeline, so loading costs are those of real BIWI crops of the same size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

from app.core.crop import crop_box  # noqa: E402
from training.config import load_config  # noqa: E402
from training.crop_cache import read_rgb  # noqa: E402
from training.dataset import CropDataset, load_split  # noqa: E402
from training.models import build_model  # noqa: E402
from training.preprocess import preprocess  # noqa: E402
from training.synthetic_biwi import write_synthetic_biwi  # noqa: E402
from training.train import build_optimizer, compute_loss, forward_batch, loss_function  # noqa: E402

GUIDE_TRAIN_FRAMES = 10046
GUIDE_CPU_HOURS = (2.0, 3.0)
CONFIG = Path(__file__).resolve().parents[1] / "training" / "configs" / "dual_branch.yaml"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=6, help="timed training steps (after 2 warm-up steps)")
    p.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0 = torch default)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader workers for the end-to-end run")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device if args.device == "cpu" or torch.cuda.is_available() else "cpu")
    size, batch = 224, args.batch_size
    print(f"torch {torch.__version__}, device {device}, {torch.get_num_threads()} threads, batch {batch}, {size}x{size}")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        frames_needed = batch * 2
        write_synthetic_biwi(tmp / "biwi", sequences=("01", "02", "03", "04"), frames=max(4, frames_needed // 4 + 1), seed=0)
        t0 = time.perf_counter()
        result = preprocess(tmp / "biwi", tmp / "splits", split="random", crop_size=size, show_progress=False)
        pre_s = time.perf_counter() - t0
        print(f"preprocess (read pose, decode PNG, crop, cache): {result.total / pre_s:7.1f} frames/s")

        # Loading alone: decoding BIWI PNGs every epoch vs the crop cache.
        arrays = load_split(tmp / "splits", "train")
        n = min(len(arrays["image_paths"]), 48)
        t0 = time.perf_counter()
        for path, box in zip(arrays["image_paths"][:n], arrays["bbox"][:n]):
            crop_box(read_rgb(Path(str(path))), tuple(int(v) for v in box), size)
        png_rate = n / (time.perf_counter() - t0)
        dataset = CropDataset(tmp / "splits", "train", size, augment=True)
        loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=0, drop_last=True)
        t0, seen = time.perf_counter(), 0
        for _ in range(3):
            for b in loader:
                seen += len(b["angles"])
        cache_rate = seen / (time.perf_counter() - t0)
        print(f"loading only: PNG decode + crop {png_rate:7.1f} img/s | cached crops + jitter {cache_rate:7.1f} img/s")

        cfg = load_config(CONFIG, ["model.pretrained_cnn=false", f"train.batch_size={batch}"])
        model = build_model(cfg.model).to(device).train()
        optimizer = build_optimizer(model, cfg)
        criterion = loss_function(cfg.train.loss)
        fake = {
            "image": torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8),
            "angles": torch.randn(batch, 3) * 30,
        }

        def step(b):
            out = forward_batch(model, b, device)
            loss = compute_loss(out, b, criterion, 0.0, device)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if device.type == "cuda":
                torch.cuda.synchronize()

        for _ in range(2):
            step(fake)
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step(fake)
        compute_s = (time.perf_counter() - t0) / (args.steps * batch)
        print(f"compute only (fwd + bwd + AdamW): {1 / compute_s:7.1f} img/s ({compute_s * 1000:.0f} ms/img)")

        e2e_loader = DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=args.workers, drop_last=True)
        load_t, comp_t, imgs = 0.0, 0.0, 0
        while imgs < args.steps * batch:
            t_load = time.perf_counter()
            for b in e2e_loader:
                t_got = time.perf_counter()
                load_t += t_got - t_load
                step(b)
                t_load = time.perf_counter()
                comp_t += t_load - t_got
                imgs += len(b["angles"])
                if imgs >= args.steps * batch:
                    break
        total = load_t + comp_t
        rate = imgs / total
        print(f"end to end: {rate:7.1f} img/s | data loading {100 * load_t / total:4.1f}% | compute {100 * comp_t / total:4.1f}%")

        epoch_min = GUIDE_TRAIN_FRAMES / rate / 60
        print(f"projected BIWI epoch ({GUIDE_TRAIN_FRAMES} train frames) at the end-to-end rate: {epoch_min:.1f} min "
              f"on this {device.type} (guide: {GUIDE_CPU_HOURS[0]:.0f}-{GUIDE_CPU_HOURS[1]:.0f} h on CPU, 10-15 min on a GPU)")
        cached = GUIDE_TRAIN_FRAMES * (1 / cache_rate + compute_s) / 60
        decoded = GUIDE_TRAIN_FRAMES * (1 / png_rate + compute_s) / 60
        print(f"  serial loading + compute: {cached:.1f} min with the crop cache, {decoded:.1f} min decoding PNGs each epoch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
