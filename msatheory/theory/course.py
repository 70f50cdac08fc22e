"""The course: how long a lesson takes to read and run.

A lesson is one notebook of ``notebooks/``. Its estimated time is the rule notebook 00
tables and every lesson states in its contract (``**Time.** About N minutes``): prose read
at 150 words a minute, two minutes to run and read each code cell, rounded to the nearest
five minutes. Exercises are extra.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from msatheory.errors import TheoryError

__all__ = ["Reading", "reading", "reading_minutes"]

WORDS_PER_MINUTE = 150
MINUTES_PER_CODE_CELL = 2


@dataclass(frozen=True)
class Reading:
    """What a lesson asks of its reader: words of prose, code cells, and minutes."""

    words: int
    code_cells: int

    @property
    def minutes(self) -> int:
        raw = self.words / WORDS_PER_MINUTE + MINUTES_PER_CODE_CELL * self.code_cells
        return max(5, 5 * round(raw / 5))


def reading(notebook: str | Path) -> Reading:
    """Count the prose words and code cells of ``notebook`` (an ``.ipynb`` file)."""
    path = Path(notebook)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        words = sum(len("".join(c["source"]).split()) for c in cells
                    if c["cell_type"] == "markdown")
        return Reading(words, sum(c["cell_type"] == "code" for c in cells))
    except (OSError, ValueError, LookupError, TypeError) as error:
        raise TheoryError(f"reading: {str(path)!r} is not a readable notebook "
                          f"({type(error).__name__}: {error})") from None


def reading_minutes(notebook: str | Path) -> int:
    """The estimated minutes to read and run ``notebook``, to the nearest five."""
    return reading(notebook).minutes
