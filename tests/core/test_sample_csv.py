"""One sample-row schema: what is written is read back the same (flags included), by the CSV
writer/reader, the database rows, the report's samples CSV and ``record --samples-csv``."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import main
from app.core.sample_csv import HEADER, join_flags, read_samples_csv, split_flags, write_samples_csv
from app.core.types import PoseSample
from app.errors import InputError
from app.store import open_store
from app.store.rows import row_to_sample, sample_to_row

ROOT = Path(__file__).resolve().parents[2]

# Values already at the CSV's precision (3 decimals, time 4), so a round trip must be exact.
SAMPLES = [
    PoseSample(0, 0.0, True, 0.9, 0.739, 0.012, -0.115, 0.985, -0.036, -0.115, None, 0.298, "face mesh", ()),
    PoseSample(1, 0.0333, True, 0.55, 61.25, -3.5, 2.0, 62.0, -3.25, 2.125, None, None, "model tracking",
               ("extrapolated",)),  # fmt: skip
    PoseSample(2, 0.0667, False, 0.0, trunk_lean_deg=-1.5),
    PoseSample(3, 0.1, True, 0.4, -70.5, 1.0, 0.5, -71.0, 1.0, 0.5, 3.0, 0.0, "model tracking",
               ("extrapolated", "uncalibrated")),  # fmt: skip
]


def test_write_then_read_gives_the_same_samples(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    assert write_samples_csv(SAMPLES, path) == len(SAMPLES)
    assert read_samples_csv(path) == SAMPLES


def test_header_is_the_documented_analyze_layout() -> None:
    documented = "frame,time_s,yaw_deg,pitch_deg,roll_deg,detected,quality"
    assert documented in (ROOT / "README.md").read_text(encoding="utf-8")
    assert ",".join(HEADER).startswith(documented)
    assert HEADER[-2:] == ("source", "flags")
    assert {"raw_yaw_deg", "raw_pitch_deg", "raw_roll_deg", "trunk_lean_deg"} <= set(HEADER)


def test_flags_have_one_separator_and_older_rows_still_read() -> None:
    assert join_flags(("extrapolated", "uncalibrated")) == "extrapolated;uncalibrated"
    assert split_flags("extrapolated;uncalibrated") == ("extrapolated", "uncalibrated")
    assert split_flags("extrapolated,uncalibrated") == ("extrapolated", "uncalibrated")  # stored before
    assert split_flags("") == () and split_flags(None) == ()


def test_database_rows_round_trip_with_flags() -> None:
    for sample in SAMPLES:
        assert row_to_sample(sample_to_row(sample)) == sample


def test_a_csv_cut_to_the_first_columns_reads_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("frame,time_s,yaw_deg,pitch_deg,roll_deg\n0,0.0,1.5,2.5,-0.5\n1,0.0333,,,\n")
    first, second = read_samples_csv(path)
    assert first == PoseSample(0, 0.0, True, 1.0, 1.5, 2.5, -0.5)
    assert second.detected is False and second.yaw_deg is None


@pytest.mark.parametrize("text", ["", "yaw_deg,pitch_deg\n1,2\n", "frame,time_s\n", "frame,time_s\nx,0\n"])
def test_not_a_samples_csv_is_one_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_samples_csv(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_report_samples_csv_uses_the_same_schema(tmp_path: Path) -> None:
    from app.report.csv_out import write_samples_csv as write_report_samples

    class Data:  # the only part of ReportData the samples CSV reads
        samples = SAMPLES

    path = tmp_path / "report_samples.csv"
    assert write_report_samples(Data(), path) == len(SAMPLES)
    with open(path, newline="", encoding="utf-8") as fh:
        assert tuple(next(csv.reader(fh))) == HEADER
    assert read_samples_csv(path) == SAMPLES


def test_record_samples_csv_keeps_the_flags(tmp_path: Path, capsys) -> None:
    data_dir = tmp_path / "data"
    path = tmp_path / "analysis.csv"
    write_samples_csv(SAMPLES, path)
    assert main.main(["patients", "--add", "--data-dir", str(data_dir)]) == 0
    patient = capsys.readouterr().out.strip()
    assert main.main(["record", patient, "--samples-csv", str(path), "--data-dir", str(data_dir)]) == 0
    with open_store(data_dir) as store:
        (session,) = store.sessions()
        stored = store.samples(session.id)
    assert [s.flags for s in stored] == [s.flags for s in SAMPLES]
    assert stored == SAMPLES
