"""Text renderers: the catalogue as a table for a terminal and as MyST Markdown for the book,
the book's other reference pages (errata, glossary, course plan), and the fixed-width tables
and labelled lists the chapters print."""

from __future__ import annotations

import inspect
import re
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msatheory.theory.statement import Statement

if TYPE_CHECKING:
    from msatheory.theory.erratum import Erratum, Stub
    from msatheory.theory.glossary import Term

__all__ = ["counted", "course_page", "course_table", "errata_page", "glossary_page",
           "glossary_table", "grid", "labelled", "lesson_label", "myst_page", "show", "source",
           "text_table"]

_CHAPTERS = {
    1: ("Basics", "微服务基础理论"),
    2: ("Design principles", "微服务设计原则"),
    3: ("Service discovery", "服务发现理论"),
    4: ("API gateway", "API网关理论"),
    5: ("Communication", "服务通信理论"),
    6: ("Data management", "数据管理理论"),
    7: ("Deployment and operations", "部署与运维理论"),
    8: ("Practice", "实践应用"),
}


def counted(n: int, what: str) -> str:
    """``n`` and ``what``, plural unless n is one: ``counted(1, "data store")`` is
    ``'1 data store'``, ``counted(3, "call")`` is ``'3 calls'``."""
    plural = what + ("es" if what.endswith(("s", "sh", "ch", "x")) else "s")
    return f"{n} {what if n == 1 else plural}"


def show(text: object, width: int = 100, *, hang: int = 4, hyphens: bool = False,
         limit: int | None = None, cut: bool = False, start: str | None = None) -> None:
    """Print ``text`` as a notebook shows it to a reader: each line at most ``width``
    characters, wrapped with its continuation indented ``hang`` more (or, with ``cut``,
    cut short with " ..."), and at most ``limit`` lines, then how many more there are.
    With ``start``, print from the first line that starts with it. ``hyphens`` lets a
    line break at a hyphen.

    >>> show("a verdict: " + "word " * 6, width=20, limit=2)
    a verdict: word word
    ... 2 more lines
    """
    lines = str(text).splitlines() or [""]
    if start is not None:
        lines = lines[next(i for i, line in enumerate(lines) if line.startswith(start)):]
    shown: list[str] = []
    for line in lines:
        if len(line) <= width:
            shown.append(line)
        elif cut:
            shown.append(line[:width - 4] + " ...")
        else:
            indent = " " * (len(line) - len(line.lstrip()) + hang)
            shown += textwrap.wrap(line, width, subsequent_indent=indent,
                                   break_on_hyphens=hyphens)
    if limit is not None and len(shown) > limit:
        shown[limit - 1:] = [f"... {len(shown) - limit + 1} more lines"]
    print("\n".join(shown))


def _width(text: str) -> int:
    """Columns the text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _counts(statements: Sequence[Statement]) -> str:
    encoded = sum(s.encoding is not None for s in statements)
    taught = sum(s.notebook is not None for s in statements)
    return f"{len(statements)} statements; {encoded} encoded, {taught} taught."


def grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A fixed-width text table: the header, a rule, then one line per row."""
    table = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(_width(row[i]) for row in table) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def labelled(title: str, rows: Sequence[tuple[str, str]]) -> str:
    """A title, then one line per row: its label, padded to the longest, and its value.

    >>> print(labelled("cut", [("services", "2"), ("modularity", "0.375")]))
    cut
    services    2
    modularity  0.375
    """
    width = max((_width(label) for label, _ in rows), default=0)
    return "\n".join([title, *(f"{_pad(label, width)}  {value}" for label, value in rows)])


def text_table(statements: Sequence[Statement]) -> str:
    """One row per statement: reference, titles, encoding and notebook."""
    header = ("statement", "title", "中文", "encoded by", "taught in")
    rows = [(s.ref, s.title, s.title_zh, s.encoding or "-", s.notebook or "-")
            for s in statements]
    return "\n".join([grid(header, rows), "", _counts(statements)])


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


def myst_page(statements: Sequence[Statement],
              exercises: Mapping[str, Sequence[tuple[str, str]]] | None = None) -> str:
    """The book's appendix: every statement, linked to its encoding and its lesson, and to
    the exercises that exercise it (``exercises`` maps a statement's ref, ``"Def 1.1.1"``,
    to the ids and MyST labels of its exercises)."""
    exercises = exercises or {}
    out = [
        "# Appendix: the theory catalogue",
        "",
        "Every numbered statement of the theory in a literal translation, how the workbook "
        "reads it where it must interpret it to check it (the reading is ours, not the "
        "theory's), where the package encodes it and where a chapter teaches it. "
        f"{_counts(statements)} The same table prints in a terminal with "
        "`python -m msatheory theory`.",
    ]
    for chapter, (title, title_zh) in _CHAPTERS.items():
        rows = [s for s in statements if s.chapter == chapter]
        if not rows:
            continue
        out += ["", f"## {chapter}. {title} ({title_zh})", "",
                "| Statement | Title | Statement | Our reading | Encoded by | Taught in |",
                "| --- | --- | --- | --- | --- | --- |"]
        for s in rows:
            encoded = f"{{py:obj}}`{s.encoding}`" if s.encoding else "not yet"
            taught = f"{{ref}}`{s.ref} <{s.label}>`" if s.notebook else "not yet"
            posed = ", ".join(f"{{ref}}`{i} <{label}>`" for i, label in exercises.get(s.ref, ()))
            if posed:
                taught += f"; exercises {posed}"
            out.append(
                f"| {s.ref} | {_cell(s.title)} ({s.title_zh}) | {_cell(s.statement)} "
                f"| {_cell(s.reading.removeprefix('Ours: ')) or '-'} | {encoded} | {taught} |"
            )
    return "\n".join(out) + "\n"


def lesson_label(notebook: str | Path) -> str:
    """A lesson's label from its file name: ``notebooks/03a_registry_and_health.ipynb`` is
    ``'3a'``.

    >>> lesson_label("notebooks/90_check_a_system.ipynb")
    '90'
    """
    match = re.match(r"0*(\d+[a-z]?)_", Path(notebook).name)
    return match.group(1) if match else Path(notebook).stem


def _doc(notebook: str | Path) -> str:
    """A MyST link to a lesson from any page of the book:
    ``{doc}`lesson 3a </notebooks/03a_registry_and_health>```."""
    name = Path(notebook).stem
    return f"{{doc}}`lesson {lesson_label(notebook)} </notebooks/{name}>`"


def _statement_link(statement: Statement) -> str:
    """The statement, linked to its section in its lesson where a lesson teaches it."""
    text = f"{statement.ref} {statement.title} ({statement.title_zh})"
    return f"{{ref}}`{_cell(text)} <{statement.label}>`" if statement.notebook else _cell(text)


def _anchor(key: str) -> str:
    """The MyST label of an erratum or stub: ``erratum-3-one-probe-evicts``."""
    return "erratum-" + re.sub(r"[^a-z0-9]+", "-", key.lower())


def _cited(concerns: str) -> str:
    """What ``concerns`` cites in its parenthesis: ``'section 4.3; the response cache'``."""
    return concerns.rpartition(" (")[2].removesuffix(")") if " (" in concerns else ""


def errata_page(errata: Sequence[Erratum[Any]], stubs: Sequence[Stub] = (),
                found: Mapping[str, str] | None = None) -> str:
    """The book's errata index, in MyST Markdown: a table of every erratum, then each one
    with the code it concerns, the statement it serves, what is wrong, the property it
    breaks, its smallest counterexample, the corrected model and the lesson that finds it;
    then the declared stubs (简化实现), which are not errata.

    Each counterexample is the one the erratum's own search finds (``erratum.demonstrate()``,
    a derandomised hypothesis search, so the page is the same on every run). ``found`` maps
    an erratum's key to the notebook of the lesson that finds it in the open
    (:func:`msatheory.theory.erratum.found_in`); an erratum missing from it links to the
    lesson that teaches its first statement.
    """
    found = found or {}
    out = [
        "# Appendix: errata",
        "",
        f"The theory's statements and code sketches are wrong in {len(errata)} places. Each "
        "erratum below was found by running the sketch as written (ported faithfully, "
        "defects included) against a property it should keep: a reproducible hypothesis "
        "search returns the smallest input that breaks it, and the workbook's corrected "
        "model keeps the property on the same search. Every lesson finds its errata in the "
        "open, printing the property and running the search. `python -m msatheory errata` "
        "runs every search in a terminal and checks every corrected model.",
        "",
        "| Erratum | Chapter | Statement | Code | Lesson |",
        "| --- | --- | --- | --- | --- |",
    ]
    lesson: dict[str, str | None] = {}
    for erratum in errata:
        taught = next((s.notebook for s in erratum.statements if s.notebook), None)
        lesson[erratum.key] = found.get(erratum.key, taught)
        statements = ", ".join(
            f"{{ref}}`{s.ref} <{s.label}>`" if s.notebook else s.ref
            for s in erratum.statements) or _cell(_cited(erratum.concerns))
        where = lesson[erratum.key]
        out.append(f"| {{ref}}`{erratum.key} <{_anchor(erratum.key)}>` "
                   f"| {erratum.key.split('.')[0]} | {statements} | `{_cell(erratum.code)}` "
                   f"| {_doc(where) if where else 'not yet'} |")
    for chapter, (title, title_zh) in _CHAPTERS.items():
        chosen = [e for e in errata if e.key.split(".")[0] == str(chapter)]
        if not chosen:
            continue
        out += ["", f"## {chapter}. {title} ({title_zh})"]
        for erratum in chosen:
            example = erratum.demonstrate()
            statements = ("; ".join(map(_statement_link, erratum.statements))
                          or "none: a part of the sketch no numbered statement covers")
            where = lesson[erratum.key]
            out += [
                "", f"({_anchor(erratum.key)})=", f"### {erratum.key}", "",
                f"- **Code:** `{erratum.code}` ({_cited(erratum.concerns)})",
                f"- **Statement:** {statements}",
                f"- **What is wrong:** {erratum.wrong}",
                f"- **Property it breaks:** {erratum.stated().removeprefix('Property: ')}",
                f"- **Corrected model:** `{erratum.corrected_by}`",
                f"- **Found in:** {_doc(where) if where else 'not yet taught'}",
                "",
                "The smallest counterexample the search finds:",
                "",
                "```text", str(example), "```",
            ]
    if stubs:
        out += [
            "", "(erratum-stubs)=", "## Declared stubs (简化实现)", "",
            f"The theory itself marks {counted(len(stubs), 'piece')} of its sketches 简化实现 "
            "(\"simplified implementation\"). These are declared stubs, not defects: none is "
            "counted among the errata, and an erratum that leans on a stub holds whatever the "
            "stub does. Each is modelled by the workbook.",
            "",
            "| Stub | Code | Statement | Declared | What it must do | Modelled by |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for stub in stubs:
            statements = ", ".join(
                f"{{ref}}`{s.ref} <{s.label}>`" if s.notebook else s.ref
                for s in stub.statements)
            out.append(f"| {stub.key} | `{_cell(stub.code)}` | {statements or '-'} "
                       f"| {_cell(stub.declared)} | {_cell(stub.stands_for)} "
                       f"| `{stub.modelled_by}` |")
    return "\n".join(out) + "\n"


def _by_english(text: str) -> str:
    """Sort key: case and a leading symbol ignored."""
    return text.casefold().lstrip("*_`")


def glossary_table(terms: Sequence[Term], defined: Mapping[str, str | None]) -> str:
    """The glossary for a terminal: one row per term, in English order, with its Chinese
    term, the lesson that defines it (``defined`` maps the term to a notebook) and its
    definition."""
    rows = [(t.term, t.term_zh, lesson_label(defined[t.term] or "-") if defined.get(t.term)
             else "-", t.definition) for t in sorted(terms, key=lambda t: _by_english(t.term))]
    return grid(("term", "中文", "lesson", "definition"), rows)


def glossary_page(terms: Sequence[Term], statements: Sequence[Statement],
                  defined: Mapping[str, str | None]) -> str:
    """The book's bilingual glossary, in MyST Markdown: the terms lessons define, in English
    order, with the Chinese term, a definition and a link to the lesson that defines it
    (``defined`` maps a term to its notebook); then every numbered statement's English and
    Chinese titles, in English order, linked to where a lesson teaches it."""
    out = [
        "# Appendix: glossary (术语表)",
        "",
        "The terms the lessons use, in English with the Chinese term beside each: the "
        "theory's own word where the theory uses one, else the field's standard term. Each "
        "is defined, in bold, in the lesson linked here, where it is first used. The second "
        "table lists the titles of the theory's numbered statements in English and Chinese; "
        "use the browser's search on this page to find a term in either language. "
        "`python -m msatheory glossary` prints the terms in a terminal.",
        "",
        "## Terms",
        "",
        "| Term | 中文 | Meaning | Defined in |",
        "| --- | --- | --- | --- |",
    ]
    for term in sorted(terms, key=lambda t: _by_english(t.term)):
        where = defined.get(term.term)
        out.append(f"| **{_cell(term.term)}** | {term.term_zh} | {_cell(term.definition)} "
                   f"| {_doc(where) if where else 'not yet'} |")
    out += [
        "", "## Numbered statements", "",
        f"The theory's {len(statements)} numbered statements, by English title; the catalogue "
        "({doc}`catalogue`) lists them in the theory's order with their full text.",
        "",
        "| Title | 中文 | Statement | Taught in |",
        "| --- | --- | --- | --- |",
    ]
    for s in sorted(statements, key=lambda s: (_by_english(s.title), s.ref)):
        ref = f"{{ref}}`{s.ref} ({s.ref_zh}) <{s.label}>`" if s.notebook else \
            f"{s.ref} ({s.ref_zh})"
        out.append(f"| {_cell(s.title)} | {s.title_zh} | {ref} "
                   f"| {_doc(s.notebook) if s.notebook else 'not yet'} |")
    return "\n".join(out) + "\n"


#: Exercises by lesson: ``notebooks/<name>.ipynb`` to (exercise id, MyST label) pairs.
Assigned = Mapping[str, Sequence[tuple[str, str]]]


def _course_rows(lessons: Sequence[Path], statements: Sequence[Statement], assigned: Assigned,
                 ) -> list[tuple[Path, int, int, Sequence[tuple[str, str]]]]:
    from msatheory.theory.course import reading_minutes

    rows = []
    for notebook in lessons:
        name = f"notebooks/{notebook.name}"
        taught = sum(s.notebook == name for s in statements)
        rows.append((notebook, reading_minutes(notebook), taught, assigned.get(name, ())))
    return rows


def course_table(lessons: Sequence[Path], statements: Sequence[Statement],
                 assigned: Assigned) -> str:
    """The course plan for a terminal: one row per lesson (a notebook), its minutes
    (:func:`msatheory.theory.course.reading_minutes`), the statements it teaches and the
    exercises it poses (``assigned`` maps ``notebooks/<name>.ipynb`` to the ids and MyST
    labels of its exercises)."""
    rows = _course_rows(lessons, statements, assigned)
    table = grid(("lesson", "minutes", "statements", "exercises"),
                 [(n.stem, str(m), str(t), ", ".join(i for i, _ in e) or "-")
                  for n, m, t, e in rows])
    total = sum(m for _, m, _, _ in rows)
    return f"{table}\n\n{counted(len(rows), 'lesson')}, {total} minutes in all."


def course_page(lessons: Sequence[Path], statements: Sequence[Statement],
                assigned: Assigned) -> str:
    """The book's course plan, in MyST Markdown: each lesson with its minutes, the
    statements it teaches and the exercises to assign, linked, and the total."""
    rows = _course_rows(lessons, statements, assigned)
    total = sum(m for _, m, _, _ in rows)
    out = [
        "# Appendix: a course plan",
        "",
        f"The course is {counted(len(rows), 'lesson')}, each one sitting: {total} minutes "
        "of reading and running in all, before the exercises. A lesson's minutes are its "
        "prose at 150 words a minute and two minutes for each code cell, rounded to five "
        "(`msatheory.theory.course.reading_minutes`, the estimate each lesson states in its "
        "contract). The exercises of a lesson are the ones to assign after it; each is "
        "checked by `check(\"<exercise>\", answer)`, and `python -m msatheory grade` grades "
        "submitted notebooks. `python -m msatheory course` prints this table in a terminal.",
        "",
        "| Lesson | Minutes | Statements taught | Exercises to assign |",
        "| --- | --- | --- | --- |",
    ]
    for notebook, minutes, taught, exercises in rows:
        posed = ", ".join(f"{{ref}}`{i} <{label}>`" for i, label in exercises) or "-"
        # the lesson's own title, which the book takes from its first heading
        out.append(f"| {{doc}}`/notebooks/{notebook.stem}` | {minutes} | {taught} | {posed} |")
    out.append(f"| **all lessons** | **{total}** | **{sum(t for _, _, t, _ in rows)}** | |")
    return "\n".join(out) + "\n"


def source(function: Callable[..., Any]) -> str:
    """The source of ``function`` as a reader sees it: dedented, without trailing space.

    Lessons print the property an erratum breaks with it
    (``print(source(erratum.breaks))``), so the search they run is never hidden.
    """
    return textwrap.dedent(inspect.getsource(function)).rstrip()
