"""Issue 14 item 2: the protocol's phases, trial kinds and event kinds are enums (one definition),
equal to the words stored in sessions; the protocol modules stay small."""

from __future__ import annotations

from pathlib import Path

from app.core import protocol
from app.core.protocol_types import EventKind, Phase, TrialKind
from app.core.types import PoseSample


def test_phases_kinds_and_events_are_enums_equal_to_their_stored_words():
    p = protocol.Protocol(protocol.ProtocolConfig(motions=("rotation_left",), trials=1, warmups=0))
    assert p.phase is Phase.CALIBRATION
    events = p.calibration_done(0.0)
    assert [e.kind for e in events] == [EventKind.CALIBRATED, EventKind.MOTION_START] and events[0].kind == "calibrated"
    for i in range(90):
        p.feed(PoseSample(i, i / 30, True, 0.9, 40.0 * min(i, 89 - i) / 45, 0.0, 0.0))
    assert p.phase is Phase.DONE and p.phase == "done"
    (trial,) = p.trials
    assert trial.kind is TrialKind.TRIAL and trial.kind == "trial"
    assert protocol.PHASE_DONE is Phase.DONE and protocol.TRIAL_END is EventKind.TRIAL_END and protocol.WARMUP is TrialKind.WARMUP


def test_protocol_modules_are_under_400_lines():
    core = Path(protocol.__file__).parent
    for name in ("protocol.py", "protocol_types.py", "repeatability.py", "protocol_text.py", "excursion.py"):
        assert len((core / name).read_text().splitlines()) <= 400, name
