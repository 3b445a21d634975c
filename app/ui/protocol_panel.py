"""Guided test: the motion now, instruction and figure, trial count, live end range, results, flags."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.angles import DIRECTION_LABELS
from app.core.compensation import FLAG_TEXT
from app.core.norms import NormSet
from app.core.protocol import END_RANGE, TRIAL_END, TRIAL_START, MotionResult, Phase, ProtocolEvent, ProtocolState, TrialKind
from app.ui.motion_figure import MotionFigure
from app.ui.theme import OK_COLOR, WARN_COLOR
from app.ui.widgets import push_button


# Few words per flag for the table; the full sentence (FLAG_TEXT) is the cell's tooltip.
SHORT_FLAGS = {
    "trunk_rotation": "trunk rotated",
    "trunk_lean": "trunk leaned",
    "head_lost": "head lost",
    "low_quality_end_range": "low quality",
    "wrong_plane": "off plane",
    "not_repeatable": "not repeatable",
    "not_returned": "not returned",
}


class ProtocolPanel(QGroupBox):
    start_requested = Signal()  # space when idle
    next_requested = Signal()  # space during the test: skip to the next motion
    redo_requested = Signal()
    finish_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Guided test", parent)
        self.figure = MotionFigure()
        self.motion = QLabel("Not started")
        font = self.motion.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.motion.setFont(font)
        self.prompt = QLabel("Press Start (space): calibration, then each motion in turn")
        self.prompt.setWordWrap(True)
        self.count = QLabel("")
        self.live = QProgressBar()
        self.live.setRange(0, 100)
        self.live.setFormat("%v°")
        self.end_range = QLabel("")
        self.flags = QLabel("")
        self.flags.setWordWrap(True)
        self.flags.setStyleSheet(f"color: {WARN_COLOR};")
        self.trials = QSpinBox()
        self.trials.setRange(1, 6)
        self.trials.setValue(3)
        self.trials.setPrefix("trials ")
        self.warmups = QSpinBox()
        self.warmups.setRange(0, 5)
        self.warmups.setValue(2)
        self.warmups.setPrefix("warm-ups ")
        self.start_button = push_button("Start test  [space]", self.start_or_next)
        self.redo_button = push_button("Redo trial  [R]", self.redo_requested)
        self.finish_button = push_button("Finish", self.finish_requested)
        self.results = self._results_table()
        self.running = False

        self._lay_out()
        self.redo_button.setEnabled(False)
        self.finish_button.setEnabled(False)
        self.live.setVisible(False)
        # The figure swings toward end range and back, a cue visible from the patient's chair.
        self._tick = 0
        self._anim = QTimer(self)
        self._anim.setInterval(50)
        self._anim.timeout.connect(self._animate)

    def _results_table(self) -> QTableWidget:
        table = QTableWidget(0, 4)
        table.setHorizontalHeaderLabels(["Motion", "Trials (°)", "Recorded", "Flags"])
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setWordWrap(False)
        table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        # All six motions fit without scrolling (at 1024x700 too): the table asks for their height.
        rows = self.fontMetrics().height() + 6
        header = table.horizontalHeader().sizeHint().height()
        table.setMinimumHeight(header + 6 * rows + 2 * table.frameWidth() + 2)
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        return table

    def _lay_out(self) -> None:
        text = QVBoxLayout()
        text.addWidget(self.motion)
        text.addWidget(self.prompt)
        counts = QHBoxLayout()  # the count and the end-range call share a line
        counts.addWidget(self.count)
        counts.addWidget(self.end_range, 1)
        text.addLayout(counts)
        text.addWidget(self.live)
        policy = self.live.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # hidden between motions, it keeps its place
        self.live.setSizePolicy(policy)
        top = QHBoxLayout()
        top.addWidget(self.figure)
        top.addLayout(text, 1)
        buttons = QHBoxLayout()
        for w in (self.trials, self.warmups, self.start_button, self.redo_button, self.finish_button):
            buttons.addWidget(w)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.flags)
        layout.addLayout(buttons)
        layout.addWidget(self.results, 1)

    def start_or_next(self) -> None:
        (self.next_requested if self.running else self.start_requested).emit()

    def _animate(self) -> None:
        self._tick = (self._tick + 1) % 60
        t = self._tick / 60
        self.figure.set_phase(min(1.0, 2.0 * t) if t < 0.7 else max(0.0, 1.0 - (t - 0.7) / 0.3))

    def set_running(self, running: bool) -> None:
        self.running = running
        self.start_button.setText("Next motion  [space]" if running else "Start test  [space]")
        self.redo_button.setEnabled(running)
        self.finish_button.setEnabled(running)
        self.trials.setEnabled(not running)
        self.warmups.setEnabled(not running)
        if running and self.isVisible():
            self._anim.start()
        elif not running:
            self._anim.stop()

    def show_state(self, state: ProtocolState, norm: float | None) -> None:
        if state.motion is not None:
            self.motion.setText(DIRECTION_LABELS[state.motion].capitalize())
            self.figure.set_motion(state.motion)
            step = "warm-up" if state.step == TrialKind.WARMUP else "trial"
            self.count.setText(
                f"warm-ups {state.warmups_done} · trials {state.trials_done}/{state.trials_required} · now: {step}"
            )
        else:
            done_title = "Test complete" if state.all_measured else "Test finished"
            self.motion.setText({Phase.CALIBRATION: "Neutral calibration", Phase.DONE: done_title, Phase.FREE: "Free mode"}.get(state.phase, state.phase))
            self.figure.set_motion("done" if state.phase == Phase.DONE else None)
            self.count.setText("")
        self.prompt.setText(state.prompt)
        self.live.setVisible(state.motion is not None)
        value = max(0.0, state.current_deg or 0.0)
        self.live.setRange(0, int(max(norm or 90.0, value) + 10))
        self.live.setValue(int(round(value)))
        if not state.in_trial:
            self.end_range.setText("")
        if not state.motion or state.phase == Phase.DONE:
            self._anim.stop()
        elif self.running and not self._anim.isActive():
            self._anim.start()

    def on_events(self, events: Sequence[ProtocolEvent]) -> None:
        for e in events:
            if e.kind == END_RANGE:
                self.end_range.setText(f"<b style='color:{OK_COLOR}'>END RANGE {e.value_deg:.0f}°</b>")
            elif e.kind == TRIAL_START:
                self.end_range.setText("moving…")
                self.flags.setText("")
            elif e.kind == TRIAL_END and e.trial is not None and e.trial.flags:
                self.flags.setText("⚠ " + "; ".join(FLAG_TEXT.get(f, f) for f in e.trial.flags))

    def show_results(self, results: Sequence[MotionResult], norm_set: NormSet) -> None:
        self.results.setRowCount(len(results))
        for row, r in enumerate(results):
            trials = ", ".join(("(" + f"{t.max_deg:.0f}" + ")") if t.discarded else f"{t.max_deg:.0f}" for t in r.trials)
            if r.recorded_deg is None:
                recorded = "–"
            else:
                norm = norm_set.norm_for(r.motion)
                recorded = f"{r.recorded_deg:.0f}° ({100 * r.recorded_deg / norm:.0f}% of {norm:.0f}°)"
            cells = [DIRECTION_LABELS[r.motion], trials or "–", recorded, ", ".join(SHORT_FLAGS.get(f, f) for f in r.flags)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3 and r.flags:
                    item.setToolTip("\n".join(FLAG_TEXT.get(f, f) for f in r.flags))
                self.results.setItem(row, col, item)
