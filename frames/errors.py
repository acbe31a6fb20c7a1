"""The one exception type for problems a user can fix."""

from __future__ import annotations


class FramesError(Exception):
    """A problem with the user's input, labels or model; the message says what to do."""


class ArticleError(FramesError):
    """An article file that cannot be read as text or holds no sentences."""


class LabelsError(FramesError):
    """A labels file or codebook that cannot be used as it is."""


class ModelError(FramesError):
    """A model folder that is missing, damaged, or of a format this version cannot read."""
