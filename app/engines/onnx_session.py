"""The one place where onnxruntime sessions are opened: device choice, CUDA -> CPU fallback, options.

Device policy (``--device``):

* ``auto``: CUDA when onnxruntime has the CUDAExecutionProvider *and* the session really runs on
  it (onnxruntime-gpu silently drops to CPU when the CUDA libraries are missing); otherwise CPU,
  with one warning saying why.
* ``cuda``: CUDA or nothing. If it cannot run on CUDA, :class:`~app.errors.InputError` says why,
  so a user who asked for the GPU never measures on the CPU without knowing.
* ``cpu``: CPU.

CPU options: full graph optimisation; intra-op threads = the cores this process may use (capped,
see :func:`default_cpu_threads`); one inter-op thread (a single model runs sequentially);
thread spinning off, because the head tracker (MediaPipe) and the capture thread need the same
cores between two inferences, and spinning workers would steal them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.engines.choices import DEVICES, Device
from app.errors import InputError

if TYPE_CHECKING:  # onnxruntime is imported lazily: `main.py models` and the CLI start fast
    import onnxruntime as ort

log = logging.getLogger(__name__)

CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"
# More intra-op threads than this buys little for one 224x224 face and starves the other stages.
MAX_CPU_THREADS = 8
THREADS_ENV_VAR = "CERVICAM_ORT_THREADS"


def default_cpu_threads() -> int:
    """Cores this process may run on (affinity-aware), capped; ``$CERVICAM_ORT_THREADS`` overrides."""
    env = os.environ.get(THREADS_ENV_VAR, "").strip()
    if env:
        try:
            value = int(env)
        except ValueError as exc:
            raise InputError(f"{THREADS_ENV_VAR} must be a whole number of threads, not {env!r}") from exc
        if value < 1:
            raise InputError(f"{THREADS_ENV_VAR} must be at least 1, not {value}")
        return value
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_CPU_THREADS, cores))


@dataclass(frozen=True)
class SessionConfig:
    """How to open a session: requested device, CPU threads (None = default), spinning."""

    device: str = Device.AUTO
    cpu_threads: int | None = None
    allow_spinning: bool = False
    # IO binding pays on CUDA (output stays where ORT allocated it, one copy); None = only on CUDA.
    io_binding: bool | None = None


class OnnxSession:
    """An onnxruntime session plus the device it really runs on; :meth:`run` feeds one input."""

    def __init__(self, session: "ort.InferenceSession", device: Device, cpu_threads: int, io_binding: bool) -> None:
        self.session = session
        self.device = device  # Device.CUDA or Device.CPU: where it really runs, not what was asked
        self.cpu_threads = cpu_threads
        self.io_binding = io_binding

    def run(self, input_name: str, array: np.ndarray, output_names: list[str]) -> list[np.ndarray]:
        if not self.io_binding:
            return self.session.run(output_names, {input_name: array})
        binding = self.session.io_binding()
        binding.bind_cpu_input(input_name, np.ascontiguousarray(array))
        for name in output_names:
            binding.bind_output(name)  # allocated by ORT on the session's device
        self.session.run_with_iobinding(binding)
        return binding.copy_outputs_to_cpu()

    @property
    def providers(self) -> list[str]:
        return list(self.session.get_providers())


def available_providers() -> list[str]:
    import onnxruntime as ort

    return list(ort.get_available_providers())


def session_options(cpu_threads: int, allow_spinning: bool, optimize: bool = True) -> "ort.SessionOptions":
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = cpu_threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if allow_spinning else "0")
    options.log_severity_level = 3  # onnxruntime's own warnings are not the user's problem
    return options


def open_session(path: str | os.PathLike[str], config: SessionConfig = SessionConfig()) -> OnnxSession:
    """Open ``path`` on the device ``config`` asks for (see the module docstring for the policy)."""
    import onnxruntime as ort

    if config.device not in DEVICES:
        raise InputError(f"unknown device {config.device!r}: choose one of {', '.join(DEVICES)}")
    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file not found: {path}")
    threads = config.cpu_threads or default_cpu_threads()
    available = available_providers()
    want_cuda = config.device in (Device.AUTO, Device.CUDA)
    if want_cuda and CUDA_PROVIDER not in available:
        reason = "onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu and a CUDA driver)"
        if config.device == Device.CUDA:
            raise InputError(f"--device cuda was requested but {reason}; use --device auto or cpu")
        log.info("CUDA not available, running the model on the CPU: %s", reason)
        want_cuda = False
    providers: list[object] = [CPU_PROVIDER]
    if want_cuda:
        providers = [(CUDA_PROVIDER, {"cudnn_conv_algo_search": "HEURISTIC"}), CPU_PROVIDER]
    options = session_options(threads, config.allow_spinning)
    session = _create(ort, path, options, providers)
    runs_on_cuda = CUDA_PROVIDER in session.get_providers()
    if want_cuda and not runs_on_cuda:
        reason = "onnxruntime could not start CUDA (GPU driver or CUDA/cuDNN libraries missing)"
        if config.device == Device.CUDA:
            raise InputError(f"--device cuda was requested but {reason}; use --device auto or cpu")
        log.warning("CUDA requested by --device auto but %s: running on the CPU", reason)
    device = Device.CUDA if runs_on_cuda else Device.CPU
    io_binding = runs_on_cuda if config.io_binding is None else config.io_binding
    log.info(
        "onnx model %s runs on %s (providers %s, %d CPU threads, io binding %s)",
        path.name, device.upper(), session.get_providers(), threads, "on" if io_binding else "off",
    )
    return OnnxSession(session, device, threads, io_binding)


def open_metadata_session(path: str | os.PathLike[str]) -> "ort.InferenceSession":
    """A cheap CPU session (no graph optimisation, one thread) to read a model's inputs and metadata."""
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file not found: {path}")
    return _create(ort, path, session_options(1, False, optimize=False), [CPU_PROVIDER])


def _create(ort_module, path: Path, options, providers) -> "ort.InferenceSession":
    try:
        return ort_module.InferenceSession(str(path), sess_options=options, providers=providers)
    except Exception as exc:  # ORT raises its own pybind classes (InvalidProtobuf, Fail, ...)
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path} is not a usable ONNX model ({first_line[:200]})") from exc
