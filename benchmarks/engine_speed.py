"""How fast (and, with a real model, how accurate) each pose engine is on this machine.

    .venv/bin/python benchmarks/engine_speed.py [--checkpoint CKPT.pth | --model FILE.onnx]
        [--frames 120] [--faces 40] [--threads 1,2] [--no-generated]

Prints, in one run:

1. per face (crop given, batch 1): ms and faces/s for the onnx engine in fp32, int8 static (QDQ,
   calibrated: ``training.onnx_quantize.quantize_static_int8``, what ``export_onnx --int8`` writes),
   fp16 on CUDA when there is one, and torch eager as the reference, at each CPU thread count;
2. the whole app pipeline per frame (head tracker + engine) on the dev video: the landmarks
   engine and the onnx engine (fp32, int8 static), frames/s;
3. accuracy on the dev video (``../shared/dev_videos``) when the model was trained on real data;
   otherwise it says the model is untrained and gives none;
4. what int8 costs in accuracy on generated BIWI-format data (a tiny model trained for a few steps
   by the real training code, exported with ``--int8``: calibrated on its train split, measured on
   its test split).

Without ``--checkpoint``/``--model`` the first fp32 model of the model folders (``python main.py
models``) is used; with none there, the dual-branch ResNet18 at 224 px with random weights, made by
the training code: its speed is the real model's speed, its angles mean nothing.

The int8 model: the exporter's ``FILE.int8.onnx`` beside ``--model`` when there is one; else the
fp32 model quantised by the exporter's own function, calibrated on dev-video crops (a checkpoint
or the untrained model has no split folder to calibrate on).
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEV_VIDEO = ROOT.parent / "shared" / "dev_videos" / "dev_clinic_plain.mp4"
DEV_TRUTH = DEV_VIDEO.with_suffix(".csv")
TARGET_MS_PER_FACE = 10.0
TARGET_PIPELINE_FPS = 30.0


@dataclass(frozen=True)
class Timing:
    label: str
    threads: str
    median_ms: float
    p90_ms: float
    best_ms: float  # the uncontended speed when other processes share the cores

    @property
    def per_second(self) -> float:
        return 1000.0 / self.median_ms if self.median_ms > 0 else float("inf")


def timed(fn, items, warmup: int = 3) -> tuple[float, float, float]:
    """Median, 90th percentile and minimum (ms) of ``fn(item)`` over ``items`` after a warm-up."""
    for item in items[:warmup]:
        fn(item)
    samples = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples), float(np.percentile(samples, 90)), min(samples)


# --- models -----------------------------------------------------------------------------------


def untrained_checkpoint(out_dir: Path, input_size: int = 224) -> Path:
    """A dual-branch ResNet18 checkpoint with random weights, saved the way training saves them."""
    import torch

    from training.checkpoint import save_checkpoint
    from training.config import config_to_dict, load_config
    from training.models import build_model

    cfg = load_config(None, ["model.pretrained_cnn=false", f"model.input_size={input_size}"])
    torch.manual_seed(0)
    model = build_model(cfg.model).eval()
    payload = {"model_state": model.state_dict(), "config": config_to_dict(cfg), "weights_source": "random (benchmark)"}
    return save_checkpoint(out_dir / "untrained_resnet18.pth", payload)


def export_variants(checkpoint: Path, out_dir: Path, data_dir: Path | None = None) -> Path:
    """fp32, the exporter's static int8 when ``data_dir`` gives calibration crops, fp16 when CUDA
    could run it; returns the fp32 path."""
    from training.export_onnx import export_onnx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return export_onnx(checkpoint, out_dir / "model.onnx", data_dir=data_dir, int8=data_dir is not None, fp16=cuda_available())


def registry_model() -> Path | None:
    """The first usable fp32 model in models/ or the user's model folder (what --engine onnx would use)."""
    from app.model_folders import default_model_dirs
    from app.engines.model_registry import find_models

    usable = [e for e in find_models(default_model_dirs()) if e.info is not None and e.info.precision == "fp32"]
    if usable:
        print(f"using {usable[0].path} from the model folders (pass --checkpoint for the torch reference row)")
    return usable[0].path if usable else None


def cuda_available() -> bool:
    import onnxruntime as ort

    return "CUDAExecutionProvider" in ort.get_available_providers()


# --- frames and crops -------------------------------------------------------------------------


def read_frames(video: Path, count: int):
    from app.core.video import iter_video_frames

    frames = []
    for frame in iter_video_frames(video):
        frames.append(frame)
        if len(frames) >= count:
            break
    return frames


def run_pipeline(engine, frames) -> tuple[float, float, float, dict[str, float], list]:
    """Median/p90/mean ms per frame of tracker + engine, mean ms per stage, and the observations."""
    from app.core.pipeline import MeasurementPipeline

    pipeline = MeasurementPipeline(engine=engine)
    raws = []

    def step(frame):
        raws.append(pipeline.observe(frame))

    t0 = time.perf_counter()
    median, p90, _ = timed(step, frames, warmup=0)
    mean = (time.perf_counter() - t0) * 1e3 / len(frames)
    stages = {k: float(np.mean([r.timings_ms[k] for r in raws])) for k in raws[0].timings_ms}
    pipeline.tracker.close()
    return median, p90, mean, stages, raws


# --- sections ---------------------------------------------------------------------------------


def per_face_timings(models: dict[str, Path], checkpoint: Path | None, crops: np.ndarray, threads: list[int]) -> list[Timing]:
    from app.engines.onnx_engine import OnnxEngine
    from app.engines.onnx_session import SessionConfig

    rows = []
    singles = [c[None] for c in crops]
    for label, path in models.items():
        device = "cuda" if label.startswith("fp16") else "cpu"
        for t in threads if device == "cpu" else [0]:
            engine = OnnxEngine(path, SessionConfig(device=device, cpu_threads=t or None))
            rows.append(Timing(f"onnx {label}", str(t) if device == "cpu" else "cuda", *timed(engine.predict_crops, singles)))
    if checkpoint is not None:
        import torch

        from training.checkpoint import model_from_checkpoint
        from training.export_onnx import ExportWrapper

        model, _, _ = model_from_checkpoint(checkpoint)
        wrapper = ExportWrapper(model.float().eval()).eval()
        tensors = [torch.from_numpy(np.ascontiguousarray(c)) for c in singles]
        for t in threads:
            torch.set_num_threads(t)
            with torch.inference_mode():
                rows.append(Timing("torch eager fp32", str(t), *timed(wrapper, tensors)))
    return rows


def dev_video_accuracy(engine, truth_csv: Path, video: Path) -> dict[str, float]:
    """Per-axis MAE (deg) of the raw angles on the frames with a pose, and the share of such frames."""
    from app.core.offline_analysis import analyze_video
    from app.core.pipeline import MeasurementPipeline

    result = analyze_video(video, MeasurementPipeline(engine=engine))
    with open(truth_csv, newline="") as fh:
        truth = {int(r["frame"]): (float(r["yaw_deg"]), float(r["pitch_deg"]), float(r["roll_deg"])) for r in csv.DictReader(fh)}
    errors = [
        np.subtract((s.raw_yaw_deg, s.raw_pitch_deg, s.raw_roll_deg), truth[s.frame_index])
        for s in result.samples if s.detected and s.frame_index in truth
    ]
    mae = np.abs(np.array(errors)).mean(axis=0) if errors else np.full(3, np.nan)
    return {"yaw": mae[0], "pitch": mae[1], "roll": mae[2], "detected": result.detection_rate}


def generated_int8_cost(
    work: Path, input_size: int, epochs: int, steps: int
) -> tuple[list[tuple[str, dict[str, float], float]], int, int]:
    """Test-split MAE of a small model trained on generated data: predict-the-mean baseline, fp32 and
    the exporter's static int8; with the int8 model's largest difference from fp32 (deg)."""
    from training.config import load_config
    from training.crop_cache import load_crops
    from training.dataset import load_split
    from training.export_onnx import run_onnx
    from training.onnx_quantize import calibration_crops
    from training.metrics import mae_per_axis
    from training.preprocess import preprocess
    from training.synthetic_biwi import write_synthetic_biwi
    from training.train import train

    write_synthetic_biwi(work / "biwi", sequences=("01", "02", "03", "04", "05", "15"), frames=16)
    preprocess(work / "biwi", work / "splits", crop_size=input_size, show_progress=False)
    cfg = load_config(None, [
        "model.pretrained_cnn=false", f"model.input_size={input_size}", f"train.epochs={epochs}", "train.batch_size=8",
        f"train.max_steps_per_epoch={steps}", "train.device=cpu", "data.num_workers=0", f"data.dir={work / 'splits'}",
        "train.lr=0.001",
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = train(cfg, work / "splits", work / "run", show_progress=False)
    fp32 = export_variants(result.best_path, work / "onnx", data_dir=work / "splits")
    train_arrays = load_split(work / "splits", "train")
    n_calibration = len(calibration_crops(work / "splits", input_size))  # what the exporter calibrated on
    test = load_split(work / "splits", "test")
    crops = np.asarray(load_crops(work / "splits", "test", input_size, test["image_paths"], test["bbox"]))
    baseline = np.tile(np.asarray(train_arrays["angles"]).mean(axis=0), (len(crops), 1))
    rows = [("predict train mean", mae_per_axis(baseline, test["angles"]), float("nan"))]
    reference = run_onnx(fp32, crops)
    for label, path in (("fp32", fp32), ("int8 static (export_onnx)", fp32.with_name("model.int8.onnx"))):
        pred = run_onnx(path, crops)
        rows.append((label, mae_per_axis(pred, test["angles"]), float(np.abs(pred - reference).max())))
    return rows, len(crops), n_calibration


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", type=Path, help="trained checkpoint (torch reference + exported variants)")
    p.add_argument("--model", type=Path, help="an exported fp32 ONNX model instead of a checkpoint (no torch row)")
    p.add_argument("--video", type=Path, default=DEV_VIDEO)
    p.add_argument("--truth", type=Path, default=DEV_TRUTH)
    p.add_argument("--frames", type=int, default=120, help="dev-video frames for the pipeline timing")
    p.add_argument("--faces", type=int, default=40, help="crops timed per engine/precision/thread count")
    p.add_argument("--threads", default=None, help="comma-separated CPU thread counts (default 1 and all cores)")
    p.add_argument("--no-generated", action="store_true", help="skip the int8 accuracy on generated data")
    p.add_argument("--generated-size", type=int, default=64, help="input size of the generated-data model")
    p.add_argument("--generated-epochs", type=int, default=8, help="epochs of the generated-data model")
    p.add_argument("--generated-steps", type=int, default=20, help="steps per epoch of the generated-data model")
    p.add_argument("--keep", action="store_true", help="keep the work folder (models, crops) instead of deleting it")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("GLOG_minloglevel", "2")
    from app.engines.onnx_session import default_cpu_threads
    from app.engines.model_registry import read_model_info

    cores = default_cpu_threads()
    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, cores})
    work = Path(tempfile.mkdtemp(prefix="cervicam-bench-"))
    print(f"cervicam engine benchmark: {os.cpu_count()} CPUs visible, {cores} usable, onnx threads {threads}, "
          f"CUDA {'available' if cuda_available() else 'not available'}, load average {os.getloadavg()[0]:.1f} "
          "(other processes on these cores make every figure slower)")

    checkpoint = args.checkpoint
    if args.model is None and checkpoint is None:
        args.model = registry_model()
    if args.model is not None:
        fp32 = args.model
        trained_on_real = True
    else:
        if checkpoint is None:
            checkpoint = untrained_checkpoint(work)
            trained_on_real = False
        else:
            trained_on_real = True
        fp32 = export_variants(checkpoint, work)
    info = read_model_info(fp32)
    print(f"model: {fp32.name}, backbone {info.describe('backbone')}, input {info.crop_rule.input_size} px, "
          + ("trained: " + info.describe("training_data") if trained_on_real else "UNTRAINED (random weights): speed only"))

    frames = read_frames(args.video, args.frames)
    from app.engines.landmarks_engine import LandmarksEngine

    lm_median, lm_p90, lm_mean, lm_stages, raws = run_pipeline(LandmarksEngine(), frames)
    boxes = [(f, r.observation.box) for f, r in zip(frames, raws) if r.observation.box is not None]
    crops = np.stack([info.crop_rule.crop(f.image, b) for f, b in boxes])
    print(f"dev video: {len(frames)} frames, head box on {len(boxes)}; crops {crops.shape[1]} px")
    crop_ms, _, _ = timed(lambda fb: info.crop_rule.crop(fb[0].image, fb[1]), boxes[: args.faces])

    models = {"fp32": fp32}
    exporter_int8 = fp32.with_name(fp32.stem + ".int8.onnx")
    if exporter_int8.is_file():
        models["int8 static"] = exporter_int8
        print(f"int8: {exporter_int8.name} ({read_model_info(exporter_int8).describe('quantization')})")
    else:
        from training.onnx_quantize import CALIBRATION_FRAMES, quantize_static_int8

        calibration = crops[np.unique(np.linspace(0, len(crops) - 1, min(len(crops), CALIBRATION_FRAMES // 2)).round().astype(int))]
        models["int8 static"] = quantize_static_int8(fp32, work / "model.int8.onnx", calibration)
        print(f"int8: {fp32.name} quantised by training.onnx_quantize.quantize_static_int8, calibrated on "
              f"{len(calibration)} dev-video crops")
    fp16 = fp32.with_name(fp32.stem + ".fp16.onnx")
    if cuda_available() and fp16.is_file():
        models["fp16"] = fp16
    rows = per_face_timings(models, checkpoint, crops[: args.faces], threads)

    print(f"\n1. Per face, batch 1, crop given ({min(len(crops), args.faces)} crops; crop itself {crop_ms:.2f} ms; "
          f"target <= {TARGET_MS_PER_FACE:.0f} ms)")
    print(f"{'engine / precision':28s} {'threads':>7s} {'ms median':>10s} {'ms p90':>8s} {'ms min':>7s} {'faces/s':>8s}")
    for r in rows:
        print(f"{r.label:28s} {r.threads:>7s} {r.median_ms:10.2f} {r.p90_ms:8.2f} {r.best_ms:7.2f} {r.per_second:8.1f}")
    if not cuda_available():
        print("onnx fp16: CUDA only; not available on this machine")

    print(f"\n2. Whole pipeline per frame (head tracker + engine), {len(frames)} dev-video frames, "
          f"(target >= {TARGET_PIPELINE_FPS:.0f} frames/s)")
    print(f"{'engine':28s} {'ms median':>10s} {'ms p90':>8s} {'ms mean':>8s} {'frames/s':>9s}  mean ms per stage")
    pipeline_rows = [("landmarks", lm_median, lm_p90, lm_mean, lm_stages)]
    from app.engines.onnx_engine import OnnxEngine

    from app.engines.onnx_session import SessionConfig

    for label, t in (("fp32", cores), ("int8 static", cores), ("int8 static", 1)):
        engine = OnnxEngine(models[label], SessionConfig(device="cpu", cpu_threads=t))
        median, p90, mean, stages, _ = run_pipeline(engine, frames)
        pipeline_rows.append((f"onnx {label}, {t} thread{'s' if t > 1 else ''}", median, p90, mean, stages))
    for label, median, p90, mean, stages in pipeline_rows:
        stage_text = ", ".join(f"{k} {v:.1f}" for k, v in stages.items())
        # frames/s from the mean: what a stream of frames really gets, slow frames included
        print(f"{label:28s} {median:10.2f} {p90:8.2f} {mean:8.2f} {1000.0 / mean:9.1f}  {stage_text}")

    print("\n3. Accuracy on the dev video (raw angles vs truth, frames with a pose)")
    if not trained_on_real:
        print("not measured: the model is untrained (random weights), its angles mean nothing. "
              "Pass --checkpoint/--model of a model trained on BIWI.")
    else:
        for label in ("fp32", "int8 static"):
            acc = dev_video_accuracy(OnnxEngine(models[label]), args.truth, args.video)
            print(f"onnx {label:22s} MAE yaw {acc['yaw']:.2f}, pitch {acc['pitch']:.2f}, roll {acc['roll']:.2f} deg; "
                  f"pose on {acc['detected']:.1%} of frames")

    if not args.no_generated:
        print(f"\n4. int8 accuracy cost on generated BIWI-format data (ResNet18 dual-branch from scratch, "
              f"{args.generated_epochs}x{args.generated_steps} steps, {args.generated_size} px)")
        gen_rows, n_test, n_cal = generated_int8_cost(
            work / "generated", args.generated_size, args.generated_epochs, args.generated_steps
        )
        print(f"{n_test} test crops (subject split), static int8 calibrated on {n_cal} train crops")
        base = gen_rows[1][1]["mean"]
        for label, mae, diff in gen_rows:
            extra = "" if np.isnan(diff) else f"; change vs fp32 {mae['mean'] - base:+.3f}, max |diff| {diff:.3f} deg"
            print(f"{label:26s} MAE yaw {mae['yaw']:.3f}, pitch {mae['pitch']:.3f}, roll {mae['roll']:.3f}, "
                  f"mean {mae['mean']:.3f} deg{extra}")
    if args.keep:
        print(f"\n(work files kept in {work})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
