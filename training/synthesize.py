"""Render labelled face crops from textured 3D heads and write splits the dataset code reads.

    python -m training.synthesize --heads DIR --out DIR [--images N] [--seed S] [--max-side 256]

Each head file in DIR (glTF/OBJ, one identity each, e.g. the VALID busts) is rendered at
``N / heads`` random scenes (training.render_scene: full neck range, camera, light, background,
webcam defects) with moderngl on an EGL context. Output, in ``OUT``:

* ``images/<identity>/<n>.jpg``: the crop windows (training.render_example);
* ``shards/<head>_<chunk>.npz``: labels of each chunk of 100 images, written once the chunk's
  images are on disk. A run that stops (Ctrl-C, a crash) resumes where it was: finished chunks
  are kept, image ``i`` is drawn from ``(seed, head, i)`` and so is the same on any rerun;
* ``biwi_cnn_{train,val,test}.npz``: the splits, **by identity** (nobody's renders in two
  splits), with the keys training.preprocess writes plus ``identity`` (names), ``hfov_deg``,
  ``face_landmarks``/``pose_landmarks`` (the renders' surface points, for the auxiliary heads);
* ``synthesis.json``: the options, the identities of each split and the heads' licence and
  attribution (DIR's ``LICENSE*`` text and its README's licence/attribution section), which the
  model card of any model trained on these renders repeats.

The project reads no head folder of its own: DIR is the researcher's.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from app.core.crop import CropRule
from app.core.view_ray import AngleFrame
from app.errors import InputError
from training.cli import EXIT_BAD_INPUT, attempt, setup_logging
from training.head_mesh import list_head_files, load_head
from training.preprocess import split_file
from training.render_example import render_example
from training.render_scene import draw_scene
from training.splits import SPLIT_NAMES, subject_split

log = logging.getLogger(__name__)

SYNTHESIS_DATASET = "cervicam renders of textured 3D heads"
SETTINGS_FILE = "synthesis.json"
CHUNK = 100
JPEG_QUALITY = 95  # storage only: the webcam's own compression is part of each scene


@dataclass(frozen=True)
class SynthesisOptions:
    heads: tuple[str, ...]  # file names, sorted: the identity index is the position here
    images_per_head: int
    seed: int
    max_side: int
    margin: float
    angle_frame: str = AngleFrame.CROP_RAY.value  # renders labelled otherwise are not resumed into these


@dataclass(frozen=True)
class SynthesisResult:
    rendered: int
    reused: int
    counts: dict[str, int]
    out_dir: Path


def synthesize(heads_dir: Path, out_dir: Path, images: int = 6000, seed: int = 0, max_side: int = 256,
               margin: float = CropRule().margin, split_seed: int = 42, show_progress: bool = True,
               test_identities: tuple[str, ...] = ()) -> SynthesisResult:
    files = list_head_files(heads_dir)
    stems = [p.stem for p in files]
    missing = [name for name in test_identities if name not in stems]
    if missing:
        raise InputError(f"--test-identities names no head in {heads_dir}: {', '.join(missing)} "
                         f"(the heads are {', '.join(stems)})")
    if images < len(files):
        raise InputError(f"--images {images} is fewer than one per head ({len(files)} heads)")
    if not 32 <= max_side <= 1024:
        raise InputError(f"--max-side must be 32..1024, not {max_side}")
    options = SynthesisOptions(tuple(p.name for p in files), -(-images // len(files)), seed, max_side, margin)
    out_dir = Path(out_dir)
    check_resumable(out_dir, options)
    rendered, reused = render_all(files, out_dir, options, show_progress)
    pinned = tuple(stems.index(name) for name in test_identities)
    counts = write_splits(out_dir, options, split_seed, heads_provenance(heads_dir), pinned)
    return SynthesisResult(rendered, reused, counts, out_dir)


def check_resumable(out_dir: Path, options: SynthesisOptions) -> None:
    """Start or resume ``out_dir``; InputError if it holds a run with other options."""
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = out_dir / SETTINGS_FILE
    if settings.is_file():
        try:
            earlier = json.loads(settings.read_text())["options"]
        except (ValueError, KeyError) as exc:
            raise InputError(f"{settings} is damaged ({exc}); remove it or use another --out") from None
        if earlier != json.loads(json.dumps(asdict(options))):
            raise InputError(f"{out_dir} holds renders made with other options ({settings}); use another --out "
                             "or the same --heads/--images/--seed/--max-side")
    else:
        settings.write_text(json.dumps({"options": asdict(options)}, indent=2))


def heads_provenance(heads_dir: Path) -> dict[str, str]:
    """The heads' licence text and attribution, as their folder states them (empty if it does not)."""
    heads_dir = Path(heads_dir)
    licence = next((p for p in sorted(heads_dir.glob("LICEN[CS]E*")) if p.is_file()), None)
    readme = next((p for p in sorted(heads_dir.glob("README*")) if p.is_file()), None)
    return {
        "licence": licence.read_text(encoding="utf-8", errors="replace").strip() if licence else "",
        "attribution": attribution_section(readme.read_text(encoding="utf-8", errors="replace")) if readme else "",
    }


def attribution_section(readme: str) -> str:
    """The README's section whose heading names the source, licence or attribution."""
    lines, keep = [], False
    for line in readme.splitlines():
        if line.startswith("#"):
            heading = line.lower()
            keep = any(word in heading for word in ("licen", "attribution", "source"))
            continue
        if keep:
            lines.append(line)
    return "\n".join(lines).strip()


def chunk_path(out_dir: Path, head: int, chunk: int) -> Path:
    return out_dir / "shards" / f"{head:03d}_{chunk:04d}.npz"


def render_all(files: list[Path], out_dir: Path, options: SynthesisOptions, show_progress: bool) -> tuple[int, int]:
    from training.head_renderer import HeadRenderer

    chunks = [(h, c) for h in range(len(files)) for c in range(-(-options.images_per_head // CHUNK))]
    todo = [(h, c) for h, c in chunks if not chunk_path(out_dir, h, c).is_file()]

    def size(c: int) -> int:  # the last chunk of a head is short
        return min(CHUNK, options.images_per_head - c * CHUNK)

    reused = sum(size(c) for h, c in chunks if (h, c) not in todo)
    if not todo:
        return 0, reused
    renderer = HeadRenderer()
    rule = CropRule(margin=options.margin)
    rendered = 0
    bar = tqdm(total=sum(size(c) for _, c in todo), desc="renders", unit="img", disable=not show_progress)
    try:
        loaded = None
        for h, c in todo:
            if loaded is None or loaded[0] != h:
                head = load_head(files[h])
                renderer.use_head(head)
                textures = [p.texture for p in head.parts if p.texture.shape[0] >= 256]
                loaded = (h, head, textures)
            rendered += render_chunk(loaded[1], loaded[2], renderer, rule, out_dir, options, h, c)
            bar.update(size(c))
    finally:
        bar.close()
        renderer.close()
    return rendered, reused


def render_chunk(head, textures, renderer, rule: CropRule, out_dir: Path, options: SynthesisOptions, h: int, c: int) -> int:
    """Render one chunk's images, then write its labels (the chunk counts as done only then)."""
    folder = out_dir / "images" / head.identity
    folder.mkdir(parents=True, exist_ok=True)
    rows = {"index": [], "path": [], "angles": [], "camera_angles": [], "ray": [], "side": [], "hfov": [],
            "face": [], "pose": []}
    for i in range(c * CHUNK, min((c + 1) * CHUNK, options.images_per_head)):
        rng = np.random.default_rng([options.seed, h, i])
        scene = draw_scene(rng)
        example = render_example(head, renderer, scene, rule, textures, rng, options.max_side)
        path = folder / f"{i:05d}.jpg"
        if not cv2.imwrite(str(path), cv2.cvtColor(example.image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise InputError(f"cannot write {path} (disk full or not writable?)")
        rows["index"].append(i)
        rows["path"].append(str(path.relative_to(out_dir)))
        rows["angles"].append(example.angles.as_array())
        rows["camera_angles"].append(example.camera_angles.as_array())
        rows["ray"].append(example.ray)
        rows["side"].append(example.image.shape[0])
        rows["hfov"].append(scene.hfov_deg)
        rows["face"].append(example.face_landmarks)
        rows["pose"].append(example.pose_landmarks)
    target = chunk_path(out_dir, h, c)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".tmp.npz")
    np.savez(tmp, **{k: np.asarray(v) for k, v in rows.items()})
    tmp.replace(target)
    return len(rows["index"])


def read_chunks(out_dir: Path, options: SynthesisOptions) -> dict[str, np.ndarray]:
    columns: dict[str, list] = {"subject": [], "identity": []}
    for h, name in enumerate(options.heads):
        for c in range(-(-options.images_per_head // CHUNK)):
            path = chunk_path(out_dir, h, c)
            try:
                with np.load(path, allow_pickle=False) as npz:
                    for key in npz.files:
                        columns.setdefault(key, []).append(npz[key])
            except Exception as exc:  # missing or damaged: rendering it again fixes it
                raise InputError(f"{path} is unreadable ({exc}); delete it and run synthesize again") from None
            n = len(columns["index"][-1])
            columns["subject"].append(np.full(n, h, dtype=np.int64))
            columns["identity"].append(np.full(n, Path(name).stem))
    return {k: np.concatenate(v) for k, v in columns.items()}


def write_splits(out_dir: Path, options: SynthesisOptions, split_seed: int, provenance_of_heads: dict[str, str],
                 test_heads: tuple[int, ...] = ()) -> dict[str, int]:
    rows = read_chunks(out_dir, options)
    parts = subject_split(rows["subject"], split_seed, test_first=test_heads)
    root = out_dir.resolve()
    provenance = {"crop_margin": np.float32(options.margin), "split_protocol": np.array("identity"),
                  "split_seed": np.int64(split_seed), "dataset": np.array(SYNTHESIS_DATASET),
                  "angle_frame": np.array(AngleFrame.CROP_RAY.value)}
    counts, members = {}, {}
    for name in SPLIT_NAMES:
        take = parts[name]
        side = rows["side"][take]
        paths = np.array([str(root / p) for p in rows["path"][take]])
        if not _same_rows(split_file(out_dir, name), paths):
            for stale in (out_dir / "crops").glob(f"{name}_*.npy"):
                stale.unlink()  # a cache of an earlier assembly would not match the new row order
        np.savez(
            split_file(out_dir, name),
            image_paths=paths,
            angles=rows["angles"][take].astype(np.float32),
            camera_angles=rows["camera_angles"][take].astype(np.float32),
            crop_ray=rows["ray"][take].astype(np.float32),
            subject=rows["subject"][take],
            identity=rows["identity"][take],
            sequence=rows["identity"][take],
            frame_index=rows["index"][take],
            bbox=np.stack([np.zeros_like(side), np.zeros_like(side), side, side], axis=1).astype(np.int64),
            hfov_deg=rows["hfov"][take].astype(np.float32),
            face_landmarks=rows["face"][take].astype(np.float32),
            pose_landmarks=rows["pose"][take].astype(np.float32),
            **provenance,
        )
        counts[name] = len(take)
        members[name] = sorted(set(rows["identity"][take].tolist()))
    settings = out_dir / SETTINGS_FILE
    data = json.loads(settings.read_text())
    data["splits"] = members
    data["split_seed"] = split_seed
    data["test_identities"] = [Path(options.heads[h]).stem for h in test_heads]
    data["heads"] = provenance_of_heads
    settings.write_text(json.dumps(data, indent=2))
    return counts


def _same_rows(split_path: Path, paths: np.ndarray) -> bool:
    if not split_path.is_file():
        return False
    try:
        with np.load(split_path, allow_pickle=False) as npz:
            return bool(np.array_equal(npz["image_paths"], paths))
    except Exception:  # damaged: rewrite it and its caches
        return False


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m training.synthesize", description=__doc__.split("\n")[0])
    p.add_argument("--heads", required=True, type=Path, help="folder of head files (.glb/.gltf/.obj), one identity each")
    p.add_argument("--out", required=True, type=Path, help="output folder (resumed if it holds the same run)")
    p.add_argument("--images", type=int, default=6000, help="images in all, shared evenly by the heads (default 6000)")
    p.add_argument("--seed", type=int, default=0, help="scene seed (default 0)")
    p.add_argument("--split-seed", type=int, default=42, help="which identities go to val/test (default 42)")
    p.add_argument("--test-identities", default="", metavar="NAME,...",
                   help="heads (file names without extension) that go to the test split whatever the seed, "
                        "e.g. those an evaluation video shows")
    p.add_argument("--max-side", type=int, default=256, help="largest side a crop is stored at, px (default 256)")
    p.add_argument("--margin", type=float, default=CropRule().margin, help="crop margin, share of the head width per side")
    p.add_argument("-v", "--verbose", action="store_true")
    return p


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(logging.INFO if args.verbose else logging.WARNING)
    result = attempt("synthesize", lambda: synthesize(args.heads, args.out, args.images, args.seed, args.max_side,
                                                      args.margin, args.split_seed,
                                                      test_identities=_names(args.test_identities)))
    if result is None:
        return EXIT_BAD_INPUT
    c = result.counts
    print(f"Rendered {result.rendered} images, kept {result.reused} from an earlier run")
    print(f"Train: {c['train']} | Val: {c['val']} | Test: {c['test']} (split by identity: {result.out_dir / SETTINGS_FILE})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
