"""Session store: SQLite (WAL) in the user data folder; nothing a clinician records is lost.

Public API
----------
* ``open_store(data_dir=None) -> Store`` (data folder: argument > $CERVICAM_DATA > platformdirs
  ``user_data_dir('cervicam')``); ``Store(path)`` for an explicit file.
* Patients: ``create_patient(pseudonym=None, name=None, birth_year=None, age_band=None, sex=None)``
  (a pseudonym like ``P-7K3Q9X`` is generated; it is what lists and reports show; the fields are
  checked by ``app.store.patient_fields.validate_patient_fields``, which forms use too),
  ``get_patient(pseudonym_or_id)``, ``list_patients()``.
* Sessions: ``start_session(patient_id, clinician, engine, model_card, camera, notes, norm_set,
  protocol)`` (status 'recording'), ``get_session(id)``, ``sessions(patient_id=None)``,
  ``previous_sessions(id)``, ``update_session(id, **fields)``, ``set_pain(id, motion, 0..10)``,
  ``close_session(id, status='closed'|'interrupted')``.
* Crash recovery: ``interrupted_sessions()`` lists sessions still 'recording' (call at start-up,
  before opening a new one), ``resume_session(id) -> last sample time``, or ``close_session``.
* Samples/events: ``open_writer(session_id) -> ResilientSampleWriter`` (background thread, commits
  every 0.5 s, keeps samples in memory while the disk cannot be written; ``add_sample``,
  ``add_event``, ``warning``, ``pending``, ``save_pending(path)``, ``error``, ``close()``; see
  ``app.store.resilient_writer``); ``samples(id)``, ``events(id)``.
* Results: ``save_trials(id, trials)`` -> per-motion ``MotionResult`` (AMA rule recomputed; the
  live session calls it as each trial completes, so a crash keeps them), ``trials(id)``,
  ``motion_results(id)`` (recomputed from the trials by the core's rule), ``recorded(id) ->
  {direction: deg | None}``.
* On disk: the data folder is 0700 and every file cervicam writes 0600, whatever the umask
  (``app.store.private``).
* Transfer: ``export_patient(store, patient, path)``, ``import_patient(store, path)`` in
  ``app.store.transfer`` (one gzip JSON file with a format name and schema version).

Errors the user can act on raise ``app.errors.InputError`` / ``CervicamError`` (one message).
"""

from app.store.paths import database_path, resolve_data_dir
from app.store.records import CLOSED, INTERRUPTED, RECORDING, Patient, Session, SessionStatus, StoredEvent
from app.store.store import Store, open_store

__all__ = [
    "CLOSED", "INTERRUPTED", "RECORDING", "Patient", "Session", "SessionStatus", "Store", "StoredEvent",
    "database_path", "open_store", "resolve_data_dir",
]  # fmt: skip
