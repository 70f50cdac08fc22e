"""Compose files read as ``docker compose -f a.yml -f b.yml`` reads them: interpolated, then
merged, each value remembering its file, its line and where its variables came from.

:func:`resolve_compose` interpolates every value of each file from the project's variables
(:mod:`~msatheory.check.environment`), then merges the files in order by the Compose
specification's rules, as compose-go implements them:

* mappings merge key by key, and a later scalar replaces an earlier one;
* sequences append, except ``command``, ``entrypoint`` and ``healthcheck.test``, which a
  later file replaces, and ``ports``, ``expose``, ``links``, ``dns`` and network
  ``aliases``, whose repeated entries are kept once;
* ``environment`` (a list of ``NAME=value`` or a mapping) merges by variable name, a later
  value winning; ``depends_on`` and ``networks`` merge as mappings, whichever form;
* ``!reset`` removes what earlier files set at that place, and ``!override`` replaces it
  instead of merging.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import partial

from msatheory.check.environment import Variable, interpolate
from msatheory.check.source import Location, Mark, Source
from msatheory.check.system import Finding

__all__ = ["Resolved", "resolve_compose"]

_REPLACED = ("services.*.command", "services.*.entrypoint", "services.*.healthcheck.test")
_UNIQUE = ("services.*.ports", "services.*.expose", "services.*.links", "services.*.dns",
           "services.*.dns_search", "services.*.networks.*.aliases", "services.*.env_file")
_BY_NAME = ("services.*.environment", "services.*.labels", "services.*.depends_on",
            "services.*.networks")


@dataclass
class _Node:
    """A value of a compose file with where it was written and where its variables came from."""

    value: object  # a scalar, dict[str, _Node] or list[_Node]
    line: Mark | None
    file: str
    note: str = ""
    tag: str = ""


@dataclass
class Resolved:
    """The merged compose document as a :class:`Source`, what each interpolated value's
    variables were (``notes``), and the findings interpolation made."""

    source: Source
    notes: dict[Location, str] = field(default_factory=dict)
    findings: set[Finding] = field(default_factory=set)


def resolve_compose(sources: Sequence[Source], variables: Mapping[str, Variable],
                    name: str | None = None) -> Resolved:
    """``sources`` interpolated from ``variables`` and merged in order into one source
    called ``name`` (by default the first's); a file of several documents merges them in
    turn, as compose-go does."""
    unset: dict[str, list[str]] = {}
    merged: _Node | None = None
    several = len(sources) > 1
    for source in sources:
        for index, document in enumerate(source.documents):  # documents merge in turn too
            tree = _annotate(source, index, document, ())
            _interpolate(tree, variables, partial(_place, source, index, several), (), unset)
            merged = tree if merged is None else _merge(merged, tree, ())
            _drop_resets(merged)
    assert merged is not None
    lines: dict[Location, Mark] = {}
    files: dict[Location, str] = {}
    notes: dict[Location, str] = {}
    document = _plain(merged, (), lines, files, notes, "")
    source = Source(name or sources[0].name, (document,), (lines,),
                    (files,) if several else ())
    return Resolved(source, notes, _unset_findings(unset))


def _place(source: Source, index: int, several: bool, path: Location) -> str:
    """Where ``path`` of document ``index`` is, naming the file when several merge."""
    place = source.place(path, index)
    return f"{source.name}: {place}" if several else place


def _annotate(source: Source, index: int, value: object, path: Location) -> _Node:
    """Document ``index`` of ``source`` as nodes that know their line, file and tag."""
    tag = source.tags[index].get(path, "") if source.tags else ""
    if isinstance(value, dict):
        value = {k: _annotate(source, index, v, (*path, k)) for k, v in value.items()}
    elif isinstance(value, list):
        value = [_annotate(source, index, v, (*path, i)) for i, v in enumerate(value)]
    return _Node(value, source.mark(path, index), source.name, tag=tag)


def _interpolate(node: _Node, variables: Mapping[str, Variable],
                 place_of: Callable[[Location], str], path: Location,
                 unset: dict[str, list[str]]) -> None:
    """Substitute in every string of ``node``, noting in ``unset`` the places of each
    variable that has no value (with its message, if the file requires it)."""
    if isinstance(node.value, dict):
        for key, child in node.value.items():
            _interpolate(child, variables, place_of, (*path, key), unset)
    elif isinstance(node.value, list):
        for i, child in enumerate(node.value):
            _interpolate(child, variables, place_of, (*path, i), unset)
    elif isinstance(node.value, str) and "$" in node.value:
        result = interpolate(node.value, variables)
        node.value, node.note = result.value, ", ".join(result.used)
        place = place_of(path)
        for variable in result.unset:
            unset.setdefault(variable, []).append(place)
        for variable, message in result.required:
            unset.setdefault(f"{variable}\0{message}", []).append(place)


def _unset_findings(unset: dict[str, list[str]]) -> set[Finding]:
    """One finding per variable without a value, at its first place."""
    findings = set()
    for key, places in unset.items():
        variable, required, message = key.partition("\0")
        uses = f" (and {len(places) - 1} more places)" if len(places) > 1 else ""
        if required:
            detail = (f"${{{variable}}} is required{f' ({message})' if message else ''} and "
                      "set nowhere this check reads: Compose would refuse the file")
        else:
            detail = (f"${{{variable}}} is set nowhere this check reads; Compose substitutes "
                      "an empty string")
        findings.add(Finding("unset variable", places[0] + uses, detail))
    return findings


def _matches(path: Location, patterns: tuple[str, ...]) -> bool:
    dotted = ".".join(str(step) for step in path)
    return any(fnmatchcase(dotted, pattern) for pattern in patterns)


def _by_name(node: _Node) -> dict[str, _Node]:
    """A list of ``NAME=value`` or names, or a mapping, as a mapping of name to value."""
    if isinstance(node.value, dict):
        return dict(node.value)
    if not isinstance(node.value, list):
        return {}
    found: dict[str, _Node] = {}
    for item in node.value:
        if isinstance(item.value, str):
            key, equals, text = item.value.partition("=")
            found[key] = _Node(text if equals else None, item.line, item.file, item.note)
    return found


def _merge(base: _Node, other: _Node, path: Location) -> _Node:
    """``other`` (a later file) merged into ``base``."""
    if other.value is None and not other.tag:  # an empty value changes nothing
        return base
    if other.tag or _matches(path, _REPLACED):
        return other
    if _matches(path, _BY_NAME) and isinstance(base.value, dict | list) \
            and isinstance(other.value, dict | list):
        merged = _by_name(base)
        for key, child in _by_name(other).items():
            merged[key] = _merge(merged[key], child, (*path, key)) if key in merged else child
        return _Node(merged, base.line, base.file, base.note)
    if isinstance(base.value, dict) and isinstance(other.value, dict):
        merged = dict(base.value)
        for key, child in other.value.items():
            merged[key] = _merge(merged[key], child, (*path, key)) if key in merged else child
        return _Node(merged, base.line, base.file, base.note)
    if isinstance(base.value, list) and isinstance(other.value, list):
        items = base.value + other.value
        if _matches(path, _UNIQUE):
            seen: dict[str, _Node] = {}
            for item in items:
                seen[_identity(item.value, path)] = item
            items = list(seen.values())
        return _Node(items, base.line, base.file, base.note)
    return other


def _identity(value: object, path: Location) -> str:
    """What makes an entry of a unique list the same entry: a link's service, else itself."""
    if path[-1:] == ("links",) and isinstance(value, str):
        return value.partition(":")[0]
    return repr(_strip(value))


def _strip(value: object) -> object:
    if isinstance(value, _Node):
        return _strip(value.value)
    if isinstance(value, dict):
        return sorted((k, repr(_strip(v))) for k, v in value.items())
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _drop_resets(node: _Node) -> None:
    """Remove the values tagged ``!reset`` (merging has let them clear what was before)."""
    if isinstance(node.value, dict):
        for key in [k for k, child in node.value.items() if child.tag == "!reset"]:
            del node.value[key]
        for child in node.value.values():
            child.tag = ""
            _drop_resets(child)
    elif isinstance(node.value, list):
        node.value = [child for child in node.value if child.tag != "!reset"]
        for child in node.value:
            child.tag = ""
            _drop_resets(child)


def _plain(node: _Node, path: Location, lines: dict[Location, Mark], files: dict[Location, str],
           notes: dict[Location, str], parent_file: str) -> object:
    """Plain data for ``node``, recording each path's line, file and note."""
    if node.line is not None:
        lines[path] = node.line
    if node.file != parent_file:
        files[path] = node.file
    if node.note:
        notes[path] = node.note
    if isinstance(node.value, dict):
        return {k: _plain(v, (*path, k), lines, files, notes, node.file)
                for k, v in node.value.items()}
    if isinstance(node.value, list):
        return [_plain(v, (*path, i), lines, files, notes, node.file)
                for i, v in enumerate(node.value)]
    return node.value

