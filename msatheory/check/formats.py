"""Which kind of file this is, the importer that reads it, and which files are one system.

``msatheory check`` is given files, folders (their ``*.yaml``, ``*.yml`` and ``*.json``
files, not those of subfolders, as ``kubectl apply -f`` reads a folder) and ``-`` for
standard input. :func:`systems` reads them and groups them as the tools that deploy them
would: every Kubernetes manifest given is one cluster's worth, so all of them are one
system; compose files given together merge, in order, as ``docker compose -f a -f b``
merges them; an architecture file is a system of its own. With ``each``, every file is a
system of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from msatheory.check.compose import import_compose, import_compose_files
from msatheory.check.document import load_architecture
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.source import STDIN, Source, read
from msatheory.check.system import System
from msatheory.errors import TheoryError

__all__ = ["FORMATS", "build", "detect", "files_of", "load", "systems"]

#: Each kind of file and how it becomes a :class:`System`.
FORMATS: dict[str, Callable[[Source], System]] = {
    "architecture": load_architecture,
    "compose": import_compose,
    "kubernetes": import_kubernetes,
}

_COMPOSE_KEYS = frozenset({"version", "networks", "volumes", "configs", "secrets", "include"})
_COMPOSE_SERVICE_KEYS = frozenset({"image", "build", "ports", "environment", "depends_on",
                                   "command", "container_name", "restart", "env_file",
                                   "deploy", "expose", "networks", "scale"})
_SUFFIXES = (".yaml", ".yml", ".json")


def detect(source: Source) -> str:
    """``"kubernetes"`` when a document has ``apiVersion`` and ``kind``; ``"compose"`` when
    the file is named as Compose names its files (``docker-compose.override.yml``) or its
    services carry images, builds or other compose keys; else ``"architecture"``."""
    documents = [d for d in source.documents if isinstance(d, Mapping)]
    if any("apiVersion" in d and "kind" in d for d in documents):
        return "kubernetes"
    if Path(source.name).name.lower().startswith(("docker-compose", "compose.")):
        return "compose"
    for document in documents:
        if _COMPOSE_KEYS & document.keys() or any(str(k).startswith("x-") for k in document):
            return "compose"
        services = document.get("services")
        if isinstance(services, Mapping) and any(
            isinstance(s, Mapping) and _COMPOSE_SERVICE_KEYS & s.keys()
            for s in services.values()
        ):
            return "compose"
    return "architecture"


def build(source: Source, kind: str | None = None) -> System:
    """The system ``source`` describes, read as ``kind`` or as :func:`detect` decides."""
    return _build([source], kind or detect(source), source.name)


def _build(sources: Sequence[Source], kind: str, name: str) -> System:
    if kind not in FORMATS:
        raise TheoryError(f"unknown kind of file {kind!r}: expected one of {', '.join(FORMATS)}")
    if kind != "compose":
        for source in sources:
            for document, tags in enumerate(source.tags):
                for path, tag in tags.items():
                    raise source.error(path, f"the tag {tag} is docker compose's; it means "
                                             f"nothing in a {kind} file", document)
    if len(sources) == 1:
        return FORMATS[kind](sources[0])
    if kind == "compose":
        return import_compose_files(sources, name)
    return import_kubernetes(Source.combine(name, sources))


def load(path: str | Path, kind: str | None = None) -> System:
    """Read ``path`` and build its system (:func:`build`)."""
    return build(read(path), kind)


def files_of(paths: Sequence[str | Path]) -> list[tuple[str, str]]:
    """Each file to read and the argument it came from: a folder gives its YAML and JSON
    files, sorted; an empty folder is an error."""
    found = []
    for path in paths:
        text = str(path)
        if text != STDIN and Path(text).is_dir():
            inside = sorted(str(p) for p in Path(text).iterdir()
                            if p.is_file() and p.suffix.lower() in _SUFFIXES)
            if not inside:
                raise TheoryError(f"{text}: holds no .yaml, .yml or .json file")
            found += [(file, text) for file in inside]
        else:
            found.append((text, text))
    return found


class _Group(NamedTuple):
    kind: str
    members: list[tuple[Source, str]]  # each source, and the argument it came from


def systems(paths: Sequence[str | Path], kind: str | None = None,
            each: bool = False) -> list[tuple[str, System | TheoryError]]:
    """The systems ``paths`` describe, each with its name, grouped as the module says; a
    file that cannot be read, or a group that cannot be built, gives its error instead."""
    slots: list[_Group | tuple[str, TheoryError]] = []
    shared: dict[str, _Group] = {}
    for file, argument in files_of(paths):
        try:
            source = read(file)
        except TheoryError as error:
            slots.append((file, error))
            continue
        found = kind or detect(source)
        if each or found == "architecture":
            slots.append(_Group(found, [(source, argument)]))
        elif found in shared:
            shared[found].members.append((source, argument))
        else:
            shared[found] = _Group(found, [(source, argument)])
            slots.append(shared[found])
    results: list[tuple[str, System | TheoryError]] = []
    for slot in slots:
        if not isinstance(slot, _Group):
            results.append(slot)
            continue
        sources = [source for source, _ in slot.members]
        name = _name(sources, {argument for _, argument in slot.members})
        try:
            results.append((name, _build(sources, slot.kind, name)))
        except TheoryError as error:
            results.append((name, error))
    return results


def _name(sources: Sequence[Source], arguments: set[str]) -> str:
    """The name of files read as one: the folder they came from, or their names joined."""
    if len(sources) == 1:
        return sources[0].name
    if len(arguments) == 1 and Path(next(iter(arguments))).is_dir():
        return next(iter(arguments))
    names = [s.name for s in sources]
    return " + ".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
