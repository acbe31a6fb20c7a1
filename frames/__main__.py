"""`python -m frames` runs the command line."""

from frames.cli import main

main()
