"""The course: how long a lesson takes to read and run.

A lesson is one notebook of ``notebooks/``. Its estimated time is the rule notebook 00
tables and every lesson states in its contract (``**Time.** About N minutes``): prose read
at 150 words a minute, two minutes to run and read each code cell, rounded to the nearest
five minutes. The exercises, from the ``## Exercises`` heading on, are extra and are not
counted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from msatheory.errors import TheoryError

__all__ = ["Reading", "reading", "reading_minutes"]

WORDS_PER_MINUTE = 150
MINUTES_PER_CODE_CELL = 2
#: Where a lesson's exercises begin.
EXERCISES = re.compile(r"^## Exercises", re.MULTILINE)


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
    """Count the prose words and code cells of ``notebook`` (an ``.ipynb`` file) before its
    exercises."""
    path = Path(notebook)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        words = code_cells = 0
        for cell in cells:
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown":
                if EXERCISES.search(text):
                    break
                words += len(text.split())
            code_cells += cell["cell_type"] == "code"
        return Reading(words, code_cells)
    except (OSError, ValueError, LookupError, TypeError) as error:
        raise TheoryError(f"reading: {str(path)!r} is not a readable notebook "
                          f"({type(error).__name__}: {error})") from None


def reading_minutes(notebook: str | Path) -> int:
    """The estimated minutes to read and run ``notebook``, to the nearest five."""
    return reading(notebook).minutes
