"""Writing a user's files safely: atomic replacement, fsync'd appends, and checks of where a command writes."""
