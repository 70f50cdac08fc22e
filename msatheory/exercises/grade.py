"""Grading: run each submitted notebook and collect the feedback its ``check`` calls gave.

Each submission runs top to bottom in a fresh kernel (nbclient), cells that raise do not
stop it (a learner's broken cell is part of what is graded), and a time limit bounds the
whole notebook. A last cell, added by the grader, prints the feedback
:func:`msatheory.exercises.results` recorded. The table has one row per learner and
exercise: every exercise the notebook calls ``check`` on, passed or not, and a row for an
exercise whose ``check`` never ran. A submission that cannot run (unreadable, a dead
kernel, past its time limit) is reported in its own row, not fatal.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Row", "grade", "table"]

#: How the grader's last cell marks its output.
MARK = "msatheory-grade:"
#: A ``check("1.replicas", ...)`` call in a cell's source: the exercises it answers.
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([0-9]+\.[a-z0-9-]+)["']""")
GRADER_CELL = (
    "import json as _json\n"
    "import msatheory.exercises as _exercises\n"
    f"print({MARK!r}, _json.dumps(_exercises.results()))"
)


@dataclass(frozen=True)
class Row:
    """One learner and one exercise: ``status`` is "passed", "not yet", "not run" or
    "error" (the submission could not be graded), ``feedback`` the feedback's first line."""

    learner: str
    exercise: str
    status: str
    feedback: str


def _run(path: Path, limit: float) -> list[dict[str, object]]:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(GRADER_CELL))
    started = time.monotonic()  # a resource limit on the grader, not part of any result

    def remaining(cell: object) -> int:
        return max(1, int(limit - (time.monotonic() - started)))

    client = NotebookClient(notebook, allow_errors=True, timeout_func=remaining,
                            kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for output in notebook.cells[-1].get("outputs", []):
        text = output.get("text", "")
        if text.startswith(MARK):
            return json.loads(text[len(MARK):])
    raise RuntimeError("the grader's last cell did not run")


def _asked(path: Path) -> list[str]:
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    found: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            found.extend(i for i in CHECK_CALL.findall(cell.source) if i not in found)
    return found


def grade(submissions: Iterable[str | Path], limit: float = 300.0) -> list[Row]:
    """Grade each submitted notebook; ``limit`` is each notebook's time limit in seconds."""
    rows: list[Row] = []
    for submission in submissions:
        path = Path(submission)
        learner = path.stem
        try:
            asked = _asked(path)
            results = _run(path, limit)
        except Exception as error:  # any failure to run is reported, never fatal
            first = str(error).strip().splitlines()[0] if str(error).strip() else ""
            rows.append(Row(learner, "-", "error",
                            f"could not run: {type(error).__name__}: {first}"[:200]))
            continue
        last: dict[str, dict[str, object]] = {}
        for result in results:
            last[str(result["exercise"])] = result
        for exercise in asked + [e for e in last if e not in asked]:
            if exercise not in last:
                rows.append(Row(learner, exercise, "not run", "check was not reached"))
            else:
                result = last[exercise]
                rows.append(Row(learner, exercise, "passed" if result["passed"] else "not yet",
                                str(result["feedback"])))
    return rows


def table(rows: Sequence[Row], form: str = "csv") -> str:
    """The rows as CSV (a header, then one line a row) or as a JSON list of objects."""
    if form == "json":
        return json.dumps([row.__dict__ for row in rows], ensure_ascii=False, indent=2)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("learner", "exercise", "status", "feedback"))
    writer.writerows((row.learner, row.exercise, row.status, row.feedback) for row in rows)
    return buffer.getvalue()
