"""What a team tells ``msatheory check``: the statements to check and the findings it accepts.

A configuration is the ``[tool.msatheory]`` table of a ``pyproject.toml`` or a
``.msatheory.yaml`` file, found in the working directory or the nearest directory above it
that has one (as ruff finds its settings). It may hold:

``select``
    the statements to check (default: every statement ``msatheory check`` can check);
``ignore``
    statements not to check;
``accept``
    findings the team accepts, each with its ``reason``: the ``statement`` it violates and,
    to accept only some of its witnesses, the names they must all ``involve``, the kind
    of evidence (``what``) and the ``files`` (a glob) of the systems it holds for.

A statement is named as the workbook cites it (``Axiom 1.1.1``), by its number alone
(``1.1.1``, both statements when two kinds share it), or by a section or chapter
(``3.2``, ``3``), as ruff selects rules by prefix. An accepted finding that no longer
occurs in any system it could hold for is *stale* (:func:`stale`), so the list cannot
silently outlive the problems it excuses.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from msatheory.check.source import STDIN, Location, Reader, Source, parse, read_text
from msatheory.errors import TheoryError
from msatheory.theory import Kind, checks, parse_kind
from msatheory.theory.statement import Statement
from msatheory.theory.verdict import Witness

__all__ = [
    "FILES",
    "Accepted",
    "Config",
    "checkable",
    "find_config",
    "read_config",
    "resolve",
    "stale",
]

#: The files a configuration is read from, in the order they are looked for.
FILES = (".msatheory.yaml", ".msatheory.yml", "pyproject.toml")
_KEYS = ("select", "ignore", "accept")
_ACCEPT_KEYS = ("statement", "involves", "what", "files", "reason")


def checkable() -> tuple[Statement, ...]:
    """The statements ``msatheory check`` can check, in the theory's order, each once."""
    return tuple(dict.fromkeys(check.statement for check in checks()))


def resolve(selector: str, among: Sequence[Statement] | None = None) -> tuple[Statement, ...]:
    """The statements ``selector`` names among ``among`` (default :func:`checkable`).

    >>> [s.ref for s in resolve("2.1")]
    ['Principle 2.1.1', 'Theorem 2.1.1']
    >>> [s.ref for s in resolve("Theorem 2.1.1")]
    ['Theorem 2.1.1']
    """
    among = checkable() if among is None else among
    text = " ".join(str(selector).split())
    word, _, number = text.rpartition(" ")
    kind: Kind | None = None
    if word:
        try:
            kind = parse_kind(word)
        except TheoryError:
            raise TheoryError(_unknown(selector, among, f"{word!r} is not a kind of "
                                                         "statement")) from None
    found = tuple(s for s in among if (kind is None or s.kind is kind)
                  and (s.number == number or s.number.startswith(f"{number}.")))
    if not found:
        raise TheoryError(_unknown(selector, among, "names no statement msatheory check "
                                                    "checks"))
    return found


def _unknown(selector: str, among: Sequence[Statement], problem: str) -> str:
    refs = [s.ref for s in among]
    hint = difflib.get_close_matches(str(selector), refs, n=1)
    return (f"{selector!r} {problem}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + f"; it checks {', '.join(refs)}")


@dataclass(frozen=True)
class Accepted:
    """A finding a team accepts: the witnesses of ``statement`` that involve every name of
    ``involves`` (every witness when it is empty), of the kind ``what`` when given, in the
    systems read from a file that matches one of the globs ``files`` when given (relative
    to the settings' folder, or to the working directory, as ruff's per-file ignores are
    read). ``place`` is where the settings say so."""

    statement: Statement
    reason: str
    involves: tuple[str, ...] = ()
    what: str | None = None
    files: tuple[str, ...] = ()
    place: str = ""
    base: str = "."

    def covers(self, sources: Sequence[str]) -> bool:
        """True when this acceptance holds for a system read from ``sources``."""
        if not self.files:
            return True
        names = {form for source in sources for form in _forms(source, self.base)}
        return any(fnmatch.fnmatchcase(name, glob) for name in names for glob in self.files)

    def accepts(self, sources: Sequence[str], statement: Statement, witness: Witness) -> bool:
        """True when this acceptance excuses ``witness`` of ``statement`` in a system read
        from ``sources``."""
        return (statement == self.statement
                and (self.what is None or witness.what == self.what)
                and set(self.involves) <= set(witness.involves) and self.covers(sources))

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"statement": self.statement.ref, "involves": list(self.involves),
                "what": self.what, "files": list(self.files), "reason": self.reason,
                "place": self.place}

    def __str__(self) -> str:
        scope = [f"involving {', '.join(self.involves)}"] * bool(self.involves) + \
            [f"({self.what})"] * bool(self.what) + \
            [f"in {', '.join(self.files)}"] * bool(self.files)
        return " ".join([self.statement.ref, *scope]) + f", at {self.place}: {self.reason}"


def _forms(source: str, base: str) -> set[str]:
    """A file as a glob may name it: as given, relative to ``base`` and to the working
    directory (with ``/``), and by its name alone."""
    path = Path(source)
    forms = {path.as_posix(), path.name}
    if not source.startswith("<") and source != STDIN:
        absolute = Path(os.path.abspath(source))
        for root in {Path(os.path.abspath(base)), Path.cwd()}:
            if absolute.is_relative_to(root):
                forms.add(absolute.relative_to(root).as_posix())
    return forms


@dataclass(frozen=True)
class Config:
    """The statements to check (``select`` minus ``ignore``; every one when ``select`` is
    empty) and the accepted findings. ``file`` is where it was read, if anywhere."""

    select: tuple[Statement, ...] = ()
    ignore: tuple[Statement, ...] = ()
    accept: tuple[Accepted, ...] = ()
    file: str | None = None

    def selects(self, statement: Statement) -> bool:
        """True when ``statement`` is to be checked."""
        return (not self.select or statement in self.select) and statement not in self.ignore

    def acceptances(self, sources: Sequence[str], statement: Statement,
                    witness: Witness) -> tuple[Accepted, ...]:
        """The accepted findings that excuse ``witness`` in a system read from ``sources``
        (the first is the one reported)."""
        return tuple(a for a in self.accept if a.accepts(sources, statement, witness))

    def with_options(self, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Config:
        """This configuration with the command line's ``--select``, which replaces the
        file's select and overrides its ignore for the statements it names (as ruff's
        does), and ``--ignore``, which adds to the file's ignore."""
        chosen = _statements(select, "--select")
        kept = tuple(s for s in self.ignore if s not in chosen)
        return Config(chosen or self.select, (*kept, *_statements(ignore, "--ignore")),
                      self.accept, self.file)


def _statements(selectors: Iterable[str], where: str) -> tuple[Statement, ...]:
    found: dict[Statement, None] = {}
    for selector in selectors:
        for part in str(selector).split(","):
            if part.strip():
                try:
                    found.update(dict.fromkeys(resolve(part.strip())))
                except TheoryError as error:
                    raise TheoryError(f"{where}: {error}") from None
    return tuple(found)


def find_config(start: str | Path = ".") -> Path | None:
    """The configuration file nearest ``start``: in it or the closest directory above it
    with a ``.msatheory.yaml`` or a ``pyproject.toml`` holding ``[tool.msatheory]``."""
    folder = Path(start).resolve()
    for directory in (folder, *folder.parents):
        for name in FILES:
            candidate = directory / name
            if candidate.is_file() and (name != "pyproject.toml" or _has_table(candidate)):
                return candidate
    return None


def _has_table(pyproject: Path) -> bool:
    """True when ``pyproject`` holds ``[tool.msatheory]``, or may and cannot be read (so
    that its mistake is reported rather than its settings silently skipped)."""
    try:
        text = read_text(pyproject)
    except TheoryError:
        return False
    try:
        return _table(tomllib.loads(text)) is not None
    except tomllib.TOMLDecodeError:
        return "msatheory" in text


def _table(document: dict[str, object]) -> object | None:
    """The ``[tool.msatheory]`` value of a TOML document, or None."""
    tool = document.get("tool")
    return tool.get("msatheory") if isinstance(tool, dict) else None


def read_config(path: str | Path) -> Config:
    """The configuration in ``path``: a ``.msatheory.yaml`` file, or a TOML file whose
    ``[tool.msatheory]`` table holds it."""
    name = str(path)
    if Path(name).suffix == ".toml":
        try:
            table = tomllib.loads(read_text(path))
        except tomllib.TOMLDecodeError as error:
            raise TheoryError(f"{name}: not valid TOML ({error})") from None
        body = _table(table)
        if body is None:
            raise TheoryError(f"{name}: has no [tool.msatheory] table")
        return _config(Reader(Source(name, (table,))), body, ("tool", "msatheory"))
    text = read_text(path)
    if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
        return Config(file=name)  # an empty settings file asks for nothing
    source = parse(text, name)
    return _config(Reader(source), source.only("a configuration file"), ())


def _config(read: Reader, body: object, at: Location) -> Config:
    top = read.mapping(body, at)
    for key in top:
        if key not in _KEYS:
            hint = difflib.get_close_matches(key, _KEYS, n=1)
            raise read.fail((*at, key), f"unknown key {key!r}; a configuration has "
                            f"{', '.join(_KEYS)}" + (f" (did you mean {hint[0]!r}?)"
                                                     if hint else ""))
    select, ignore = (tuple(s for i, item in enumerate(read.items(top.get(key), (*at, key)))
                            for s in _named(read, item, (*at, key, i)))
                      for key in ("select", "ignore"))
    accept = tuple(_accepted(read, item, (*at, "accept", i))
                   for i, item in enumerate(read.items(top.get("accept"), (*at, "accept"))))
    return Config(tuple(dict.fromkeys(select)), tuple(dict.fromkeys(ignore)), accept,
                  read.source.name)


def _named(read: Reader, item: object, at: Location) -> tuple[Statement, ...]:
    try:
        return resolve(read.scalar(item, at))
    except TheoryError as error:
        raise read.fail(at, str(error)) from None


def _accepted(read: Reader, item: object, at: Location) -> Accepted:
    entry = read.mapping(item, at)
    for key in entry:
        if key not in _ACCEPT_KEYS:
            raise read.fail((*at, key), f"unknown key {key!r}; an accepted finding has "
                                        f"{', '.join(_ACCEPT_KEYS)}")
    if "statement" not in entry:
        raise read.fail(at, "an accepted finding names its statement (statement: Axiom 1.1.1)")
    named = _named(read, entry["statement"], (*at, "statement"))
    if len(named) != 1:
        raise read.fail((*at, "statement"), f"names {len(named)} statements "
                        f"({', '.join(s.ref for s in named)}); an accepted finding names one")
    reason = read.text(entry.get("reason"), (*at, "reason"))
    if not reason or not reason.strip():
        raise read.fail(at, "an accepted finding says why it is accepted (reason: ...)")
    involves = entry.get("involves", [])
    names = [involves] if isinstance(involves, str) else read.items(involves, (*at, "involves"))
    files = entry.get("files", [])
    globs = [files] if isinstance(files, str) else read.items(files, (*at, "files"))
    return Accepted(named[0], reason.strip(),
                    tuple(read.name(n, (*at, "involves", i)) for i, n in enumerate(names)),
                    read.text(entry.get("what"), (*at, "what")),
                    tuple(read.name(g, (*at, "files", i)) for i, g in enumerate(globs)),
                    f"{read.source.name}: {read.place(at)}",
                    os.path.dirname(read.source.name) or ".")


def stale(config: Config, checked: Iterable[tuple[Sequence[str], Iterable[Statement],
                                                    Iterable[Accepted]]]) -> tuple[Accepted, ...]:
    """The accepted findings that excused nothing: ``checked`` holds, for each system, its
    files, the statements checked on it and every acceptance that matched one of its
    witnesses. An acceptance none of the systems could use (other files, a statement not
    checked) is not stale."""
    could: set[int] = set()
    used: set[int] = set()
    for sources, statements, matched in checked:
        ran = set(statements)
        could |= {id(a) for a in config.accept if a.statement in ran and a.covers(sources)}
        used |= {id(a) for a in matched}
    return tuple(a for a in config.accept if id(a) in could - used)
