"""The gateway's response cache, done right: what may be stored, under which key, how long.

The Go ``APIGateway`` of section 4.3 stores every response, whatever its method or
status, under ``request.Key()`` (never defined), and never reads it back. The obvious
repair, reading it back under the method and path, is worse than no cache: the first
caller's private page is served to everyone after (:func:`private_leak`). This module
follows the basics of RFC 9111 (HTTP Caching) instead:

* **only safe methods**: responses to ``GET`` and ``HEAD`` are stored
  (:data:`CACHEABLE_METHODS`); a successful unsafe request (``POST``, ``PUT``,
  ``DELETE``, ...) invalidates what is stored for its path (RFC 9111, section 4.4);
* **only cacheable statuses**: those RFC 9110 (section 15.1) calls heuristically
  cacheable, :data:`CACHEABLE_STATUSES` by default; never a 500;
* **the response's own ``Cache-Control``**: ``no-store`` is never stored; ``no-cache``
  is not stored either (it would have to be revalidated before every use, which this
  model does not do); ``s-maxage`` then ``max-age`` give the freshness lifetime, and
  without them the cache's ``ttl`` does (the sketch's five minutes);
* **a key with what the response varies on**: the method, the path and the caller's
  identity, as Kong's proxy cache keys by consumer. Each caller has its own partition,
  so a ``private`` response (meant for one user) is stored only for an identified
  caller and served only to that caller; an anonymous caller's ``private`` response is
  not stored.

Time is a parameter, ``now`` in seconds (int, float or Fraction; exact for int and
Fraction): a response stored at t with lifetime d is fresh while ``now - t < d``.

Where it departs from RFC 9111: a *shared* cache (one serving many users, as a gateway
is) must not store ``private`` responses, nor responses to requests carrying
``Authorization`` unless they say ``public``, ``s-maxage`` or ``must-revalidate``; this
cache is instead partitioned per caller, one private cache per identity, which is what
makes storing them safe. It models no ``Vary``, no revalidation, no query strings and
no request ``Cache-Control``. The module stops at storing and looking up; where the
cache runs among the gateway's policies (after authentication) is :mod:`.gateway`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from msatheory.errors import TheoryError, require_count, require_instance, require_time

__all__ = [
    "CACHEABLE_METHODS",
    "CACHEABLE_STATUSES",
    "DEFAULT_TTL",
    "CacheRequest",
    "CacheResponse",
    "MethodPathCache",
    "ResponseCache",
    "directives",
    "private_leak",
    "storable",
]

#: The safe methods whose responses may be stored (RFC 9110, section 9.2.1).
CACHEABLE_METHODS = ("GET", "HEAD")

#: The statuses RFC 9110 (section 15.1) makes heuristically cacheable.
CACHEABLE_STATUSES = frozenset({200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 501})

#: The sketch's lifetime of a stored response: ``time.Minute*5``.
DEFAULT_TTL = 300

Time = int | float | Fraction

_DIRECTIVE = re.compile(r"\s*([A-Za-z-]+)\s*(?:=\s*\"?([^\",]*)\"?)?\s*")




@dataclass(frozen=True)
class CacheRequest:
    """A request as the cache sees it: ``method``, ``path`` and the authenticated
    ``caller`` (None for an anonymous one)."""

    method: str
    path: str
    caller: str | None = None

    def __post_init__(self) -> None:
        owner = f"CacheRequest({self.method!r}, {self.path!r})"
        if not isinstance(self.method, str) or not self.method.isupper():
            raise TheoryError(f"{owner}: method must be an upper-case HTTP method such as "
                              f"'GET', not {self.method!r}")
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise TheoryError(f"{owner}: path must be a string beginning with '/', "
                              f"not {self.path!r}")
        if self.caller is not None and (not isinstance(self.caller, str)
                                        or not self.caller.strip()):
            raise TheoryError(f"{owner}: caller must be a non-empty string or None, "
                              f"not {self.caller!r}")


@dataclass(frozen=True)
class CacheResponse:
    """A response: its ``status``, its ``body`` and its ``Cache-Control`` header
    (``""`` when it has none)."""

    status: int
    body: str = ""
    cache_control: str = ""

    def __post_init__(self) -> None:
        require_count("CacheResponse", "status", self.status, least=100)
        if self.status > 599:
            raise TheoryError(f"CacheResponse: status must be an HTTP status from 100 to "
                              f"599, not {self.status!r}")
        if not isinstance(self.cache_control, str):
            raise TheoryError(f"CacheResponse: cache_control must be a string, not "
                              f"{self.cache_control!r}")


def directives(cache_control: str) -> dict[str, str | None]:
    """The directives of a ``Cache-Control`` value, names lower-cased (RFC 9111, 5.2).

    >>> directives('private, max-age=60, no-cache="Set-Cookie"')
    {'private': None, 'max-age': '60', 'no-cache': 'Set-Cookie'}
    """
    found: dict[str, str | None] = {}
    for part in cache_control.split(","):
        match = _DIRECTIVE.fullmatch(part)
        if match and match.group(1):
            value = match.group(2)
            found.setdefault(match.group(1).lower(), None if value is None else value.strip())
    return found


def storable(request: CacheRequest, response: CacheResponse,
             statuses: Iterable[int] = CACHEABLE_STATUSES) -> str | None:
    """Why ``response`` to ``request`` must not be stored, or None when it may be.

    Examples
    --------
    >>> storable(CacheRequest("POST", "/orders"), CacheResponse(201))
    'POST is not a safe method'
    >>> storable(CacheRequest("GET", "/me"), CacheResponse(200, cache_control="private"))
    'a private response to an anonymous caller has no one to be kept for'
    >>> storable(CacheRequest("GET", "/me", caller="alice"),
    ...          CacheResponse(200, cache_control="private")) is None
    True

    References
    ----------
    .. [1] RFC 9111, HTTP Caching, section 3 ("Storing Responses in Caches").
    """
    require_instance("storable", "request", request, CacheRequest)
    require_instance("storable", "response", response, CacheResponse)
    said = directives(response.cache_control)
    if request.method not in CACHEABLE_METHODS:
        return f"{request.method} is not a safe method"
    if response.status not in set(statuses):
        return f"status {response.status} is not cacheable"
    if "no-store" in said:
        return "the response says no-store"
    if "no-cache" in said:
        return "the response says no-cache (it must be revalidated before each use)"
    if "private" in said and request.caller is None:
        return "a private response to an anonymous caller has no one to be kept for"
    return None


def _lifetime(response: CacheResponse, ttl: Time) -> Time:
    said = directives(response.cache_control)
    for name in ("s-maxage", "max-age"):
        value = said.get(name)
        if value is not None and value.isdigit():
            return int(value)
    return ttl


class ResponseCache:
    """The gateway's response cache, corrected: safe methods, cacheable statuses, the
    response's ``Cache-Control``, and a key of method, path and caller.

    Parameters
    ----------
    ttl : int, float or Fraction
        The freshness lifetime, in seconds, of a response that gives none
        (``max-age``/``s-maxage``); the sketch's 300 by default.
    statuses : iterable of int
        The statuses that may be stored.

    Examples
    --------
    >>> cache = ResponseCache(ttl=60)
    >>> alice = CacheRequest("GET", "/me", caller="alice")
    >>> cache.store(alice, CacheResponse(200, "alice's page", "private"), now=0)
    True
    >>> cache.lookup(alice, now=59).body
    "alice's page"
    >>> cache.lookup(CacheRequest("GET", "/me", caller="bob"), now=1) is None
    True
    >>> cache.lookup(alice, now=60) is None  # stale after 60 s
    True

    References
    ----------
    .. [1] RFC 9111, HTTP Caching (sections 3, 4.2 and 4.4).
    .. [2] Kong's ``proxy-cache`` plugin: the cache key holds the consumer.
    """

    def __init__(self, ttl: Time = DEFAULT_TTL, statuses: Iterable[int] = CACHEABLE_STATUSES):
        self.ttl = require_time("ResponseCache", "ttl", ttl)
        self.statuses = frozenset(statuses)
        self._entries: dict[tuple[str, str, str | None], tuple[CacheResponse, Time, Time]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ResponseCache(ttl={self.ttl!r}, entries={len(self._entries)})"

    @staticmethod
    def key(request: CacheRequest) -> tuple[str, str, str | None]:
        """What a stored response is found by: method, path and caller."""
        return request.method, request.path, request.caller

    def store(self, request: CacheRequest, response: CacheResponse, now: Time) -> bool:
        """Store ``response`` to ``request`` at ``now`` if it may be; True when stored.

        A successful (2xx or 3xx) response to an unsafe method invalidates every stored
        response for its path, for every caller.
        """
        now = require_time("ResponseCache.store", "now", now)
        if storable(request, response, self.statuses) is not None:
            if request.method not in CACHEABLE_METHODS and 200 <= response.status < 400:
                for key in [k for k in self._entries if k[1] == request.path]:
                    del self._entries[key]
            return False
        self._entries[self.key(request)] = (response, now, _lifetime(response, self.ttl))
        return True

    def lookup(self, request: CacheRequest, now: Time) -> CacheResponse | None:
        """The stored response for ``request`` if it is still fresh at ``now``, else None
        (a stale one is dropped)."""
        require_instance("ResponseCache.lookup", "request", request, CacheRequest)
        now = require_time("ResponseCache.lookup", "now", now)
        key = self.key(request)
        entry = self._entries.get(key)
        if entry is None:
            return None
        response, stored, lifetime = entry
        if now < stored:
            raise TheoryError(f"ResponseCache.lookup: now must not be before the response "
                              f"was stored at {stored!r}, not {now!r}")
        if now - stored < lifetime:
            return response
        del self._entries[key]
        return None


class MethodPathCache:
    """The sketch's cache with the obvious read added: every response stored for five
    minutes under ``"METHOD:path"`` (the sketch's route key), and read back by it
    (:class:`msatheory.gateway.sketch.SketchCache` is the sketch as written, which
    never reads).

    Kept to show what it does wrong (:func:`private_leak`): it stores whatever the
    method, status or ``Cache-Control``, and its key leaves out the caller.

    References
    ----------
    .. [1] The Go ``APIGateway.HandleRequest`` of section 4.3:
       ``ag.cache.Set(request.Key(), response, time.Minute*5)``.
    """

    def __init__(self, ttl: Time = DEFAULT_TTL):
        self.ttl = require_time("MethodPathCache", "ttl", ttl)
        self._entries: dict[str, tuple[CacheResponse, Time]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MethodPathCache(ttl={self.ttl!r}, entries={len(self._entries)})"

    def store(self, request: CacheRequest, response: CacheResponse, now: Time) -> bool:
        """Store every response, always."""
        self._entries[f"{request.method}:{request.path}"] = (
            response, require_time("MethodPathCache.store", "now", now))
        return True

    def lookup(self, request: CacheRequest, now: Time) -> CacheResponse | None:
        """Whatever was stored under ``"METHOD:path"`` less than ``ttl`` ago."""
        entry = self._entries.get(f"{request.method}:{request.path}")
        now = require_time("MethodPathCache.lookup", "now", now)
        if entry is None or now - entry[1] >= self.ttl:
            return None
        return entry[0]


def private_leak(cache: ResponseCache | MethodPathCache) -> CacheResponse | None:
    """What ``cache`` serves Bob after Alice fetched her own private page.

    Alice asks ``GET /account`` at t = 0; the account service answers 200 with her
    details, ``Cache-Control: private``, and the gateway stores the answer. Bob asks
    ``GET /account`` at t = 1. Returned is what the cache hands Bob: Alice's page is a
    leak; None means the request goes on to the service, as it should.

    Examples
    --------
    >>> private_leak(MethodPathCache()).body
    'account of alice: card ending 4242'
    >>> private_leak(ResponseCache()) is None
    True

    References
    ----------
    .. [1] RFC 9111, section 5.2.2.7 (``private``).
    .. [2] O. Gil, "Web Cache Deception Attack", Black Hat USA, 2017: a shared cache
       serving one user's private page to others.
    """
    if not isinstance(cache, ResponseCache | MethodPathCache):
        raise TheoryError(f"private_leak: cache must be a ResponseCache or a MethodPathCache, "
                          f"not {cache!r}")
    alice = CacheRequest("GET", "/account", caller="alice")
    cache.store(alice, CacheResponse(200, "account of alice: card ending 4242", "private"),
                now=0)
    return cache.lookup(CacheRequest("GET", "/account", caller="bob"), now=1)
