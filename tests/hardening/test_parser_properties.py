"""Property-based tests of every parser that reads a file a user hands over: whatever the bytes,
the answer is a valid value or one InputError (never another exception), and what is valid
round-trips."""

from __future__ import annotations

import gzip
import json
import math
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.errors import InputError

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-10**6, 10**6),
    st.sampled_from(["nan", "inf", "-inf", "1e309", "0x10", "1,5", "", "--1"]),
)
text_rows = st.lists(st.lists(numbers, min_size=0, max_size=5), min_size=0, max_size=10)


_FOLDER: list[Path] = []


@pytest.fixture(autouse=True, scope="module")
def _scratch():
    """One scratch folder for the module's thousands of examples, removed at the end."""
    with tempfile.TemporaryDirectory(prefix="cervicam-prop-") as folder:
        _FOLDER[:] = [Path(folder)]
        yield
    _FOLDER.clear()


def _write(content: str | bytes) -> Path:
    folder = Path(tempfile.mkdtemp(dir=_FOLDER[0]))
    path = folder / "f.txt"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return path


def _as_text(rows) -> str:
    return "\n".join(" ".join(str(v) for v in row) + " " for row in rows) + "\n"


# ----- BIWI pose.txt ---------------------------------------------------------------------------
@FAST
@given(st.one_of(text_rows.map(_as_text), st.text(max_size=200), st.binary(max_size=200)))
def test_pose_parser_valid_or_input_error(content):
    from training.biwi import read_pose

    try:
        pose = read_pose(_write(content))
    except InputError as exc:
        assert "f.txt" in str(exc)  # says where
        return
    assert np.all(np.isfinite(pose.rotation)) and np.all(np.isfinite(pose.center_mm))
    assert np.allclose(pose.rotation @ pose.rotation.T, np.eye(3), atol=1e-2) and pose.center_mm[2] > 0


@FAST
@given(
    st.floats(-179, 179), st.floats(-89, 89), st.floats(-179, 179),
    st.tuples(st.floats(-500, 500), st.floats(-500, 500), st.floats(1, 2000)),
)  # fmt: skip
def test_pose_parser_round_trips_rotations(yaw, pitch, roll, centre):
    from app.core.angles import HeadAngles
    from training.biwi import angles_to_biwi_rotation, read_pose

    rotation = angles_to_biwi_rotation(HeadAngles(yaw, pitch, roll))
    text = "".join(" ".join(f"{v:.9f}" for v in row) + " \n" for row in rotation) + "\n"
    text += " ".join(f"{v:.6f}" for v in centre) + " \n"
    pose = read_pose(_write(text))
    assert np.allclose(pose.rotation, rotation, atol=1e-8)
    assert np.allclose(pose.center_mm, centre, atol=1e-5)


# ----- BIWI rgb.cal ----------------------------------------------------------------------------
def _calibration_text(k, dist, r, t) -> str:
    rows = [*k, dist, *r, t]
    return "\n".join(" ".join(str(v) for v in row) for row in rows) + "\n"


@FAST
@given(st.one_of(text_rows.map(_as_text), st.text(max_size=300)))
def test_calibration_parser_valid_or_input_error(content):
    from training.biwi import read_calibration

    try:
        cal = read_calibration(_write(content))
    except InputError as exc:
        assert "f.txt" in str(exc)
        return
    for part in (cal.intrinsics, cal.distortion, cal.rotation, cal.translation):
        assert np.all(np.isfinite(part))
    assert cal.intrinsics[0, 0] > 0 and cal.intrinsics[1, 1] > 0


@FAST
@given(st.sampled_from([math.nan, math.inf, -math.inf]), st.integers(0, 20))
def test_calibration_with_a_non_finite_number_is_refused(bad, where):
    from training.biwi import read_calibration

    k = [[517.0, 0.0, 320.0], [0.0, 517.0, 240.0], [0.0, 0.0, 1.0]]
    r = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    t = [0.0, 0.0, 0.0]
    cells = [k[0], k[1], k[2], r[0], r[1], r[2], t]
    flat = [row[:] for row in cells]
    flat[where // 3][where % 3] = bad
    with pytest.raises(InputError, match="f.txt"):
        read_calibration(_write(_calibration_text(flat[:3], [0.0, 0.0, 0.0, 0.0], flat[3:6], flat[6])))


# ----- patient import file ----------------------------------------------------------------------
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def good_export(tmp_path_factory):
    from app.store import open_store
    from app.store.transfer import export_patient
    from tests.hardening.helpers import sample

    folder = tmp_path_factory.mktemp("export")
    with open_store(folder / "d") as store:
        p = store.create_patient(age_band="50-59")
        s = store.start_session(p.id)
        w = store.open_writer(s.id, flush_interval_s=0.05)
        for i in range(5):
            w.add_sample(sample(i))
        w.close()
        store.close_session(s.id)
        export_patient(store, p.pseudonym, folder / "p.cervicam")
    return json.loads(gzip.decompress((folder / "p.cervicam").read_bytes()))


@FAST
@given(st.binary(max_size=300))
def test_import_parser_on_any_bytes(raw):
    from app.store.transfer import read_export

    with pytest.raises(InputError):
        read_export(_write(raw))


@FAST
@given(path=st.lists(st.one_of(st.text(max_size=8), st.integers(0, 3)), min_size=1, max_size=4), value=json_values)
def test_import_of_a_mutated_export_is_all_or_nothing(good_export, path, value):
    """Replace one nested value of a good export by anything: import succeeds or changes nothing."""
    from app.store import Store
    from app.store.transfer import import_patient

    doc = json.loads(json.dumps(good_export))
    node = doc
    for key in path[:-1]:
        if isinstance(node, dict) and node:
            node = node[sorted(node)[len(str(key)) % len(node)]] if not isinstance(key, str) or key not in node else node[key]
        elif isinstance(node, list) and node:
            node = node[int(key) % len(node)] if isinstance(key, int) else node[0]
        else:
            break
    last = path[-1]
    if isinstance(node, dict):
        node[str(last) if not node or isinstance(last, str) else sorted(node)[last % len(node)]] = value
    elif isinstance(node, list) and node:
        node[int(last) % len(node) if isinstance(last, int) else 0] = value
    else:
        assume(False)
    file = _write(gzip.compress(json.dumps(doc).encode()))
    db = Path(tempfile.mkdtemp(dir=_FOLDER[0])) / "c.sqlite3"
    store = Store(db)
    try:
        before = list(store.conn.iterdump())
        try:
            import_patient(store, file)
        except InputError:
            assert list(store.conn.iterdump()) == before
    finally:
        store.close()


# ----- training config ----------------------------------------------------------------------------
@FAST
@given(st.dictionaries(st.sampled_from(["model", "data", "train", "seed", "other"]), json_values, max_size=4))
def test_config_loader_valid_or_input_error(data):
    from training.config import config_from_dict

    try:
        cfg = config_from_dict(data)
    except InputError:
        return
    assert cfg.train.lr > 0 and cfg.model.input_size >= 32


@FAST
@given(st.text(max_size=200))
def test_config_file_any_text(text):
    from training.config import load_config

    p = _write(text).with_name("c.yaml")
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(p)
    except InputError as exc:
        assert "\n" not in str(exc)  # one line


# ----- samples CSV (record) and pending-samples file ------------------------------------------------
@FAST
@given(st.one_of(st.text(max_size=300), st.lists(st.lists(numbers, max_size=7), max_size=6).map(
    lambda rows: "frame,time_s,yaw_deg,pitch_deg,roll_deg,detected,quality\n" + "\n".join(",".join(map(str, r)) for r in rows)
)))  # fmt: skip
def test_samples_csv_parser_valid_or_input_error(text):
    from app.cli.record import read_samples_csv

    try:
        samples = read_samples_csv(_write(text))
    except InputError:
        return
    assert samples and all(isinstance(s.time_s, float) for s in samples)


@FAST
@given(st.one_of(st.binary(max_size=200), json_values.map(lambda v: gzip.compress(json.dumps(v).encode()))))
def test_pending_samples_file_any_content(raw):
    from app.store.resilient_writer import load_pending

    class NoStore:
        conn = sqlite3.connect(":memory:")

        def get_session(self, sid):
            raise InputError(f"no session {sid}")

    with pytest.raises(InputError):
        load_pending(NoStore(), _write(raw))
