"""The gateway's response cache (msatheory.gateway.cache): RFC 9111 basics, the key with
the caller in it, and the sketch's cache that serves one user's page to another."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.errors import TheoryError
from msatheory.gateway.cache import (
    CACHEABLE_STATUSES,
    CacheRequest,
    CacheResponse,
    MethodPathCache,
    ResponseCache,
    directives,
    private_leak,
    storable,
)

ALICE = CacheRequest("GET", "/account", caller="alice")
BOB = CacheRequest("GET", "/account", caller="bob")


def test_the_trap_and_its_correction():
    leaked = private_leak(MethodPathCache())
    assert leaked is not None and leaked.body == "account of alice: card ending 4242"
    assert private_leak(ResponseCache()) is None


@pytest.mark.parametrize(("request_", "response", "reason"), [
    (CacheRequest("POST", "/orders", "a"), CacheResponse(200), "POST is not a safe method"),
    (CacheRequest("GET", "/orders"), CacheResponse(500), "status 500 is not cacheable"),
    (CacheRequest("GET", "/orders"), CacheResponse(201), "status 201 is not cacheable"),
    (CacheRequest("GET", "/orders"), CacheResponse(200, cache_control="No-Store"),
     "the response says no-store"),
    (CacheRequest("GET", "/orders"), CacheResponse(200, cache_control="no-cache"),
     "the response says no-cache (it must be revalidated before each use)"),
    (CacheRequest("GET", "/me"), CacheResponse(200, cache_control="private, max-age=9"),
     "a private response to an anonymous caller has no one to be kept for"),
    (CacheRequest("HEAD", "/orders"), CacheResponse(404), None),
    (CacheRequest("GET", "/me", "a"), CacheResponse(200, cache_control="private"), None),
])
def test_what_may_be_stored(request_, response, reason):
    assert storable(request_, response) == reason
    cache = ResponseCache()
    assert cache.store(request_, response, now=0) is (reason is None)
    assert (cache.lookup(request_, now=0) is response) is (reason is None)


def test_every_default_status_is_storable():
    for status in sorted(CACHEABLE_STATUSES):
        assert storable(CacheRequest("GET", "/"), CacheResponse(status)) is None


def test_directives_are_parsed_loosely_and_lower_cased():
    assert directives("") == {}
    assert directives(' Max-Age = 30 , private,  s-maxage="5"') == {
        "max-age": "30", "private": None, "s-maxage": "5"}


def test_freshness_is_exact_and_max_age_overrides_ttl():
    cache = ResponseCache(ttl=Fraction(1, 3))
    anonymous = CacheRequest("GET", "/")
    cache.store(anonymous, CacheResponse(200, "home"), now=Fraction(1, 3))
    assert cache.lookup(anonymous, now=Fraction(2, 3) - Fraction(1, 10**9)) is not None
    assert cache.lookup(anonymous, now=Fraction(2, 3)) is None and len(cache) == 0
    cache.store(anonymous, CacheResponse(200, "home", "max-age=10, s-maxage=2"), now=0)
    assert cache.lookup(anonymous, now=1) is not None
    assert cache.lookup(anonymous, now=2) is None  # s-maxage wins in a shared cache


def test_an_unsafe_request_invalidates_its_path_for_everyone():
    cache = ResponseCache()
    for request in (ALICE, BOB, CacheRequest("GET", "/other", "alice")):
        cache.store(request, CacheResponse(200, request.caller or ""), now=0)
    assert not cache.store(CacheRequest("PUT", "/account", "alice"), CacheResponse(204), now=1)
    assert cache.lookup(ALICE, 2) is None and cache.lookup(BOB, 2) is None
    assert cache.lookup(CacheRequest("GET", "/other", "alice"), 2) is not None
    # a failed unsafe request changes nothing
    cache.store(ALICE, CacheResponse(200, "a"), now=3)
    cache.store(CacheRequest("DELETE", "/account", "alice"), CacheResponse(500), now=4)
    assert cache.lookup(ALICE, 5) is not None


@pytest.mark.parametrize(("make", "message"), [
    (lambda: CacheRequest("get", "/"), r"CacheRequest\('get', '/'\): method must be an "
                                       r"upper-case HTTP method such as 'GET', not 'get'"),
    (lambda: CacheRequest("GET", "x"), r"path must be a string beginning with '/', not 'x'"),
    (lambda: CacheRequest("GET", "/", ""), r"caller must be a non-empty string or None"),
    (lambda: CacheResponse(42), r"CacheResponse: status must be a whole number of at least "
                                r"100, not 42"),
    (lambda: CacheResponse(600), r"status must be an HTTP status from 100 to 599, not 600"),
    (lambda: ResponseCache(ttl=-1), r"ResponseCache: ttl must be a non-negative finite "
                                    r"number of seconds, not -1"),
    (lambda: ResponseCache().lookup(ALICE, "soon"), r"ResponseCache.lookup: now must be"),
    (lambda: storable("GET /", CacheResponse(200)), r"storable: request must be a "
                                                    r"CacheRequest"),
    (lambda: private_leak({}), r"private_leak: cache must be a ResponseCache or a MethodPathCache"),
])
def test_bad_input_is_refused(make, message):
    with pytest.raises(TheoryError, match=message):
        make()


def test_time_never_runs_backwards():
    cache = ResponseCache()
    cache.store(ALICE, CacheResponse(200), now=5)
    with pytest.raises(TheoryError, match=r"now must not be before the response was stored "
                                          r"at 5, not 4"):
        cache.lookup(ALICE, now=4)


# ------------------------------------------------------- property: no response crosses callers

CHOICES = (["alice", "bob", None], ["GET", "POST"], ["/a", "/b"], [200, 500],
           ["", "private", "no-store"])
OPS = st.lists(st.tuples(*map(st.sampled_from, CHOICES)), max_size=6)


def _served_someone_else(cache: ResponseCache | MethodPathCache, ops) -> bool:
    """Replay ``ops`` (one a second): each request is looked up first and, on a miss,
    answered by the service and stored. True when a lookup returns a response the
    service gave another caller, or to another method."""
    for now, (caller, method, path, status, control) in enumerate(ops):
        request = CacheRequest(method, path, caller)
        hit = cache.lookup(request, now)
        if hit is not None and hit.body != f"{caller} {method} {path}":
            return True
        if hit is None:
            cache.store(request, CacheResponse(status, f"{caller} {method} {path}", control),
                        now)
    return False


@settings(max_examples=300)
@given(OPS)
def test_the_corrected_cache_serves_each_caller_only_their_own(ops):
    assert not _served_someone_else(ResponseCache(), ops)


def test_minimal_sketch_leak():
    """The shortest request sequences on which the sketch's cache serves one caller's
    response to another, searched exhaustively: two requests, the first one's caller
    anyone, the second anyone else, for the same method and path."""
    op = list(product(*CHOICES))
    shortest = next(
        found for n in range(4)
        if (found := [ops for ops in product(op, repeat=n)
                      if _served_someone_else(MethodPathCache(), list(ops))]))
    assert shortest[0] == (("alice", "GET", "/a", 200, ""), ("bob", "GET", "/a", 200, ""))
    # even a no-store error answer to a POST, as the sketch stores everything
    assert (("alice", "POST", "/a", 500, "no-store"), ("bob", "POST", "/a", 200, "")) in shortest
    assert not any(_served_someone_else(ResponseCache(), list(ops)) for ops in shortest)


@settings(max_examples=300)
@given(OPS)
def test_the_corrected_cache_stores_only_what_rfc_9111_allows(ops):
    cache = ResponseCache()
    for now, (caller, method, path, status, control) in enumerate(ops):
        request = CacheRequest(method, path, caller)
        stored = cache.store(request, CacheResponse(status, "", control), now)
        assert stored == (method == "GET" and status == 200 and control != "no-store"
                          and not (control == "private" and caller is None))
