"""CSV cells that a spreadsheet opens as text, never as a formula, and read back as they were.

Excel, LibreOffice and Google Sheets run a cell starting with =, +, - or @ (and some with a tab or
carriage return first) as a formula: an article id or an outlet name from a scraped corpus could
run one when a CSV of scores is opened (OWASP's "CSV injection"). Such a cell is written with a
single quote in front, which spreadsheets show as text; a number such as -0.5 is left alone. A cell
that already starts with quotes before such a character gets one more, so that reading back is exact.
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _is_number(cell: str) -> bool:
    """A plain decimal number (-0.5, +3, 1e-9), which a spreadsheet reads as a number, not a formula."""
    return _NUMBER.fullmatch(cell) is not None


_FIRST = frozenset((QUOTE, *TRIGGERS))  # the first characters of the cells neutralise may change


def neutralise(cell: str) -> str:
    """The cell as written to CSV: a quote in front when a spreadsheet would read it as a formula."""
    if not cell or cell[0] not in _FIRST:  # most cells: decided by their first character
        return cell
    if cell.lstrip(QUOTE).startswith(TRIGGERS) and not _is_number(cell):
        return QUOTE + cell
    return cell


def restore(cell: str) -> str:
    """The cell as it was before ``neutralise``."""
    if cell.startswith(QUOTE) and cell.lstrip(QUOTE).startswith(TRIGGERS) and not _is_number(cell[1:]):
        return cell[1:]
    return cell


def neutralise_row(cells: list[str]) -> list[str]:
    return [neutralise(cell) for cell in cells]


def restore_row(cells: list[str]) -> list[str]:
    return [restore(cell) for cell in cells]
