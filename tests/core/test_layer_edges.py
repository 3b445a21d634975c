"""Layer edges that hold: the plain core needs neither OpenCV nor MediaPipe, the core imports no
outer layer (report, engines, store, GUI, CLI), and the engines do not reach into the store.

The import check runs in a fresh interpreter (``python -``) because this test process has long
imported cv2 through other tests; the edge checks read the source (lazy imports included, which
is where a leak hides).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAIN_CORE = ("angles", "types", "protocol", "rom", "norms", "compensation", "offline_protocol", "sample_csv", "protocol_options")
OUTER_LAYERS = ("app.report", "app.engines", "app.store", "app.ui", "app.cli")


def _run_python(script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-"], input=textwrap.dedent(script), cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_plain_core_imports_with_cv2_and_mediapipe_blocked() -> None:
    proc = _run_python(
        f"""
        import importlib, sys
        sys.modules["cv2"] = None  # any `import cv2` now raises ImportError
        sys.modules["mediapipe"] = None
        for name in {PLAIN_CORE!r}:
            importlib.import_module("app.core." + name)
        from app.core.types import HeadBox, HeadObservation
        HeadObservation(box=HeadBox(1.0, 2.0, 3.0))
        from app.core.offline_protocol import run_offline_protocol
        run_offline_protocol([])
        leaked = sorted(m for m in sys.modules if m.startswith({OUTER_LAYERS!r}))
        print("LEAKED", leaked)
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "LEAKED []" in proc.stdout


def test_the_blocking_is_real() -> None:
    # Guards the check above: with cv2 blocked, a module that needs OpenCV must fail to import.
    proc = _run_python(
        """
        import sys
        sys.modules["cv2"] = None
        import app.core.crop
        """
    )
    assert proc.returncode != 0 and "cv2" in proc.stderr


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _leaks(folder: str, forbidden: tuple[str, ...], exempt: tuple[str, ...] = ()) -> dict[str, list[str]]:
    found = {}
    for path in sorted((ROOT / folder).glob("*.py")):
        if path.name in exempt:
            continue
        bad = sorted(m for m in _imported_modules(path) if m.startswith(forbidden))
        if bad:
            found[path.name] = bad
    return found


def test_core_imports_no_outer_layer() -> None:
    assert _leaks("app/core", OUTER_LAYERS) == {}


@pytest.mark.parametrize("forbidden", ["app.store", "app.report", "app.ui", "app.cli"])
def test_engines_do_not_reach_into_outer_layers(forbidden: str) -> None:
    # No exemption: the caller passes the model folders (app.model_folders composes them).
    assert _leaks("app/engines", (forbidden,)) == {}


def test_the_source_scan_sees_lazy_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from app.store.paths import resolve_data_dir\n    import app.ui.theme\n")
    assert _imported_modules(module) == {"app.store.paths", "app.ui.theme"}
