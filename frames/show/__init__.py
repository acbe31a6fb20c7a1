"""Showing results: the HTML article report, and frame trends over time as a table, page and plot."""
