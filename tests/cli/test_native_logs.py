"""Finding 9 of issue 17: CLI error lines do not drown in MediaPipe / TensorFlow Lite / absl log
noise. Real processes (the filter works on file descriptor 2, which a test runner captures)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.cli.native_logs import NATIVE_LOG_ENV, is_noise, set_native_log_environment
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the filter is POSIX only")

NOISE_LINES = [
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "W0000 00:00:1796166510.008089    8970 inference_feedback_manager.cc:114] Feedback manager requires a model",
    "I0000 00:00:1796166510.008089    8970 gl_context.cc:369] GL version: 3.2",
    "2026-05-01 10:00:00.123456: W tensorflow/core/util/port.cc:113] oneDNN custom operations are on.",
]
KEPT_LINES = [
    "cervicam: video file not found: x.mp4",
    "E0000 00:00:1796166510.008089    8970 calculator_graph.cc:887] INTERNAL: graph failed",
    "F0000 00:00:1796166510.008089    8970 thing.cc:1] Check failed",
    "Traceback (most recent call last):",
]


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_what_is_noise():
    assert all(is_noise(line) for line in NOISE_LINES)
    assert not any(is_noise(line) for line in KEPT_LINES)


def test_environment_is_set_unless_the_user_set_it():
    env = {"TF_CPP_MIN_LOG_LEVEL": "0"}
    set_native_log_environment(env)
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "0" and env["GLOG_minloglevel"] == NATIVE_LOG_ENV["GLOG_minloglevel"]


WRITE_BOTH = (
    "import os, sys\n"
    "import app.cli\n"
    "lines = sys.argv[1].split('|')\n"
    "os.write(2, ''.join(l + '\\n' for l in lines).encode())  # as native code writes\n"
    "print('cervicam: the one line that matters', file=sys.stderr)\n"
    "import logging; logging.basicConfig(); logging.getLogger('x').warning('a python warning')\n"
)


def test_native_noise_is_dropped_and_everything_else_kept():
    done = _python(WRITE_BOTH, "|".join(NOISE_LINES + KEPT_LINES))
    err = done.stderr.splitlines()
    assert done.returncode == 0, done.stderr
    assert not any(line in err for line in NOISE_LINES), err
    assert all(line in err for line in KEPT_LINES + ["cervicam: the one line that matters", "WARNING:x:a python warning"]), err


def test_verbose_keeps_the_native_lines():
    done = _python(WRITE_BOTH.replace("import app.cli", "sys.argv.append('-v'); import app.cli"), NOISE_LINES[0])
    assert NOISE_LINES[0] in done.stderr


def test_mediapipe_itself_says_nothing_on_the_terminal():
    code = (
        "import numpy as np\n"
        "import app.cli\n"
        "from app.core.landmark_detectors import FaceMeshDetector\n"
        "FaceMeshDetector().detect(np.zeros((240, 320, 3), np.uint8))\n"
        "import sys; print('cervicam: done', file=sys.stderr)\n"
    )
    done = _python(code)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == ["cervicam: done"], done.stderr
