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

The importers share the rest: an :class:`Inferrer` turns
each setting's addresses into :class:`~msatheory.check.system.Inference` edges, or into
a ``dangling address`` :class:`~msatheory.check.system.Finding` when a host in URL or
``host:port`` form (or in an address-named variable) names nothing in the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import NamedTuple

from msatheory.check.source import Location
from msatheory.check.system import Finding, Inference
from msatheory.errors import TheoryError

__all__ = [
    "ADDRESS_NAMES",
    "HOST_FLAGS",
    "IGNORED_HOSTS",
    "NEVER_ADDRESS_NAMES",
    "Address",
    "Inferrer",
    "Setting",
    "Unit",
    "addresses",
    "architecture_document",
    "environment_setting",
    "names_address",
    "store_finding",
]

#: Last words of variable names whose value is an address even without a port or scheme.
ADDRESS_NAMES = frozenset({
    "ADDR", "ADDRESS", "ADDRESSES", "BROKER", "BROKERS", "CONNECT", "DSN", "ENDPOINT",
    "ENDPOINTS", "HOST", "HOSTNAME", "HOSTS", "SERVER", "SERVERS", "SERVICE", "URI", "URIS",
    "URL", "URLS",
})

#: Last words of variable names whose value is never an address (``redis:7`` is an image).
NEVER_ADDRESS_NAMES = frozenset({"IMAGE", "TAG", "VERSION"})

#: Command-line flags whose next word is a host.
HOST_FLAGS = frozenset({"-h", "--host", "--hostname", "--server", "--target", "--upstream",
                        "--broker", "--brokers", "--addr", "--address", "--connect",
                        "--endpoint", "--url"})

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
    bare word counts only when it is one of the ``known`` host names and follows a host
    flag (:data:`HOST_FLAGS`: ``-h web``, ``--host=web``), so ``celery -A api`` names
    no host.

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
    previous = ""
    for match in (_ITEMS if bare else _WORDS).finditer(remainder):
        word = match.group()
        host = word.rstrip(".") if bare else word
        counts = (host.lower() not in _NOT_HOSTS if bare
                  else word in known and previous.lower() in HOST_FLAGS)
        if counts and _is_host(host):
            found.append((match.start(), Address(host, None, word)))
        previous = word
    return [address for _, address in sorted(found, key=lambda pair: pair[0])]


def environment_setting(name: str, value: str, path: Location,
                        bare: bool = False) -> Setting | None:
    """The setting an environment variable makes, or ``None`` when it holds no address:
    empty, or named like an image, tag or version (``JOB_IMAGE=redis:7``). Its bare
    words count when the name says it is an address (:func:`names_address`) or ``bare``."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name.upper()) if w]
    if not value or (words and words[-1] in NEVER_ADDRESS_NAMES):
        return None
    return Setting(f"environment variable {name}", value, path,
                   bare=bare or names_address(name))


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
        """Record what ``setting`` of ``owner``, found at ``place``, addresses (nothing for
        a data store: the model has no edges out of one)."""
        if owner in self.stores:
            return
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


def store_finding(name: str, why: str, kind: str, place: str) -> Finding:
    """The finding that ``name`` runs a data store of ``kind``, because ``why``."""
    return Finding("data store by image", place,
                   f"{name}: {why}, so it is a data store ({kind}), not a service")


class Unit(NamedTuple):
    """One deployed thing, as the architecture document needs it; ``store`` is its
    ``(technology, kind)`` when it runs a data store."""

    name: str
    store: tuple[str, str] | None
    healthcheck: bool
    exposed: bool
    replicas: int


def architecture_document(units: list[Unit], inferrer: Inferrer,
                          fail: Callable[[str], TheoryError]) -> dict[str, object]:
    """The architecture document of these units and the edges ``inferrer`` found.

    A file that deploys only data stores describes no architecture: ``fail`` makes the
    error, naming the file and the place.
    """
    reached = inferrer.reached()
    stores = {u.name: {"technology": u.store[0], "kind": u.store[1]}
              for u in sorted(units) if u.store}
    deployed = {
        u.name: {"calls": reached.get((u.name, "call"), []),
                 "datastores": reached.get((u.name, "datastore"), []),
                 "healthcheck": u.healthcheck, "exposed": u.exposed, "replicas": u.replicas}
        for u in sorted(units) if not u.store
    }
    if not deployed:
        raise fail(f"deploys only data stores ({', '.join(sorted(stores))}) and no service: "
                   "there is no architecture to check")
    return {"services": deployed, "datastores": stores}
