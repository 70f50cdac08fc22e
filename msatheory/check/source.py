"""Reading architecture files, compose files and manifests: YAML or JSON, safely.

A :class:`Source` holds the documents of one file as plain Python data (dicts,
lists, strings, numbers, booleans, ``None``) and the line on which each value
starts, so every later error can say *where*: ``shop.yaml: services.orders.calls[0]
(line 7): ...``. Reading refuses, with a :class:`~msatheory.errors.TheoryError`,
everything a hostile or broken file can throw at a parser: missing files,
directories, binary or non-UTF-8 bytes, empty files, syntax errors, duplicate keys,
unknown tags, alias bombs, recursive aliases and absurd nesting.
"""

from __future__ import annotations

import datetime
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import yaml

from msatheory.check.addresses import mask
from msatheory.errors import TheoryError

__all__ = [
    "COMPOSE_TAGS",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_VALUES",
    "STDIN",
    "Location",
    "Mark",
    "Position",
    "Reader",
    "Source",
    "kind_of",
    "parse",
    "read",
    "read_text",
    "shorten",
    "where",
]

#: Largest file read, in bytes (a 10,000-service architecture is about 2 MB).
MAX_BYTES = 64 * 1024 * 1024
#: Deepest nesting of lists and mappings accepted.
MAX_DEPTH = 64
#: Most values a document may hold once its aliases are expanded.
MAX_VALUES = 1_000_000
#: Most digits a whole number may have (Python's own limit on converting text).
MAX_DIGITS = 4300
_MAX_BITS = int(MAX_DIGITS / math.log10(2))  # the bits a number of MAX_DIGITS digits needs

Location = tuple[str | int, ...]
"""A place in a document: mapping keys and list indices from the top."""

Mark = tuple[int, int]
"""Where a value starts in its file: 1-based line and column."""

T = TypeVar("T")

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"
_RESOLVER = yaml.resolver.Resolver()
_COLLECTIONS = frozenset({"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"})

#: docker compose's merge tags: ``!reset`` clears what earlier files set, ``!override``
#: replaces it instead of merging. Read on any value; only compose files may use them.
COMPOSE_TAGS = frozenset({"!reset", "!override"})


def where(path: Location) -> str:
    """``services.orders.calls[0]`` for ``("services", "orders", "calls", 0)``."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += ("." if text else "") + (step if _plain(step) else json.dumps(step))
    return text or "the top level"


def _plain(key: str) -> bool:
    return bool(key) and all(ch.isalnum() or ch in "-_/" for ch in key)


@dataclass(frozen=True, order=True)
class Position:
    """Where a value is written: its file, 1-based line and column (an editor's
    ``shop.yaml:7:5``)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Source:
    """The documents of one file, or of several read as one, with where each value starts.

    ``documents`` holds one entry for JSON and single-document YAML, several for
    multi-document YAML (``---``) or several files. ``lines[i]`` maps paths of
    document ``i`` to the 1-based line and column where each starts. ``files[i]``, when
    given, maps paths of document ``i`` to the file they come from (the nearest enclosing
    path decides):
    documents of several files (:meth:`combine`) and compose files merged into one
    carry it. ``tags[i]`` maps paths to the docker compose merge tag (``!reset``,
    ``!override``) written on them. ``path`` is the file on disk it was read from, if any.
    """

    name: str
    documents: tuple[object, ...]
    lines: tuple[dict[Location, Mark], ...] = field(repr=False, default=())
    files: tuple[dict[Location, str], ...] = field(repr=False, default=())
    tags: tuple[dict[Location, str], ...] = field(repr=False, default=())
    path: Path | None = field(repr=False, default=None)

    @classmethod
    def combine(cls, name: str, sources: Sequence[Source]) -> Source:
        """The documents of ``sources`` as one source called ``name``, each remembering
        its file."""
        documents, lines, files, tags = [], [], [], []
        for source in sources:
            for i, document in enumerate(source.documents):
                documents.append(document)
                lines.append(source.lines[i] if i < len(source.lines) else {})
                files.append({(): source.name, **(source.files[i] if source.files else {})})
                tags.append(source.tags[i] if source.tags else {})
        return cls(name, tuple(documents), tuple(lines), tuple(files), tuple(tags))

    def mark(self, path: Location, document: int = 0) -> Mark | None:
        """The line and column of ``path``, or of its nearest enclosing value that has one."""
        if document >= len(self.lines):
            return None
        return _nearest(self.lines[document], path)

    def line(self, path: Location, document: int = 0) -> int | None:
        """The line of ``path``, or of its nearest enclosing value that has one."""
        mark = self.mark(path, document)
        return mark[0] if mark is not None else None

    def position(self, path: Location, document: int = 0) -> Position | None:
        """Where ``path`` (or its nearest enclosing value) is written, when known."""
        mark = self.mark(path, document)
        return Position(self.file(path, document), *mark) if mark is not None else None

    def file(self, path: Location = (), document: int = 0) -> str:
        """The file ``path`` of ``document`` comes from."""
        if document >= len(self.files):
            return self.name
        return _nearest(self.files[document], path) or self.name

    def place(self, path: Location, document: int = 0) -> str:
        """``services.orders.calls[0] (line 7)``, with the document when its file holds
        several, and with the file when this source reads several."""
        local = self._local(path, document)
        return f"{self.file(path, document)}: {local}" if self.files else local

    def _local(self, path: Location, document: int) -> str:
        line = self.line(path, document)
        text = where(path)
        number, count = self._numbering.get(document, (0, 1))
        if count > 1:
            text = f"document {number + 1}, {text}"
        return f"{text} (line {line})" if line is not None else text

    @cached_property
    def _numbering(self) -> dict[int, tuple[int, int]]:
        """Each document's index among those of its file, and how many its file holds."""
        by_file: dict[str, list[int]] = {}
        for i in range(len(self.documents)):
            by_file.setdefault(self.file((), i), []).append(i)
        return {i: (n, len(group)) for group in by_file.values() for n, i in enumerate(group)}

    def only(self, what: str) -> object:
        """The one document of a file that holds one (``what``: "a compose file")."""
        if len(self.documents) != 1:
            raise TheoryError(f"{self.name}: holds {len(self.documents)} YAML documents; "
                              f"{what} holds one")
        return self.documents[0]

    def error(self, path: Location, problem: str, document: int = 0) -> TheoryError:
        """A one-line error naming the file, the place and the problem."""
        return TheoryError(f"{self.file(path, document)}: {self._local(path, document)}: "
                           f"{problem}")


def _nearest(known: dict[Location, T], path: Location) -> T | None:
    """The value of ``path`` in ``known``, or of its nearest enclosing path."""
    for end in range(len(path), -1, -1):
        if path[:end] in known:
            return known[path[:end]]
    return None


#: The file name that means standard input.
STDIN = "-"


def read(path: str | Path) -> Source:
    """Read ``path`` as YAML, or as JSON when its name ends in ``.json``; ``-`` reads
    standard input (JSON when it starts with ``{``)."""
    text = read_text(path)
    if str(path) == STDIN:
        return parse(text, "<stdin>", as_json=text.lstrip().startswith("{"))
    source = parse(text, str(path), as_json=Path(path).suffix.lower() == ".json")
    return replace(source, path=Path(path).resolve())


def read_text(path: str | Path) -> str:
    """The text of ``path`` (``-``: standard input), refusing what is not UTF-8 text."""
    name = str(path)
    if name == STDIN:
        return _decode(sys.stdin.buffer.read(MAX_BYTES + 1), "<stdin>")
    file = Path(path)
    try:
        if file.is_dir():
            raise TheoryError(f"{name}: is a directory, not a file")
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise TheoryError(f"{name}: {size} bytes is more than the {MAX_BYTES} read")
        data = file.read_bytes()
    except FileNotFoundError:
        raise TheoryError(f"{name}: no such file") from None
    except PermissionError:
        raise TheoryError(f"{name}: permission denied") from None
    except OSError as error:
        raise TheoryError(f"{name}: cannot be read ({error.strerror or error})") from None
    return _decode(data, name)


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_BYTES:
        raise TheoryError(f"{name}: is more than the {MAX_BYTES} bytes read")
    if b"\0" in data:
        raise TheoryError(f"{name}: is a binary file (it contains NUL bytes), not YAML or JSON")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TheoryError(f"{name}: line {line}: is not UTF-8 text ({error.reason})") from None
    return text


def parse(text: str, name: str = "<text>", as_json: bool = False) -> Source:
    """Parse ``text`` (YAML, or JSON with ``as_json``) into a :class:`Source`."""
    if not isinstance(text, str):
        raise TheoryError(f"{name}: expected text, got {type(text).__name__}")
    if not text.strip():
        raise TheoryError(f"{name}: is empty")
    if as_json:
        return _parse_json(text, name)
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as error:
        raise TheoryError(f"{name}: {_yaml_problem(error)}") from None
    except yaml.YAMLError as error:
        raise TheoryError(f"{name}: not valid YAML ({_one_line(str(error))})") from None
    except RecursionError:
        raise TheoryError(f"{name}: nesting is deeper than {MAX_DEPTH} levels") from None
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        raise TheoryError(f"{name}: holds no YAML document (only comments or blank lines)")
    documents, lines, tags = [], [], []
    for index, node in enumerate(nodes):
        build = _Builder(name, index if len(nodes) > 1 else None)
        build.measure(node)
        documents.append(build.value(node, ()))
        lines.append(build.lines)
        tags.append(build.tags)
    return Source(name, tuple(documents), tuple(lines),
                  tags=tuple(tags) if any(tags) else ())


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    where_ = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = error.problem or error.context or "not valid YAML"
    if "maximum nesting depth" in problem:
        problem = "nesting is too deep"
    return f"{where_}not valid YAML ({_one_line(problem)})"


def _parse_json(text: str, name: str) -> Source:
    def pairs(items: Sequence[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in items:
            if key in result:
                raise TheoryError(f"{name}: key {key!r} appears twice in one object")
            result[key] = value
        return result

    def constant(word: str) -> object:
        raise TheoryError(f"{name}: {word} is not a JSON number")

    def whole(digits: str) -> int:
        if len(digits.lstrip("-")) > MAX_DIGITS:
            line = text[: text.find(digits)].count("\n") + 1
            raise TheoryError(f"{name}: line {line}: a number of {len(digits.lstrip('-'))} "
                              f"digits is longer than the {MAX_DIGITS} read")
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant,
                          parse_int=whole)
    except json.JSONDecodeError as error:
        raise TheoryError(
            f"{name}: line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"
        ) from None
    except RecursionError:
        raise TheoryError(f"{name}: nesting is deeper than {MAX_DEPTH} levels") from None
    _check_json_depth(data, name)
    try:
        node = yaml.compose(text, Loader=_LOADER)
        build = _Builder(name, None)
        if node is not None:
            build.measure(node)
        lines = build.positions(node)
    except (yaml.YAMLError, TheoryError, RecursionError):
        lines = {}
    return Source(name, (data,), (lines,))


def _check_json_depth(data: object, name: str) -> None:
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise TheoryError(f"{name}: nesting is deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


class _Builder:
    """Turns a composed YAML node graph into plain data, counting as it goes.

    Aliases are expanded into copies, so the expanded size is what is bounded
    (:meth:`measure`, called first): a billion-laughs document is refused before it
    can exhaust memory.
    """

    def __init__(self, name: str, document: int | None):
        self.name = name
        self.document = document
        self.lines: dict[Location, Mark] = {}
        self.tags: dict[Location, str] = {}
        self.active: set[int] = set()
        self.constructor = yaml.constructor.SafeConstructor()

    def fail(self, node: yaml.Node, problem: str) -> TheoryError:
        doc = f"document {self.document + 1}, " if self.document is not None else ""
        return TheoryError(f"{self.name}: {doc}line {node.start_mark.line + 1}: {problem}")

    def positions(self, node: yaml.Node | None) -> dict[Location, Mark]:
        """Only the line and column of every path (for JSON, whose data ``json`` reads)."""
        if node is not None:
            self.value(node, ())
        return self.lines

    def measure(self, root: yaml.Node) -> None:
        """Refuse a document whose aliases expand past :data:`MAX_VALUES` values.

        Sizes are memoised per node, so a billion-laughs document is measured in
        time proportional to its text, not to its expansion.
        """
        sizes: dict[int, int] = {}

        def size(node: yaml.Node, depth: int) -> int:
            if depth > MAX_DEPTH:
                raise self.fail(node, f"nesting is deeper than {MAX_DEPTH} levels")
            if isinstance(node, yaml.ScalarNode):
                return 1
            if id(node) not in sizes:
                if id(node) in self.active:
                    raise self.fail(node, "an alias refers to a value that contains it")
                self.active.add(id(node))
                children = (node.value if isinstance(node, yaml.SequenceNode)
                            else [n for pair in node.value for n in pair])
                sizes[id(node)] = 1 + sum(size(child, depth + 1) for child in children)
                self.active.discard(id(node))
            return sizes[id(node)]

        total = size(root, 0)
        if total > MAX_VALUES:
            raise self.fail(root, f"holds {total} values once its aliases are expanded, more "
                                  f"than the {MAX_VALUES} accepted (an alias bomb?)")

    def value(self, node: yaml.Node, path: Location) -> object:
        """Plain data for ``node`` (measured first), recording where ``path`` starts."""
        self.note(node, path)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]

    def note(self, node: yaml.Node, path: Location) -> None:
        """Record where ``path`` starts and its compose tag; refuse any other tag on a
        list or mapping."""
        self.lines.setdefault(path, _mark(node))
        if node.tag in COMPOSE_TAGS:
            self.tags[path] = node.tag
        elif not isinstance(node, yaml.ScalarNode) and node.tag not in _COLLECTIONS:
            raise self.fail(node, f"the tag {node.tag} is not read (only plain YAML is)")

    def scalar(self, node: yaml.ScalarNode) -> object:
        if node.tag in COMPOSE_TAGS:
            plain = (not node.style, bool(node.style))
            node = yaml.ScalarNode(_RESOLVER.resolve(yaml.ScalarNode, node.value, plain),
                                   node.value, node.start_mark, node.end_mark, node.style)
        try:
            value = self.constructor.construct_object(node)
        except yaml.constructor.ConstructorError as error:
            raise self.fail(node, _one_line(error.problem or "cannot read this value")) from None
        except (ValueError, OverflowError) as error:
            raise self.fail(node, f"cannot read {shorten(node.value)} "
                                  f"({shorten(str(error), 80)})") from None
        if isinstance(value, float) and not math.isfinite(value):
            return node.value
        if isinstance(value, int) and value.bit_length() > _MAX_BITS:  # 0x..., 0b... forms
            digits = math.floor(value.bit_length() * math.log10(2)) + 1
            raise self.fail(node, f"a number of about {digits} digits is longer than the "
                                  f"{MAX_DIGITS} read")
        return value

    def mapping(self, node: yaml.MappingNode, path: Location) -> dict[str, object]:
        result: dict[str, object] = {}
        merges = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a single value, not a "
                                          f"{'list' if key_node.id == 'sequence' else 'mapping'}")
            key = self.scalar(key_node)
            key = key if isinstance(key, str) else str(key_node.value)
            if key in result:
                raise self.fail(key_node, f"key {key!r} appears twice in one mapping "
                                          f"at {where(path)}")
            self.lines[(*path, key)] = _mark(key_node)
            result[key] = self.value(value_node, (*path, key))
        for value_node in merges:
            for source in self.merge_sources(value_node, path):
                for key, value in source.items():
                    result.setdefault(key, value)
        return result

    def merge_sources(self, node: yaml.Node, path: Location) -> list[dict[str, object]]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        built = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                raise self.fail(source, "a merge key (<<) must name a mapping")
            self.note(source, path)
            built.append(self.mapping(source, path))
        return built


def _mark(node: yaml.Node) -> Mark:
    return node.start_mark.line + 1, node.start_mark.column + 1


def shorten(value: object, limit: int = 60) -> str:
    """``repr(value)``, passwords masked, cut to ``limit`` characters with ``...`` when
    longer."""
    text = mask(repr(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def kind_of(value: object) -> str:
    """``a list``, ``the number 3``, ``empty``: what ``value`` is, for an error message."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the string {shorten(value)}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Reader:
    """Typed access to one document of a :class:`Source`: a wrong type is a
    :class:`TheoryError` naming the file, the place and what was found."""

    source: Source
    document: int = 0

    def fail(self, path: Location, problem: str) -> TheoryError:
        """The error to raise for ``problem`` at ``path``."""
        return self.source.error(path, problem, self.document)

    def place(self, path: Location) -> str:
        """``services.web.environment.CART_URL (line 12)``."""
        return self.source.place(path, self.document)

    def position(self, path: Location) -> Position | None:
        """Where ``path`` is written, when known."""
        return self.source.position(path, self.document)

    def mapping(self, value: object, path: Location) -> dict[str, object]:
        """``value`` if it is a mapping; ``{}`` if it is absent or empty."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(path, f"must be a mapping, not {kind_of(value)}")
        return value

    def items(self, value: object, path: Location) -> list[object]:
        """``value`` if it is a list; ``[]`` if it is absent or empty."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, f"must be a list, not {kind_of(value)}")
        return value

    def text(self, value: object, path: Location) -> str | None:
        """``value`` if it is a string; ``None`` if it is absent."""
        if value is None or isinstance(value, str):
            return value
        raise self.fail(path, f"must be a string, not {kind_of(value)}")

    def name(self, value: object, path: Location) -> str:
        """``value`` if it is a non-blank string of printable characters."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"must be a non-empty name, not {kind_of(value)}")
        if not value.isprintable():
            raise self.fail(path, f"must be a name of printable characters, not {kind_of(value)}")
        return value

    def scalar(self, value: object, path: Location) -> str:
        """A single value as the text a container sees: ``true``, ``8080``, ``""`` for none."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, str | int | float):
            return str(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        raise self.fail(path, f"must be a single value, not {kind_of(value)}")

    def count(self, value: object, path: Location) -> int:
        """A whole number of 0 or more (``replicas``)."""
        if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 10:
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(path, f"must be a whole number of 0 or more, not {kind_of(value)}")
        return value
