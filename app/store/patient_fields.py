"""What a patient record may hold, checked once for every way in (CLI ``patients --add``, the
GUI's new-patient form, ``Store.create_patient``).

Values come in as typed (strings from a form or the command line, or Python values) and come out
normalised (stripped, upper-case sex, ``None`` for blanks); anything impossible is refused with an
``InputError`` whose one line says what is accepted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from app.errors import InputError

SEXES = ("F", "M", "X")
# Nobody measured today was born before this; a typo like 1095 or 3000 is caught.
MIN_BIRTH_YEAR = 1900
MAX_NAME_CHARS = 200
MAX_PSEUDONYM_CHARS = 32
_AGE_BAND = re.compile(r"^(\d{1,3})\s*(?:-\s*(\d{1,3})|\+)$")  # "40-49" or "90+"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
T = TypeVar("T")


@dataclass(frozen=True)
class PatientFields:
    pseudonym: str | None = None  # None: one is generated
    name: str | None = None
    birth_year: int | None = None
    age_band: str | None = None
    sex: str | None = None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _optional(check: Callable[..., T]) -> Callable[..., T | None]:
    """Every field may be left out: a blank value (None, '' or spaces) is None, not checked."""

    @functools.wraps(check)
    def checked(value: Any, *args: Any, **kwargs: Any) -> T | None:
        return None if _blank(value) else check(value, *args, **kwargs)

    return checked


@_optional
def check_birth_year(value: int | str | None, today: date | None = None) -> int | None:
    this_year = (today or date.today()).year
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"\d{4}", text):
        raise InputError(f"birth year must be a year such as 1962, not {text!r}")
    year = int(text)
    if not MIN_BIRTH_YEAR <= year <= this_year:
        raise InputError(f"birth year must be between {MIN_BIRTH_YEAR} and {this_year}, not {year}")
    return year


@_optional
def check_sex(value: str | None) -> str | None:
    text = str(value).strip().upper()
    if text not in SEXES:
        raise InputError(f"sex must be F, M or X (or left out), not {str(value).strip()!r}")
    return text


@_optional
def check_age_band(value: str | None) -> str | None:
    text = str(value).strip()
    match = _AGE_BAND.fullmatch(text)
    if match is None or (match.group(2) is not None and int(match.group(2)) < int(match.group(1))):
        raise InputError(f"age band must look like 40-49 or 90+, not {text!r}")
    low, high = match.group(1), match.group(2)
    return f"{int(low)}+" if high is None else f"{int(low)}-{int(high)}"


@_optional
def check_name(value: str | None) -> str | None:
    text = " ".join(str(value).split())  # newlines and tabs from a paste become single spaces
    if _CONTROL.search(text):
        raise InputError("name must not contain control characters")
    if len(text) > MAX_NAME_CHARS:
        raise InputError(f"name is too long ({len(text)} characters, at most {MAX_NAME_CHARS})")
    return text


@_optional
def check_pseudonym(value: str | None) -> str | None:
    text = str(value).strip()
    if len(text) > MAX_PSEUDONYM_CHARS or _CONTROL.search(text) or " " in text:
        raise InputError(f"patient ID must be one word of at most {MAX_PSEUDONYM_CHARS} characters, not {text!r}")
    if text.isdigit():  # a number is read as a patient's row number by every command
        raise InputError(f"patient ID must not be only digits ({text!r}); e.g. P-{text}")
    return text


def validate_patient_fields(
    pseudonym: str | None = None,
    name: str | None = None,
    birth_year: int | str | None = None,
    age_band: str | None = None,
    sex: str | None = None,
    today: date | None = None,
) -> PatientFields:
    """The checked, normalised fields; ``InputError`` (one line) for the first impossible one."""
    return PatientFields(
        pseudonym=check_pseudonym(pseudonym),
        name=check_name(name),
        birth_year=check_birth_year(birth_year, today),
        age_band=check_age_band(age_band),
        sex=check_sex(sex),
    )
