"""CLI: patients, record, sessions, report, export, import (in-process through main.main)."""

from __future__ import annotations

import csv
import sqlite3

import pytest

import main
from app.local_time import local_time_text


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_full_clinical_workflow(tmp_path, capsys, demo_truth):
    d = str(tmp_path / "data")
    code, out, _ = cli(capsys, "patients", "--add", "--age-band", "60-69", "--data-dir", d)
    assert code == 0
    patient = out.strip()
    assert patient.startswith("P-")
    code, out, _ = cli(capsys, "record", patient, "--samples-csv", str(demo_truth), "--data-dir", d,
                       "--started-at", "2026-05-01T10:00:00+00:00")  # fmt: skip
    assert code == 0 and "6 trials" in out
    code, out, _ = cli(capsys, "sessions", patient, "--data-dir", d)
    assert code == 0
    line = out.strip().splitlines()[1].split()
    assert line[0] == "1" and line[4] == "closed" and line[5] == "960"  # date: day, local time, zone
    assert line[1] == local_time_text("2026-05-01T10:00:00+00:00").split()[0]
    assert [int(v) for v in line[6:]] == [72, 66, 48, 56, 38, 33]

    pdf, trials_csv = tmp_path / "r.pdf", tmp_path / "t.csv"
    code, out, _ = cli(capsys, "report", "1", "--pdf", str(pdf), "--csv", str(trials_csv), "--data-dir", d)
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    with open(trials_csv, newline="") as f:
        rows = {r["motion"]: float(r["max_deg"]) for r in csv.DictReader(f)}
    assert rows["extension"] == pytest.approx(56.0, abs=0.5)

    code, out, _ = cli(capsys, "patients", "--data-dir", d)
    assert patient in out and " 1 " in out

    export = tmp_path / "p.cervicam"
    assert cli(capsys, "export", patient, str(export), "--data-dir", d)[0] == 0
    d2 = str(tmp_path / "other")
    code, out, _ = cli(capsys, "import", str(export), "--data-dir", d2)
    assert code == 0 and "1 sessions imported" in out
    conn = sqlite3.connect(tmp_path / "other" / "cervicam.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 960
    conn.close()


def test_env_var_selects_the_data_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CERVICAM_DATA", str(tmp_path / "env"))
    code, out, _ = cli(capsys, "patients", "--add")
    assert code == 0 and (tmp_path / "env" / "cervicam.sqlite3").exists()
    assert out.strip() in cli(capsys, "patients")[1]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["report", "7", "--pdf", "{tmp}/x.pdf"], "no session 7"),
        (["report", "abc", "--pdf", "{tmp}/x.pdf"], "session id must be a number"),
        (["report", "1"], "nothing to write"),
        (["sessions", "P-XXXXXX"], "no patient"),
        (["export", "P-XXXXXX", "{tmp}/x.cervicam"], "no patient"),
        (["import", "{tmp}/missing.cervicam"], "cannot read"),
        (["record", "P-XXXXXX", "--samples-csv", "{tmp}/missing.csv"], "no patient"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv] + ["--data-dir", str(tmp_path / "d")]
    code, out, err = cli(capsys, *argv)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_corrupt_import_touches_nothing(tmp_path, capsys):
    d = str(tmp_path / "d")
    patient = cli(capsys, "patients", "--add", "--data-dir", d)[1].strip()
    db = tmp_path / "d" / "cervicam.sqlite3"
    bad = tmp_path / "bad.cervicam"
    bad.write_bytes(b"\x1f\x8b\x08\x00\x00truncated")
    code, _, err = cli(capsys, "import", str(bad), "--data-dir", d)
    assert code == 2 and "corrupt or truncated" in err
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT pseudonym FROM patients")] == [patient]
    conn.close()


def test_interrupted_sessions_listed_and_closed(tmp_path, capsys):
    from app.store import open_store

    d = tmp_path / "d"
    with open_store(d) as store:
        p = store.create_patient()
        s = store.start_session(p.id)
    code, out, _ = cli(capsys, "sessions", "--interrupted", "--data-dir", str(d))
    assert code == 0 and f"session {s.id} of {p.pseudonym}" in out
    assert cli(capsys, "sessions", "--close", str(s.id), "--data-dir", str(d))[0] == 0
    assert "no interrupted sessions" in cli(capsys, "sessions", "--interrupted", "--data-dir", str(d))[1]


def test_record_from_video_keeps_the_field_of_view_with_the_session(tmp_path, capsys, demo_video):
    from app.store import open_store
    from tests.cli.test_analyze_cli import _clip

    clip = tmp_path / "clip.avi"
    _clip(demo_video, clip, 45)  # the neutral start: enough for a head model and a neutral
    d = str(tmp_path / "d")
    patient = cli(capsys, "patients", "--add", "--data-dir", d)[1].strip()
    code, out, err = cli(capsys, "record", patient, "--video", str(clip), "--hfov", "50", "--data-dir", d)
    assert code == 0, err
    store = open_store(tmp_path / "d")
    try:
        assert store.get_session(1).camera == f"{clip}, 50° field of view (given)"
    finally:
        store.close()
