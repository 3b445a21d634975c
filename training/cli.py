"""What every ``python -m training.<command>`` shares: its log format and its one-line refusal.

Bad input (an InputError) is one line ``<command>: <message>`` on stderr and exit status 2, never
a traceback, as for the app's commands.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TypeVar

from app.errors import InputError

T = TypeVar("T")

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
EXIT_BAD_INPUT = 2


def setup_logging(level: int) -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT)


def attempt(command: str, action: Callable[[], T]) -> T | None:
    """``action()``; on an InputError its one line on stderr and None (the caller exits 2)."""
    try:
        return action()
    except InputError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return None
