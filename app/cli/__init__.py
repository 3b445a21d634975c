"""Command-line commands. Each module exposes ``add_parser(subparsers)`` and ``run(args) -> int``."""
