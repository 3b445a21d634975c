"""Device policy (auto/cpu/cuda with CUDA -> CPU fallback), thread sizing and IO binding."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import pytest

from app.engines import onnx_session
from app.engines.onnx_session import SessionConfig, default_cpu_threads, open_session
from app.errors import InputError

WITH_CUDA = ["CUDAExecutionProvider", "CPUExecutionProvider"]


def test_cpu_runs_on_cpu_with_the_threads_asked(contract_model: Path) -> None:
    session = open_session(contract_model, SessionConfig(device="cpu", cpu_threads=1))
    assert session.device == "cpu"
    assert session.providers == ["CPUExecutionProvider"]
    assert session.cpu_threads == 1
    assert session.io_binding is False


def test_auto_without_cuda_provider_falls_back_to_cpu(contract_model: Path, monkeypatch, caplog) -> None:
    monkeypatch.setattr(onnx_session, "available_providers", lambda: ["CPUExecutionProvider"])
    with caplog.at_level(logging.INFO, logger="app.engines.onnx_session"):
        session = open_session(contract_model, SessionConfig(device="auto"))
    assert session.device == "cpu"
    assert "CUDA not available" in caplog.text


def test_forced_cuda_without_cuda_provider_fails_clearly(contract_model: Path, monkeypatch) -> None:
    monkeypatch.setattr(onnx_session, "available_providers", lambda: ["CPUExecutionProvider"])
    with pytest.raises(InputError, match="--device cuda was requested but onnxruntime has no CUDAExecutionProvider"):
        open_session(contract_model, SessionConfig(device="cuda"))


def test_cuda_provider_listed_but_not_starting(contract_model: Path, monkeypatch, caplog) -> None:
    # onnxruntime-gpu without a working CUDA: the provider is listed, the session lands on the CPU.
    import onnxruntime

    if "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        pytest.skip("a real CUDA provider is present: this test simulates its absence")
    monkeypatch.setattr(onnx_session, "available_providers", lambda: WITH_CUDA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # onnxruntime warns about the unavailable provider
        with caplog.at_level(logging.WARNING, logger="app.engines.onnx_session"):
            session = open_session(contract_model, SessionConfig(device="auto"))
        assert session.device == "cpu"
        assert "could not start CUDA" in caplog.text
        with pytest.raises(InputError, match="could not start CUDA"):
            open_session(contract_model, SessionConfig(device="cuda"))


def test_unknown_device_and_missing_file(contract_model: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown device 'gpu'"):
        open_session(contract_model, SessionConfig(device="gpu"))
    with pytest.raises(InputError, match="model file not found"):
        open_session(tmp_path / "nope.onnx")


def test_io_binding_gives_the_same_numbers(contract_model: Path) -> None:
    batch = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    plain = open_session(contract_model, SessionConfig(device="cpu", io_binding=False))
    bound = open_session(contract_model, SessionConfig(device="cpu", io_binding=True))
    a = plain.run("image", batch, ["angles"])[0]
    b = bound.run("image", batch, ["angles"])[0]
    assert a.shape == (3, 3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, (batch.reshape(3, -1, 3).mean(axis=1) - 128) / 4, atol=1e-4)


def test_default_threads_follow_affinity_and_env(monkeypatch) -> None:
    monkeypatch.delenv("CERVICAM_ORT_THREADS", raising=False)
    monkeypatch.setattr(onnx_session.os, "sched_getaffinity", lambda pid: set(range(20)))
    assert default_cpu_threads() == onnx_session.MAX_CPU_THREADS
    monkeypatch.setattr(onnx_session.os, "sched_getaffinity", lambda pid: {0, 1})
    assert default_cpu_threads() == 2
    monkeypatch.setenv("CERVICAM_ORT_THREADS", "3")
    assert default_cpu_threads() == 3
    monkeypatch.setenv("CERVICAM_ORT_THREADS", "many")
    with pytest.raises(InputError, match="whole number"):
        default_cpu_threads()
