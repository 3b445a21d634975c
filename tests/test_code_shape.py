"""Code a reader can hold in their head: no file under app/ or training/ over 400 lines, no
function over 60 lines (issue 14's must-show).

The exceptions below are files and functions other work owns right now, at their size when this
test was written. THE LISTS MAY ONLY SHRINK: an exception may not grow past its number, and once
one is back under the limit its entry must be deleted (the test says so), never raised or added.
Split by responsibility instead (see e.g. training/train.py, training/onnx_card.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("app", "training")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60

# path: its line count today (may only go down; delete the entry once it is <= MAX_FILE_LINES).
FILE_EXCEPTIONS: dict[str, int] = {
}
# "path::Qualified.name": its length today (may only go down; delete once <= MAX_FUNCTION_LINES).
FUNCTION_EXCEPTIONS: dict[str, int] = {
}


def _sources() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def file_lengths() -> dict[str, int]:
    return {_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in _sources()}


def function_lengths(path: Path) -> dict[str, int]:
    """Every function and method (nested ones too) by qualified name, with its length in lines
    (decorators excluded, docstring and body included)."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found[name] = max(found.get(name, 0), child.end_lineno - child.lineno + 1)
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def all_function_lengths() -> dict[str, int]:
    return {f"{_name(p)}::{name}": n for p in _sources() for name, n in function_lengths(p).items()}


def _over(lengths: dict[str, int], limit: int, exceptions: dict[str, int]) -> list[str]:
    problems = []
    for key, n in sorted(lengths.items()):
        allowed = exceptions.get(key, limit)
        if n > allowed:
            problems.append(f"{key}: {n} lines (limit {allowed})")
    for key, allowed in sorted(exceptions.items()):
        if key not in lengths:
            problems.append(f"{key}: listed as an exception but gone; delete its entry")
        elif lengths[key] <= limit:
            problems.append(f"{key}: {lengths[key]} lines, under the limit again; delete its exception")
    return problems


def test_no_file_over_400_lines() -> None:
    assert _over(file_lengths(), MAX_FILE_LINES, FILE_EXCEPTIONS) == []


def test_no_function_over_60_lines() -> None:
    assert _over(all_function_lengths(), MAX_FUNCTION_LINES, FUNCTION_EXCEPTIONS) == []


def test_the_checker_sees_methods_and_nested_functions(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    body = "\n".join(f"        x{i} = {i}" for i in range(3))
    module.write_text(f"class A:\n    def f(self):\n        def g():\n            pass\n{body}\n\ndef h():\n    pass\n")
    assert function_lengths(module) == {"A.f": 6, "A.f.g": 2, "h": 2}
    assert _over({"a": 5}, 4, {}) == ["a: 5 lines (limit 4)"]
    assert _over({"a": 3}, 4, {"a": 6}) == ["a: 3 lines, under the limit again; delete its exception"]
