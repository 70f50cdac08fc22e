"""The book's generated reference pages: the errata index (`python -m msatheory errata
--format myst`) and the course plan (`course`), and how tools/build_book.py writes them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from msatheory import theory
from msatheory.__main__ import main
from msatheory.exercises import exercises
from msatheory.theory.course import reading_minutes
from msatheory.theory.erratum import concerned, found_in
from msatheory.theory.glossary import lessons

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def errata_page() -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["errata", "--format", "myst"]) == 0
    return out.getvalue()


def test_concerns_name_the_code_and_every_statement_cited() -> None:
    code, cited = concerned("Go APIGateway.applyPolicy (section 4.3; Def 4.1.1, "
                            "Functions 4.2.3-4.2.4)")
    assert code == "Go APIGateway.applyPolicy"
    assert [s.ref for s in cited] == ["Def 4.1.1", "Function 4.2.3", "Function 4.2.4"]
    assert concerned("Go APIGateway.HandleRequest (section 4.3; the response cache)") == (
        "Go APIGateway.HandleRequest", ())


@pytest.mark.parametrize("record", [*theory.errata(), *theory.stubs()],
                         ids=lambda r: r.key)
def test_no_cited_statement_is_lost(record) -> None:
    """Every number the parenthesis of ``concerns`` cites after the section is a statement
    the record links to."""
    cited = record.concerns.rpartition(" (")[2].rpartition(";")[2]
    numbers = set(re.findall(r"\d+\.\d+\.\d+", cited))
    assert numbers <= {s.number for s in record.statements}, record.concerns
    assert record.code and "(section" not in record.code


def test_the_errata_page_indexes_and_describes_every_erratum(errata_page: str) -> None:
    index, _, details = errata_page.partition("\n## 1. ")
    for erratum in theory.errata():
        anchor = "erratum-" + erratum.key.replace(".", "-")
        assert f"| {{ref}}`{erratum.key} <{anchor}>` |" in index
        assert errata_page.count(f"({anchor})=\n### {erratum.key}\n") == 1
        section = details.split(f"### {erratum.key}\n", 1)[1].split("\n### ", 1)[0]
        assert f"- **Code:** `{erratum.code}`" in section
        assert f"- **What is wrong:** {erratum.wrong}" in section
        assert f"- **Corrected model:** `{erratum.corrected_by}`" in section
        for statement in erratum.statements:
            assert f"<{statement.label}>`" in section
        lesson = found_in(erratum.key, lessons())
        assert lesson is not None, f"no lesson finds {erratum.key} in the open"
        assert "- **Found in:** {doc}`lesson " in section
        assert f"</notebooks/{lesson.stem}>`" in section
    assert f"wrong in {len(theory.errata())} places" in index


@pytest.mark.parametrize("key", ["1.scale", "3.heartbeat-unread", "8.dual-write"])
def test_the_errata_page_shows_the_counterexample_the_search_finds(errata_page: str,
                                                                   key: str) -> None:
    erratum = next(e for e in theory.errata() if e.key == key)
    section = errata_page.split(f"### {key}\n", 1)[1].split("\n### ", 1)[0]
    assert f"```text\n{erratum.describe(erratum.find())}\n```" in section


def test_the_stubs_are_listed_apart_not_as_errata(errata_page: str) -> None:
    errata, _, stubs = errata_page.partition("## Declared stubs (简化实现)")
    for stub in theory.stubs():
        assert f"| {stub.key} | `{stub.code}` |" in stubs
        assert stub.key not in errata
        assert f"`{stub.modelled_by}`" in stubs
    assert f"marks {len(theory.stubs())} pieces" in stubs


def test_the_course_plan_lists_every_lesson_with_its_minutes(capsys) -> None:
    assert main(["course", "--format", "myst"]) == 0
    page = capsys.readouterr().out
    rows = [r for r in page.splitlines() if r.startswith("| {doc}")]
    taught = lessons()
    assert len(rows) == len(taught)
    for row, notebook in zip(rows, taught, strict=True):
        name = f"notebooks/{notebook.name}"
        cells = row.split(" | ")
        assert cells[0] == f"| {{doc}}`/notebooks/{notebook.stem}`"
        assert cells[1] == str(reading_minutes(notebook))
        assert cells[2] == str(sum(s.notebook == name for s in theory.catalogue()))
        for exercise in exercises():
            assert (f"{{ref}}`{exercise.id} <" in row) == (exercise.lesson == name)
    total = sum(map(reading_minutes, taught))
    assert f"| **all lessons** | **{total}** | **59** | |" in page
    assert f"{total} minutes" in page


def test_the_course_text_table_matches_the_page(capsys) -> None:
    assert main(["course"]) == 0
    text = capsys.readouterr().out
    for notebook in lessons():
        line = next(x for x in text.splitlines() if x.startswith(notebook.stem + " "))
        assert line.split()[1] == str(reading_minutes(notebook))


def test_build_book_generates_every_reference_page_and_lists_it() -> None:
    spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pages = {p.relative_to(module.BOOK).with_suffix("").as_posix(): c
             for p, c in module.GENERATED.items()}
    assert pages == {"appendix/catalogue": "theory", "appendix/exercises": "exercises",
                     "appendix/errata": "errata", "appendix/glossary": "glossary",
                     "appendix/course": "course"}
    assert set(pages) <= set(module.toc_files())
    # generated pages are outputs, not inputs, of the build's fingerprint
    assert not set(module.GENERATED) & set(module.inputs())
