"""Errors that reach the user as one clear line (never a traceback)."""


class CervicamError(Exception):
    """A problem the user can act on; its message is shown as is."""


class InputError(CervicamError):
    """Bad input: missing/unreadable file, wrong format, corrupt model or dataset file."""
