"""A sample writer that keeps recording when the disk is full or the data folder turns read-only.

``Store.open_writer`` returns it. Interface: ``add_sample``, ``add_event``, ``close``, ``error``,
``samples_written``, ``last_committed_time_s``, plus:

* ``warning``: None while everything reaches the disk, else one sentence for the user ("not
  saved to disk: ... N samples kept in memory, saved automatically when space is back");
* ``pending``: how many samples/events wait in memory;
* ``save_pending(path)``: write what waits to another place (a USB stick), as a
  ``cervicam-pending`` file that ``load_pending(store, path)`` adds to the session later.

Why keep going rather than stop: a measurement in progress with a patient is worth more than the
disk; the samples are small (~100 B each, ~11 MB per hour at 30 Hz) so memory is not the limit.
The writer retries every ``retry_s`` with a fresh connection (a remounted or cleaned disk works
again without restarting), commits at least every ``flush_interval_s`` when it can, so a crash
still loses at most that much of what reached the disk. ``close()`` raises a CervicamError if
samples could not be written by then; they stay in ``pending`` for ``save_pending``.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import queue
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from app.core.protocol import ProtocolEvent
from app.core.types import PoseSample
from app.errors import CervicamError, InputError, read_input_bytes
from app.queues import drain
from app.store.private import private_file
from app.store.rows import (
    EVENT_COLUMNS,
    EVENT_INSERT_SQL,
    SAMPLE_COLUMNS,
    SAMPLE_INSERT_SQL,
    event_to_row,
    sample_to_row,
)
from app.store.sqlite_errors import SqliteFailure, classify

log = logging.getLogger(__name__)

PENDING_FORMAT = "cervicam-pending"
UNSAVED_PREFIX = "cervicam-unsaved-session-"  # rescued samples: <prefix><session>-<time>.cervicam-samples
_STOP = object()


class ResilientSampleWriter:
    def __init__(self, db_path: Path, session_id: int, flush_interval_s: float = 0.5, retry_s: float = 1.0) -> None:
        self.db_path = Path(db_path)
        self.session_id = session_id
        self.flush_interval_s = flush_interval_s
        self.retry_s = retry_s
        self.error: CervicamError | None = None
        self.warning: str | None = None
        self.samples_written = 0
        self.last_committed_time_s: float | None = None
        self.failures = 0  # failed write attempts (for tests and the log)
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()  # guards the pending lists (thread vs save_pending)
        self._samples: list[tuple] = []
        self._events: list[tuple] = []
        self._last_time: float | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=f"sample-writer-{session_id}", daemon=True)
        self._thread.start()

    # ----- capture side (GUI / recorder thread) -----------------------------------------------------
    def add_sample(self, sample: PoseSample) -> None:
        self._check()
        self._queue.put(("s", sample_to_row(sample), sample.time_s))

    def add_event(self, event: ProtocolEvent) -> None:
        self._check()
        self._queue.put(("e", event_to_row(event), event.time_s))

    def _check(self) -> None:
        if self._closed:
            raise CervicamError("the session writer is closed")

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._samples) + len(self._events) + self._queue.qsize()

    def close(self, timeout_s: float = 10.0) -> None:
        """Write everything (one last attempt) and stop; raises if samples remain unsaved.

        On that failure the writer stays open and keeps retrying (recording may go on), so
        calling ``close()`` again later (after freeing space) finishes the job."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join(timeout_s)
        with self._lock:
            left = len(self._samples) + len(self._events)
        if left and not self._thread.is_alive():
            self.error = CervicamError(
                f"could not save samples ({self.warning or 'the database could not be written'}); "
                f"{left} samples/events of session {self.session_id} are still in memory: free disk space "
                "or save them elsewhere"
            )
            self._closed = False  # not closed after all: keep accepting and retrying
            self._thread = threading.Thread(target=self._run, name=f"sample-writer-{self.session_id}", daemon=True)
            self._thread.start()
            raise self.error
        if self.error is not None and not left and self.error.args[0].startswith("could not save samples ("):
            self.error = None  # saved on a retry
        if self.error is not None:
            raise self.error

    # ----- elsewhere ------------------------------------------------------------------------------
    def save_pending(self, path: str | os.PathLike[str]) -> int:
        """Write the samples/events not yet in the database to ``path``; returns how many.

        They are removed from memory only once the file is written, so a failing USB stick loses
        nothing either.
        """
        self._drain_queue()
        with self._lock:
            samples, events = list(self._samples), list(self._events)
        document = {
            "format": PENDING_FORMAT,
            "session_id": self.session_id,
            "database": str(self.db_path),
            "columns": {"samples": SAMPLE_COLUMNS, "events": EVENT_COLUMNS},
            "samples": [list(r[1:]) for r in samples],
            "events": [list(r[1:]) for r in events],
        }
        target = Path(path)
        tmp = target.with_name(target.name + ".part")
        try:
            private_file(tmp)  # health data, wherever it lands (home, a USB stick)
            with gzip.open(tmp, "wt", encoding="utf-8") as f:
                json.dump(document, f)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CervicamError(f"cannot write {target}: {exc.strerror or exc}") from None
        with self._lock:
            del self._samples[: len(samples)]
            del self._events[: len(events)]
        log.warning("%d samples and %d events of session %s saved to %s", len(samples), len(events), self.session_id, target)
        return len(samples) + len(events)

    def _drain_queue(self) -> None:
        """Move queued items into the pending lists (any thread)."""
        for item in drain(self._queue):
            if item is _STOP:
                self._queue.put(_STOP)  # keep the stop for the writer thread
                return
            self._take(item)

    def _take(self, item: tuple) -> None:
        kind, row, t = item
        with self._lock:
            if kind == "s":
                self._samples.append((self.session_id, *row))
                self._last_time = t
            else:
                self._events.append((self.session_id, *row))

    # ----- writer thread ------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=30.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _flush(self, conn: sqlite3.Connection | None) -> sqlite3.Connection | None:
        """Try to commit what is pending; returns the connection to keep (None after a failure)."""
        with self._lock:
            samples, events, last_time = list(self._samples), list(self._events), self._last_time
        if not samples and not events:
            return conn
        try:
            if conn is None:
                conn = self._connect()
            with conn:  # one transaction per flush: all of it or none of it
                conn.executemany(SAMPLE_INSERT_SQL, samples)
                conn.executemany(EVENT_INSERT_SQL, events)
        except sqlite3.Error as exc:
            self.failures += 1
            with self._lock:
                waiting = len(self._samples)
            reason = _reason(exc, self.db_path)
            if self.warning is None:
                log.error("samples not saved to disk: %s", reason)
            self.warning = (
                f"not saved to disk: {reason}; {waiting} samples kept in memory, "
                "saved automatically when the disk can be written again"
            )
            if conn is not None:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            return None  # a fresh connection next time (the disk may have been remounted)
        with self._lock:
            del self._samples[: len(samples)]
            del self._events[: len(events)]
        self.samples_written += len(samples)
        if samples and last_time is not None:
            self.last_committed_time_s = samples[-1][1 + SAMPLE_COLUMNS.index("time_s")]
        if self.warning is not None:
            log.warning("samples reach the disk again (%d written)", len(samples))
            self.warning = None
        return conn

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        next_commit = time.monotonic() + self.flush_interval_s
        stopping = False
        try:
            while not stopping:
                timeout = max(0.0, next_commit - time.monotonic())
                try:
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    stopping = True
                elif item is not None:
                    self._take(item)
                if stopping or time.monotonic() >= next_commit:
                    conn = self._flush(conn)
                    wait = self.flush_interval_s if self.warning is None else self.retry_s
                    next_commit = time.monotonic() + wait
        except Exception as exc:  # never die silently: the GUI would think it is recording
            log.exception("session writer stopped")
            self.error = CervicamError(f"could not save samples ({exc})")
        finally:
            if conn is not None:
                conn.close()


def _reason(exc: sqlite3.Error, path: Path) -> str:
    failure = classify(exc)
    if failure is SqliteFailure.DISK_FULL:
        return f"the disk holding {path.parent} is full"
    if failure is SqliteFailure.READ_ONLY:
        return f"the data folder {path.parent} is read-only"
    return f"{path} cannot be written ({exc})"


def load_pending(store: Any, path: str | os.PathLike[str]) -> int:
    """Add a ``save_pending`` file's samples and events to its session (one transaction)."""
    p = Path(path)
    raw = read_input_bytes(p)
    try:
        document = json.loads(gzip.decompress(raw).decode("utf-8"))
        if document.get("format") != PENDING_FORMAT:
            raise ValueError(f"format {PENDING_FORMAT!r} expected")
        sid = int(document["session_id"])
        if tuple(document["columns"]["samples"]) != SAMPLE_COLUMNS or tuple(document["columns"]["events"]) != EVENT_COLUMNS:
            raise ValueError("unknown columns")
        samples = [(sid, *r) for r in document["samples"]]
        events = [(sid, *r) for r in document["events"]]
    except (OSError, ValueError, KeyError, TypeError, EOFError, AttributeError) as exc:  # BadGzipFile is an OSError
        raise InputError(f"{p} is not a cervicam pending-samples file ({exc})") from None
    store.get_session(sid)
    try:
        with store.conn:
            store.conn.executemany(SAMPLE_INSERT_SQL, samples)
            store.conn.executemany(EVENT_INSERT_SQL, events)
    except sqlite3.Error as exc:
        raise InputError(f"{p} could not be added, nothing was changed ({exc})") from None
    return len(samples) + len(events)


def rescue_pending(writer: ResilientSampleWriter, folders: list[Path]) -> Path | None:
    """Last resort when the app must exit with samples still unsaved: write them into the first
    folder that takes them (``load_pending`` puts them back later); None if none did."""
    if not writer.pending:
        return None
    for folder in folders:
        target = Path(folder) / f"{UNSAVED_PREFIX}{writer.session_id}-{int(time.time())}.cervicam-samples"
        try:
            writer.save_pending(target)
            return target
        except CervicamError as exc:
            log.error("could not save unsaved samples to %s: %s", folder, exc)
    return None
