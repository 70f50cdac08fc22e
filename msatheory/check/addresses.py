"""Addresses in configuration: the hosts a value names, and the edges they give.

A deployment descriptor states no calls; it states addresses, and an address names a
host. :func:`addresses` finds them in three forms:

* URLs, of any scheme, with user info and host lists: ``http://cart:8080/x``,
  ``jdbc:mysql://db:3306/x``, ``mongodb://u:p@a:1,b:2/db``, ``amqp://guest@rabbitmq``;
* ``host:port`` pairs, alone or in lists: ``user-db:27017``, ``kafka-1:9092,kafka-2:9092``;
* bare host names, when the caller says the whole value is an address (a variable
  named like one, :func:`names_address`), or when a word equals a host the caller knows
  (``-h edge-router`` on a command line).

Loopback and wildcard hosts (``localhost``, ``127.0.0.1``, ``0.0.0.0``, ``::1``) address
nothing deployed, and a host with an unresolved ``$``/``${...}`` cannot be known: both
are left out.

The importers share the rest: a :class:`Reader` takes values out of a document with
an error naming the place when one has the wrong type, and an :class:`Inferrer` turns
each setting's addresses into :class:`~msatheory.check.system.Inference` edges, or into
a ``dangling address`` :class:`~msatheory.check.system.Finding` when a host in URL or
``host:port`` form (or in an address-named variable) names nothing in the file.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from msatheory.check.source import Location, Source
from msatheory.check.system import Finding, Inference
from msatheory.errors import TheoryError

__all__ = [
    "ADDRESS_NAMES",
    "IGNORED_HOSTS",
    "Address",
    "Inferrer",
    "Reader",
    "Setting",
    "addresses",
    "kind_of",
    "names_address",
]

#: Last words of variable names whose value is an address even without a port or scheme.
ADDRESS_NAMES = frozenset({
    "ADDR", "ADDRESS", "ADDRESSES", "BROKER", "BROKERS", "CONNECT", "DSN", "ENDPOINT",
    "ENDPOINTS", "HOST", "HOSTNAME", "HOSTS", "SERVER", "SERVERS", "SERVICE", "URI", "URIS",
    "URL", "URLS",
})

#: Hosts that never name a deployed service.
IGNORED_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "::"})

#: Words that are values, not host names, even in an address-named variable.
_NOT_HOSTS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "nil",
                        "enabled", "disabled"})


class Address(NamedTuple):
    """A ``host`` (with its ``port`` when given) and the ``text`` it was found in."""

    host: str
    port: int | None
    text: str


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+")
_URL = re.compile(
    r"(?<![\w+.:-])[A-Za-z][A-Za-z0-9+.-]*(?::[A-Za-z][A-Za-z0-9+.-]*)*://([^\s/?#'\"<>()]*)"
)
_HOST_PORT = re.compile(
    rf"(?<![\w.:/$%{{}}-])({_LABEL}(?:\.{_LABEL})*):(\d{{1,5}})(?![\w.:@-])"
)
_WORDS = re.compile(r"[^\s=,;'\"]+")
_ITEMS = re.compile(r"[^\s,;]+")


def _is_host(text: str) -> bool:
    """Whether ``text`` can be a host name: a DNS name with a letter, or an IPv4 address."""
    if not text or text.lower() in IGNORED_HOSTS or "$" in text:
        return False
    if _IPV4.fullmatch(text):
        return True
    return bool(_HOSTNAME.fullmatch(text)) and any(ch.isalpha() for ch in text)


def _port(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def _authority(authority: str, text: str) -> list[Address]:
    """The hosts of a URL's authority: ``user:pass@a:1,b:2`` gives ``a`` and ``b``."""
    found = []
    for item in authority.rpartition("@")[2].split(","):
        if item.startswith("["):  # an IPv6 literal
            host, _, rest = item[1:].partition("]")
            port = _port(rest[1:]) if rest.startswith(":") else None
            if ":" in host and _IPV6.fullmatch(host) and host not in IGNORED_HOSTS:
                found.append(Address(host, port, text))
            continue
        host, colon, port_text = item.partition(":")
        host = host.rstrip(".")
        if _is_host(host):
            found.append(Address(host, _port(port_text) if colon else None, text))
    return found


def addresses(value: str, known: Collection[str] = (), *, bare: bool = False) -> list[Address]:
    """The hosts ``value`` addresses, in the order they appear.

    URLs and ``host:port`` pairs always count. With ``bare`` (the value of a variable
    named like an address) every word that can be a host name counts too; otherwise a
    bare word counts only when it is one of the ``known`` host names.

    >>> [a.host for a in addresses("mongodb://u:p@a:1,b:2/db and cart:8080")]
    ['a', 'b', 'cart']
    >>> addresses("-d 60 -h edge-router", known={"edge-router"})
    [Address(host='edge-router', port=None, text='edge-router')]
    """
    if not isinstance(value, str):
        return []
    found: list[tuple[int, Address]] = []
    rest = list(value)
    for match in _URL.finditer(value):
        found.extend((match.start(), a) for a in _authority(match.group(1), match.group()))
        rest[match.start():match.end()] = " " * (match.end() - match.start())
    remainder = "".join(rest)
    for match in _HOST_PORT.finditer(remainder):
        host, port = match.group(1), _port(match.group(2))
        if port is not None and _is_host(host):
            found.append((match.start(), Address(host, port, match.group())))
        rest[match.start():match.end()] = " " * (match.end() - match.start())
    remainder = "".join(rest)
    words = _ITEMS if bare else _WORDS
    for match in words.finditer(remainder):
        word = match.group()
        host = word.rstrip(".") if bare else word
        if _is_host(host) and (word in known or (bare and host.lower() not in _NOT_HOSTS)):
            found.append((match.start(), Address(host, None, word)))
    return [address for _, address in sorted(found, key=lambda pair: pair[0])]


def names_address(variable: object) -> bool:
    """Whether a variable called ``variable`` holds an address even as a bare value.

    >>> names_address("MONGO_HOST"), names_address("spring.kafka.bootstrap-servers")
    (True, True)
    >>> names_address("SESSION_REDIS")
    False
    """
    if not isinstance(variable, str):
        return False
    words = [w for w in re.split(r"[^A-Za-z0-9]+", variable.upper()) if w]
    return bool(words) and words[-1] in ADDRESS_NAMES


# -- reading configuration values -------------------------------------------------------------


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
        return f"the string {value[:40]!r}" + ("..." if len(value) > 40 else "")
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
        """``value`` if it is a non-blank string."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"must be a non-empty name, not {kind_of(value)}")
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
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.fail(path, f"must be a whole number of 0 or more, not {kind_of(value)}")
        return value


# -- from addresses to edges ------------------------------------------------------------------

Resolve = Callable[[str, str], Collection[str] | None]
"""``resolve(owner, host)``: the deployed things ``host`` reaches from ``owner``: ``None``
when it names nothing in the file, an empty collection when it names something that
runs nothing (a Kubernetes Service that selects no pod)."""


class Setting(NamedTuple):
    """A configuration value that may hold addresses, and where it is.

    ``label`` names it in evidence (``environment variable CART_URL``, ``command``). With
    ``bare`` every host-like word counts (a variable named like an address); with
    ``command`` a word counts when it is a host the file deploys.
    """

    label: str
    value: str
    path: Location
    bare: bool = False
    command: bool = False


def _shown(value: str, text: str, limit: int = 100) -> str:
    """``value`` for evidence: whole when short, else the part that addresses."""
    return value if len(value) <= limit else f"...{text}..."


@dataclass
class Inferrer:
    """Collects the edges, and the dangling addresses, of one file's settings.

    ``stores`` are the names that are data stores (an edge to one is ``datastore``, to
    anything else ``call``); ``known`` the host names a bare word of a command line
    may equal.
    """

    resolve: Resolve
    stores: Collection[str]
    known: Collection[str] = ()
    inferred: set[Inference] = field(default_factory=set)
    findings: set[Finding] = field(default_factory=set)

    def scan(self, owner: str, setting: Setting, place: str) -> None:
        """Record what ``setting`` of ``owner``, found at ``place``, addresses."""
        known = self.known if setting.command else ()
        for address in addresses(setting.value, known, bare=setting.bare):
            targets = self.resolve(owner, address.host)
            if targets is None:
                if setting.bare or address.text != address.host:  # not a command-line word
                    self.findings.add(Finding(
                        "dangling address", place,
                        f"{owner}'s {setting.label} names {address.host}, which nothing in "
                        "this file deploys"))
                continue
            evidence = f"{setting.label} = {_shown(setting.value, address.text)}"
            for target in targets:
                if target != owner:
                    kind = "datastore" if target in self.stores else "call"
                    self.inferred.add(Inference(owner, target, kind, evidence, place))

    def reached(self) -> dict[tuple[str, str], list[str]]:
        """The sorted targets of each ``(source, kind)`` with an edge."""
        found: dict[tuple[str, str], set[str]] = {}
        for i in self.inferred:
            found.setdefault((i.source, i.kind), set()).add(i.target)
        return {key: sorted(targets) for key, targets in found.items()}
