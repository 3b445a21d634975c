"""What a new passphrase must be, and the one word said about it at first start (Qt-free)."""

from __future__ import annotations

from app.errors import InputError

MIN_PASSPHRASE_CHARS = 8

FIRST_START_WORD = (
    "Patient names and birth years are optional. If you store them, set a passphrase so that they "
    "are encrypted at rest (measurements are kept either way; the passphrase is asked at each start "
    "and cannot be recovered if lost). You can set it now or later under File › Set passphrase…"
)


def check_new_passphrase(first: str, second: str) -> str:
    """The passphrase to set; InputError (one line) when too short or the two differ."""
    if len(first) < MIN_PASSPHRASE_CHARS:
        raise InputError(f"a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters")
    if first != second:
        raise InputError("the two passphrases differ")
    return first


def should_say_first_word(encrypted: bool, said_before: bool) -> bool:
    """Once, on a database whose names are not encrypted yet."""
    return not encrypted and not said_before
