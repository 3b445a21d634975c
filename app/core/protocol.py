"""The guided active-ROM test as a state machine fed with the angle stream (Qt-free).

Flow (guided mode): neutral calibration -> for each configured motion: ``warmups`` warm-up
repetitions, then ``trials`` measured trials (go to end range, hold, return to neutral). Trials are
found in the angle stream, no button needed: a trial starts when the excursion toward the motion's
direction passes ``start_threshold_deg``, its end range is the plateau near the peak, and it ends
when the head comes back below ``max(return_threshold_deg, return_fraction * peak)``. Excursions
smaller than ``min_peak_deg`` are fidgets and are ignored.

Trials that do not agree (app.core.repeatability) ask for another, up to ``max_trials``. Free
mode: excursions in any of the six directions become trials, a ``RomTracker`` keeps maxima.

Public API
----------
* ``ProtocolConfig`` (frozen): motions, trials, warmups, max_trials, free_mode, thresholds,
  ``compensation: CompensationConfig``.
* ``Protocol(config)``:
  - ``Protocol(config, previous_trials=store.trials(sid))`` resumes an interrupted session: the
    guided test continues at the first motion that is not complete (after a new calibration)
  - ``calibration_done(time_s)`` -> events (guided mode waits for it; free mode starts at once)
  - ``feed(sample: PoseSample)`` -> list[ProtocolEvent] (call once per frame, in time order)
  - ``mark_trial(time_s)``: clinician's manual trial: first call starts one, second call ends it
  - ``redo_trial(time_s)``: discard the last measured trial of the motion (``redo_candidate``: which)
  - ``skip_motion(time_s)``, ``finish(time_s)``
  - ``state`` -> ProtocolState (phase, motion, step, counters, prompt for the GUI)
  - ``results()`` -> list[MotionResult] (one per configured motion, in order)
  - ``trials`` (all Trial, warm-ups included), ``events`` (history), ``rom`` (RomTracker)
* Values and enums (``ProtocolConfig``, ``Trial``, ``ProtocolEvent``, ``ProtocolState``, ``Phase``,
  ``TrialKind``, ``EventKind``): app.core.protocol_types; repeatability and results:
  app.core.repeatability; prompts: app.core.protocol_text (all re-exported here).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Sequence

from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.core.compensation import FLAG_TEXT, NOT_RETURNED, trial_flags
from app.core.protocol_types import (  # noqa: F401  (re-exported: the protocol's public names)
    EventKind, Phase, ProtocolConfig, ProtocolEvent, ProtocolState, Trial, TrialKind,
)
from app.core.repeatability import (  # noqa: F401  (re-exported)
    MIN_TRIALS_TO_JUDGE, TOO_FEW_TRIALS, MotionResult, Repeatability, evaluate_repeatability, motion_result,
    repeatability_text,
)
from app.core.excursion import Excursion, direction_of, recorded_peak
from app.core.protocol_text import finished_text, prompt_text  # noqa: F401  (re-exported)
from app.core.rom import RomTracker, direction_value
from app.core.types import PoseSample

log = logging.getLogger(__name__)

# The names callers import (one definition each: the enums in app.core.protocol_types).
CALIBRATED, MOTION_START, TRIAL_START = EventKind.CALIBRATED, EventKind.MOTION_START, EventKind.TRIAL_START
END_RANGE, TRIAL_END, REPEAT_NEEDED = EventKind.END_RANGE, EventKind.TRIAL_END, EventKind.REPEAT_NEEDED
TRIAL_DISCARDED, MOTION_DONE, PROTOCOL_DONE, FLAG = (
    EventKind.TRIAL_DISCARDED, EventKind.MOTION_DONE, EventKind.PROTOCOL_DONE, EventKind.FLAG,
)
PHASE_CALIBRATION, PHASE_MOTION, PHASE_FREE, PHASE_DONE = Phase.CALIBRATION, Phase.MOTION, Phase.FREE, Phase.DONE
WARMUP, TRIAL = TrialKind.WARMUP, TrialKind.TRIAL


class Protocol:
    """State machine of the guided (or free) ROM test; see the module docstring."""

    def __init__(self, config: ProtocolConfig | None = None, previous_trials: Sequence[Trial] = ()) -> None:
        """``previous_trials``: a resumed session's stored trials; the test goes on where it stopped."""
        self.config = config or ProtocolConfig()
        self.rom = RomTracker()
        self.trials: list[Trial] = list(previous_trials)
        self.events: list[ProtocolEvent] = []
        self._motion_index = 0
        self._phase = PHASE_FREE if self.config.free_mode else PHASE_CALIBRATION
        self._axes: dict[str, Excursion] = {
            axis: Excursion(self.config) for axis in ("yaw_deg", "pitch_deg", "roll_deg")
        }
        self._manual: list[PoseSample] | None = None
        self._manual_start: float | None = None
        self._last_time = 0.0
        self._current_deg: float | None = None
        self._done_motions: set[str] = set()
        if self.trials and not self.config.free_mode:
            self._done_motions = {m for m in self.config.motions if self._result(m).complete}
            remaining = [i for i, m in enumerate(self.config.motions) if m not in self._done_motions]
            self._motion_index = remaining[0] if remaining else len(self.config.motions) - 1

    # ----- clinician / app actions -------------------------------------------------------------
    def calibration_done(self, time_s: float) -> list[ProtocolEvent]:
        out = [ProtocolEvent(CALIBRATED, time_s, message="neutral calibrated")]
        if self._phase == PHASE_CALIBRATION:
            if len(self._done_motions) == len(set(self.config.motions)):
                self._phase = PHASE_DONE
                out.append(ProtocolEvent(PROTOCOL_DONE, time_s, message="all motions measured"))
            else:
                self._phase = PHASE_MOTION
                out += self._start_motion(time_s)
        return self._emit(out)

    def mark_trial(self, time_s: float) -> list[ProtocolEvent]:
        """Clinician's manual trial: the first call starts one, the second ends and scores it."""
        return self._emit(self._mark_trial(time_s))

    def _mark_trial(self, time_s: float) -> list[ProtocolEvent]:
        motion = self.current_motion
        if motion is None:
            return []
        if self._manual is None:
            self._manual, self._manual_start = [], time_s
            for ex in self._axes.values():
                ex.reset()
            return [ProtocolEvent(TRIAL_START, time_s, motion, message=f"{self._step()} marked by clinician")]
        samples, start = self._manual, self._manual_start if self._manual_start is not None else time_s
        self._manual = self._manual_start = None
        peak, peak_s = recorded_peak(samples, motion, self._last_time)
        if peak is None:
            return [ProtocolEvent(TRIAL_DISCARDED, time_s, motion, message="marked trial had no pose")]
        return self._close_trial(motion, samples, start, peak, peak_s, time_s, manual=True)

    def _redo_index(self) -> int | None:
        """Index in ``trials`` of the trial ``redo_trial`` would discard (None: there is none)."""
        motion = self.current_motion
        candidates = [i for i, t in enumerate(self.trials) if t.kind == TRIAL and not t.discarded]
        if motion is not None:
            own = [i for i in candidates if self.trials[i].motion == motion]
            if own:
                candidates = own
            elif self._motion_index > 0:
                motion = self.config.motions[self._motion_index - 1]
                candidates = [i for i in candidates if self.trials[i].motion == motion]
        return candidates[-1] if candidates else None

    @property
    def redo_candidate(self) -> Trial | None:
        """The trial ``redo_trial`` would discard now (so a caller can ask first)."""
        index = self._redo_index()
        return None if index is None else self.trials[index]

    def redo_trial(self, time_s: float) -> list[ProtocolEvent]:
        """Discard the last measured trial of the current motion (or of the one just finished)."""
        index = self._redo_index()
        if index is None:
            return []
        trial = replace(self.trials[index], discarded=True)
        self.trials[index] = trial
        out = [ProtocolEvent(TRIAL_DISCARDED, time_s, trial.motion, trial, trial.max_deg, "trial discarded: redo")]
        if not self.config.free_mode and trial.motion != self.current_motion:
            # Reopen the motion the discarded trial belonged to.
            self._motion_index = self.config.motions.index(trial.motion)
            self._done_motions.discard(trial.motion)
            self._phase = PHASE_MOTION
            out.append(ProtocolEvent(MOTION_START, time_s, trial.motion, message="motion reopened"))
        return self._emit(out)

    def skip_motion(self, time_s: float) -> list[ProtocolEvent]:
        if self.config.free_mode or self._phase != PHASE_MOTION:
            return []
        out = self._abort_active(time_s)
        out += self._finish_motion(time_s, skipped=True)
        return self._emit(out)

    def finish(self, time_s: float) -> list[ProtocolEvent]:
        if self._phase == PHASE_DONE:
            return []
        out = self._abort_active(time_s)
        if self._phase == PHASE_MOTION:
            motion = self.current_motion
            if motion is not None:
                out.append(self._motion_done_event(motion, time_s))
        self._phase = PHASE_DONE
        out.append(ProtocolEvent(PROTOCOL_DONE, time_s, message="protocol finished"))
        return self._emit(out)

    # ----- stream -------------------------------------------------------------------------------
    def feed(self, sample: PoseSample) -> list[ProtocolEvent]:
        self._last_time = sample.time_s
        self.rom.update(sample)
        if self._phase in (PHASE_CALIBRATION, PHASE_DONE):
            return []
        if self._manual is not None:
            self._manual.append(sample)
            return []
        out: list[ProtocolEvent] = []
        motion = self.current_motion
        if self.config.free_mode:
            for axis in self._axes:
                out += self._track_axis(axis, sample, None)
        elif motion is not None:
            axis, sign = DIRECTIONS[motion]
            self._current_deg = direction_value(sample, motion)
            out += self._track_axis(axis, sample, sign)
        return self._emit(out)

    # ----- read-outs ----------------------------------------------------------------------------
    @property
    def current_motion(self) -> str | None:
        if self.config.free_mode or self._phase != PHASE_MOTION:
            return None
        return self.config.motions[self._motion_index]

    @property
    def phase(self) -> str:
        return self._phase

    @property
    def in_trial(self) -> bool:
        """An excursion (or a marked trial) is being measured now."""
        return self._manual is not None or any(ex.active for ex in self._axes.values())

    def results(self) -> list[MotionResult]:
        motions = tuple(DIRECTIONS) if self.config.free_mode else self.config.motions
        return [self._result(m) for m in motions]

    @property
    def state(self) -> ProtocolState:
        motion = self.current_motion
        warm = self._count(motion, WARMUP) if motion else 0
        done = self._count(motion, TRIAL) if motion else 0
        in_trial = self.in_trial
        return ProtocolState(
            phase=self._phase,
            motion=motion,
            step=self._step() if motion else None,
            warmups_done=warm,
            trials_done=done,
            trials_required=self.config.trials,
            in_trial=in_trial,
            current_deg=self._current_deg if motion else None,
            prompt=self._prompt(motion, warm, done, in_trial),
            all_measured=all(r.recorded_deg is not None for r in self.results()),
        )

    # ----- internals ----------------------------------------------------------------------------
    def _emit(self, events: list[ProtocolEvent]) -> list[ProtocolEvent]:
        self.events.extend(events)
        for e in events:
            log.debug("protocol event %s %s %.2fs %s", e.kind, e.motion, e.time_s, e.message)
        return events

    def _count(self, motion: str | None, kind: str) -> int:
        return sum(1 for t in self.trials if t.motion == motion and t.kind == kind and not t.discarded)

    def _step(self) -> str:
        motion = self.current_motion
        if motion is None:
            return TRIAL
        return WARMUP if self._count(motion, WARMUP) < self.config.warmups else TRIAL

    def _prompt(self, motion: str | None, warm: int, done: int, in_trial: bool) -> str:
        results = self.results() if self._phase == PHASE_DONE else ()
        return prompt_text(self._phase, self.config, motion, warm, done, in_trial, results)

    def _start_motion(self, time_s: float) -> list[ProtocolEvent]:
        for ex in self._axes.values():
            ex.reset()
        motion = self.current_motion
        if motion is None:
            return []
        return [ProtocolEvent(MOTION_START, time_s, motion, message=DIRECTION_LABELS[motion])]

    def _track_axis(self, axis: str, sample: PoseSample, sign: int | None) -> list[ProtocolEvent]:
        cfg = self.config
        ex = self._axes[axis]
        raw = getattr(sample, axis) if sample.detected else None
        if ex.active:
            ex.samples.append(sample)
            if raw is None:
                if ex.last_seen_s is not None and sample.time_s - ex.last_seen_s > cfg.max_dropout_s:
                    return self._end_excursion(ex, axis, sample.time_s, returned=False)
                return []
            value = ex.sign * raw
            ex.last_seen_s = sample.time_s
            out: list[ProtocolEvent] = []
            ex.peak = max(ex.peak, value)
            # End range = the excursion has stopped moving (stays within a band for a while).
            if ex.plateau_ref is None or abs(value - ex.plateau_ref) > cfg.plateau_band_deg:
                ex.plateau_ref, ex.plateau_start = value, sample.time_s
            if (
                not ex.end_range_sent
                and ex.peak >= cfg.min_peak_deg
                and ex.plateau_start is not None
                and sample.time_s - ex.plateau_start >= cfg.plateau_min_s
            ):
                ex.end_range_sent = True
                held, _ = recorded_peak(ex.samples, direction_of(axis, ex.sign), sample.time_s)  # what the trial records
                out.append(ProtocolEvent(END_RANGE, sample.time_s, direction_of(axis, ex.sign), value_deg=held))
            if value <= max(cfg.return_threshold_deg, cfg.return_fraction * ex.peak):
                out += self._end_excursion(ex, axis, sample.time_s, returned=True)
            return out
        if raw is None:
            return []
        if ex.rearm:
            if abs(raw) < cfg.start_threshold_deg:
                ex.rearm = False
            return []
        if abs(raw) >= cfg.start_threshold_deg:
            direction_sign = 1 if raw > 0 else -1
            if sign is not None and direction_sign != sign:
                return []  # guided mode: the other way along this axis is not this motion
            if sign is None and any(other.active for a, other in self._axes.items() if a != axis):
                # Free mode: one motion at a time. A rotation carries some lateral flexion with it;
                # that coupling is the trial's wrong_plane flag, not a lateral-flexion trial.
                ex.rearm = True
                return []
            ex.active, ex.sign, ex.samples = True, direction_sign, [sample]
            ex.peak, ex.last_seen_s, ex.end_range_sent = abs(raw), sample.time_s, False
            ex.plateau_ref, ex.plateau_start = abs(raw), sample.time_s
            motion = direction_of(axis, direction_sign)
            return [ProtocolEvent(TRIAL_START, sample.time_s, motion, message=self._step() if sign else TRIAL)]
        return []

    def _end_excursion(self, ex: Excursion, axis: str, time_s: float, returned: bool) -> list[ProtocolEvent]:
        motion = direction_of(axis, ex.sign)
        samples = ex.samples
        start = samples[0].time_s
        peak, peak_s = recorded_peak(samples, motion, self._last_time)
        ex.active, ex.rearm, ex.samples = False, True, []
        if peak is None or peak < self.config.min_peak_deg:
            return []
        extra = () if returned else (NOT_RETURNED,)
        return self._close_trial(motion, samples, start, peak, peak_s, time_s, extra_flags=extra)

    def _close_trial(
        self,
        motion: str,
        samples: Sequence[PoseSample],
        start: float,
        peak: float,
        peak_s: float,
        end: float,
        manual: bool = False,
        extra_flags: tuple[str, ...] = (),
    ) -> list[ProtocolEvent]:
        kind = TRIAL if self.config.free_mode else self._step()
        flags = trial_flags(samples, motion, peak, self.config.compensation) + extra_flags
        number = sum(1 for t in self.trials if t.motion == motion and t.kind == kind) + 1
        trial = Trial(motion, kind, number, start, peak_s, end, peak, flags, manual=manual)
        self.trials.append(trial)
        out = [ProtocolEvent(TRIAL_END, end, motion, trial, peak, f"{kind} {number}: {peak:.1f}°")]
        out += [ProtocolEvent(FLAG, end, motion, trial, peak, f"{f}: {FLAG_TEXT.get(f, f)}") for f in flags]
        if self.config.free_mode or kind == WARMUP:
            return out
        result = self._result(motion)
        valid = len(result.valid_trials)
        if result.complete:
            out += self._finish_motion(end)
        elif valid >= self.config.trials:
            out.append(
                ProtocolEvent(
                    REPEAT_NEEDED,
                    end,
                    motion,
                    value_deg=result.tolerance_deg,
                    message=f"trials disagree by more than {result.tolerance_deg:.1f}°: one more trial",
                )
            )
        return out

    def _result(self, motion: str) -> MotionResult:
        cfg = self.config
        required = cfg.trials
        if cfg.free_mode:
            # Free mode does not ask for trials: judge repeatability only when there are enough.
            max_trials = None
        else:
            max_trials = cfg.max_trials
        return motion_result(motion, self.trials, required, cfg.repeat_min_deg, cfg.repeat_fraction, max_trials)

    def _motion_done_event(self, motion: str, time_s: float) -> ProtocolEvent:
        result = self._result(motion)
        text = "not measured" if result.recorded_deg is None else f"recorded {result.recorded_deg:.1f}°"
        return ProtocolEvent(MOTION_DONE, time_s, motion, value_deg=result.recorded_deg, message=text)

    def _finish_motion(self, time_s: float, skipped: bool = False) -> list[ProtocolEvent]:
        motion = self.current_motion
        if motion is None:
            return []
        self._done_motions.add(motion)
        out = [self._motion_done_event(motion, time_s)]
        if skipped:
            out[0] = replace(out[0], message=out[0].message + " (skipped)")
        # Next motion not yet done (a reopened motion returns to where the test was).
        remaining = [i for i, m in enumerate(self.config.motions) if m not in self._done_motions]
        if remaining:
            self._motion_index = remaining[0]
            out += self._start_motion(time_s)
        else:
            self._phase = PHASE_DONE
            out.append(ProtocolEvent(PROTOCOL_DONE, time_s, message="all motions measured"))
        return out

    def _abort_active(self, time_s: float) -> list[ProtocolEvent]:
        out: list[ProtocolEvent] = []
        if self._manual is not None:
            out += self._mark_trial(time_s)
        for axis, ex in self._axes.items():
            if ex.active and ex.samples:
                out += self._end_excursion(ex, axis, time_s, returned=False)
        return out
