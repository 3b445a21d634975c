"""Docstrings and comments point at documents the repository has (a ``DESIGN.md`` that lives
elsewhere once sent every newcomer looking for a file that is not there)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# An upper-case document name (README.md, docs/ONNX.md, PRIVACY.md), not an output file a
# command writes (ablation.md, --out FILE.md).
CITED_DOC = re.compile(r"(?<![\w/.-])((?:docs/)?[A-Z][A-Z0-9_]*\.md)\b")
PLACEHOLDERS = {"FILE.md"}


def _cited_docs() -> dict[str, list[str]]:
    cited: dict[str, list[str]] = {}
    for folder in ("app", "training", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in CITED_DOC.findall(path.read_text(encoding="utf-8")):
                cited.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return cited


def _exists(name: str) -> bool:
    return (ROOT / name).is_file() or (ROOT / "docs" / name).is_file()


def test_every_cited_document_exists() -> None:
    cited = _cited_docs()
    assert "docs/ONNX.md" in cited  # the scan finds real citations
    missing = {name: files for name, files in cited.items() if name not in PLACEHOLDERS and not _exists(name)}
    assert missing == {}


def test_the_pattern_catches_a_missing_design_doc() -> None:
    assert CITED_DOC.findall('"""The crop rule (see DESIGN.md)."""') == ["DESIGN.md"]
    assert CITED_DOC.findall("write OUT/ablation.md and docs/ONNX.md") == ["docs/ONNX.md"]
    assert not _exists("DESIGN.md")
