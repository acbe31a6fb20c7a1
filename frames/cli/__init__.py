"""The `frames` command line: parses options, calls the library, prints for people.

One module per group of commands, all registered on one Typer app (see app.py).
"""

from __future__ import annotations

from . import commands, labelling, show  # noqa: F401  (importing registers the commands)
from .app import app, main

__all__ = ["app", "main"]
