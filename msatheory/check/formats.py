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
from dataclasses import replace
from pathlib import Path

from msatheory.check.compose import import_compose, import_compose_files
from msatheory.check.document import load_architecture
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.source import STDIN, Source, read
from msatheory.check.system import Finding, System
from msatheory.errors import TheoryError

__all__ = ["COMPOSE_FILES", "COMPOSE_OVERRIDES", "FORMATS", "build", "detect", "files_of",
           "load", "systems"]

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


def files_of(paths: Sequence[str | Path]) -> list[tuple[str, str | None]]:
    """Each file to read, and the folder it was found in (``None`` when named itself): a
    folder gives its YAML and JSON files, sorted; an empty folder is an error."""
    found: list[tuple[str, str | None]] = []
    for path in paths:
        text = str(path)
        if text != STDIN and _is_folder(text):
            inside = sorted(str(p) for p in Path(text).iterdir()
                            if p.is_file() and p.suffix.lower() in _SUFFIXES)
            if not inside:
                raise TheoryError(f"{text}: holds no .yaml, .yml or .json file")
            found += [(file, text) for file in inside]
        else:
            found.append((text, None))
    return found


def _is_folder(path: str) -> bool:
    try:
        return Path(path).is_dir()
    except OSError:  # a name too long, say: read() reports it
        return False


#: The files ``docker compose`` reads from a folder, by preference: the first of these...
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
#: ... merged with the first of these, when the folder has one.
COMPOSE_OVERRIDES = ("compose.override.yml", "compose.override.yaml",
                     "docker-compose.override.yml", "docker-compose.override.yaml")


def systems(paths: Sequence[str | Path], kind: str | None = None,
            each: bool = False) -> list[tuple[str, System | TheoryError]]:
    """The systems ``paths`` describe, each with its name, grouped as the module says; a
    file that cannot be read, or a group that cannot be built, gives its error instead.

    Compose files named together merge in the order given; a folder's compose files merge
    as ``docker compose`` run in that folder merges them (:data:`COMPOSE_FILES` and
    :data:`COMPOSE_OVERRIDES`), and its other compose files are findings, not read."""
    entries: list[tuple[str, str | None, Source | TheoryError, str]] = []
    for file, folder in files_of(paths):
        try:
            loaded = read(file)
        except TheoryError as error:
            entries.append((file, folder, error, ""))
            continue
        entries.append((file, folder, loaded, kind or detect(loaded)))

    def group(found: str, folder: str | None) -> tuple[str, str | None]:
        """Which files go together: those of one kind, and for compose of one folder."""
        return found, folder if found == "compose" else None

    results: list[tuple[str, System | TheoryError]] = []
    done: set[tuple[str, str | None]] = set()
    for file, folder, source, found in entries:
        if isinstance(source, TheoryError):
            results.append((file, source))
        elif each or found == "architecture":
            results.append(_system([source], found, source.name))
        elif group(found, folder) not in done:
            done.add(group(found, folder))
            together = [(s, f) for _, f, s, k in entries
                        if isinstance(s, Source) and group(k, f) == group(found, folder)]
            results += _read_together(found, together)
    return results


def _read_together(kind: str, members: list[tuple[Source, str | None]]
                   ) -> list[tuple[str, System | TheoryError]]:
    """The systems files of one ``kind`` make when read together (each with its folder):
    from a folder, compose files are cut to what ``docker compose`` reads there."""
    sources = [source for source, _ in members]
    folders = {folder for _, folder in members}
    folder = next(iter(folders)) if len(folders) == 1 else None
    if kind != "compose" or folder is None or len(sources) == 1:
        return [_system(sources, kind, _name(sources, folder))]
    by_name = {Path(s.name).name: s for s in sources}
    base = next((by_name[n] for n in COMPOSE_FILES if n in by_name), None)
    if base is None:  # no file Compose would pick: each is a system of its own
        return [_system([s], kind, s.name) for s in sources]
    override = next((by_name[n] for n in COMPOSE_OVERRIDES if n in by_name), None)
    chosen = [base] + ([override] if override else [])
    names = " and ".join(Path(c.name).name for c in chosen)
    left = [Finding("not read", s.name, f"docker compose run in {folder} reads {names} only; "
                                        f"check {Path(s.name).name} by naming it after the "
                                        "files it overrides")
            for s in sources if all(s is not c for c in chosen)]
    return [_system(chosen, kind, folder, left)]


def _system(sources: list[Source], kind: str, name: str,
            left: list[Finding] | None = None) -> tuple[str, System | TheoryError]:
    """``name`` and the system of ``sources`` (with the findings ``left``), or the error."""
    try:
        system = _build(sources, kind, name)
    except TheoryError as error:
        return name, error
    system = replace(system, files=tuple(s.name for s in sources))
    if left:
        system = replace(system, findings=tuple(sorted({*system.findings, *left})))
    return name, system


def _name(sources: Sequence[Source], folder: str | None) -> str:
    """The name of files read as one: their folder, or their names joined."""
    if len(sources) == 1:
        return sources[0].name
    if folder:
        return folder
    names = [s.name for s in sources]
    return " + ".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
