"""The source revision a model was trained or exported from (its card cites it)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_commit() -> str:
    """HEAD's hash, with "-dirty" when ``training/`` differs from it, or "unknown" outside git."""
    repo = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, timeout=10).stdout.strip()
        # "-dirty" when the training code differs from the commit: the model is not reproducible from it.
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "training"], cwd=repo, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return (sha + ("-dirty" if dirty else "")) if sha else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
