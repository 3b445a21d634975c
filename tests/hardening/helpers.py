"""Small shared pieces of the hardening tests: samples, a small tmpfs, CLI runs."""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from app.core.types import PoseSample

ROOT = Path(__file__).resolve().parents[2]


def sample(i: int, rate: float = 30.0) -> PoseSample:
    """Frame ``i`` of a head turning slowly left and right (distinct, checkable values)."""
    yaw = 60.0 * math.sin(i / 40.0)
    return PoseSample(i, i / rate, True, 0.9, yaw, 0.1 * i % 7, -1.0, yaw + 0.5, 0.0, -1.0, source="test")


def wait_until(predicate: Callable[[], bool], timeout_s: float = 10.0, step_s: float = 0.02) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step_s)
    return predicate()


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str = "2m") -> Iterator[Path | None]:
    """A tiny tmpfs at ``where`` (root only); yields None where mounting is not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(where)], capture_output=True)
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True, capture_output=True)


def fill_disk(folder: Path) -> Path:
    """Write a file until the filesystem is full; returns it (delete it to free the space)."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 65536
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError:
            pass
    return filler


def run_main(*argv: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python main.py ARGV`` as the clinician runs it (a fresh process, real exit code)."""
    import os

    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, capture_output=True, text=True, env=full_env, timeout=timeout
    )


def one_clear_line(stderr: str) -> str:
    """Asserts stderr is exactly one 'cervicam: ...' line (no traceback); returns it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("cervicam: "), stderr
    return lines[0]
