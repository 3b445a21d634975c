"""Fixtures for engine tests: a contract-following test model, exported once per session."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tests.engines.onnx_models import export_test_model


@pytest.fixture(scope="session")
def contract_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.onnx's deprecation chatter
        return export_test_model(tmp_path_factory.mktemp("models") / "colour.onnx")
