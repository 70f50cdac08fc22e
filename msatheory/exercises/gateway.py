"""Chapter 4's exercises (lessons 4a and 4b): the front door, limits, caches and fan-out.

Each exercise judges the answer with the chapter's own models: a routing table (Def 4.1.2,
路由规则) with :func:`~msatheory.gateway.routing.check_routes` and
:meth:`~msatheory.gateway.routing.RoutingTable.service`; a gateway record (Def 4.1.1,
API网关) with :func:`~msatheory.gateway.gateway.check_gateway`; a ``Bearer`` header parser
(Function 4.2.3, 认证) with what :func:`~msatheory.gateway.auth.authenticate` accepts; a
per-client fixed window (Function 4.2.4, 限流) against
:class:`~msatheory.gateway.ratelimit.FixedWindow` on exact request streams; a token
bucket's worst case against :func:`~msatheory.gateway.ratelimit.attack` and
:meth:`~msatheory.gateway.ratelimit.TokenBucket.worst_case`; a cache key (the cache policy
of Def 4.1.1's P) in :class:`~msatheory.gateway.cache.ResponseCache` with
:func:`~msatheory.gateway.cache.private_leak`; a fan-out budget (Function 4.2.2, 聚合) with
:func:`~msatheory.gateway.aggregation.slow_fraction`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from fractions import Fraction
from functools import cache
from typing import Any

import jwt
import sympy as sp
from hypothesis import strategies as st

from msatheory.errors import TheoryError
from msatheory.exercises.exercise import (
    Exercise,
    Failure,
    OutOfSteps,
    a_function,
    answer_call,
    first_counterexample,
    observe,
    one_of,
    shown,
    steps,
    takes,
    violated,
)
from msatheory.gateway.aggregation import slow_fraction
from msatheory.gateway.auth import TokenPolicy, authenticate
from msatheory.gateway.cache import CacheRequest, CacheResponse, ResponseCache, private_leak
from msatheory.gateway.gateway import Gateway, check_gateway
from msatheory.gateway.ratelimit import FixedWindow, TokenBucket, attack
from msatheory.gateway.routing import Route, RoutingTable, check_routes

__all__ = ["EXERCISES", "front_door", "most_calls", "shop_backend", "token"]

LESSON_4A = "notebooks/04a_the_front_door.ipynb"
LESSON_4B = "notebooks/04b_limits_caches_fan_out.ipynb"


def _kind(answer: object) -> str:
    """What an answer is, without a default repr (which would hold a memory address)."""
    text = shown(answer)
    return f"{type(answer).__name__} {text}" if text else f"a {type(answer).__name__}"


def _time(value: object) -> str:
    """A time as feedback shows it: ``3``, ``5/2``."""
    return str(Fraction(value)) if isinstance(value, int | Fraction) else f"{value:g}"


# -- 4.routing-table: a table that is a function, and the right one ------------------------

#: The services behind the shop's gateway.
SHOP_SERVICES = ("orders", "reports", "static", "users")

#: The requests the task names, tried before the search's.
LISTED = (("GET", "/orders/export"), ("POST", "/orders"), ("GET", "/orders/7"),
          ("GET", "/users/7"), ("DELETE", "/users/7"), ("GET", "/static/site.css"),
          ("GET", "/"))

#: Requests of up to three segments built from the spec's words, "7" and the empty one.
REQUESTS = st.one_of(
    st.sampled_from(LISTED),
    st.tuples(st.sampled_from(("GET", "POST", "DELETE")),
              st.lists(st.sampled_from(("orders", "export", "users", "static", "7", "")),
                       max_size=3)).map(lambda t: (t[0], "/" + "/".join(t[1]))))


def front_door(method: str, path: str) -> str | None:
    """The service the shop's spec sends ``method path`` to, or None (no route): GET
    /orders/export to reports; any other request for /orders or below it, whatever its
    method, to orders; GET /users/<id> (one non-empty segment) to users; GET /static or
    below it to static."""
    segments = () if path == "/" else tuple(path[1:].split("/"))
    if method == "GET" and segments == ("orders", "export"):
        return "reports"
    if segments[:1] == ("orders",):
        return "orders"
    if method == "GET" and len(segments) == 2 and segments[0] == "users" and segments[1]:
        return "users"
    if method == "GET" and segments[:1] == ("static",):
        return "static"
    return None


def _table(answer: object) -> RoutingTable:
    return answer if isinstance(answer, RoutingTable) else RoutingTable(answer)  # type: ignore[arg-type]


def _routes_type(answer: object) -> Failure | None:
    if isinstance(answer, RoutingTable | list | tuple):
        return None
    return Failure(f"expected a list of Route, got {_kind(answer)}")


def _routes_shape(answer: object) -> Failure | None:
    try:
        table = _table(answer)
    except TheoryError as error:
        return Failure(f"the routes do not make a RoutingTable: {error}")
    if not len(table):
        return Failure("the table has no route: every request would get a 404")
    return None


def _routes_function(answer: object) -> Failure | None:
    return violated(check_routes(_table(answer), services=SHOP_SERVICES))


def _routes_behaviour(answer: object) -> Failure | None:
    table = _table(answer)
    request = first_counterexample(REQUESTS,
                                   lambda r: table.service(*r) != front_door(*r))
    if request is None:
        return None
    method, path = request
    chosen = table.match(method, path)
    return Failure(f"{method} {path} does not go where the spec sends it",
                   f"{method} {path}", str(front_door(method, path) or "no route (404)"),
                   "no route (404)" if chosen is None else f"{chosen.service}, by {chosen}")


# -- 4.gateway-record: AG = (R, P, L, S) for the shop ------------------------------------

ORDERS_ROUTE = Route("GET", "/orders/{id}", "orders")
CATALOG_ROUTE = Route("GET", "/catalog/*", "catalog")
#: What each route must run, and what the catalogue (public) must not.
NEEDS = {ORDERS_ROUTE: ("authenticate", "authorize", "rate-limit", "cache"),
         CATALOG_ROUTE: ("rate-limit-by-ip", "cache")}
PUBLIC_REFUSES = ("authenticate", "authorize")


def _record_shape(gateway: Gateway) -> Failure | None:
    given = set(gateway.routes.routes)
    wanted = set(NEEDS)
    if given != wanted:
        return Failure("R must hold exactly the two routes of the task",
                       expected=", ".join(map(str, NEEDS)),
                       observed=", ".join(map(str, gateway.routes)) or "no route")
    return None


def _record_security(gateway: Gateway) -> Failure | None:
    if isinstance(gateway.security, TokenPolicy):
        return None
    return Failure("S must be the TokenPolicy that authenticate verifies tokens with",
                   expected="a TokenPolicy", observed=_kind(gateway.security))


def _record_policies(gateway: Gateway) -> Failure | None:
    for route, needed in NEEDS.items():
        chain = gateway.chain(route)
        missing = [p for p in needed if p not in chain]
        if missing:
            return Failure(f"{route} does not run every policy it needs",
                           str(route), f"a chain with {', '.join(needed)}",
                           f"runs {', '.join(chain) or 'nothing'}; missing "
                           f"{', '.join(missing)}")
    refused = [p for p in PUBLIC_REFUSES if p in gateway.chain(CATALOG_ROUTE)]
    if refused:
        return Failure("the catalogue is public, but its route asks for a token",
                       "an anonymous shopper's GET /catalog/shoes, no Authorization header",
                       "the catalogue page", f"401 from {refused[0]}")
    return None


def _record_check(gateway: Gateway) -> Failure | None:
    return violated(check_gateway(gateway))


# -- 4.bearer: read a Bearer header as strictly as authenticate does -----------------------

#: The gateway's token policy, the instant of every request, and the one token sent.
SECRET = b"front-door-exercise-secret-32-by"
POLICY = TokenPolicy(SECRET, ["HS256"], audience="shop")
NOW = 1_700_000_000


@cache
def token() -> str:
    """A genuine token for ``POLICY``, valid at ``NOW``."""
    return jwt.encode({"sub": "ann", "aud": "shop", "exp": 2_000_000_000}, SECRET,
                      algorithm="HS256")


#: Authorization headers around the genuine token: before the scheme, the scheme, the
#: separator, and what follows the token. Plus no header at all and three bare ones. Each
#: is drawn inside a 1-tuple, since a search that finds None reports no example at all.
HEADERS = st.one_of(
    st.sampled_from((None, "", "Bearer", "Bearer ")),
    st.tuples(st.sampled_from(("", " ")),
              st.sampled_from(("Bearer", "bearer", "BEARER", "Basic", "Token", "Bearer:")),
              st.sampled_from((" ", "", "  ", "\t")),
              st.sampled_from(("", " ", ",", " x", "\t"))).map(
        lambda t: f"{t[0]}{t[1]}{t[2]}{token()}{t[3]}")).map(lambda header: (header,))


def _expected_token(header: str | None) -> str | None:
    """The token when :func:`authenticate` accepts the header (the token is genuine, so
    only the header can be refused), else None."""
    return token() if authenticate(header, POLICY, NOW).allowed else None


def _shown(value: object) -> str:
    """A header or a result with the long token written ``<token>``."""
    if isinstance(value, str) and token() in value:
        return repr(value).replace(token(), "<token>")
    return shown(value) or _kind(value)


def _bearer_behaviour(answer: Callable[..., object]) -> Failure | None:
    def wrong(header: str | None) -> bool:
        got = answer_call(answer, header)
        return not (got is None or isinstance(got, str)) or got != _expected_token(header)

    drawn = first_counterexample(HEADERS, lambda h: wrong(h[0]))
    if drawn is None:
        return None
    header = drawn[0]
    expected = _expected_token(header)
    verdict = authenticate(header, POLICY, NOW)
    return Failure("your parser disagrees with the gateway's reading of the header",
                   "no Authorization header (header is None)" if header is None else
                   f"Authorization: {_shown(header)}",
                   "<token>" if expected is not None else
                   f"None (authenticate answers {verdict.status}: {verdict.reason})",
                   observe(lambda: answer_call(answer, header), _shown))


# -- 4.fixed-window: a per-client fixed window --------------------------------------------

#: One client's requests, or two clients': a limit, a window (exact) and the requests,
#: each a client and the gap since the request before it.
GAPS = st.sampled_from((0, Fraction(1, 2), 1, 2, 3))
ONE_CLIENT = st.tuples(st.integers(1, 3), st.sampled_from((1, 2, Fraction(5, 2))),
                       st.lists(st.tuples(st.just("a"), GAPS), min_size=1, max_size=10))
TWO_CLIENTS = st.tuples(st.integers(1, 3), st.sampled_from((1, 2, Fraction(5, 2))),
                        st.lists(st.tuples(st.sampled_from(("a", "b")), GAPS), min_size=1,
                                 max_size=10))

Stream = tuple[int, int | Fraction, list[tuple[str, int | Fraction]]]


def _times(stream: Stream) -> list[tuple[str, int | Fraction]]:
    """The requests of ``stream`` as (client, time), the first gap counted from 0."""
    now: int | Fraction = 0
    timed = []
    for client, gap in stream[2]:
        now += gap
        timed.append((client, now))
    return timed


def _window_class_type(answer: object) -> Failure | None:
    if isinstance(answer, type):
        return None
    if callable(getattr(answer, "allow", None)):
        name = type(answer).__name__
        return Failure(f"expected a class, got an object of class {name}: pass the class "
                       f"{name}, not {name}(...)")
    return one_of(answer, type, "a class with an allow(key, now) method")


def _window_class_shape(answer: type) -> Failure | None:
    try:
        limiter = answer_call(answer, 2, 10)
    except OutOfSteps:
        raise
    except Exception as error:
        return Failure(f"{answer.__name__}(limit, window) must work, as {answer.__name__}(2, "
                       f"10); it raised {type(error).__name__}")
    if not callable(getattr(limiter, "allow", None)):
        return Failure(f"{answer.__name__} has no allow(key, now) method")
    return None


class _Broke(str):
    """What went wrong in place of a decision: the answer raised or ran out of steps."""


def _broke(error: Exception) -> _Broke:
    text = str(error).splitlines()[0] if str(error) else ""
    said = f": {text}" if text and "0x" not in text else ""
    return _Broke(f"raised {type(error).__name__}{said}")


def _first_difference(answer: type, stream: Stream) -> tuple[int, list[object]]:
    """The index of the first decision that differs from FixedWindow's (-1 if none), and
    the answer's decisions up to it: True, False, another value, or what went wrong."""
    model = FixedWindow(stream[0], stream[1])
    timed = _times(stream)
    said: list[object] = []
    try:
        limiter = answer_call(answer, stream[0], stream[1])
        for client, at in timed:
            said.append(answer_call(limiter.allow, client, at))
            if said[-1] is not model.allow(client, at):
                return len(said) - 1, said
    except OutOfSteps:
        return len(said), [*said, _Broke("ran more than the step budget")]
    except Exception as error:
        return len(said), [*said, _broke(error)]
    return -1, said


def _word(decision: object) -> str:
    if decision is True:
        return "admitted"
    if decision is False:
        return "rejected"
    return str(decision) if isinstance(decision, _Broke) else f"{_kind(decision)}, not a bool"


def _window_step(strategy: st.SearchStrategy[Any], what: str
                 ) -> Callable[[type], Failure | None]:
    def check(answer: type) -> Failure | None:
        stream = first_counterexample(strategy, lambda s: _first_difference(answer, s)[0] >= 0)
        if stream is None:
            return None
        k, said = _first_difference(answer, stream)
        limit, window = stream[0], stream[1]
        timed = _times(stream)[: k + 1]
        model = FixedWindow(limit, window)
        expected = [model.allow(c, t) for c, t in timed]
        client, at = timed[k]
        index = math.floor(Fraction(at) / Fraction(window))
        return Failure(f"{what}: the request of {client} at t={_time(at)} is decided "
                       "differently from FixedWindow",
                       f"limit={limit}, window={_time(window)}; requests "
                       + ", ".join(f"{c} at {_time(t)}" for c, t in timed),
                       f"{_word(expected[k])} (window [{_time(index * window)}, "
                       f"{_time((index + 1) * window)}) of {client})",
                       ", ".join(_word(d) for d in said[: k + 1]))
    return check


# -- 4.token-bucket: the worst case of a token bucket ------------------------------------

#: Capacities 1 to 10, rates of 1/4 to 3 tokens a second, intervals of 0 to 20 s, exact.
BUCKETS: st.SearchStrategy[dict[str, Any]] = st.tuples(
    st.integers(1, 10), st.integers(1, 12), st.integers(0, 80)).map(
    lambda t: {"capacity": t[0], "rate": Fraction(t[1], 4), "t": Fraction(t[2], 4)})


def _value(expression: sp.Expr, point: dict[str, Any]) -> sp.Expr:
    symbols = {symbol.name: symbol for symbol in expression.free_symbols}
    return sp.sympify(expression).subs({symbols[name]: sp.Rational(value) for name, value
                                        in point.items() if name in symbols})


def _bucket_shape(answer: sp.Expr) -> Failure | None:
    names = {symbol.name for symbol in answer.free_symbols}
    if not names <= {"capacity", "rate", "t"}:
        return Failure(f"expected an expression in capacity, rate and t, found the symbols "
                       f"{', '.join(sorted(names)) or 'none'}")
    return None


def _at(point: dict[str, Any]) -> str:
    return (f"capacity = {point['capacity']}, rate = {_time(point['rate'])} tokens/s, "
            f"t = {_time(point['t'])} s")


def _number(value: sp.Expr) -> str:
    return str(value) if value.is_Rational else f"about {float(value):.6g}"


def _bucket_attained(answer: sp.Expr) -> Failure | None:
    def below(point: dict[str, Any]) -> bool:
        limiter = TokenBucket(point["capacity"], point["rate"])
        return float(_value(answer, point)) < attack(limiter, point["t"]) - 1e-9

    point = first_counterexample(BUCKETS, below)
    if point is None:
        return None
    limiter = TokenBucket(point["capacity"], point["rate"])
    got = attack(limiter, point["t"])
    return Failure("a request stream gets more requests admitted than your bound allows",
                   f"{_at(point)}; a full bucket's burst at the interval's start, then one "
                   "request each time a token comes back (TokenBucket.adversary)",
                   f"at least {got}, as attack(TokenBucket(...), t) admits",
                   _number(_value(answer, point)))


def _bucket_exact(answer: sp.Expr) -> Failure | None:
    def wrong(point: dict[str, Any]) -> bool:
        limiter = TokenBucket(point["capacity"], point["rate"])
        return abs(float(_value(answer, point)) - limiter.worst_case(point["t"])) > 1e-9

    point = first_counterexample(BUCKETS, wrong)
    if point is None:
        return None
    most = TokenBucket(point["capacity"], point["rate"]).worst_case(point["t"])
    return Failure("your bound is more than any request stream gets admitted",
                   _at(point), f"{most}: no stream gets more admitted in an interval of that "
                   "length", _number(_value(answer, point)))


# -- 4.cache-key: a cache key that shares public pages and leaks no private one ------------

#: Who asks, and what: the shop's public catalogue, a look-alike private path, and two
#: private pages.
CALLERS = ("alice", "bob", None)
PATHS = ("/catalog/shoes", "/catalog/hats", "/catalog-drafts/spring", "/account",
         "/orders/7")
VISITS = st.lists(st.tuples(st.sampled_from(CALLERS), st.sampled_from(PATHS)),
                  min_size=2, max_size=6)
SHARES = st.tuples(st.sampled_from(CALLERS), st.sampled_from(CALLERS),
                   st.sampled_from(("shoes", "hats"))).filter(lambda t: t[0] != t[1])


def shop_backend(request: CacheRequest) -> CacheResponse:
    """What the shop's services answer: the catalogue is public, the same for everyone;
    every other page is the caller's own, private, and refused to an anonymous caller."""
    if request.path.startswith("/catalog/"):
        return CacheResponse(200, f"catalogue page {request.path}", "public, max-age=60")
    if request.caller is None:
        return CacheResponse(401, "sign in first", "no-store")
    return CacheResponse(200, f"{request.path} of {request.caller}", "private")


class _Keyed(ResponseCache):
    """The gateway's :class:`ResponseCache`, storing and looking up under the learner's
    key."""

    def __init__(self, cache_key: Callable[[CacheRequest], Hashable]):
        super().__init__()
        self.cache_key = cache_key

    def key(self, request: CacheRequest) -> Any:  # type: ignore[override]
        return answer_call(self.cache_key, request)


def _who(caller: str | None) -> str:
    return caller or "an anonymous caller"


def _cache_private(answer: Callable[..., Hashable]) -> Failure | None:
    served = private_leak(_Keyed(answer))
    if served is None:
        return None
    return Failure("Bob is served Alice's private page (private_leak)",
                   "alice GETs /account at t=0 (200, Cache-Control: private); bob GETs "
                   "/account at t=1", "None: bob's request goes on to the account service",
                   f"{served.body!r}")


def _visit(answer: Callable[..., Hashable], visits: Sequence[tuple[str | None, str]]
           ) -> tuple[int, CacheResponse] | None:
    """Run ``visits``, one a second, through the learner's cache: the first visit served
    something the service would not give its caller, and what; or None."""
    keyed = _Keyed(answer)
    for now, (caller, path) in enumerate(visits):
        request = CacheRequest("GET", path, caller)
        hit = keyed.lookup(request, now)
        if hit is not None and hit != shop_backend(request):
            return now, hit
        if hit is None:
            keyed.store(request, shop_backend(request), now)
    return None


def _cache_leaks(answer: Callable[..., Hashable]) -> Failure | None:
    visits = first_counterexample(VISITS, lambda v: _visit(answer, v) is not None)
    if visits is None:
        return None
    done = "; ".join(f"{_who(c)} GETs {p} at t={k}" for k, (c, p) in enumerate(visits))
    try:
        found = _visit(answer, visits)
    except OutOfSteps:
        raise
    except Exception as error:
        return Failure(f"your cache key raised {type(error).__name__}", done)
    if found is None:
        return Failure("your cache key serves a page that is not the caller's on one run "
                       "and not on another", done)
    now, served = found
    caller, path = visits[now]
    return Failure(f"{_who(caller)} is served a page that is not theirs at t={now}", done,
                   f"{shop_backend(CacheRequest('GET', path, caller)).body!r}",
                   f"{served.body!r} from the cache")


def _shared(answer: Callable[..., Hashable], case: tuple[str | None, str | None, str]) -> bool:
    first, second, item = case
    keyed = _Keyed(answer)
    path = f"/catalog/{item}"
    keyed.store(CacheRequest("GET", path, first),
                shop_backend(CacheRequest("GET", path, first)), 0)
    return keyed.lookup(CacheRequest("GET", path, second), 1) is not None


def _cache_shares(answer: Callable[..., Hashable]) -> Failure | None:
    case = first_counterexample(SHARES, lambda c: not _shared(answer, c))
    if case is None:
        return None
    first, second, item = case
    return Failure("a public catalogue page is fetched again for each caller",
                   f"{_who(first)} GETs /catalog/{item} at t=0 (Cache-Control: public, "
                   f"max-age=60); {_who(second)} GETs it at t=1",
                   "a cache hit: the page is the same for every caller",
                   observe(lambda: _shared(answer, case),
                           lambda hit: "a hit" if hit else
                           "a miss: the request goes to the catalogue service again"))


# -- 4.fan-out: the widest fan-out that keeps the tail in budget ---------------------------

def most_calls(p: Fraction, target: Fraction) -> int:
    """The largest n with 1 - (1 - p)^n <= target, exactly: a float estimate, then
    counted up in rationals from just below it."""
    n = max(0, math.floor(math.log1p(-float(target)) / math.log1p(-float(p))) - 2)
    while 1 - (1 - p) ** (n + 1) <= target:
        n += 1
    return n


def _clear(pair: tuple[Fraction, Fraction]) -> bool:
    """Whether no n puts 1 - (1 - p)^n within a billionth of the target, where a float
    computation could land on either side."""
    p, target = pair
    n = most_calls(p, target)
    return all(abs(1 - (1 - p) ** k - target) > Fraction(1, 10**9) for k in (n, n + 1))


#: Slow shares p of 1 to 50 in a thousand, targets of 1% to 99% at least p.
BUDGETS = st.tuples(st.integers(1, 50), st.integers(1, 99)).map(
    lambda t: (Fraction(t[0], 1000), Fraction(t[1], 100))).filter(
    lambda t: t[0] <= t[1] and _clear(t))


def _fan_out_behaviour(answer: Callable[..., object]) -> Failure | None:
    def wrong(pair: tuple[Fraction, Fraction]) -> bool:
        got = answer_call(answer, float(pair[0]), float(pair[1]))
        return (not isinstance(got, int) or isinstance(got, bool)
                or got != most_calls(*pair))

    pair = first_counterexample(BUDGETS, wrong)
    if pair is None:
        return None
    p, target = float(pair[0]), float(pair[1])
    n = most_calls(*pair)

    def show(got: object) -> str:
        if not isinstance(got, int) or isinstance(got, bool):
            return f"{_kind(got)}, not an int"
        if got < 1:
            return f"{got}"
        return f"{got}: slow_fraction({got}, {p:g}) = {slow_fraction(got, p):.6f}"

    return Failure("your n is not the largest fan-out within the target",
                   f"p = {p:g}, target = {target:g}",
                   f"{n}: slow_fraction({n}, {p:g}) = {slow_fraction(n, p):.6f} <= "
                   f"{target:g} < slow_fraction({n + 1}, {p:g}) = "
                   f"{slow_fraction(n + 1, p):.6f}",
                   observe(lambda: answer_call(answer, p, target), show))


# -- the exercises ---------------------------------------------------------------------------

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        id="4.routing-table",
        statement="Def 4.1.2",
        title="Write the shop's routing table",
        task="Write a list of Route for the shop's gateway (services orders, reports, static "
        "and users) that check_routes accepts and that sends GET /orders/export to "
        "reports, every other request for /orders or a path below it (any method) to "
        "orders, GET /users/<id> to users, GET /static or a path below it to static, and "
        "routes nothing else.",
        answer="a list of Route (or a RoutingTable)",
        kind="design",
        difficulty=2,
        steps=steps(("type", _routes_type), ("shape", _routes_shape),
                    ("a function", _routes_function), ("behaviour", _routes_behaviour)),
        hint="read each witness of check_routes: a gateway that takes the first match "
        "(Envoy) must meet the narrow route before the broad one that contains it. A "
        "parameter {id} is exactly one segment; a final * is zero or more.",
        lesson=LESSON_4A,
    ),
    Exercise(
        id="4.gateway-record",
        statement="Def 4.1.1",
        title="Assemble the gateway AG = (R, P, L, S)",
        task="Build a Gateway whose R holds GET /orders/{id} -> orders and GET /catalog/* "
        "-> catalog; the orders route authenticates, authorizes, rate-limits per caller and "
        "caches, the public catalogue rate-limits per address and caches; L is a balancer "
        "and S a TokenPolicy; check_gateway must accept it.",
        answer="a Gateway with services orders and catalog",
        kind="model",
        difficulty=1,
        steps=steps(("type", lambda x: one_of(x, Gateway, "a Gateway")),
                    ("shape", _record_shape), ("security", _record_security),
                    ("policies", _record_policies), ("check_gateway", _record_check)),
        hint="a policy can only use what an earlier one established: who the caller is, "
        "and whether they may ask. What would a cache hit before those checks hand out?",
        lesson=LESSON_4A,
    ),
    Exercise(
        id="4.bearer",
        statement="Function 4.2.3",
        title="Read a Bearer header strictly",
        task="Write bearer_token(header), the token of an Authorization header read as the "
        "gateway reads it (the scheme Bearer in any case, exactly one space, one token, "
        "nothing else), or None when the header is missing or not of that form.",
        answer="a function bearer_token(header) returning a str or None",
        kind="code",
        difficulty=2,
        steps=steps(("type", a_function("a function bearer_token(header)")),
                    ("shape", takes("header")), ("behaviour", _bearer_behaviour)),
        hint="a lenient parser (strip, split on any whitespace) hands on tokens the gateway "
        "would refuse; the scheme is case-insensitive, the rest of the header is not "
        "forgiven. Try each header the feedback shows, in your head, character by "
        "character.",
        lesson=LESSON_4A,
    ),
    Exercise(
        id="4.fixed-window",
        statement="Function 4.2.4",
        title="A fixed window per client",
        task="Write a class constructed as Limiter(limit, window) whose allow(key, now) "
        "admits at most limit requests of each client in each window [k * window, "
        "(k + 1) * window), times exact (ints or Fractions) and never going backwards.",
        answer="a class Limiter(limit, window) with allow(key, now) -> bool",
        kind="code",
        difficulty=2,
        steps=steps(("type", _window_class_type), ("shape", _window_class_shape),
                    ("one client", _window_step(ONE_CLIENT, "with one client")),
                    ("several clients", _window_step(TWO_CLIENTS, "with two clients"))),
        hint="a window is a number, floor(now / window), not the time of a reset; and what "
        "one client does must not move another client's window.",
        lesson=LESSON_4B,
    ),
    Exercise(
        id="4.token-bucket",
        statement="Function 4.2.4",
        title="The worst case of a token bucket",
        task="Derive, as a sympy expression in capacity, rate and t, the most requests one "
        "client can have admitted by a token bucket (starting full) in a closed interval "
        "of t seconds.",
        answer="a sympy expression in the symbols capacity, rate and t",
        kind="derivation",
        difficulty=2,
        steps=steps(("type", lambda x: one_of(x, sp.Expr, "a sympy expression")),
                    ("shape", _bucket_shape), ("attained", _bucket_attained),
                    ("exact", _bucket_exact)),
        hint="what can a client spend at the interval's first instant, and how many whole "
        "tokens come back before its end? A request takes a whole token.",
        lesson=LESSON_4B,
    ),
    Exercise(
        id="4.cache-key",
        statement="Def 4.1.1",
        title="A cache key that shares without leaking",
        task="Write cache_key(request), the key the gateway's ResponseCache stores and looks "
        "up a CacheRequest by, so that pages under /catalog/ (public) are shared by every "
        "caller while no caller is ever served another's private page.",
        answer="a function cache_key(request) returning a hashable key",
        kind="code",
        difficulty=3,
        steps=steps(("type", a_function("a function cache_key(request)")),
                    ("shape", takes("request")), ("private_leak", _cache_private),
                    ("no leak", _cache_leaks), ("sharing", _cache_shares)),
        hint="a key holds what the response varies on. Which pages vary with the caller? "
        "Compare paths segment by segment: a path that merely begins with the same letters "
        "is another page.",
        lesson=LESSON_4B,
    ),
    Exercise(
        id="4.fan-out",
        statement="Function 4.2.2",
        title="How wide may a fan-out be?",
        task="Write largest_fan_out(p, target), the largest number n of calls a request may "
        "fan out to, each slow with probability p, while the chance that the request waits "
        "on a slow call stays at most target.",
        answer="a function largest_fan_out(p, target) returning an int",
        kind="code",
        difficulty=1,
        steps=steps(("type", a_function("a function largest_fan_out(p, target)")),
                    ("shape", takes("p", "target")), ("behaviour", _fan_out_behaviour)),
        hint="a request escapes the tail only if every one of its n calls is fast; solve "
        "for n with logarithms, and mind which way the inequality turns and which way to "
        "round.",
        lesson=LESSON_4B,
    ),
)
