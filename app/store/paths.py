"""Where the session database lives: --data-dir > $CERVICAM_DATA > platformdirs user data folder."""

from __future__ import annotations

import os
from pathlib import Path

DB_FILENAME = "cervicam.sqlite3"
ENV_VAR = "CERVICAM_DATA"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("cervicam", appauthor=False))


def database_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    return resolve_data_dir(data_dir) / DB_FILENAME
