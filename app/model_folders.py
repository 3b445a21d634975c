"""Where the onnx engine looks for a model when none is named: the repository's ``models/`` and
the user data folder's (``--data-dir`` > ``$CERVICAM_DATA`` > the platform's user data folder).

Composed here, where the CLI and the GUI wire things together: the engines take the folders they
are given (app.engines.factory, app.engines.model_registry) and never reach into the store, and
the store does not know about models.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_model_dirs(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    from app.engines.model_registry import model_dirs
    from app.store.paths import resolve_data_dir

    return model_dirs(resolve_data_dir(data_dir))
