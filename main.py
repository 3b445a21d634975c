"""cervicam entry point: `python main.py` opens the GUI; `python main.py COMMAND --help` for the CLI."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Command name -> module in app.cli. Each module exposes add_arguments(parser) and run(args) -> int;
# its docstring's first line is the command's help. Modules import heavy libraries inside run().
COMMANDS: dict[str, str] = {
    "gui": "app.cli.gui",
    "analyze": "app.cli.analyze",
    "models": "app.cli.models",
    "calibrate-camera": "app.cli.calibrate_camera",
    "calibration-pattern": "app.cli.calibration_pattern",
    "patients": "app.cli.patients",
    "sessions": "app.cli.sessions",
    "record": "app.cli.record",
    "report": "app.cli.report",
    "export": "app.cli.export",
    "import": "app.cli.import_",
    "delete-patient": "app.cli.delete_patient",
    "audit": "app.cli.audit",
    "video": "app.cli.video",
    "recover": "app.cli.recover",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cervicam",
        description="Cervical range of motion from a webcam. Without a command, opens the GUI.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        doc = (module.__doc__ or name).strip().splitlines()[0]
        command_parser = sub.add_parser(name, help=doc, description=doc)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # No command (or only GUI options such as --video) means the GUI.
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "-v", "--verbose")):
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["gui", *argv])
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from app.errors import CervicamError

    try:
        return int(args._module.run(args) or 0)
    except CervicamError as exc:
        print(f"cervicam: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cervicam: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
