"""Everything a report shows, gathered once (from the store or from an offline run).

``ReportData`` is a frozen value; ``report_data_from_store`` and ``report_data_from_run`` build it.
The PDF and CSV writers only format it, so what the PDF says and what the CSV says cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from app.core.angles import DIRECTIONS
from app.core.norms import DEFAULT_MDC_DEG, DEFAULT_NORM_SET, NormSet, get_norm_set
from app.core.protocol import MotionResult, Trial
from app.core.types import PoseSample
from app.local_time import local_time_text


@dataclass(frozen=True)
class SessionSummary:
    """One earlier session of the same patient, for the trend."""

    session_id: int | None
    started_at: str
    recorded: dict[str, float | None]


@dataclass(frozen=True)
class ReportData:
    patient_label: str  # pseudonym by default
    patient_details: tuple[tuple[str, str], ...]  # (label, value) pairs shown under the ID
    session_id: int | None
    started_at: str
    session_details: tuple[tuple[str, str], ...]
    norm_set: NormSet
    mdc_deg: float
    results: tuple[MotionResult, ...]  # one per direction, in DIRECTIONS order
    trials: tuple[Trial, ...]  # warm-ups included (the time plot shows them)
    samples: tuple[PoseSample, ...]
    previous: tuple[SessionSummary, ...] = ()
    pain: dict[str, int] = field(default_factory=dict)
    notes: str = ""

    def recorded(self) -> dict[str, float | None]:
        return {r.motion: r.recorded_deg for r in self.results}

    def result(self, motion: str) -> MotionResult:
        return next(r for r in self.results if r.motion == motion)


def _all_directions(results: Sequence[MotionResult]) -> tuple[MotionResult, ...]:
    by_motion = {r.motion: r for r in results}
    return tuple(by_motion.get(m) or MotionResult(m, None, (), None, None, (), False) for m in DIRECTIONS)


def _card_text(card: dict[str, Any]) -> str:
    if not card:
        return ""
    keys = ("name", "backbone", "test_mae", "validation_mae", "git_commit")
    parts = [f"{k}={card[k]}" for k in keys if k in card]
    return ", ".join(parts) if parts else ", ".join(f"{k}={v}" for k, v in list(card.items())[:4])


def report_data_from_store(
    store: Any,
    session_id: int,
    norm_set: str | None = None,
    mdc_deg: float = DEFAULT_MDC_DEG,
    show_identity: bool = False,
) -> ReportData:
    """Collect one stored session (and the patient's earlier sessions) for a report."""
    session = store.get_session(session_id)
    patient = store.get_patient(session.patient_id)
    details: list[tuple[str, str]] = []
    if show_identity and patient.name:
        details.append(("Name", patient.name))
    if show_identity and patient.birth_year:
        details.append(("Birth year", str(patient.birth_year)))
    if patient.age_band:
        details.append(("Age band", patient.age_band))
    if patient.sex:
        details.append(("Sex", patient.sex))
    session_details = [
        ("Session", f"#{session.id} ({session.status})"),
        ("Date", local_time_text(session.started_at)),
        ("Clinician", session.clinician or "-"),
        ("Engine", session.engine or "-"),
        ("Model", _card_text(session.model_card) or "-"),
        ("Camera", session.camera or "-"),
    ]
    previous = tuple(
        SessionSummary(s.id, s.started_at, store.recorded(s.id)) for s in store.previous_sessions(session_id)
    )
    if getattr(store, "conn", None) is not None:  # every look at a stored session is audited
        from app.store import audit

        audit.record(store.conn, audit.VIEW_SESSION, patient.pseudonym, session.id, "identity shown" if show_identity else "")
    return ReportData(
        patient_label=patient.pseudonym,
        patient_details=tuple(details),
        session_id=session.id,
        started_at=session.started_at,
        session_details=tuple(session_details),
        norm_set=get_norm_set(norm_set or session.norm_set or DEFAULT_NORM_SET),
        mdc_deg=mdc_deg,
        results=_all_directions(store.motion_results(session_id)),
        trials=tuple(store.trials(session_id)),
        samples=tuple(store.samples(session_id)),
        previous=previous,
        pain=dict(session.pain),
        notes=session.notes,
    )


def report_data_from_run(
    samples: Sequence[PoseSample],
    trials: Sequence[Trial],
    results: Sequence[MotionResult],
    source: str = "",
    engine: str = "",
    started_at: str = "",
    norm_set: str = DEFAULT_NORM_SET,
    mdc_deg: float = DEFAULT_MDC_DEG,
    patient_label: str = "(not stored)",
) -> ReportData:
    """An offline analysis (a recorded video) that is not in the store: no patient, no history."""
    details = [("Source", source or "-"), ("Engine", engine or "-"), ("Analysed", local_time_text(started_at))]
    return ReportData(
        patient_label=patient_label,
        patient_details=(),
        session_id=None,
        started_at=started_at,
        session_details=tuple(details),
        norm_set=get_norm_set(norm_set),
        mdc_deg=mdc_deg,
        results=_all_directions(results),
        trials=tuple(trials),
        samples=tuple(samples),
    )
