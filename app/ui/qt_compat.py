"""Work-around for a defect of the installed Qt binding on Python 3.11, applied from ``app/ui/__init__``.

PySide6 6.12.0 (pyproject pins 6.11.3, which is free of it; this guards a user who upgrades)
returns ``None``, ``True`` and ``False`` from C++-wrapped calls
(``QLabel.setText``, ``QWidget.update``, ``Signal.emit``, ``QObject.property`` …) without taking
a reference for the caller: fine on Python >= 3.12, where those singletons are immortal, but on
3.11 every call drops one reference. A live window makes thousands of such calls per second
(pyqtgraph alone), so after a few seconds CPython frees ``None`` itself and aborts ("none_dealloc:
deallocating None"). Python 3.12 solved the same problem by making these objects immortal (a
huge reference count); :func:`immortalize_singletons` does the same here on 3.11, once, only when
a probe shows the defect. With a fixed binding or Python >= 3.12 it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger(__name__)

# 2**40 references: at a million dropped references per second that lasts 12 days.
_IMMORTAL_BOOST = 1 << 40
_applied = False


def binding_drops_references() -> bool:
    """Probe: does a void Qt call drop a reference to None?"""
    from PySide6.QtCore import QObject

    obj = QObject()
    before = sys.getrefcount(None)
    for _ in range(16):
        obj.setObjectName("probe")
    return sys.getrefcount(None) < before - 8


def immortalize_singletons() -> bool:
    """Give None/True/False an effectively infinite reference count if the binding needs it."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or not binding_drops_references():
        return _applied
    for obj in (None, True, False):
        # ob_refcnt is the first field of every PyObject (a Py_ssize_t) in CPython 3.11.
        refcnt = ctypes.c_ssize_t.from_address(id(obj))
        refcnt.value += _IMMORTAL_BOOST
    _applied = True
    log.info("PySide6 reference defect detected: None/True/False made immortal (as on Python 3.12)")
    return True
