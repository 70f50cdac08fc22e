"""Text renderers: the catalogue as a table for a terminal and as MyST Markdown for the book,
and the fixed-width tables and labelled lists the chapters print."""

from __future__ import annotations

import inspect
import textwrap
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from msatheory.theory.statement import Statement

__all__ = ["counted", "grid", "labelled", "myst_page", "show", "source", "text_table"]

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


def source(function: Callable[..., Any]) -> str:
    """The source of ``function`` as a reader sees it: dedented, without trailing space.

    Lessons print the property an erratum breaks with it
    (``print(source(erratum.breaks))``), so the search they run is never hidden.
    """
    return textwrap.dedent(inspect.getsource(function)).rstrip()
