"""The clinic walkthrough's phases, each run in its own process on the real window (offscreen).

* ``first``: new patient (named, through the form), calibrate, the guided test through all six
  motions, save, export PDF + CSV.
* ``second``: a second session of the same patient, paused mid-way (the real pipeline waits at a
  chosen frame) so that what the window shows can be written down before the parent kills it.
* ``resume``: the next start offers the interrupted session; it is resumed, and (unless
  ``--quick``) calibrated again and measured to the end of the test.

Each phase writes ``phase_<name>.json`` (what the window showed) and its screenshots into the
output folder; scripts/clinic_walkthrough.py runs them and gathers the answer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from app.store import open_store
from app.store.patient_fields import PatientFields
from app.ui.controller import LiveController
from app.ui.main_window import MainWindow
from app.ui.patient_dialog import NewPatient, NewPatientDialog
from app.ui.services import build_pipeline
from app.ui.settings import AppSettings
from app.ui.workers import SourceSpec
from window_driving import PauseAt, at_frame, play_to_end, pump

PATIENT = PatientFields(name="Maria Example", birth_year=1961, sex="F")
SIZE = (1366, 768)


def shot(widget: Any, out: Path, name: str, shots: list[str]) -> None:
    path = out / name
    widget.grab().save(str(path))
    shots.append(str(path))


def make_window(args: Any, gate_at: set[int], choose_resume: Any = None) -> tuple[LiveController, MainWindow, PauseAt, Any]:
    store = open_store(Path(args.out) / "data")
    inner, engine = build_pipeline("landmarks", calibration_s=1.5, camera_hfov_deg=args.hfov)
    gate = PauseAt(inner, gate_at)
    settings = AppSettings(trials=1, warmups=0, calibration_s=1.5, clinician="Dr Walkthrough", camera_hfov_deg=args.hfov or 0.0)
    spec = SourceSpec(video=Path(args.video), realtime=False, lossless=True)
    controller = LiveController(gate, spec, store=store, engine=engine, calibration_s=1.5)
    controller.clinician = settings.clinician
    window = MainWindow(controller, settings, demo_video=Path(args.video), confirm=lambda question: True,
                        choose_resume=choose_resume or (lambda offers: None))
    window.resize(*SIZE)
    window.show()
    return controller, window, gate, store


def shown(window: MainWindow, controller: LiveController) -> dict[str, Any]:
    """What the window shows: the results table per motion, the maxima panel, plot labels, neutral."""
    table = window.protocol.results
    rows = {}
    proto = controller.session.protocol
    values = {r.motion: r.recorded_deg for r in proto.results()} if proto is not None else {}
    for row in range(table.rowCount()):
        motion = proto.results()[row].motion if proto is not None else str(row)
        text = table.item(row, 2).text() if table.item(row, 2) else ""
        match = re.match(r"(\d+)°", text)
        rows[motion] = {"shown": text, "shown_deg": int(match.group(1)) if match else None, "value_deg": values.get(motion),
                        "trials": table.item(row, 1).text() if table.item(row, 1) else ""}
    view = controller.calibration_view()
    return {
        "results": rows,
        "maxima_panel": window.maxima.shown_values(),
        "plot_max_labels": window.plots.max_label_texts(),
        "neutral": {"state": view.state.value, "text": view.text, "panel": window.calibration.state.text(),
                    "set_at": None if controller.session.neutral_set_at is None else controller.session.neutral_set_at.isoformat()},
        "prompt": window.protocol.prompt.text(),
        "trials": len(proto.trials) if proto is not None else 0,
    }


def new_patient_answer(out: Path, shots: list[str]):
    def ask(encrypted: bool, locked: bool) -> NewPatient | None:
        dialog = NewPatientDialog(encrypted, locked)
        dialog.name.setText(PATIENT.name or "")
        dialog.birth_year.setText(str(PATIENT.birth_year))
        dialog.sex.setCurrentIndex(dialog.sex.findData(PATIENT.sex))
        dialog.notes.setPlainText("Neck stiffness after a fall; walkthrough")
        dialog.show()
        pump(0.1)
        shot(dialog, out, "01_new_patient_form.png", shots)
        answer = dialog.values()
        dialog.close()
        return answer

    return ask


def phase_first(args: Any) -> dict[str, Any]:
    out, shots = Path(args.out), []
    controller, window, gate, store = make_window(args, {20, 290, 959})
    window.ask_patient = new_patient_answer(out, shots)
    window.start_test()  # no patient: the form; no neutral: the hold comes first
    controller.start()
    at_frame(controller, window, gate, 20)
    shot(window, out, "02_calibrating.png", shots)
    gate.release()
    at_frame(controller, window, gate, 290)
    shot(window, out, "03_guided_test_rotation_right.png", shots)
    gate.release()
    at_frame(controller, window, gate, 959)
    play_to_end(controller, window, gate, settle_s=0.5)
    shot(window, out, "04_all_six_measured.png", shots)
    answer = {"patient": controller.patient.pseudonym, "shown": shown(window, controller)}
    answer["session_id"] = window.save_session()
    window.tabs.setCurrentWidget(window.patient)
    pump(0.1)
    shot(window, out, "05_saved.png", shots)
    files = window.export_report(out / "report.pdf")
    answer["report_files"] = [str(f) for f in files]
    pump(0.3)
    shot(window.preview, out, "06_report_preview.png", shots)
    window.preview.close()
    answer["patient_label"] = window.patient.patient.currentText()
    answer["screenshots"] = shots
    window.close_now()
    store.close()
    return answer


def phase_second(args: Any) -> dict[str, Any]:
    """Paused at frame ``args.kill_at``; writes its JSON and waits to be killed. (The demo video's
    motions end at about 6, 11, 16, 21, 26 and 31 s: frame 700 is mid-way, four motions measured.)"""
    out, shots = Path(args.out), []
    controller, window, gate, store = make_window(args, {args.kill_at})
    patient = store.list_patients()[-1].pseudonym
    window.patient.patient_selected.emit(patient)
    window.start_test()
    controller.start()
    at_frame(controller, window, gate, args.kill_at)
    shot(window, out, "07_second_session_before_kill.png", shots)
    rec = controller.session.recording
    answer = {"session_id": rec.session_id if rec else None, "shown": shown(window, controller), "screenshots": shots,
              "stored_trials": len(store.trials(rec.session_id)) if rec else 0}
    return answer  # the caller writes it, then waits here (the pipeline stays paused) to be killed


def phase_resume(args: Any) -> dict[str, Any]:
    out, shots = Path(args.out), []
    offered: list[int] = []

    def choose(offers):
        offered.extend(o.session_id for o in offers)
        return offers[-1].session_id

    controller, window, gate, store = make_window(args, {959}, choose_resume=choose)
    window.recover_interrupted()
    pump(0.3)
    window.refresh()
    pump(0.1)
    shot(window, out, "08_resumed.png", shots)
    answer: dict[str, Any] = {"offered": offered, "shown": shown(window, controller), "screenshots": shots}
    rec = controller.session.recording
    answer["session_id"] = rec.session_id if rec else None
    if not args.quick and rec is not None:
        controller.calibrate()
        controller.start()
        at_frame(controller, window, gate, 959)
        play_to_end(controller, window, gate, settle_s=0.5)
        shot(window, out, "09_resumed_session_finished.png", shots)
        answer["finished"] = shown(window, controller)
        answer["saved_session_id"] = window.save_session()
    window.close_now()
    store.close()
    return answer


PHASES = {"first": phase_first, "second": phase_second, "resume": phase_resume}


def run_phase(args: Any) -> int:
    answer = PHASES[args.phase](args)
    path = Path(args.out) / f"phase_{args.phase}.json"
    path.write_text(json.dumps(answer, indent=2, default=str))
    if args.phase == "second":
        print("READY", flush=True)  # the parent kills this process now, mid-session
        while True:
            pump(0.05)
    return 0
