"""Keep MediaPipe's, TensorFlow Lite's and absl/glog's INFO and WARNING lines off the terminal, so
that cervicam's own one-line messages (``cervicam: ...``) are what a user reads.

Two layers, both set up before mediapipe is imported (``app.cli`` does it on import):

* the environment variables the native libraries read (``GLOG_minloglevel``,
  ``TF_CPP_MIN_LOG_LEVEL``, ...), for builds that honour them;
* MediaPipe 0.10's absl logging and TFLite's "Created TensorFlow Lite XNNPACK delegate" ignore
  them and write straight to file descriptor 2, so descriptor 2 becomes a pipe whose lines are
  forwarded to the real stderr unless they are native INFO/WARNING noise. Python's own
  ``sys.stderr`` (logging, tracebacks, error lines) writes to the real stderr directly, never
  through the pipe, so nothing cervicam says can be lost or delayed by the filter.

Errors and fatal messages of the native libraries (``E...``/``F...`` lines, anything unknown)
still pass. ``-v``/``--verbose`` or ``CERVICAM_NATIVE_LOGS=1`` keep everything.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading

KEEP_ENV = "CERVICAM_NATIVE_LOGS"
# What the native libraries read, where they read anything: errors only.
NATIVE_LOG_ENV = {
    "GLOG_minloglevel": "2",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_CPP_MAX_VLOG_LEVEL": "-1",
    "ABSL_MIN_LOG_LEVEL": "2",
}
# Lines dropped: absl/glog INFO and WARNING ("W0000 00:00:1796166510.008089 8970 file.cc:114] ..."),
# TensorFlow's ("2026-05-01 10:00:00.123: W tensorflow/..."), and TFLite's and absl's start-up notes.
NOISE = re.compile(
    r"^(?:[IW]\d{4} [\d:.]+\s+\d+ [^\]]+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] "
    r"|INFO: Created TensorFlow Lite .*delegate"
    r"|INFO: Initialized TensorFlow Lite runtime"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)"
)

_installed: "_Filter | None" = None


def is_noise(line: str) -> bool:
    return NOISE.match(line) is not None


def set_native_log_environment(env: dict[str, str] | None = None) -> None:
    """Set each variable unless the user set it (then theirs wins)."""
    target = os.environ if env is None else env
    for key, value in NATIVE_LOG_ENV.items():
        target.setdefault(key, value)


class _Filter:
    """Descriptor 2 -> pipe -> this thread -> the real stderr, minus the noise."""

    def __init__(self) -> None:
        self.real_fd = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._read_fd = read_fd
        self._thread = threading.Thread(target=self._pump, name="native-log-filter", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        pending = b""
        while True:
            try:
                chunk = os.read(self._read_fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            self._forward(lines)
        if pending:
            self._forward([pending])
        os.close(self._read_fd)

    def _forward(self, lines: list[bytes]) -> None:
        kept = [line for line in lines if not is_noise(line.decode("utf-8", "replace"))]
        if kept:
            try:
                os.write(self.real_fd, b"".join(line + b"\n" for line in kept))
            except OSError:
                pass

    def stop(self, timeout_s: float = 1.0) -> None:
        """Put the real stderr back on descriptor 2 and forward what is still in the pipe."""
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass
        os.dup2(self.real_fd, 2)  # closes the pipe's write end: the thread reads to its end
        self._thread.join(timeout_s)


def quiet_native_logs(argv: list[str] | None = None) -> bool:
    """Set up both layers for this process (once); False where everything is kept.

    Not installed where ``sys.stderr`` is not the process's own (a test runner capturing it),
    nor on Windows (no such noise there worth a pipe), nor with -v / $CERVICAM_NATIVE_LOGS."""
    global _installed
    set_native_log_environment()
    argv = sys.argv[1:] if argv is None else argv
    if _installed is not None:
        return True
    if os.environ.get(KEEP_ENV) or "-v" in argv or "--verbose" in argv:
        return False
    if sys.platform == "win32" or sys.stderr is not sys.__stderr__ or sys.stderr is None:
        return False
    try:
        sys.stderr.flush()
        flt = _Filter()
    except OSError:
        return False
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    sys.stderr = open(flt.real_fd, "w", buffering=1, encoding=encoding, errors="backslashreplace", closefd=False)
    _installed = flt
    atexit.register(flt.stop)
    return True
