"""Addresses in configuration: the hosts a value names, how, and what must not be shown.

A deployment descriptor states no calls; it states addresses, and an address names a
host. :func:`addresses` finds them in these forms:

* URLs, of any scheme, with user info and host lists: ``http://cart:8080/x``,
  ``jdbc:mysql://db:3306/x``, ``mongodb://u:p@a:1,b:2/db``, ``http://[fd00::13]:9200``;
* Oracle's JDBC forms, ``jdbc:oracle:thin:@//ora1:1521/XE`` and ``@ora1:1521:XE``, and
  its descriptors, ``(ADDRESS=(HOST=ora1)(PORT=1521))``;
* connection strings of keywords: ADO.NET's ``Server=sqldata;Database=...``, Npgsql's
  ``Host=db;Username=...``, libpq's ``host=db port=5432``;
* ``host:port`` pairs, alone or in lists (``kafka-1:9092,kafka-2:9092``), and bracketed
  IPv6 literals with a port (``[fd00::12]:8443``);
* bare host names, when the caller says the whole value is an address (a variable named
  like one, :func:`names_address`), or when a word equals a host the caller knows and
  follows a host flag (``-h edge-router`` on a command line).

Loopback and wildcard hosts (``localhost``, ``127.0.0.1``, ``0.0.0.0``, ``::1``) address
nothing deployed, and a host with an unresolved ``$``/``${...}`` cannot be known: both
are left out. Each address keeps its ``protocol`` (the URL scheme, or what a connection
string is for) and its ``path``: the first may say what the host runs
(``mongodb://`` is a MongoDB), the second that the address is for monitoring
(``/hc``, :func:`monitoring`).

Values shown back to a reader pass through :func:`mask` first: passwords in URLs and
connection strings, and values of variables named like secrets, never reach a report.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from itertools import pairwise
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from msatheory.check.source import Location

__all__ = [
    "ADDRESS_NAMES",
    "HOST_FLAGS",
    "IGNORED_HOSTS",
    "MONITORING_NAMES",
    "MONITORING_PATHS",
    "NEVER_ADDRESS_NAMES",
    "SECRET_NAMES",
    "Address",
    "Setting",
    "addresses",
    "environment_setting",
    "ip_literal",
    "mask",
    "monitoring",
    "names_address",
    "names_secret",
    "words",
]

#: Last words of variable names whose value is an address even without a port or scheme.
ADDRESS_NAMES = frozenset({
    "ADDR", "ADDRESS", "ADDRESSES", "BROKER", "BROKERS", "CONNECT", "CONNECTION", "DSN",
    "ENDPOINT", "ENDPOINTS", "HOST", "HOSTNAME", "HOSTS", "SERVER", "SERVERS", "SERVICE",
    "URI", "URIS", "URL", "URLS",
})

#: Last words of variable names whose value is never an address (``redis:7`` is an image).
NEVER_ADDRESS_NAMES = frozenset({"IMAGE", "TAG", "VERSION"})

#: Words of variable names whose value is a secret, never shown (``DB_PASSWORD``).
SECRET_NAMES = frozenset({"PASSWORD", "PASSWD", "PWD", "PASS", "SECRET", "TOKEN", "APIKEY",
                          "ACCESSKEY", "ACCOUNTKEY", "CREDENTIALS", "CREDENTIAL", "PRIVATE"})

#: Words of variable names that say an address is watched, not depended on: health
#: checks, metrics scraping and telemetry export (``ORDERS_HC``, ``HealthChecks__0__Uri``).
MONITORING_NAMES = frozenset({
    "HC", "HEALTHCHECK", "HEALTHCHECKS", "HEALTHZ", "METRICS", "PROMETHEUS", "SCRAPE",
    "MONITORING", "ZIPKIN", "JAEGER", "OTEL", "OTLP", "TRACING", "TELEMETRY", "STATSD",
})

#: URL paths of health, metrics and tracing endpoints.
MONITORING_PATHS = re.compile(
    r"/(?:hc|health|healthz|healthcheck|livez|readyz|liveness|readiness|metrics|prometheus"
    r"|actuator/(?:health|prometheus|metrics)(?:/[^/]*)?|api/v[12]/spans|v1/(?:traces|metrics))"
    r"/?$", re.IGNORECASE)

#: Command-line flags whose next word is a host.
HOST_FLAGS = frozenset({"-h", "--host", "--hostname", "--server", "--target", "--upstream",
                        "--broker", "--brokers", "--addr", "--address", "--connect",
                        "--endpoint", "--url"})

#: Hosts that never name a deployed service: loopback, wildcards, and Docker's names for
#: the machine it runs on.
IGNORED_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "::",
                           "host.docker.internal", "gateway.docker.internal"})

#: Words that are values, not host names, even in an address-named variable.
_NOT_HOSTS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "nil",
                        "enabled", "disabled"})


class Address(NamedTuple):
    """A ``host`` (with its ``port`` when given) and the ``text`` it was found in.

    ``protocol`` is the URL's scheme in lower case (``http``, ``jdbc:mysql``), or what a
    connection string is for (``postgres``, ``sqlserver``, ``oracle``, ``database`` when
    it does not say); ``path`` the URL's path, when it has one.
    """

    host: str
    port: int | None
    text: str
    protocol: str = ""
    path: str = ""


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_URL = re.compile(
    r"(?<![\w+.:-])([A-Za-z][A-Za-z0-9+.-]*(?::[A-Za-z][A-Za-z0-9+.-]*)*)://"
    r"([^\s/?#;'\"<>()]*)(/[^\s?#;'\"<>()]*)?"
)
_ORACLE = re.compile(
    r"jdbc:oracle:\w+:[^@\s'\"]*@(?://)?([A-Za-z0-9][\w.-]*)(?::(\d{1,5}))?([/:][\w.$-]+)?",
    re.IGNORECASE)
_DESCRIPTOR = re.compile(
    r"\(\s*HOST\s*=\s*([^)\s]+)\s*\)(?:\s*\(\s*PORT\s*=\s*(\d{1,5})\s*\))?", re.IGNORECASE)
_KEYWORD_HOST = re.compile(
    r"(?:^|(?<=[;\s]))(server|servername|host|hostname|data\s+source|datasource|addr"
    r"|address|network\s+address)\s*=\s*([^;\s'\"]+)", re.IGNORECASE)
_KEYWORD_PORT = re.compile(r"(?:^|(?<=[;\s]))port\s*=\s*(\d{1,5})(?=$|[;\s])", re.IGNORECASE)
_SQLSERVER_KEYS = re.compile(
    r"(?:^|(?<=[;\s]))(?:data\s+source|initial\s+catalog|trusted_connection|integrated\s+"
    r"security|trustservercertificate|multipleactiveresultsets)\s*=", re.IGNORECASE)
_IPV6_PORT = re.compile(r"(?<![\w/@\[])\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?(?![\w.\]-])")
_HOST_PORT = re.compile(
    rf"(?<![\w.:/$%{{}}-])({_LABEL}(?:\.{_LABEL})*):(\d{{1,5}})(?![\w.:@-])"
)
_WORDS = re.compile(r"[^\s=,;'\"]+")
_ITEMS = re.compile(r"[^\s,;]+")
_NAME_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: object) -> list[str]:
    """The words of a variable's name, upper case: camelCase, ``_``, ``.`` and ``-`` split.

    >>> words("HealthChecksUI__HealthChecks__0__Uri")
    ['HEALTH', 'CHECKS', 'UI', 'HEALTH', 'CHECKS', '0', 'URI']
    """
    if not isinstance(name, str):
        return []
    return [w.upper() for w in _NAME_WORDS.findall(name)]


def names_address(variable: object) -> bool:
    """Whether a variable called ``variable`` holds an address even as a bare value.

    >>> names_address("MONGO_HOST"), names_address("spring.kafka.bootstrap-servers")
    (True, True)
    >>> names_address("ConnectionStrings__Orders"), names_address("SESSION_REDIS")
    (True, False)
    """
    found = words(variable)
    if not found:
        return False
    last = {found[-1], "".join(found[-2:])}  # HOSTNAME also as hostName
    return bool(last & ADDRESS_NAMES) or _connection_string(found)


def _connection_string(found: list[str]) -> bool:
    return any(a == "CONNECTION" and b in ("STRING", "STRINGS") for a, b in pairwise(found))


def names_secret(variable: object) -> bool:
    """Whether a variable called ``variable`` holds a secret (``DB_PASSWORD``, ``apiKey``).

    >>> names_secret("SA_PASSWORD"), names_secret("ApiKey"), names_secret("DB_HOST")
    (True, True, False)
    """
    found = words(variable)
    joined = ["".join(pair) for pair in pairwise(found)]
    return any(w in SECRET_NAMES for w in found + joined)


def monitoring(variable: str, address: Address) -> str | None:
    """Why ``address``, found in variable ``variable``, is watched rather than depended on:
    the variable's name or the address's path says so; ``None`` when neither does.

    >>> monitoring("ORDERS_HC", Address("orders", 80, "orders:80"))
    'the variable name ORDERS_HC says monitoring'
    >>> monitoring("ORDERS_URL", Address("orders", None, "", "http", "/actuator/health"))
    'the path /actuator/health is a health or metrics endpoint'
    """
    found = words(variable)
    health_check = any(a == "HEALTH" and b in ("CHECK", "CHECKS") for a, b in pairwise(found))
    if health_check or MONITORING_NAMES & set(found):
        return f"the variable name {variable} says monitoring"
    if address.path and MONITORING_PATHS.search(address.path):
        return f"the path {address.path} is a health or metrics endpoint"
    return None


def ip_literal(host: str) -> str | None:
    """``host`` in canonical form when it is an IPv4 or IPv6 address, else ``None``."""
    try:
        return ipaddress.ip_address(host).compressed
    except ValueError:
        return None


def _is_host(text: str) -> bool:
    """Whether ``text`` can be a host name: a DNS name with a letter, or an IP address."""
    if not text or text.lower() in IGNORED_HOSTS or "$" in text:
        return False
    if _IPV4.fullmatch(text) or (":" in text and ip_literal(text)):
        return True
    return bool(_HOSTNAME.fullmatch(text)) and any(ch.isalpha() for ch in text)


def _port(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 0 < int(text) < 65536 else None


def _authority(authority: str, text: str, protocol: str, path: str) -> list[Address]:
    """The hosts of a URL's authority: ``user:pass@a:1,b:2`` gives ``a`` and ``b``."""
    found = []
    for item in authority.rpartition("@")[2].split(","):
        if item.startswith("["):  # an IPv6 literal
            host, _, rest = item[1:].partition("]")
            port = _port(rest[1:]) if rest.startswith(":") else None
            if _is_host(host):
                found.append(Address(host, port, text, protocol, path))
            continue
        host, colon, port_text = item.partition(":")
        host = host.rstrip(".")
        if _is_host(host):
            found.append(Address(host, _port(port_text) if colon else None, text, protocol,
                                 path))
    return found


def _keyword_hosts(value: str) -> list[tuple[int, int, Address]]:
    """The hosts of a keyword connection string, with the span each was found in."""
    found = []
    port = _KEYWORD_PORT.search(value)
    given_port = _port(port.group(1)) if port else None
    for match in _KEYWORD_HOST.finditer(value):
        key = re.sub(r"\s+", " ", match.group(1).lower())
        if key in ("data source", "datasource") or _SQLSERVER_KEYS.search(value):
            protocol = "sqlserver"
        elif key == "host" and "=" in value:
            protocol = "postgres"  # Npgsql and libpq
        else:
            protocol = "database"
        text = match.group(2)
        for item in re.sub(r"^(?:tcp|np|lpc):", "", text, flags=re.IGNORECASE).split(","):
            host, _, port_text = item.partition("\\")[0].partition(":")
            if item.isdigit():  # SQL Server's "host,1433"
                continue
            rest = text.partition(",")[2]
            item_port = _port(port_text) or (_port(rest) if rest.isdigit() else given_port)
            if _is_host(host):
                found.append((match.start(2), match.end(2),
                              Address(host, item_port, match.group(), protocol)))
    return found


def addresses(value: str, known: Collection[str] = (), *, bare: bool = False) -> list[Address]:
    """The hosts ``value`` addresses, in the order they appear.

    URLs, Oracle addresses, connection strings and ``host:port`` pairs always count.
    With ``bare`` (the value of a variable named like an address) every word that can
    be a host name counts too; otherwise a bare word counts only when it is one of the
    ``known`` host names (compared without case) and follows a host flag
    (:data:`HOST_FLAGS`: ``-h web``, ``--host=web``), so ``celery -A api`` names no host.

    >>> [a.host for a in addresses("mongodb://u:p@a:1,b:2/db and cart:8080")]
    ['a', 'b', 'cart']
    >>> [(a.host, a.protocol) for a in addresses("Server=sqldata;Database=Orders;User Id=sa")]
    [('sqldata', 'database')]
    >>> addresses("-d 60 -h edge-router", known={"edge-router"})
    [Address(host='edge-router', port=None, text='edge-router', protocol='', path='')]
    """
    if not isinstance(value, str):
        return []
    found: list[tuple[int, Address]] = []
    rest = list(value)

    def take(start: int, end: int, address: Address | None) -> None:
        if address is not None:
            found.append((start, address))
        rest[start:end] = " " * (end - start)

    for match in _ORACLE.finditer(value):
        host, port = match.group(1), _port(match.group(2))
        take(match.start(), match.end(),
             Address(host, port, match.group(), "oracle") if _is_host(host) else None)
    for match in _DESCRIPTOR.finditer("".join(rest)):
        host = match.group(1)
        take(match.start(), match.end(), Address(host, _port(match.group(2)), match.group(),
                                                 "oracle") if _is_host(host) else None)
    for match in _URL.finditer("".join(rest)):
        protocol, path = match.group(1).lower(), match.group(3) or ""
        for address in _authority(match.group(2), match.group(), protocol, path):
            found.append((match.start(), address))
        take(match.start(), match.end(), None)
    keywords = _keyword_hosts("".join(rest))
    for start, end, address in keywords:
        take(start, end, address)
    bare = bare and not keywords  # the other words of a connection string are no hosts
    for match in _IPV6_PORT.finditer("".join(rest)):
        host = match.group(1)
        take(match.start(), match.end(), Address(host, _port(match.group(2)), match.group())
             if ":" in host and _is_host(host) else None)
    for match in _HOST_PORT.finditer("".join(rest)):
        host, port = match.group(1), _port(match.group(2))
        take(match.start(), match.end(),
             Address(host, port, match.group()) if port is not None and _is_host(host)
             else None)
    remainder = "".join(rest)
    lowered = {k.lower() for k in known}
    previous = ""
    for match in (_ITEMS if bare else _WORDS).finditer(remainder):
        word = match.group()
        host = word.rstrip(".") if bare else word
        counts = (host.lower() not in _NOT_HOSTS and "=" not in host if bare
                  else word.lower() in lowered and previous.lower() in HOST_FLAGS)
        if counts and _is_host(host):
            found.append((match.start(), Address(host, None, word)))
        previous = word
    return [address for _, address in sorted(found, key=lambda pair: pair[0])]


# -- secrets ----------------------------------------------------------------------------------

_URL_PASSWORD = re.compile(r"(://[^\s:/@;]*:)[^\s;]+@(?=[^\s@;]+)")
_URL_TOKEN = re.compile(r"(://)[^\s:/@]{17,}@(?=[^\s@]+)")
_LOGIN = re.compile(r"(^|(?<=[\s=,;]))([^\s:/@=,;]+:)(?!//)[^\s;]+@(?=[\w\[.-][^\s@;]*(?:$|[\s;]))")
_ORACLE_LOGIN = re.compile(r"(jdbc:oracle:\w+:[^/@\s]*/)[^@\s]+@", re.IGNORECASE)
_SECRET_WORDS = (r"(?:password|passwd|pwd|pass|secret|token|api[-_]?key|access[-_]?key|accountkey"
                 r"|sharedaccesskey|sig|signature|requirepass|credentials?)")
_SECRET_PAIR = re.compile(
    rf"(?i)((?<![\w])[\w.-]*?{_SECRET_WORDS}\s*[=:]\s*)('[^']*'|\"[^\"]*\"|[^;&\s'\"]+)")
_SECRET_FLAG = re.compile(rf"(?i)((?<![\w])--?[\w.-]*{_SECRET_WORDS}[\w.-]*\s+)([^\s-]\S*)")


def mask(text: str) -> str:
    """``text`` with the passwords of URLs, logins, connection strings and command-line
    flags replaced by ``***``; a long user name alone in a URL is a token, masked too.

    >>> mask("postgresql://app:secret@db:5432/app")
    'postgresql://app:***@db:5432/app'
    >>> mask("Server=sqldata;User Id=sa;Password='Pass word';Encrypt=False")
    'Server=sqldata;User Id=sa;Password=***;Encrypt=False'
    >>> mask("redis-server --requirepass hunter2 --port 6379")
    'redis-server --requirepass *** --port 6379'
    """
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}***@", text)
    text = _URL_TOKEN.sub(lambda m: f"{m.group(1)}***@", text)
    text = _LOGIN.sub(lambda m: f"{m.group(1)}{m.group(2)}***@", text)
    text = _ORACLE_LOGIN.sub(lambda m: f"{m.group(1)}***@", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}***", text)
    return _SECRET_FLAG.sub(lambda m: f"{m.group(1)}***", text)


# -- settings ---------------------------------------------------------------------------------


class Setting(NamedTuple):
    """A configuration value that may hold addresses, and where it is.

    ``label`` names it in evidence (``environment variable CART_URL``, ``command``);
    ``variable`` is the variable's name (empty for a command line). With ``bare``
    every host-like word counts (a variable named like an address); with ``command``
    a word counts when it is a host the file deploys. ``note`` says where the value
    came from when not from the setting itself (``CART_ADDR from .env line 3``).
    """

    label: str
    value: str
    path: Location
    bare: bool = False
    command: bool = False
    variable: str = ""
    note: str = ""

    def shown(self, text: str, limit: int = 100) -> str:
        """The value as evidence: masked, whole when short, else the part ``text`` that
        addresses; ``***`` for a variable named like a secret."""
        if names_secret(self.variable):
            return "***"
        value = mask(self.value)
        shown = value if len(value) <= limit else f"...{mask(text)}..."
        return f"{shown} ({self.note})" if self.note else shown


def environment_setting(name: str, value: str, path: Location, bare: bool = False,
                        note: str = "") -> Setting | None:
    """The setting an environment variable makes, or ``None`` when it holds no address:
    empty, or named like an image, tag or version (``JOB_IMAGE=redis:7``). Its bare
    words count when the name says it is an address (:func:`names_address`) or ``bare``."""
    found = words(name)
    if not value or (found and found[-1] in NEVER_ADDRESS_NAMES):
        return None
    return Setting(f"environment variable {name}", value, path,
                   bare=bare or names_address(name), variable=name, note=note)
