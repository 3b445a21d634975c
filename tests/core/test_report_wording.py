"""Finding 5 of issue 17: reports right by construction. One repeatability rule (the core's) for
every path, flags that say what to do, local times with their zone, and a default export name with
the patient and the date."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import asdict
from pathlib import Path

import pytest

import main
from app.core.angles import DIRECTIONS
from app.core.compensation import FLAG_ADVICE, FLAG_TEXT, LOW_QUALITY
from app.core.live_session import LiveSession
from app.core.protocol import PHASE_DONE, TOO_FEW_TRIALS, ProtocolConfig, Trial, motion_result, repeatability_text
from app.core.types import FrameResult
from app.local_time import local_date, local_time_text
from app.report import report_data_from_store
from app.report.naming import default_report_path, report_file_name
from app.report.pdf import FLAG_CODES, _page_results, flag_advice_lines
from app.store import open_store
from tests.core.crash_recorder import guided_stream

CET = "CET-1CEST,M3.5.0,M10.5.0/3"  # POSIX rule: needs no tz database on the machine


@pytest.fixture
def zone():
    """Switch the process's local time zone (TZ + tzset); restored afterwards."""
    old = os.environ.get("TZ")

    def set_zone(tz: str) -> None:
        os.environ["TZ"] = tz
        time.tzset()

    yield set_zone
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def _page_text(data) -> str:
    fig = _page_results(data)
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        for table in ax.tables:
            texts += [cell.get_text().get_text() for cell in table.get_celld().values()]
    return "\n".join(texts)


def _gui_session(store) -> int:
    """A guided test with one trial per motion, as the window runs it (LiveSession), saved."""
    live = LiveSession()
    live.start_protocol(ProtocolConfig(trials=1, warmups=0, max_trials=6))
    sid = live.start_recording(store, store.create_patient())
    for i, sample in enumerate(guided_stream()):
        live.on_result(FrameResult(sample, calibrating=i == 0, calibrated=i > 0))
        if live.protocol.phase == PHASE_DONE:
            break
    live.stop_recording()
    return sid


def test_one_trial_is_too_few_trials_in_the_gui_and_the_cli_report(tmp_path, capsys, demo_truth):
    data_dir = tmp_path / "d"
    with open_store(data_dir) as store:
        gui_sid = _gui_session(store)
        pseudonym = store.create_patient().pseudonym
    assert main.main(["record", pseudonym, "--samples-csv", str(demo_truth), "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    with open_store(data_dir) as store:
        cli_sid = max(s.id for s in store.sessions())
        for sid in (gui_sid, cli_sid):
            data = report_data_from_store(store, sid)
            words = {r.motion: repeatability_text(r) for r in data.results}
            assert words == {d: TOO_FEW_TRIALS for d in DIRECTIONS}, sid
            page = _page_text(data)
            assert "yes" not in page.split("\n") and TOO_FEW_TRIALS in page
            assert "not all six directions measured" not in page


def test_results_stored_by_an_older_rule_are_judged_by_the_core_rule(tmp_path):
    with open_store(tmp_path) as store:
        sid = _gui_session(store)
        with store.conn:  # an older cervicam stored "repeatable" for a single trial
            store.conn.execute("UPDATE motion_results SET repeatable = 1 WHERE session_id = ?", (sid,))
        assert {r.repeatable for r in store.motion_results(sid)} == {None}


def test_the_rule_needs_two_trials_but_a_one_trial_test_still_completes():
    one = [Trial("flexion", "trial", 1, 0.0, 1.0, 2.0, 45.0)]
    r = motion_result("flexion", one, required=1, max_trials=6)
    assert r.repeatable is None and r.complete and r.recorded_deg == 45.0 and repeatability_text(r) == TOO_FEW_TRIALS
    two = one + [Trial("flexion", "trial", 2, 3.0, 4.0, 5.0, 47.0)]
    assert motion_result("flexion", two, required=1).repeatable is True
    assert repeatability_text(motion_result("extension", one, required=1)) == "-"  # nothing measured


def test_every_flag_says_what_to_do():
    assert set(FLAG_ADVICE) == set(FLAG_TEXT) == set(FLAG_CODES)
    (line,) = flag_advice_lines([LOW_QUALITY, LOW_QUALITY])
    assert line.startswith("LQ = low tracking quality at end range: ") and "repeat" in line


def test_a_low_quality_flag_on_the_report_page_carries_its_advice(tmp_path):
    with open_store(tmp_path) as store:
        sid = _gui_session(store)
        trials = [t if t.motion != "flexion" else Trial(**{**asdict(t), "flags": (LOW_QUALITY,)}) for t in store.trials(sid)]
        store.save_trials(sid, trials)
        page = _page_text(report_data_from_store(store, sid))
    assert " ".join(FLAG_ADVICE[LOW_QUALITY].split()) in " ".join(page.split())  # wrapped over lines


def test_times_are_local_with_their_zone(zone, tmp_path):
    zone(CET)
    assert local_time_text("2026-05-01T10:00:00+00:00") == "2026-05-01 12:00 CEST (UTC+02:00)"
    assert local_time_text("2026-01-10T09:00:00+00:00") == "2026-01-10 10:00 CET (UTC+01:00)"
    assert local_time_text("2026-05-01T10:00:00+00:00", offset=False) == "2026-05-01 12:00 CEST"  # lists
    assert local_date("2026-05-01T23:30:00+00:00") == "2026-05-02"
    assert local_time_text("not a time") == "not a time" and local_time_text("") == "-"
    zone("UTC0")
    assert local_time_text("2026-05-01T10:00:00+00:00") == "2026-05-01 10:00 UTC"
    zone("<+03>-3")  # a zone without a name of its own
    assert local_time_text("2026-05-01T10:00:00+00:00") == "2026-05-01 13:00 UTC+03:00"
    zone(CET)
    with open_store(tmp_path) as store:
        patient = store.create_patient()
        session = store.start_session(patient.id, started_at="2026-05-01T10:00:00+00:00")
        data = report_data_from_store(store, session.id)
    assert dict(data.session_details)["Date"] == "2026-05-01 12:00 CEST (UTC+02:00)"
    page = _page_text(data)
    assert "+00:00" not in page and "UTC" in page  # the footer's time has its zone too


def test_default_report_name_has_patient_and_local_date_in_documents(zone, tmp_path, monkeypatch):
    zone(CET)
    assert report_file_name("P-7K3Q9X", "2026-05-01T23:30:00+00:00") == "cervicam_P-7K3Q9X_2026-05-02.pdf"
    assert report_file_name("a/b c", "2026-05-01T10:00:00+00:00") == "cervicam_a-b-c_2026-05-01.pdf"
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(docs))
    assert default_report_path("P-7K3Q9X", "2026-05-01T10:00:00+00:00") == docs / "cervicam_P-7K3Q9X_2026-05-01.pdf"
    monkeypatch.setattr("platformdirs.user_documents_dir", lambda: str(tmp_path / "none"))
    assert default_report_path("P-1", "2026-05-01T10:00:00+00:00").parent == Path.home()  # no documents folder


def test_cli_lists_show_local_time_not_utc(zone, tmp_path, capsys):
    zone(CET)
    d = str(tmp_path / "d")
    with open_store(d) as store:
        patient = store.create_patient()
        store.start_session(patient.id, started_at="2026-05-01T10:00:00+00:00")  # left open: also "interrupted"
    for argv in (["sessions", patient.pseudonym], ["sessions", "--interrupted"], ["patients"]):
        assert main.main([*argv, "--data-dir", d]) == 0
        out = capsys.readouterr().out
        assert "2026-05-01 12:00 CEST" in out and "+00:00" not in out and "10:00" not in out, argv
