"""The glossary (msatheory.theory.glossary): each term's Chinese term, definition, patterns and
the lesson that defines it, and its pages (`python -m msatheory glossary`)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from msatheory import theory
from msatheory.__main__ import main
from msatheory.theory.glossary import GLOSSARY, Term, defined_in, lessons

CJK = re.compile(r"[\u4e00-\u9fff]")


def cells(notebook: Path) -> list:
    return nbformat.read(notebook, as_version=4).cells


@pytest.mark.parametrize("term", GLOSSARY, ids=[t.term for t in GLOSSARY])
def test_each_term_is_defined_in_bold_by_a_lesson_that_uses_it(term: Term) -> None:
    taught = lessons()
    where = defined_in(term, taught)
    assert where is not None, f"no lesson defines {term.term!r} in bold"
    # The first lesson that mentions the term is the one that defines it.
    first = next(nb for nb in taught if any(term.used_in(c.source) for c in cells(nb)))
    assert first == where


@pytest.mark.parametrize("term", GLOSSARY, ids=[t.term for t in GLOSSARY])
def test_each_term_has_a_chinese_term_and_a_one_sentence_definition(term: Term) -> None:
    assert CJK.search(term.term_zh), term.term_zh
    assert term.definition[0].isupper() and term.definition.endswith(".")
    assert not re.search(r"[.;]\s+[A-Z]", term.definition), "one sentence"
    # the patterns find the term as the record names it, and its bold definition
    assert term.used_in(term.term) or term.term == "utilisation ρ"
    assert term.defines(f"**{term.term.split(' ρ')[0]}**")


def test_terms_are_distinct_in_both_languages() -> None:
    assert len({t.term.casefold() for t in GLOSSARY}) == len(GLOSSARY)
    assert len({t.term_zh for t in GLOSSARY}) == len(GLOSSARY)


def test_the_terms_of_chapter_8_are_defined_in_its_lesson() -> None:
    by_term = {t.term: t for t in GLOSSARY}
    for name in ("coherency", "pass-through"):
        where = defined_in(by_term[name], lessons())
        assert where is not None and where.name == "08_patterns_and_practices.ipynb"


def test_a_term_is_used_without_being_defined() -> None:
    lease = next(t for t in GLOSSARY if t.term == "lease")
    assert lease.used_in("the registry renews leases") and not lease.defines("leases")
    assert lease.defines("Each registration was a **lease**: valid for 90 s")
    assert not lease.used_in("released")


def test_lessons_are_in_course_order_without_notebook_00(tmp_path) -> None:
    for name in ("00_how_to_use", "02a_x", "01b_y", "90_z", "notes"):
        (tmp_path / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    assert [p.stem for p in lessons(tmp_path)] == ["01b_y", "02a_x", "90_z"]
    assert lessons(tmp_path / "missing") == ()


def test_the_text_glossary_lists_every_term_in_english_order(capsys) -> None:
    assert main(["glossary"]) == 0
    lines = capsys.readouterr().out.splitlines()[2:]
    assert len(lines) == len(GLOSSARY)
    terms = sorted(GLOSSARY, key=lambda t: t.term.casefold())
    for line, term in zip(lines, terms, strict=True):
        assert line.startswith(term.term) and term.term_zh in line


def test_the_glossary_page_links_each_term_and_statement(capsys) -> None:
    assert main(["glossary", "--format", "myst"]) == 0
    page = capsys.readouterr().out
    terms, statements = page.split("## Numbered statements")
    rows = [r for r in terms.splitlines() if r.startswith("| **")]
    assert len(rows) == len(GLOSSARY)
    for term in GLOSSARY:
        where = defined_in(term, lessons())
        assert f"| **{term.term}** | {term.term_zh} |" in terms
        assert f"</notebooks/{where.stem}>`" in next(r for r in rows if f"**{term.term}**" in r)
    rows = [r for r in statements.splitlines() if r.startswith("| ") and "{ref}" in r]
    assert len(rows) == len(theory.catalogue()) == 59
    for s in theory.catalogue():
        assert f"{{ref}}`{s.ref} ({s.ref_zh}) <{s.label}>`" in statements
    titles = [r.split(" | ")[0].removeprefix("| ").casefold() for r in rows]
    assert titles == sorted(titles)
