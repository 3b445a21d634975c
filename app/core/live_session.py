"""Qt-free glue of the live window: pipeline results -> plots history, maxima, guided test, store.

The GUI calls :meth:`LiveSession.on_result` once per processed frame (on the GUI thread) and
shows what this object holds; every decision (what counts toward a maximum, when the protocol
learns that neutral is calibrated, what is recorded) is made here so it can be tested without Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from app.core.live_history import LiveHistory
from app.core.neutral_check import NeutralCheck
from app.core.norms import DEFAULT_NORM_SET, NormSet, get_norm_set
from app.core.protocol import TRIAL_DISCARDED, TRIAL_END, Phase, Protocol, ProtocolConfig, ProtocolEvent
from app.core.protocol_options import protocol_config, protocol_options
from app.core.rom import RomTracker
from app.core.types import FrameResult, PoseSample
from app.errors import CervicamError

log = logging.getLogger(__name__)

# Gap between a resumed session's last stored sample and the first new one (one frame at 30 Hz).
RESUME_STEP_S = 1 / 30
# Events after which the protocol's trials changed: they are stored at once (a crash keeps them).
_TRIALS_CHANGED = (TRIAL_END, TRIAL_DISCARDED)
TRIALS_RETRY_S = 1.0


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
        # The neutral in use: when it was set (wall clock, None: not yet) and its re-check at rest.
        self.neutral_set_at: datetime | None = None
        self.neutral_check = NeutralCheck()
        self._protocol_waits_for_neutral = False
        self.results_seen = 0
        self.last_saved_session_id: int | None = None
        # Why the latest trials are not in the store yet (None while they are): shown to the user,
        # and retried every TRIALS_RETRY_S of stream time until the disk takes them.
        self.trials_warning: str | None = None
        self._trials_retry_at = 0.0
        # A resumed session's timeline: new samples go after (last time, last frame) stored.
        self._resume_after: tuple[float, int] | None = None
        self._time_offset_s = 0.0
        self._frame_offset = 0

    # ----- stream ----------------------------------------------------------------------------
    def on_result(self, result: FrameResult) -> list[ProtocolEvent]:
        """Account for one processed frame; returns the protocol events it caused."""
        self.results_seen += 1
        result = self._continue_timeline(result)
        self.last_result = result
        sample = result.sample
        self.history.add(sample)
        events: list[ProtocolEvent] = []
        just_calibrated = self.calibrating and not result.calibrating and result.calibrated
        self.calibrating, self.calibrated = result.calibrating, result.calibrated
        if just_calibrated:
            self.neutral_set_at = datetime.now().astimezone()
        if result.calibrating or not result.calibrated:
            self.neutral_check.reset()
        if just_calibrated and self.protocol is not None and self._protocol_waits_for_neutral:
            self._protocol_waits_for_neutral = False
            events += self.protocol.calibration_done(sample.time_s)
        # Angles before (or during) calibration are not relative to this patient's neutral:
        # they are shown in the plots but never count toward a maximum or a trial.
        if not result.calibrated or result.calibrating:
            return self._record_events(events)
        self.rom.update(sample)
        self.neutral_check.add(sample, in_trial=self.protocol is not None and self.protocol.in_trial)
        if self.recording is not None:
            self.recording.writer.add_sample(sample)
            if self.trials_warning is not None and sample.time_s >= self._trials_retry_at:
                self._store_trials()
        if self.protocol is not None:
            events += self.protocol.feed(sample)
        return self._record_events(events)

    def _continue_timeline(self, result: FrameResult) -> FrameResult:
        """After a resume, shift the stream's times and frame indices past the stored ones (for
        the rest of the stream, so history, protocol and store share one monotonic timeline)."""
        if self._resume_after is not None:
            last_t, last_f = self._resume_after
            self._resume_after = None
            self._time_offset_s = max(self._time_offset_s, last_t + RESUME_STEP_S - result.sample.time_s)
            self._frame_offset = max(self._frame_offset, last_f + 1 - result.sample.frame_index)
        if not self._time_offset_s and not self._frame_offset:
            return result
        s = result.sample
        return replace(result, sample=replace(s, time_s=s.time_s + self._time_offset_s, frame_index=s.frame_index + self._frame_offset))

    def _record_events(self, events: list[ProtocolEvent]) -> list[ProtocolEvent]:
        if self.recording is not None:
            for event in events:
                self.recording.writer.add_event(event)
            if any(e.kind in _TRIALS_CHANGED for e in events):
                self._store_trials()
        return events

    def _store_trials(self) -> None:
        """Write the protocol's trials and per-motion results now, not only at save: a crash or a
        kill then keeps every completed trial (the samples are stored by the writer anyway).

        A failure (disk full) must not stop the measurement: it is logged and said in
        ``trials_warning``; the next trial, or saving, writes them all again."""
        rec = self.recording
        if rec is None or self.protocol is None:
            return
        try:
            rec.store.save_trials(rec.session_id, self.protocol.trials, required_trials=self.protocol.config.trials)
        except CervicamError as exc:
            if self.trials_warning is None:
                log.error("trials of session %s not stored yet: %s", rec.session_id, exc)
            self.trials_warning = f"trials not saved to disk yet: {exc}"
            self._trials_retry_at = self.now_s + TRIALS_RETRY_S
        else:
            if self.trials_warning is not None:
                log.warning("trials of session %s stored again", rec.session_id)
            self.trials_warning = None

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
    def start_protocol(self, config: ProtocolConfig) -> list[ProtocolEvent]:
        """A new guided test. With a neutral in use it starts at once (the neutral is never
        taken again here: the head may be anywhere when Start is pressed); without one it waits
        for the calibration the caller must trigger (:attr:`waits_for_neutral`).

        A session being recorded carries on with the new protocol (its stored protocol options
        are updated), unless measured trials would be lost: then that session is saved first
        and the caller starts a new one. The maxima shown belong to the session: a new one starts
        from none.
        """
        previous_trials = self.protocol is not None and bool(self.protocol.trials)
        if self.recording is not None and previous_trials:
            self.stop_recording()
        if self.recording is None:
            self.rom.reset()  # a new session: its maxima start from none
        self.protocol = Protocol(config)
        self._protocol_waits_for_neutral = not config.free_mode
        if self.recording is not None:
            self.recording.store.update_session(self.recording.session_id, protocol=protocol_options(config))
        if self._protocol_waits_for_neutral and self.calibrated and not self.calibrating:
            self._protocol_waits_for_neutral = False
            return self._record_events(self.protocol.calibration_done(self.now_s))
        return []

    @property
    def waits_for_neutral(self) -> bool:
        """The guided test waits for a neutral calibration (none in use yet)."""
        return self._protocol_waits_for_neutral

    @property
    def guided(self) -> bool:
        """A guided test is in progress (not free mode, not finished)."""
        p = self.protocol
        return p is not None and not p.config.free_mode and p.phase != Phase.DONE

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
        if self.protocol is None or self.protocol.phase == Phase.DONE:
            # Without a guided test, free mode turns every excursion into a stored trial, so a
            # free measurement is saved with its per-direction values too.
            self.protocol = Protocol(ProtocolConfig(free_mode=True))
        protocol = protocol_options(self.protocol.config)
        session = store.start_session(patient.id, norm_set=self.norm_set.key, protocol=protocol, **session_fields)
        self.recording = Recording(store, session.id, store.open_writer(session.id), patient.pseudonym)
        log.info("recording session %s for %s", session.id, patient.pseudonym)
        return session.id

    def resume_recording(self, store: Any, session_id: int) -> float:
        """Continue recording into an interrupted session; returns its last stored sample time.

        The session is reopened (``store.resume_session``); its protocol goes on with the stored
        trials (stored as each completed; a session without any replays its stored samples, so a
        trial in progress at the crash is not lost), the maxima include the stored samples, and every new sample and event is
        stored after the stored ones (times > the returned time, frame indices > the stored ones).
        The pipeline needs a new neutral calibration before samples are counted again.
        """
        if self.recording is not None:
            self.stop_recording()
        session = store.get_session(session_id)
        patient = store.get_patient(session.patient_id)
        last_time = store.resume_session(session_id)
        stored = store.samples(session_id)
        config = protocol_config(session.protocol)
        previous = store.trials(session_id)
        if previous:  # stored as they completed: the test goes on where it stopped
            self.protocol = Protocol(config, previous_trials=previous)
        else:  # none stored (a free measurement, or a session recorded before trials were stored)
            self.protocol = replay_protocol(config, stored)
        self._protocol_waits_for_neutral = not config.free_mode
        self.rom.reset()
        for sample in stored:
            self.rom.update(sample)
        for trial in self.protocol.trials:  # a crash can take the last second of samples, not a stored trial
            if not trial.discarded:
                self.rom.include(trial.motion, trial.max_deg)
        last_frame = max((s.frame_index for s in stored), default=-1)
        self._resume_after = (last_time, last_frame)
        self.recording = Recording(store, session_id, store.open_writer(session_id), patient.pseudonym)
        if self.protocol.trials and not previous:
            self._store_trials()
        log.info("resuming session %s for %s after %.2f s (%d samples stored)", session_id, patient.pseudonym, last_time, len(stored))
        return last_time

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


def replay_protocol(config: ProtocolConfig, samples: list[PoseSample]) -> Protocol:
    """The protocol as it stood after ``samples`` (a session's stored, counted samples).

    Only counted samples are stored, and a guided test starts at the first of them (the end of
    the neutral hold), so feeding them again finds the trials the live protocol found."""
    protocol = Protocol(config)
    if samples and not config.free_mode:
        protocol.calibration_done(samples[0].time_s)
    for sample in samples:
        protocol.feed(sample)
    return protocol


def keep_interrupted_results(store: Any, session_id: int) -> int:
    """Give a session a crash interrupted its results when none were stored (it was recorded
    before trials were stored as they completed): the trials are found again in its stored
    samples and stored. Returns the number of trials stored (0: nothing to do)."""
    session = store.get_session(session_id)
    if session.status == "closed" or store.trials(session_id):
        return 0
    config = protocol_config(session.protocol)
    protocol = replay_protocol(config, store.samples(session_id))
    if not protocol.trials:
        return 0
    store.save_trials(session_id, protocol.trials, required_trials=config.trials)
    log.info("session %s: %d trials found again in its stored samples", session_id, len(protocol.trials))
    return len(protocol.trials)


def counted(sample: PoseSample) -> bool:
    """Whether a sample carries a pose (for counters shown to the user)."""
    return sample.detected and sample.yaw_deg is not None


# ----- sessions a crash left open ----------------------------------------------------------------
@dataclass(frozen=True)
class InterruptedSession:
    """What the clinician is shown about a session a crash left 'recording'."""

    session_id: int
    pseudonym: str
    started_at: str
    samples: int
    last_time_s: float | None  # session time of the last stored sample (None: no sample stored)

    def describe(self) -> str:
        last = "no samples" if self.last_time_s is None else f"{self.samples} samples up to {self.last_time_s:.1f} s"
        return f"session {self.session_id} of {self.pseudonym}, started {self.started_at.replace('T', ' ')[:16]}, {last}"


def interrupted_offers(store: Any) -> list[InterruptedSession]:
    """Sessions a crash left 'recording', as offered for resume (oldest first)."""
    offers = []
    for s in store.interrupted_sessions():
        last = store.last_sample(s.id)
        offers.append(
            InterruptedSession(s.id, store.get_patient(s.patient_id).pseudonym, s.started_at, store.sample_count(s.id), None if last is None else last.time_s)
        )
    return offers


# Given the offers, the id of the session to resume, or None to close them all as interrupted.
ChooseResume = Callable[[list[InterruptedSession]], "int | None"]


@dataclass(frozen=True)
class Recovery:
    """What the start-up recovery did."""

    resumed: InterruptedSession | None = None
    closed: tuple[int, ...] = ()

    def summary(self) -> str:
        """One line for the clinician ('' when nothing was interrupted)."""
        parts = []
        if self.resumed is not None:
            r = self.resumed
            parts.append(f"Resuming session {r.session_id} of {r.pseudonym} ({r.samples} samples kept): calibrate neutral (C) to go on measuring")
        if self.closed:
            parts.append(f"{len(self.closed)} session(s) interrupted by a crash were kept (samples up to the crash): " + ", ".join(map(str, self.closed)))
        return "; ".join(parts)


def recover_interrupted(store: Any, session: LiveSession, choose: ChooseResume) -> Recovery:
    """Offer the sessions a crash left 'recording': the chosen one (at most one: there is one live
    session) is resumed into ``session``, the others are closed as 'interrupted' (samples kept)."""
    offers = interrupted_offers(store)
    if not offers:
        return Recovery()
    choice = choose(offers)
    chosen = next((o for o in offers if o.session_id == choice), None)
    if choice is not None and chosen is None:
        raise ValueError(f"session {choice} is not one of the interrupted sessions offered")
    closed = tuple(o.session_id for o in offers if o is not chosen)
    for sid in closed:
        keep_interrupted_results(store, sid)
        store.close_session(sid, status="interrupted")
    if chosen is not None:
        session.resume_recording(store, chosen.session_id)
    return Recovery(chosen, closed)
