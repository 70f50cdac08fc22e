"""`msatheory grade`: three made-up submissions, one correct, one partly wrong, one that
crashes, give the expected table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import nbformat
import pytest

from msatheory.__main__ import main
from msatheory.exercises.grade import Row, grade

ROOT = Path(__file__).resolve().parents[1]
HEAD = ("from msatheory.exercises import check\n"
        "import sympy as sp\n"
        "a, A = sp.symbols('a A', positive=True)")
#: The reference solutions live beside the package, not in it: a submission imports them
#: from the repository.
MENDED = (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
          "from solutions.basics import mended_friday_shop")


def submission(folder, name: str, *cells: str):
    path = folder / f"{name}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]),
                   path)
    return path


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    return [
        submission(folder, "ada", HEAD,
                   "check('1.replicas', sp.log(1 - A) / sp.log(1 - a))",
                   MENDED + "\ncheck('1.friday-shop', mended_friday_shop())"),
        submission(folder, "bo", HEAD,
                   "check('1.replicas', sp.log(A) / sp.log(a))",
                   "raise ValueError('unfinished')",
                   "check('1.replicas', sp.log(1 - A) / sp.log(1 - a))",
                   "friday = undefined_name\ncheck('1.friday-shop', friday)"),
        submission(folder, "cy", HEAD, "import os\nos._exit(1)",
                   "check('1.replicas', 1)"),
    ]


def test_grading_three_submissions(submissions):
    paths = submissions
    rows = grade(paths, limit=120)
    assert [(r.learner, r.exercise, r.status) for r in rows] == [
        ("ada", "1.replicas", "passed"),
        ("ada", "1.friday-shop", "passed"),
        ("bo", "1.replicas", "passed"),  # the last answer counts
        ("bo", "1.friday-shop", "not run"),
        ("cy", "-", "error"),
    ]
    assert rows[0].feedback == "1.replicas: passed (type, shape, behaviour)."
    assert rows[3].feedback == "check was not reached"
    assert rows[4].feedback.startswith("could not run: DeadKernelError")


def test_the_command_writes_csv_and_json(submissions, capsys):
    paths = submissions
    assert main(["grade", str(paths[0]), "--format", "csv", "--limit", "120"]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == ["learner", "exercise", "status", "feedback"]
    assert [row[:3] for row in table[1:]] == [["ada", "1.replicas", "passed"],
                                               ["ada", "1.friday-shop", "passed"]]
    assert main(["grade", str(paths[1]), "--format", "json", "--limit", "120"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document[0] == Row("bo", "1.replicas", "passed",
                              "1.replicas: passed (type, shape, behaviour).").__dict__


def test_an_unreadable_submission_is_a_row_not_a_crash(tmp_path):
    broken = tmp_path / "dee.ipynb"
    broken.write_text("{ not json")
    (row,) = grade([broken], limit=30)
    assert (row.learner, row.exercise, row.status) == ("dee", "-", "error")
    assert row.feedback.startswith("could not run:")
