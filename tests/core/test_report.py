"""Report data, PDF and CSVs, from the store (with history) and from an offline run."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from app.core.angles import DIRECTIONS
from app.core.offline_protocol import run_offline_protocol
from app.report import report_data_from_store, write_offline_report, write_pdf, write_samples_csv, write_trials_csv
from app.store import open_store
from tests.core.angle_streams import truth_maxima, truth_samples
from tests.core.test_store import record_session


def _pages(pdf_bytes: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf_bytes))


@pytest.fixture()
def two_sessions(tmp_path):
    with open_store(tmp_path) as store:
        p = store.create_patient(name="Secret Name", age_band="50-59", sex="M")
        record_session(store, p.id, dict(zip(DIRECTIONS, [50.0, 60.0, 40.0, 50.0, 30.0, 32.0])), "2026-01-10T09:00:00+00:00")
        s2, samples, proto = record_session(
            store, p.id, dict(zip(DIRECTIONS, [70.0, 58.0, 42.0, 44.0, 35.0, 33.0])), "2026-03-10T09:00:00+00:00"
        )
        store.set_pain(s2.id, "flexion", 3)
        yield store, p, s2


def test_report_data_from_store_has_results_history_and_no_identity(two_sessions):
    store, patient, session = two_sessions
    data = report_data_from_store(store, session.id)
    assert data.patient_label == patient.pseudonym
    assert "Secret Name" not in repr(data.patient_details)
    assert [round(data.recorded()[d]) for d in DIRECTIONS] == [70, 58, 42, 44, 35, 33]
    assert len(data.previous) == 1 and round(data.previous[0].recorded["rotation_left"]) == 50
    assert data.pain == {"flexion": 3}
    assert len(data.samples) == store.sample_count(session.id)
    shown = report_data_from_store(store, session.id, show_identity=True)
    assert ("Name", "Secret Name") in shown.patient_details
    assert report_data_from_store(store, session.id, norm_set="va").norm_set.key == "va"


def test_pdf_and_csvs_written_and_reread(two_sessions, tmp_path):
    store, patient, session = two_sessions
    data = report_data_from_store(store, session.id)
    pdf = tmp_path / "r.pdf"
    assert write_pdf(data, pdf) == 3  # results, time + trend, trial details
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and _pages(content) == 3 and len(content) > 20_000
    assert write_trials_csv(data, tmp_path / "t.csv") == 6
    with open(tmp_path / "t.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    by_motion = {r["motion"]: r for r in rows}
    assert float(by_motion["rotation_left"]["max_deg"]) == pytest.approx(70.0, abs=0.05)
    assert float(by_motion["rotation_left"]["percent_of_norm"]) == pytest.approx(100 * 70 / 80, abs=0.1)
    assert by_motion["flexion"]["norm_deg"] == "50" and by_motion["flexion"]["patient"] == patient.pseudonym
    assert write_samples_csv(data, tmp_path / "s.csv") == len(data.samples)
    with open(tmp_path / "s.csv", newline="") as f:
        sample_rows = list(csv.DictReader(f))
    assert len(sample_rows) == len(data.samples)
    assert float(sample_rows[60]["yaw_deg"]) == pytest.approx(data.samples[60].yaw_deg, abs=0.01)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler not installed")
def test_pdf_pages_render(two_sessions, tmp_path):
    store, _, session = two_sessions
    write_pdf(report_data_from_store(store, session.id), tmp_path / "r.pdf")
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 3 and all(p.stat().st_size > 5_000 for p in pages)


def test_offline_protocol_on_truth_finds_all_six_within_half_a_degree(demo_truth, tmp_path):
    samples = truth_samples(demo_truth)
    truth = truth_maxima(demo_truth)
    outcome = write_offline_report(samples, tmp_path / "o.pdf", tmp_path / "o.csv", source="demo (truth)")
    recorded = outcome.recorded()
    for direction, value in truth.items():
        assert recorded[direction] == pytest.approx(value, abs=0.5), direction
    assert _pages((tmp_path / "o.pdf").read_bytes()) == 3
    with open(tmp_path / "o.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["motion"] for r in rows) == sorted(DIRECTIONS)


def test_offline_protocol_flags_dropouts_and_empty_input(demo_truth):
    samples = truth_samples(demo_truth)
    # The head is lost for 0.5 s at rotation-left end range (t = 3.5..4.0 s).
    lost = [replace(s, detected=False, yaw_deg=None, pitch_deg=None, roll_deg=None) if 3.5 <= s.time_s < 4.0 else s
            for s in samples]  # fmt: skip
    outcome = run_offline_protocol(lost)
    rl = next(r for r in outcome.results if r.motion == "rotation_left")
    assert "head_lost" in rl.flags and rl.recorded_deg == pytest.approx(72.0, abs=0.5)
    empty = run_offline_protocol([])
    assert all(r.recorded_deg is None for r in empty.results)


def test_session_without_samples_still_reports(tmp_path):
    with open_store(tmp_path) as store:
        p = store.create_patient()
        s = store.start_session(p.id)
        data = report_data_from_store(store, s.id)
    assert all(r.recorded_deg is None for r in data.results)
    assert write_pdf(data, tmp_path / "e.pdf") == 3
    assert write_trials_csv(data, tmp_path / "e.csv") == 0
    assert (tmp_path / "e.csv").read_text().splitlines()[0].startswith("session_id,patient,motion")
