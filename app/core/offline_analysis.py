"""Analyse a recorded video: every frame through the pipeline, neutral chosen afterwards.

Qt-free; ``main.py analyze`` and tests call :func:`analyze_video`. The per-frame CSV is written
by app.core.sample_csv, the one samples schema.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.core.camera_model import CameraAssumption
from app.core.one_euro import smooth_angles_zero_phase
from app.core.pipeline import MeasurementPipeline, Neutral, SampleMaker, choose_offline_neutral
from app.core.quality import trusted
from app.core.rom import RomTracker
from app.core.types import PoseSample, SampleFlag
from app.core.video import iter_video_frames

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class AnalysisResult:
    samples: list[PoseSample]
    neutral: Neutral | None
    frames_per_second: float  # processing speed
    video_fps: float
    stage_ms: dict[str, float] = field(default_factory=dict)  # mean per-frame time per stage

    @property
    def detection_rate(self) -> float:
        return sum(s.detected for s in self.samples) / len(self.samples) if self.samples else 0.0

    @property
    def trusted_rate(self) -> float:
        """Share of frames with a trusted reading (app.core.quality)."""
        return sum(s.detected and trusted(s.quality) for s in self.samples) / len(self.samples) if self.samples else 0.0

    def maxima(self) -> dict[str, float | None]:
        rom = RomTracker()
        for s in self.samples:
            rom.update(s)
        return rom.maxima()


def analyze_video(
    path: str | Path,
    pipeline: MeasurementPipeline,
    neutral_seconds: float = 1.0,
    neutral_at: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AnalysisResult:
    """Measure every frame of ``path``. Raises InputError for unreadable files.

    A video with no head anywhere returns samples that are all ``detected=False`` and
    ``neutral=None``: the caller decides how to tell the user.
    """
    info: list = []
    raws = []
    decode_s = track_ms = engine_ms = 0.0
    t_start = time.perf_counter()
    frames = iter_video_frames(path, info)
    while True:
        t0 = time.perf_counter()
        frame = next(frames, None)
        decode_s += time.perf_counter() - t0
        if frame is None:
            break
        raw = pipeline.observe(frame)
        track_ms += raw.timings_ms.get("track", 0.0)
        engine_ms += raw.timings_ms.get("engine", 0.0)
        # Only what the neutral and the samples need is kept: the landmarks of every frame (~15 kB
        # a frame, 1.6 GB for an hour) are not.
        raws.append(replace(raw, observation=None, timings_ms={}))
        if progress is not None:
            progress(len(raws), info[0].frame_count)
    elapsed = time.perf_counter() - t_start
    try:
        neutral = choose_offline_neutral(raws, neutral_seconds, neutral_at)
    except ValueError as exc:
        log.warning("%s", exc)
        neutral = None
    t0 = time.perf_counter()
    maker = SampleMaker(neutral) if neutral is not None else None
    samples = [maker(r) if maker else PoseSample(r.frame_index, r.time_s, False, 0.0) for r in raws]
    samples = smooth_offline(samples)
    filter_s = time.perf_counter() - t0
    n = max(1, len(raws))
    stage_ms = {
        "decode": decode_s * 1e3 / n,
        "track": track_ms / n,
        "engine": engine_ms / n,
        "filter": filter_s * 1e3 / n,
    }
    return AnalysisResult(samples, neutral, len(raws) / max(elapsed, 1e-9), info[0].fps, stage_ms)


def smooth_offline(samples: list[PoseSample]) -> list[PoseSample]:
    """Replace the live (causal) filtered angles by lag-free ones; raw angles stay as they are."""
    posed = [i for i, s in enumerate(samples) if s.detected]
    if not posed:
        return samples
    raw = [(samples[i].raw_yaw_deg, samples[i].raw_pitch_deg, samples[i].raw_roll_deg) for i in posed]
    smoothed = smooth_angles_zero_phase(raw, [samples[i].time_s for i in posed])  # type: ignore[arg-type]
    out = list(samples)
    for i, (yaw, pitch, roll) in zip(posed, smoothed):
        out[i] = replace(samples[i], yaw_deg=yaw, pitch_deg=pitch, roll_deg=roll)
    return out


def summary_dict(result: AnalysisResult, engine: str, video: str | Path, camera: CameraAssumption | None = None,
                 head_trackers: int | None = None, witness_network: str | None = None) -> dict:
    from app.core.angles import angles_from_matrix

    neutral = None
    if result.neutral is not None:
        a = angles_from_matrix(result.neutral.rotation)
        neutral = {"time_s": result.neutral.time_s, "yaw_deg": a.yaw_deg, "pitch_deg": a.pitch_deg,
                   "roll_deg": a.roll_deg, "note": "head orientation held as neutral, relative to the head model"}
    return {
        "video": str(video),
        "engine": engine,
        "frames": len(result.samples),
        "detection_rate": result.detection_rate,
        "trusted_rate": result.trusted_rate,
        "extrapolated_rate": sum(SampleFlag.EXTRAPOLATED in s.flags for s in result.samples) / max(1, len(result.samples)),
        "disputed_rate": sum(SampleFlag.DISPUTED in s.flags for s in result.samples) / max(1, len(result.samples)),
        "maxima_deg": result.maxima(),
        "neutral": neutral,
        # Flexion and extension depend on the lens (docs/MEASURING_CORE.md): say which one was used.
        "camera_hfov_deg": camera.hfov_deg if camera else None,
        "camera_hfov_source": camera.source if camera else None,
        "head_trackers": head_trackers,  # how many trackers voted (app.core.tracker_ensemble)
        "witness_network": witness_network,  # the model that checked them and witnessed for the face mesh, if any
        "frames_per_second": result.frames_per_second,
        "stage_ms": result.stage_ms,
    }


def write_summary_json(
    result: AnalysisResult, engine: str, video: str | Path, path: str | Path, camera: CameraAssumption | None = None,
    head_trackers: int | None = None, witness_network: str | None = None,
) -> None:
    summary = summary_dict(result, engine, video, camera, head_trackers, witness_network)
    # The six maxima also at top level, under the names README's command table gives `analyze --json`.
    summary.update(summary["maxima_deg"])
    Path(path).write_text(json.dumps(summary, indent=2), encoding="utf-8")
