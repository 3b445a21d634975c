"""Command-line commands. Each module exposes ``add_arguments(parser)`` and ``run(args) -> int``.

Importing this package (main.py does it before any command runs, so before mediapipe is imported)
keeps the native libraries' INFO/WARNING log lines off the terminal: see app.cli.native_logs.
"""

from app.cli.native_logs import quiet_native_logs

quiet_native_logs()
