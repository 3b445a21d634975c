"""One serialisation of ProtocolConfig (app.core.protocol_options): what a session stores is what
it replays with, compensation settings included, whoever stored it (live session or ``record``)."""

from __future__ import annotations

import json
from pathlib import Path

import main
from app.core.compensation import CompensationConfig
from app.core.protocol import ProtocolConfig
from app.core.protocol_options import protocol_config, protocol_options
from app.core.sample_csv import write_samples_csv
from app.core.types import PoseSample
from app.store import open_store


def test_options_round_trip_through_json() -> None:
    default = ProtocolConfig()
    custom = ProtocolConfig(motions=("flexion", "extension"), trials=2, max_trials=4, repeat_min_deg=4.0,
                            compensation=CompensationConfig(trunk_rotation_max_deg=8.0, min_quality=0.6))
    for config in (default, custom, ProtocolConfig(free_mode=True)):
        stored = json.loads(json.dumps(protocol_options(config)))
        assert protocol_config(stored) == config
    assert isinstance(protocol_options(custom)["compensation"], dict)


def test_nothing_stored_is_a_free_measurement_and_unknown_keys_are_ignored() -> None:
    assert protocol_config({}) == ProtocolConfig(free_mode=True)
    stored = {**protocol_options(ProtocolConfig()), "from_a_newer_version": 1}
    stored["compensation"] = {**stored["compensation"], "also_newer": 2}
    assert protocol_config(stored) == ProtocolConfig()


def test_record_stores_the_one_serialisation(tmp_path: Path, capsys) -> None:
    data_dir, path = tmp_path / "data", tmp_path / "analysis.csv"
    write_samples_csv([PoseSample(time_s=i / 30, frame_index=i, yaw_deg=0.0, pitch_deg=0.0, roll_deg=0.0, detected=True, quality=1.0)
                       for i in range(30)], path)
    assert main.main(["patients", "--add", "--data-dir", str(data_dir)]) == 0
    patient = capsys.readouterr().out.strip()
    assert main.main(["record", patient, "--samples-csv", str(path), "--data-dir", str(data_dir)]) == 0
    with open_store(data_dir) as store:
        (session,) = store.sessions()
    assert session.protocol == json.loads(json.dumps(protocol_options(ProtocolConfig(free_mode=True))))
    assert protocol_config(session.protocol) == ProtocolConfig(free_mode=True)
