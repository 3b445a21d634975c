"""Face crops cached as uint8 ``.npy`` arrays, so an epoch never decodes 640x480 PNGs again.

``DATA/crops/{split}_{size}.npy`` holds [N, size, size, 3] RGB crops in the row order of
``DATA/biwi_cnn_{split}.npz``. ``preprocess`` writes them at its ``--crop-size``; any other size
is built from the PNGs on first use and kept.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from app.core.crop import crop_box
from app.errors import InputError

log = logging.getLogger(__name__)


def cache_path(data_dir: Path, split: str, size: int) -> Path:
    return Path(data_dir) / "crops" / f"{split}_{size}.npy"


def read_rgb(path: Path) -> np.ndarray | None:
    """RGB uint8 image, or None if the file is missing or undecodable."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        return None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def load_crops(data_dir: Path, split: str, size: int, image_paths: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The split's crops at ``size`` (memory-mapped), building the cache if needed."""
    path = cache_path(data_dir, split, size)
    if path.is_file():
        crops = np.load(path, mmap_mode="r")
        if crops.shape == (len(image_paths), size, size, 3):
            return crops
        log.warning("crop cache %s has shape %s, rebuilding", path, crops.shape)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint8, shape=(len(image_paths), size, size, 3))
    for i, (image_path, box) in enumerate(zip(image_paths, boxes)):
        image = read_rgb(Path(str(image_path)))
        if image is None:
            raise InputError(f"{image_path} became unreadable since preprocessing; run training.preprocess again")
        out[i] = crop_box(image, tuple(int(v) for v in box), size)
    out.flush()
    del out
    tmp.replace(path)
    log.info("cached %d crops at %d px in %s", len(image_paths), size, path)
    return np.load(path, mmap_mode="r")
