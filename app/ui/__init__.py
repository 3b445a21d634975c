"""PySide6 widgets: they only wire the core to the screen.

The one place that reconciles OpenCV and Qt, and patches the Qt binding, before any window:

* opencv-contrib sets ``QT_QPA_PLATFORM_PLUGIN_PATH`` to its own bundled Qt plugins when ``cv2``
  is imported; PySide6 would then load plugins built for another Qt and fail (or crash). Every
  ``app.ui`` module goes through this package, so importing cv2 here first and dropping the
  variable happens before any QApplication exists.
* the PySide6 build's dropped references to None/True/False on Python 3.11 (see
  ``app.ui.qt_compat``), which otherwise abort the process after a few seconds of live view.
"""

from __future__ import annotations

import os

import cv2  # noqa: F401  (imported for its side effect on the environment, undone below)

os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)

from app.ui.qt_compat import immortalize_singletons  # noqa: E402

immortalize_singletons()
