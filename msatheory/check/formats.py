"""Which kind of file this is, and the importer that reads it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from msatheory.check.compose import import_compose
from msatheory.check.document import load_architecture
from msatheory.check.kubernetes import import_kubernetes
from msatheory.check.source import Source, read
from msatheory.check.system import System
from msatheory.errors import TheoryError

__all__ = ["FORMATS", "build", "detect", "load"]

#: Each kind of file and how it becomes a :class:`System`.
FORMATS: dict[str, Callable[[Source], System]] = {
    "architecture": load_architecture,
    "compose": import_compose,
    "kubernetes": import_kubernetes,
}

_COMPOSE_KEYS = frozenset({"version", "networks", "volumes", "configs", "secrets", "include"})
_COMPOSE_SERVICE_KEYS = frozenset({"image", "build", "ports", "environment", "depends_on",
                                   "command", "container_name", "restart"})


def detect(source: Source) -> str:
    """``"kubernetes"`` when a document has ``apiVersion`` and ``kind``; ``"compose"`` when
    the services carry images, builds or other compose keys; else ``"architecture"``."""
    documents = [d for d in source.documents if isinstance(d, Mapping)]
    if any("apiVersion" in d and "kind" in d for d in documents):
        return "kubernetes"
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
    if kind is not None and kind not in FORMATS:
        raise TheoryError(f"unknown kind of file {kind!r}: expected one of {', '.join(FORMATS)}")
    return FORMATS[kind or detect(source)](source)


def load(path: str | Path, kind: str | None = None) -> System:
    """Read ``path`` and build its system (:func:`build`)."""
    return build(read(path), kind)
