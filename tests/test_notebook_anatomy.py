"""Every lesson has the anatomy CONTRIBUTING.md describes ("A lesson, cell by cell")."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from msatheory import theory
from msatheory.theory.course import reading, reading_minutes
from msatheory.theory.glossary import GLOSSARY

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]*.ipynb")
                 if not p.name.startswith("00_"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: A call that runs a simulation (SimPy or the stepped detectors) or a sweep of them.
SIMULATION = re.compile(r"(?<![\w.])(simulate\w*|run|sweep\w*)\(")
CLOSE = ["Summary", "Further reading", "Exercises"]


def _label(path: Path) -> str:
    """``02a_design_principles.ipynb`` is lesson ``2a``."""
    return re.match(r"0*(\d+[a-z]?)_", path.name).group(1)


@pytest.fixture(scope="module", params=LESSONS, ids=[p.stem for p in LESSONS])
def lesson(request):
    return request.param, nbformat.read(request.param, as_version=4)


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def _sections(nb) -> list[str]:
    return [line[3:].strip() for text in _markdown(nb) for line in text.splitlines()
            if line.startswith("## ")]


def test_the_opening_cell_has_title_problem_and_contract(lesson):
    path, nb = lesson
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    title, _, rest = first.source.partition("\n")
    assert re.fullmatch(rf"# {_label(path)}\. .+ \(.*[\u4e00-\u9fff]+.*\)", title), title
    problem = rest.split("**Learning goals.**")[0]
    assert len(problem.split()) >= 60, "open with a concrete problem before the contract"
    goals = re.search(r"\*\*Learning goals\.\*\*[^\n]*\n((?:[-*] .+\n?(?:  .+\n?)*)+)", rest)
    assert goals, "a list of learning goals"
    assert len(re.findall(r"^[-*] ", goals.group(1), re.M)) >= 3
    assert "**Prerequisites.**" in rest
    time = re.search(r"\*\*Time\.\*\* About (\d+) minutes", rest)
    assert time, "an estimated time"
    assert int(time.group(1)) == reading_minutes(path), "re-estimate the time"


def test_a_lesson_is_one_sitting(lesson):
    """Before its exercises, which are extra."""
    path, _ = lesson
    counted = reading(path)
    assert counted.words <= 3200 and counted.minutes <= 90, counted


def test_the_close_is_summary_further_reading_exercises(lesson):
    _, nb = lesson
    assert _sections(nb)[-3:] == CLOSE
    text = "\n".join(_markdown(nb))
    reading = text.split("## Further reading", 1)[1].split("## Exercises", 1)[0]
    items = re.findall(r"^[-*] (.+(?:\n  .+)*)", reading, re.M)
    assert len(items) >= 3
    for item in items:
        assert re.search(r"\]\(https?://", item), f"cite with a link: {item[:60]}"
        assert len(item.split()) >= 15, f"say what it adds: {item[:60]}"
    exercises = text.split("## Exercises", 1)[1]
    assert re.search(r"^### ", exercises, re.M)


def _neighbours(nb, index: int) -> tuple[str, str]:
    before = next((c.source for c in reversed(nb.cells[:index]) if c.cell_type == "markdown"),
                  "")
    after = next((c.source for c in nb.cells[index + 1:] if c.cell_type == "markdown"), "")
    return before, after


def test_every_widget_and_simulation_is_predicted_and_explained(lesson):
    """Outside the exercises, where the learner predicts and explains in their own words."""
    _, nb = lesson
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and re.search(r"^## Exercises", cell.source, re.M):
            break
        if cell.cell_type != "code":
            continue
        widget = any(WIDGET_VIEW in out.get("data", {}) for out in cell.outputs)
        if widget or SIMULATION.search(cell.source):
            before, after = _neighbours(nb, index)
            assert "**Predict.**" in before, f"cell {index}: ask for a prediction first"
            assert "**Explain.**" in after, f"cell {index}: explain what happened"


def test_terms_are_defined_in_bold_where_first_used(lesson):
    _, nb = lesson
    for term in GLOSSARY:
        first = next((c for c in nb.cells if term.used_in(c.source)), None)
        if first is not None:
            assert first.cell_type == "markdown" and term.defines(first.source), (
                f"define {term.term!r} in bold where it is first used: {first.source[:80]!r}")


def test_lessons_find_errata_in_the_open(lesson):
    _, nb = lesson
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert ".demonstrate()" not in cell.source, "show the property and the search"


def test_every_erratum_is_found_in_the_open_by_some_lesson():
    shown = set()
    for path in LESSONS:
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "source(" in cell.source and ".find()" in cell.source:
                text = cell.source + "".join(out.get("text", "") for out in cell.outputs)
                shown |= {e.key for e in theory.errata() if e.key in text}
    assert shown == {e.key for e in theory.errata()}
