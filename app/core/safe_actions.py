"""Which clinician actions may run at once and which must be confirmed first (Qt-free).

A single key is what a clinician standing by the patient presses, and what a sleeve or a cable
presses by accident. During a guided test, R (redo the last trial) is meant to be hands-free: the
trial is measured again at once. Once the test is finished nobody is about to measure again,
so a stray R that silently discarded a stored trial (issue 17, finding 7) must ask first; after
the session was saved there is no live trial left to redo. Closing the window mid-test asks too.
The window only shows the question (``Decision.text``) and acts on the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from app.core.angles import DIRECTION_LABELS
from app.core.protocol_types import TrialKind


class Action(Enum):
    NOW = "now"  # do it
    CONFIRM = "confirm"  # ask ``text``; do it only on yes
    REFUSE = "refuse"  # do nothing; ``text`` says why


@dataclass(frozen=True)
class Decision:
    action: Action
    text: str = ""


def test_in_progress(session: Any) -> bool:
    """A guided test with motions still to measure. (A session resumed after a crash with every
    motion measured waits for a neutral in a guided phase, but its test is over.)"""
    return bool(session.guided and any(not r.complete for r in session.protocol.results()))


def redo_decision(session: Any) -> Decision:
    """What R (redo the last trial) does now; ``session`` is an ``app.core.live_session.LiveSession``."""
    protocol = session.protocol
    trial = protocol.redo_candidate if protocol is not None else None
    if trial is None:
        return Decision(Action.REFUSE, "No trial to redo")
    if test_in_progress(session):
        return Decision(Action.NOW)
    if session.recording is None:
        return Decision(Action.REFUSE, "The session is saved: its trials are kept as they are")
    what = f"{DIRECTION_LABELS[trial.motion]} trial {trial.number} ({trial.max_deg:.0f}°)"
    return Decision(Action.CONFIRM, f"The test is finished. Discard {what} and measure it again?")


def close_decision(session: Any) -> Decision:
    """Whether closing the window must be confirmed: only while a guided test is in progress
    (what was measured is saved either way; the question is whether the test is really over)."""
    if not test_in_progress(session):
        return Decision(Action.NOW)
    state = session.protocol.state
    where = f" during {DIRECTION_LABELS[state.motion].lower()}" if state.motion else ""
    measured = sum(1 for t in session.protocol.trials if not t.discarded and t.kind == TrialKind.TRIAL)
    return Decision(
        Action.CONFIRM,
        f"A guided test is in progress{where} ({measured} trials measured). Close cervicam anyway? "
        "What was measured so far is saved.",
    )
