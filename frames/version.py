"""The version of frames: read by pyproject.toml (hatch) and re-exported as frames.__version__."""

__version__ = "0.1.0"
