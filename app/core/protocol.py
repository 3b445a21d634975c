"""The guided active-ROM test as a state machine fed with the angle stream (Qt-free).

Flow (guided mode): neutral calibration -> for each configured motion: ``warmups`` warm-up
repetitions, then ``trials`` measured trials (go to end range, hold, return to neutral). Trials are
found in the angle stream, no button needed: a trial starts when the excursion toward the motion's
direction passes ``start_threshold_deg``, its end range is the plateau near the peak, and it ends
when the head comes back below ``max(return_threshold_deg, return_fraction * peak)``. Excursions
smaller than ``min_peak_deg`` are fidgets and are ignored.

The AMA repeatability rule: the trials must agree within 10 % (of their mean) or 5°, whichever is
greater; if they do not, another trial is asked for, up to ``max_trials``. The recorded value is
the greatest trial of the agreeing set (or the greatest trial, flagged ``not_repeatable``, when no
set agrees). Free mode: no guidance, excursions in any of the six directions become trials of that
direction, and a ``RomTracker`` keeps running maxima.

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
  - ``redo_trial(time_s)``: discard the last measured trial of the current (or just finished)
    motion so it is measured again (``redo_candidate``: the trial it would discard)
  - ``skip_motion(time_s)``, ``finish(time_s)``
  - ``state`` -> ProtocolState (phase, motion, step, counters, prompt for the GUI)
  - ``results()`` -> list[MotionResult] (one per configured motion, in order)
  - ``trials`` (all Trial, warm-ups included), ``events`` (history), ``rom`` (RomTracker)
* ``evaluate_repeatability(values, required)`` -> Repeatability (pure function); at least
  ``MIN_TRIALS_TO_JUDGE`` trials are compared, so one trial is never "repeatable", it is "too few
  trials"; ``repeatability_text(result)`` is the one wording every view uses.
* ``motion_result(motion, trials, required)`` -> MotionResult (pure; the store and the report use
  it to recompute results from stored trials).

Events (``ProtocolEvent.kind``): calibrated, motion_start, trial_start, end_range, trial_end
(warm-ups too: see ``trial``'s kind), flag (one per flag of the trial just ended), repeat_needed,
trial_discarded, motion_done, protocol_done.
"""

from __future__ import annotations

import logging
import statistics
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.core.compensation import FLAG_TEXT, NOT_REPEATABLE, NOT_RETURNED, CompensationConfig, trial_flags
from app.core.rom import RomTracker, direction_value
from app.core.types import PoseSample

log = logging.getLogger(__name__)

# Event kinds
CALIBRATED = "calibrated"
MOTION_START = "motion_start"
TRIAL_START = "trial_start"
END_RANGE = "end_range"
TRIAL_END = "trial_end"
REPEAT_NEEDED = "repeat_needed"
TRIAL_DISCARDED = "trial_discarded"
MOTION_DONE = "motion_done"
PROTOCOL_DONE = "protocol_done"
FLAG = "flag"  # one per flag of a finished trial; message = "<flag>: <sentence>"

# Phases
PHASE_CALIBRATION = "calibration"
PHASE_MOTION = "motion"
PHASE_FREE = "free"
PHASE_DONE = "done"

WARMUP = "warmup"
TRIAL = "trial"


@dataclass(frozen=True)
class ProtocolConfig:
    motions: tuple[str, ...] = tuple(DIRECTIONS)
    trials: int = 3
    warmups: int = 2
    max_trials: int = 6  # AMA: repeat up to six times before calling the motion not repeatable
    free_mode: bool = False
    start_threshold_deg: float = 10.0
    return_threshold_deg: float = 5.0
    return_fraction: float = 0.3  # a trial is over once the head is back below 30 % of its peak
    min_peak_deg: float = 15.0
    plateau_band_deg: float = 3.0
    plateau_min_s: float = 0.3
    peak_median_window: int = 7  # samples (~0.23 s at 30 fps): a lone noisy frame is not a maximum
    max_dropout_s: float = 3.0  # a trial whose head stays lost this long ends at the last sighting
    repeat_min_deg: float = 5.0
    repeat_fraction: float = 0.10
    compensation: CompensationConfig = field(default_factory=CompensationConfig)

    def __post_init__(self) -> None:
        unknown = [m for m in self.motions if m not in DIRECTIONS]
        if unknown:
            raise ValueError(f"unknown motion(s) {unknown}; use {list(DIRECTIONS)}")
        if self.trials < 1 or self.max_trials < self.trials or self.warmups < 0:
            raise ValueError("need trials >= 1, max_trials >= trials, warmups >= 0")


@dataclass(frozen=True)
class Trial:
    """One movement to end range and back. ``number`` counts within (motion, kind), from 1."""

    motion: str
    kind: str  # WARMUP | TRIAL
    number: int
    start_s: float
    peak_s: float
    end_s: float
    max_deg: float
    flags: tuple[str, ...] = ()
    discarded: bool = False
    manual: bool = False


@dataclass(frozen=True)
class ProtocolEvent:
    kind: str
    time_s: float
    motion: str | None = None
    trial: Trial | None = None
    value_deg: float | None = None
    message: str = ""


# Agreement needs something to agree with: one trial alone is never judged repeatable (a session
# run with "trials 1" said "yes" where the same single excursion recorded offline said "-").
MIN_TRIALS_TO_JUDGE = 2
TOO_FEW_TRIALS = "too few trials"


@dataclass(frozen=True)
class Repeatability:
    repeatable: bool | None  # None: fewer trials than required, cannot judge yet
    agreeing: tuple[int, ...]  # indices (into the values given) of the agreeing set
    tolerance_deg: float | None


@dataclass(frozen=True)
class MotionResult:
    motion: str
    recorded_deg: float | None
    trials: tuple[Trial, ...]  # measured trials (not warm-ups), discarded ones included
    repeatable: bool | None
    tolerance_deg: float | None
    flags: tuple[str, ...]  # union of the flags of the trials used, plus not_repeatable
    complete: bool  # enough valid trials were measured

    @property
    def valid_trials(self) -> tuple[Trial, ...]:
        return tuple(t for t in self.trials if not t.discarded)


@dataclass(frozen=True)
class ProtocolState:
    phase: str
    motion: str | None
    step: str | None  # WARMUP | TRIAL | None
    warmups_done: int
    trials_done: int  # valid measured trials of the current motion
    trials_required: int
    in_trial: bool
    current_deg: float | None  # excursion toward the current motion (guided) or None
    prompt: str
    all_measured: bool = False  # every configured motion has a recorded value


def evaluate_repeatability(
    values: Sequence[float], required: int, min_deg: float = 5.0, fraction: float = 0.10
) -> Repeatability:
    """Find ``required`` values (at least ``MIN_TRIALS_TO_JUDGE``) that agree within
    max(min_deg, fraction * their mean); ``repeatable`` None when there are fewer values.

    When several sets agree, the one with the greatest member wins (it holds the recorded value).
    """
    required = max(required, MIN_TRIALS_TO_JUDGE)
    if len(values) < required:
        return Repeatability(None, (), None)
    order = sorted(range(len(values)), key=lambda i: values[i])
    best: tuple[int, ...] | None = None
    best_tol: float | None = None
    for lo in range(len(order) - required + 1):
        window = order[lo : lo + required]
        window_values = [values[i] for i in window]
        tolerance = max(min_deg, fraction * statistics.fmean(window_values))
        if max(window_values) - min(window_values) <= tolerance + 1e-9:
            best, best_tol = tuple(sorted(window)), tolerance
    if best is None:
        mean = statistics.fmean(values)
        return Repeatability(False, (), max(min_deg, fraction * mean))
    return Repeatability(True, best, best_tol)


def motion_result(
    motion: str,
    trials: Iterable[Trial],
    required: int,
    min_deg: float = 5.0,
    fraction: float = 0.10,
    max_trials: int | None = None,
) -> MotionResult:
    measured = tuple(t for t in trials if t.motion == motion and t.kind == TRIAL)
    valid = [t for t in measured if not t.discarded]
    if not valid:
        return MotionResult(motion, None, measured, None, None, (), False)
    rep = evaluate_repeatability([t.max_deg for t in valid], required, min_deg, fraction)
    if rep.repeatable:
        used = [valid[i] for i in rep.agreeing]
    else:
        used = valid
    recorded = max(t.max_deg for t in used)
    flags: list[str] = []
    for t in used:
        flags.extend(f for f in t.flags if f not in flags)
    if rep.repeatable is False:
        flags.append(NOT_REPEATABLE)
    # A test asked for fewer trials than can be judged is complete once it has them (not judged).
    unjudged_done = required < MIN_TRIALS_TO_JUDGE and len(valid) >= required
    complete = rep.repeatable is True or unjudged_done or (max_trials is not None and len(valid) >= max_trials)
    return MotionResult(motion, recorded, measured, rep.repeatable, rep.tolerance_deg, tuple(flags), complete)


def repeatability_text(result: MotionResult) -> str:
    """How every view (GUI table, PDF, CSV readers) words a motion's repeatability."""
    if result.recorded_deg is None:
        return "-"
    return {True: "yes", False: "NO", None: TOO_FEW_TRIALS}[result.repeatable]


def finished_text(results: Sequence[MotionResult]) -> str:
    """What a finished test says: all measured, some (which not), or nothing (Finish during the
    calibration must not read 'all motions measured')."""
    missing = [DIRECTION_LABELS[r.motion] for r in results if r.recorded_deg is None]
    if not missing:
        return "All motions measured: save the session and export the report (Patient & session tab)."
    if len(missing) == len(results):
        return "Test finished: nothing was measured. Start the test again to measure."
    return f"Test finished: {len(results) - len(missing)} of {len(results)} motions measured (not measured: {', '.join(missing)})."


class _Excursion:
    """One axis' excursion detector: idle -> active (collecting) -> rearm (back below start)."""

    def __init__(self, config: ProtocolConfig) -> None:
        self.config = config
        self.active = False
        self.rearm = False
        self.sign = 0
        self.samples: list[PoseSample] = []
        self.peak = 0.0
        self.last_seen_s: float | None = None
        self.plateau_start: float | None = None
        self.plateau_ref: float | None = None
        self.end_range_sent = False

    def reset(self) -> None:
        self.__init__(self.config)  # type: ignore[misc]


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
        self._axes: dict[str, _Excursion] = {
            axis: _Excursion(self.config) for axis in ("yaw_deg", "pitch_deg", "roll_deg")
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
        peak, peak_s = self._peak(samples, motion)
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
        if self._phase == PHASE_CALIBRATION:
            return "Sit upright, look straight at the camera and hold still to calibrate neutral"
        if self._phase == PHASE_DONE:
            return finished_text(self.results())
        if self._phase == PHASE_FREE:
            return "Free mode: move in any direction; maxima are kept"
        assert motion is not None
        label = DIRECTION_LABELS[motion]
        if warm < self.config.warmups:
            what = f"{label}: warm-up {warm + 1} of {self.config.warmups}"
        else:
            required = self.config.trials
            if done >= required:
                what = f"{label}: extra trial {done + 1} (trials did not agree)"
            else:
                what = f"{label}: trial {done + 1} of {required}"
        if in_trial:
            return f"{what} - hold at end range, then return to neutral"
        return f"{what} - move as far as comfortable"

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
                out.append(ProtocolEvent(END_RANGE, sample.time_s, self._direction(axis, ex.sign), value_deg=ex.peak))
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
            motion = self._direction(axis, direction_sign)
            return [ProtocolEvent(TRIAL_START, sample.time_s, motion, message=self._step() if sign else TRIAL)]
        return []

    def _direction(self, axis: str, sign: int) -> str:
        for name, (a, s) in DIRECTIONS.items():
            if a == axis and s == sign:
                return name
        raise KeyError((axis, sign))

    def _peak(self, samples: Sequence[PoseSample], motion: str) -> tuple[float | None, float]:
        """Greatest running median of the excursion (a lone noisy frame is not a maximum)."""
        seen = [(s.time_s, v) for s in samples if (v := direction_value(s, motion)) is not None]
        if not seen:
            return None, samples[-1].time_s if samples else self._last_time
        w = max(1, self.config.peak_median_window)
        if len(seen) < w:
            t, v = max(seen, key=lambda tv: tv[1])
            return v, t
        best_v, best_t = float("-inf"), seen[0][0]
        half = w // 2
        for i in range(len(seen) - w + 1):
            m = statistics.median(v for _, v in seen[i : i + w])
            if m > best_v:
                best_v, best_t = m, seen[i + half][0]
        return best_v, best_t

    def _end_excursion(self, ex: _Excursion, axis: str, time_s: float, returned: bool) -> list[ProtocolEvent]:
        motion = self._direction(axis, ex.sign)
        samples = ex.samples
        start = samples[0].time_s
        peak, peak_s = self._peak(samples, motion)
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
