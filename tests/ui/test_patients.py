"""Finding 4: a real new-patient form, Start test asks for a patient, a list with names and search,
history without a recording, a clinician on sessions and reports, the passphrase's first word."""

from __future__ import annotations

import pytest

from app.errors import InputError
from app.privacy.passphrase_rule import check_new_passphrase, should_say_first_word
from app.store.patient_fields import PatientFields
from app.store.patient_list import patient_label, search_patients
from app.ui.patient_dialog import NewPatient, NewPatientDialog
from app.ui.settings import AppSettings
from tests.ui.fakes import TruthPipeline
from tests.ui.helpers import build_window, offline_spec


@pytest.fixture
def window_of(qtbot, demo_video, demo_truth):
    made = []

    def make(store, **kw):
        controller, window = build_window(TruthPipeline(demo_truth), offline_spec(demo_video), store=store, **kw)
        qtbot.addWidget(window)
        made.append(window)
        return controller, window

    yield make
    for w in made:
        w.close()


def test_form_refuses_an_impossible_birth_year_and_stays_open(qtbot):
    dialog = NewPatientDialog(names_encrypted=False)
    qtbot.addWidget(dialog)
    dialog.name.setText("  Jane   Doe ")
    dialog.birth_year.setText("3000")
    dialog.accept()
    assert dialog.result_value is None and "birth year" in dialog.error.text()
    dialog.birth_year.setText("1962")
    dialog.sex.setCurrentIndex(dialog.sex.findData("F"))
    dialog.notes.setPlainText("referred by GP")
    dialog.accept()
    assert dialog.result_value == NewPatient(PatientFields(None, "Jane Doe", 1962, None, "F"), "referred by GP")
    assert "clear" in dialog.findChildren(type(dialog.error))[-2].text()  # the word about names at rest


def test_start_test_without_a_patient_asks_and_creates_nothing_when_cancelled(window_of, store):
    controller, window = window_of(store, ask_patient=lambda encrypted, locked: None)
    window.start_test()
    assert controller.patient is None and store.list_patients() == []
    assert controller.session.protocol is None and controller.session.recording is None
    assert controller.start_test(1, 0) is False  # the controller refuses too


def test_form_answer_becomes_the_patient_and_notes_go_to_the_session(window_of, store):
    answer = NewPatient(PatientFields(name="Jane Doe", birth_year=1962, sex="F"), "stiff after a fall")
    controller, window = window_of(store, ask_patient=lambda encrypted, locked: answer)
    window.start_test()
    p = controller.patient
    assert (p.name, p.birth_year, p.sex) == ("Jane Doe", 1962, "F") and p.pseudonym.startswith("P-")
    assert window.patient.notes.toPlainText() == "stiff after a fall"
    assert controller.session.recording is not None


def test_list_shows_names_and_search_finds_them(window_of, store):
    store.create_patient(name="Jane Doe", birth_year=1962)  # as `patients --add --name` does
    store.create_patient()
    named = store.list_patients()[0]
    controller, window = window_of(store)
    shown = window.patient.shown_patients()
    assert f"{named.pseudonym} — Jane Doe, 1962" in shown and len(shown) == 2
    window.patient.search.setText("jane")
    assert window.patient.shown_patients() == [f"{named.pseudonym} — Jane Doe, 1962"]
    assert search_patients(store.list_patients(), "1962 doe") == [named]
    assert patient_label(store.list_patients()[1]) == store.list_patients()[1].pseudonym


def test_choosing_a_patient_to_see_the_history_opens_no_session(window_of, store):
    patient = store.create_patient(name="Jane Doe")
    old = store.start_session(patient.id)
    store.close_session(old.id)
    controller, window = window_of(store)
    window.patient.patient_selected.emit(patient.pseudonym)
    assert controller.patient.pseudonym == patient.pseudonym and controller.session.recording is None
    from app.ui.report_actions import history_dialog

    dialog = history_dialog(window)
    assert dialog is not None and dialog.session_ids == [old.id]
    assert [s.id for s in store.sessions(patient.id)] == [old.id]  # nothing new recorded


def test_clinician_from_the_settings_reaches_the_session_and_report(window_of, store, qsettings):
    from app.report.data import report_data_from_store
    from app.ui.dialogs import SettingsDialog

    controller, window = window_of(store)
    window.qsettings = qsettings
    dialog = SettingsDialog(window.settings, parent=window)
    dialog.clinician.setText("  Dr  A. Lee ")
    window.apply_settings(dialog.apply())
    assert AppSettings.load(qsettings).clinician == "Dr A. Lee"
    window.start_test()
    sid = controller.session.recording.session_id
    assert store.get_session(sid).clinician == "Dr A. Lee"
    assert ("Clinician", "Dr A. Lee") in report_data_from_store(store, sid).session_details


def test_passphrase_rule_and_first_word():
    assert check_new_passphrase("correct horse", "correct horse") == "correct horse"
    with pytest.raises(InputError, match="at least 8"):
        check_new_passphrase("short", "short")
    with pytest.raises(InputError, match="differ"):
        check_new_passphrase("correct horse", "correct house")
    assert should_say_first_word(encrypted=False, said_before=False)
    assert not should_say_first_word(encrypted=True, said_before=False)
    assert not should_say_first_word(encrypted=False, said_before=True)


def test_first_start_says_the_word_once_on_an_unencrypted_database(qtbot, store, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.privacy.passphrase_rule import FIRST_START_WORD
    from app.ui.passphrase import first_start_word

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    settings = AppSettings()
    first_start_word(store, settings)
    first_start_word(store, settings)  # the next start: said already
    assert shown == [FIRST_START_WORD] and settings.passphrase_word_shown
    assert "encrypted at rest" in FIRST_START_WORD and "File › Set passphrase" in FIRST_START_WORD
