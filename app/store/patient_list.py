"""How patients are listed and found (Qt-free): a label with the name when known, and search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def patient_label(patient: Any) -> str:
    """'P-7K3Q9X — Jane Doe, 1962, F' (only the ID when nothing else is known or names are locked)."""
    details = [str(v) for v in (patient.name, patient.birth_year, patient.sex) if v not in (None, "")]
    return patient.pseudonym if not details else f"{patient.pseudonym} — {', '.join(details)}"


def matches(label: str, query: str) -> bool:
    """Whether a patient's label holds every word of ``query`` (any case; '' matches all)."""
    text = label.lower()
    return all(w in text for w in query.lower().split())


def search_patients(patients: Iterable[Any], query: str) -> list[Any]:
    """Patients whose ID, name, birth year or sex contain every word of ``query``."""
    return [p for p in patients if matches(patient_label(p), query)]


def labelled(patients: Sequence[Any]) -> list[tuple[str, str]]:
    """(pseudonym, label) pairs, newest patient first (the one just measured is on top)."""
    return [(p.pseudonym, patient_label(p)) for p in reversed(list(patients))]
