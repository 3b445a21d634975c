"""Stored times (UTC, ISO 8601) as a clinician reads them: local time with the zone.

The store keeps UTC so that sessions sort and compare across machines and daylight-saving
changes; everything shown to a person (reports, lists, file names) goes through here, so
"10:00+00:00" is never printed where the clinic's clock said 12:00.
"""

from __future__ import annotations

from datetime import datetime, timezone


def parse_stored(iso: str) -> datetime | None:
    """A stored ISO time as an aware datetime (naive ones are UTC); None if it is not a time."""
    try:
        when = datetime.fromisoformat(iso.strip())
    except (AttributeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=timezone.utc)


def _zone(when: datetime, offset: bool = True) -> str:
    """'CEST (UTC+02:00)' ('CEST' without ``offset``), 'UTC', or 'UTC-03:00' where the zone has
    no name of its own."""
    utc_offset = when.utcoffset()
    minutes = int(utc_offset.total_seconds() // 60) if utc_offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    numeric = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    name = when.tzname() or ""
    if name in ("UTC", "GMT") and minutes == 0:
        return "UTC"
    if not name or name[0] in "+-" or name.startswith("UTC"):
        return numeric
    return f"{name} ({numeric})" if offset else name


def local_time_text(iso: str, seconds: bool = False, offset: bool = True) -> str:
    """'2026-05-01 12:00 CEST (UTC+02:00)' for a stored '2026-05-01T10:00:00+00:00' (without
    ``offset``: '2026-05-01 12:00 CEST', for lists); the text as given when it is not a time (or
    is empty: '-')."""
    when = parse_stored(iso) if iso else None
    if when is None:
        return iso or "-"
    local = when.astimezone()
    return f"{local:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {_zone(local, offset)}"


def local_date(iso: str) -> str:
    """The local calendar day (YYYY-MM-DD) of a stored time ('' when it is not a time)."""
    when = parse_stored(iso) if iso else None
    return "" if when is None else f"{when.astimezone():%Y-%m-%d}"


def now_local_text() -> str:
    return local_time_text(datetime.now(timezone.utc).isoformat())
