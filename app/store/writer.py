"""Background sample writer: the capture loop hands samples over without waiting for the disk.

``SampleWriter`` owns its own sqlite connection in a daemon thread and commits whatever arrived at
least every ``flush_interval_s`` (default 0.5 s), so a crash (even SIGKILL) loses at most that
much. WAL mode lets the GUI read the same database meanwhile. A write failure (disk full, ...)
stops the writer and is kept in ``error``; ``add_*`` then raise it, so the app can tell the user.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from pathlib import Path

from app.core.protocol import ProtocolEvent
from app.core.types import PoseSample
from app.errors import CervicamError
from app.store.rows import EVENT_COLUMNS, SAMPLE_COLUMNS, event_to_row, sample_to_row

log = logging.getLogger(__name__)

_SAMPLE_SQL = (
    f"INSERT INTO samples (session_id, {', '.join(SAMPLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(SAMPLE_COLUMNS) + 1))})"
)
_EVENT_SQL = (
    f"INSERT INTO events (session_id, {', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(EVENT_COLUMNS) + 1))})"
)
_STOP = object()


class SampleWriter:
    def __init__(self, db_path: Path, session_id: int, flush_interval_s: float = 0.5) -> None:
        self.db_path = Path(db_path)
        self.session_id = session_id
        self.flush_interval_s = flush_interval_s
        self.error: CervicamError | None = None
        self.samples_written = 0
        self.last_committed_time_s: float | None = None
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"sample-writer-{session_id}", daemon=True)
        self._closed = False
        self._thread.start()

    def add_sample(self, sample: PoseSample) -> None:
        self._check()
        self._queue.put(("s", sample_to_row(sample), sample.time_s))

    def add_event(self, event: ProtocolEvent) -> None:
        self._check()
        self._queue.put(("e", event_to_row(event), event.time_s))

    def close(self, timeout_s: float = 10.0) -> None:
        """Flush everything queued and stop the thread; raises the writer's error if it had one."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join(timeout_s)
        if self.error is not None:
            raise self.error

    def _check(self) -> None:
        if self.error is not None:
            raise self.error
        if self._closed:
            raise CervicamError("the session writer is closed")

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.db_path, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            self.error = CervicamError(f"cannot open the session database {self.db_path}: {exc}")
            return
        samples: list[tuple] = []
        events: list[tuple] = []
        last_time: float | None = None
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
                    kind, row, t = item
                    (samples if kind == "s" else events).append((self.session_id, *row))
                    if kind == "s":
                        last_time = t
                if stopping or time.monotonic() >= next_commit:
                    if samples or events:
                        with conn:  # one transaction per flush
                            conn.executemany(_SAMPLE_SQL, samples)
                            conn.executemany(_EVENT_SQL, events)
                        self.samples_written += len(samples)
                        if last_time is not None:
                            self.last_committed_time_s = last_time
                        samples, events = [], []
                    next_commit = time.monotonic() + self.flush_interval_s
        except sqlite3.Error as exc:
            log.error("session writer stopped: %s", exc)
            self.error = CervicamError(f"could not save samples ({exc}); free disk space and restart the session")
        finally:
            conn.close()
