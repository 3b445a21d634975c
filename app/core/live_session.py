"""Qt-free glue of the live window: pipeline results -> plots history, maxima, guided test, store.

The GUI calls :meth:`LiveSession.on_result` once per processed frame (on the GUI thread) and
shows what this object holds; every decision (what counts toward a maximum, when the protocol
learns that neutral is calibrated, what is recorded) is made here so it can be tested without Qt.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from app.core.live_history import LiveHistory
from app.core.norms import DEFAULT_NORM_SET, NormSet, get_norm_set
from app.core.protocol import Protocol, ProtocolConfig, ProtocolEvent
from app.core.rom import RomTracker
from app.core.types import FrameResult, PoseSample

log = logging.getLogger(__name__)


@dataclass
class Recording:
    """The session being written to the store (None when nothing is recorded)."""

    store: Any
    session_id: int
    writer: Any
    patient_pseudonym: str


class LiveSession:
    """State of one live session: history for the plots, running maxima, protocol, recording."""

    def __init__(self, norm_set: str = DEFAULT_NORM_SET, history_window_s: float = 20.0) -> None:
        self.history = LiveHistory(history_window_s)
        self.rom = RomTracker()
        self.norm_set: NormSet = get_norm_set(norm_set)
        self.protocol: Protocol | None = None
        self.recording: Recording | None = None
        self.last_result: FrameResult | None = None
        self.calibrated = False
        self.calibrating = False
        self._protocol_waits_for_neutral = False
        self.results_seen = 0
        self.last_saved_session_id: int | None = None

    # ----- stream ----------------------------------------------------------------------------
    def on_result(self, result: FrameResult) -> list[ProtocolEvent]:
        """Account for one processed frame; returns the protocol events it caused."""
        self.results_seen += 1
        self.last_result = result
        sample = result.sample
        self.history.add(sample)
        events: list[ProtocolEvent] = []
        just_calibrated = self.calibrating and not result.calibrating and result.calibrated
        self.calibrating, self.calibrated = result.calibrating, result.calibrated
        if just_calibrated and self.protocol is not None and self._protocol_waits_for_neutral:
            self._protocol_waits_for_neutral = False
            events += self.protocol.calibration_done(sample.time_s)
        # Angles before (or during) calibration are not relative to this patient's neutral:
        # they are shown in the plots but never count toward a maximum or a trial.
        if not result.calibrated or result.calibrating:
            return self._record_events(events)
        self.rom.update(sample)
        if self.recording is not None:
            self.recording.writer.add_sample(sample)
        if self.protocol is not None:
            events += self.protocol.feed(sample)
        return self._record_events(events)

    def _record_events(self, events: list[ProtocolEvent]) -> list[ProtocolEvent]:
        if self.recording is not None:
            for event in events:
                self.recording.writer.add_event(event)
        return events

    @property
    def now_s(self) -> float:
        return self.last_result.sample.time_s if self.last_result is not None else 0.0

    # ----- maxima ----------------------------------------------------------------------------
    def maxima(self) -> dict[str, float | None]:
        return self.rom.maxima()

    def reset_maxima(self) -> None:
        self.rom.reset()

    def set_norm_set(self, key: str) -> None:
        self.norm_set = get_norm_set(key)

    # ----- guided test -----------------------------------------------------------------------
    def start_protocol(self, config: ProtocolConfig) -> None:
        """A new guided test; it starts with a neutral calibration the caller must trigger.

        A session being recorded carries on with the new protocol (its stored protocol options
        are updated), unless measured trials would be lost: then that session is saved first
        and the caller starts a new one.
        """
        if self.recording is not None and self.protocol is not None and self.protocol.trials:
            self.stop_recording()
        self.protocol = Protocol(config)
        self._protocol_waits_for_neutral = not config.free_mode
        if self.recording is not None:
            self.recording.store.update_session(self.recording.session_id, protocol=asdict(config))

    @property
    def guided(self) -> bool:
        """A guided test is in progress (not free mode, not finished)."""
        p = self.protocol
        return p is not None and not p.config.free_mode and p.phase != "done"

    def protocol_action(self, name: str) -> list[ProtocolEvent]:
        """``redo_trial``, ``skip_motion``, ``mark_trial`` or ``finish`` at the current time."""
        if self.protocol is None:
            return []
        return self._record_events(getattr(self.protocol, name)(self.now_s))

    # ----- recording -------------------------------------------------------------------------
    def start_recording(self, store: Any, patient: Any, **session_fields: Any) -> int:
        """Open a session for ``patient`` in ``store`` and write every counted sample to it."""
        if self.recording is not None:
            self.stop_recording()
        if self.protocol is None or self.protocol.phase == "done":
            # Without a guided test, free mode turns every excursion into a stored trial, so a
            # free measurement is saved with its per-direction values too.
            self.protocol = Protocol(ProtocolConfig(free_mode=True))
        protocol = asdict(self.protocol.config)
        session = store.start_session(patient.id, norm_set=self.norm_set.key, protocol=protocol, **session_fields)
        self.recording = Recording(store, session.id, store.open_writer(session.id), patient.pseudonym)
        log.info("recording session %s for %s", session.id, patient.pseudonym)
        return session.id

    def stop_recording(self, notes: str | None = None, pain: dict[str, int] | None = None) -> int | None:
        """Flush and close the recorded session (trials, pain scores); returns its id."""
        rec = self.recording
        if rec is None:
            return None
        # Raises while samples cannot reach the disk: the recording is kept so that saving again
        # (after freeing space) writes them; dropping it here would lose them.
        rec.writer.close()
        self.recording = None
        if self.protocol is not None:
            rec.store.save_trials(rec.session_id, self.protocol.trials, required_trials=self.protocol.config.trials)
        for motion, score in (pain or {}).items():
            rec.store.set_pain(rec.session_id, motion, score)
        if notes is not None:
            rec.store.update_session(rec.session_id, notes=notes)
        rec.store.close_session(rec.session_id)
        self.last_saved_session_id = rec.session_id
        return rec.session_id


def counted(sample: PoseSample) -> bool:
    """Whether a sample carries a pose (for counters shown to the user)."""
    return sample.detected and sample.yaw_deg is not None
