"""Sub-commands of the `rolemap` command line, one module each.

Each module exposes `register(subparsers)`, which adds its parser and sets `func` to a
callable `(args) -> int` (the exit code). `tui.cli` lists the modules in COMMAND_MODULES.
"""
