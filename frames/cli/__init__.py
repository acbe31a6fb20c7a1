"""The `frames` command line: parses options, calls the library, prints for people.

One module per group of commands, all registered on one Typer app (see app.py).
"""

from __future__ import annotations

try:
    from . import commands, labelling, show  # noqa: F401  (importing registers the commands)
    from .app import app, main
except KeyboardInterrupt:  # Ctrl-C while the command line starts: one line and 130, not a traceback
    import sys

    sys.stderr.write("interrupted\n")
    raise SystemExit(130) from None

__all__ = ["app", "main"]
