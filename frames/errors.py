"""The one exception type for problems a user can fix."""

from __future__ import annotations

from dataclasses import dataclass


class FramesError(Exception):
    """A problem with the user's input, labels or model; the message says what to do."""


def install_extra(extra: str) -> str:
    """How to install an optional extra, from PyPI or from a source checkout (where frames[...] names
    no package): pip install 'frames[html]' (from a checkout: pip install '.[html]')."""
    return f"pip install 'frames[{extra}]' (from a checkout: pip install '.[{extra}]')"


class ArticleError(FramesError):
    """An article file that cannot be read as text or holds no sentences."""


class LabelsError(FramesError):
    """A labels file or codebook that cannot be used as it is."""


class ModelError(FramesError):
    """A model folder that is missing, damaged, or of a format this version cannot read."""


@dataclass(frozen=True)
class Problem:
    """Something wrong at one line of a file (labels, corpus): reported, and the rest goes on."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"
