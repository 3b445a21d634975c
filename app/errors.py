"""Errors that reach the user as one clear line (never a traceback)."""

from __future__ import annotations

from pathlib import Path


class CervicamError(Exception):
    """A problem the user can act on; its message is shown as is."""


class InputError(CervicamError):
    """Bad input: missing/unreadable file, wrong format, corrupt model or dataset file."""


def read_input_bytes(path: Path) -> bytes:
    """The bytes of a file the user named; an InputError ("cannot read <path>: <reason>") if it
    cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
