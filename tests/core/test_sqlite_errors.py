"""One SQLite error classification (app.store.sqlite_errors) behind the store's, the writer's and
the import's messages: by SQLite's result code, the message only for errors without one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app.errors import CervicamError, InputError
from app.store.sqlite_errors import SqliteFailure, classify


def _raised(action) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as err:
        action()
    return err.value


def test_real_errors_are_classified_by_their_code(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (a)")
    conn.close()
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert classify(_raised(lambda: ro.execute("INSERT INTO t VALUES (1)"))) is SqliteFailure.READ_ONLY
    ro.close()
    full = sqlite3.connect(":memory:")
    full.execute("CREATE TABLE t (a)")
    full.execute("PRAGMA max_page_count = 2")
    assert classify(_raised(lambda: full.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 50))) is SqliteFailure.DISK_FULL
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"garbage, not a database" * 100)
    bad = sqlite3.connect(junk)
    assert classify(_raised(lambda: bad.execute("SELECT * FROM sqlite_master"))) is SqliteFailure.NOT_A_DATABASE
    bad.close()
    other = sqlite3.connect(":memory:")
    assert classify(_raised(lambda: other.execute("SELECT * FROM missing"))) is SqliteFailure.OTHER


def test_an_error_without_a_code_is_judged_by_sqlites_message() -> None:
    assert classify(sqlite3.OperationalError("database or disk is full")) is SqliteFailure.DISK_FULL
    assert classify(sqlite3.OperationalError("attempt to write a readonly database")) is SqliteFailure.READ_ONLY
    assert classify(sqlite3.DatabaseError("database disk image is malformed")) is SqliteFailure.NOT_A_DATABASE
    # A word in a table or column name does not make the disk full.
    assert classify(sqlite3.OperationalError("no such table: fullness")) is SqliteFailure.OTHER


def test_store_writer_and_import_word_the_same_classes() -> None:
    from app.store.resilient_writer import _reason
    from app.store.store import _wrap_sqlite

    path = Path("/data/cervicam.sqlite3")
    full = sqlite3.OperationalError("database or disk is full")
    assert "is full" in _reason(full, path) and "is full" in str(_wrap_sqlite(full, path))
    assert type(_wrap_sqlite(full, path)) is CervicamError
    assert "read-only" in _reason(sqlite3.OperationalError("attempt to write a readonly database"), path)
    assert isinstance(_wrap_sqlite(sqlite3.DatabaseError("file is not a database"), path), InputError)
