"""Chapter 4 (lessons 4a and 4b)."""

from __future__ import annotations

import math

import sympy as sp

from msatheory.discovery.balancers import RoundRobin
from msatheory.gateway.auth import TokenPolicy
from msatheory.gateway.gateway import Gateway
from msatheory.gateway.routing import Route

capacity, rate, t = sp.symbols("capacity rate t", positive=True)

# -- 4.routing-table ---------------------------------------------------------------------------

#: Right: the narrow export route first, so a first-match gateway meets it too; a final *
#: takes /orders and everything below it; {id} is one segment.
SHOP_ROUTES = [
    Route("GET", "/orders/export", "reports"),
    Route("*", "/orders/*", "orders"),
    Route("GET", "/users/{id}", "users"),
    Route("GET", "/static/*", "static"),
]

# -- 4.gateway-record --------------------------------------------------------------------------

ORDERS = Route("GET", "/orders/{id}", "orders")
CATALOG = Route("GET", "/catalog/*", "catalog")
KEY = b"shop-gateway-hmac-secret-32bytes"


def shop_gateway(orders: list[str], catalog: list[str], security: object = None) -> Gateway:
    """The shop's gateway with the given chains (S a TokenPolicy unless ``security``)."""
    return Gateway([ORDERS, CATALOG], {ORDERS: orders, CATALOG: catalog}, RoundRobin(),
                   security if security is not None else TokenPolicy(KEY, ["HS256"],
                                                                     audience="shop"),
                   services=["orders", "catalog"])


# -- 4.bearer ----------------------------------------------------------------------------------

B64TOKEN = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/")


def bearer_token(header):
    """Right: the scheme, compared case-insensitively, exactly one space, then one
    b64token (RFC 6750 section 2.1) and nothing after it."""
    if not header:
        return None
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "bearer" or not rest:
        return None
    body = rest.rstrip("=")
    if not body or not set(body) <= B64TOKEN:
        return None
    return rest


def bearer_split(header):
    """Wrong: any whitespace is forgiven, before, between and after."""
    parts = (header or "").split()
    return parts[1] if len(parts) == 2 and parts[0].lower() == "bearer" else None


def bearer_prefix(header):
    """Wrong: the scheme is compared case-sensitively (RFC 7235 makes it insensitive)."""
    if header and header.startswith("Bearer ") and " " not in header[7:]:
        return header[7:] or None
    return None


def bearer_index(header):
    """Wrong: the second word, whatever the first; raises on a header of one word."""
    return header.split(" ")[1]


def bearer_lenient_tail(header):
    """Wrong: the scheme and one space are checked, but anything may follow the token."""
    if header and header[:7].lower() == "bearer ":
        return header[7:].split(" ")[0].rstrip(",\t") or None
    return None


# -- 4.fixed-window ----------------------------------------------------------------------------


class PerClientWindow:
    """Right: per client, the index of its current window, floor(now / window), and a
    count of what it admitted in it."""

    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self.windows = {}

    def allow(self, key, now):
        index = math.floor(now / self.window)
        current, count = self.windows.get(key, (index, 0))
        if current != index:
            count = 0
        if count >= self.limit:
            self.windows[key] = (index, count)
            return False
        self.windows[key] = (index, count + 1)
        return True


class SketchReset:
    """Wrong: the Go RateLimitPolicy as written (the lesson's starter): one last reset for
    all clients, every counter reset when more than a window has passed since it."""

    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self.counter = {}
        self.last_reset = None

    def allow(self, key, now):
        if self.last_reset is None or now - self.last_reset > self.window:
            self.counter = {}
            self.last_reset = now
        if self.counter.get(key, 0) >= self.limit:
            return False
        self.counter[key] = self.counter.get(key, 0) + 1
        return True


class WindowFromFirstHit:
    """Wrong: each client's window starts at its first request (the limits library's
    fixed window), not at a multiple of the window."""

    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self.starts = {}

    def allow(self, key, now):
        start, count = self.starts.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        self.starts[key] = (start, count + (count < self.limit))
        return count < self.limit


class OneCounter:
    """Wrong: aligned windows, but one counter for every client."""

    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self.index, self.count = None, 0

    def allow(self, key, now):
        index = math.floor(now / self.window)
        if index != self.index:
            self.index, self.count = index, 0
        self.count += 1
        return self.count <= self.limit


class OffByOne:
    """Wrong: admits limit + 1 requests per window."""

    def __init__(self, limit, window):
        self.limit, self.window = limit, window
        self.windows = {}

    def allow(self, key, now):
        index = math.floor(now / self.window)
        current, count = self.windows.get(key, (index, 0))
        count = count if current == index else 0
        self.windows[key] = (index, count + 1)
        return count <= self.limit


# -- 4.cache-key -------------------------------------------------------------------------------


def cache_key(request):
    """Right: a catalogue page is the same for everyone, so its key leaves the caller
    out; every other page is keyed by its caller too."""
    public = request.path.startswith("/catalog/")
    return request.method, request.path, None if public else request.caller


# -- 4.fan-out ---------------------------------------------------------------------------------


def largest_fan_out(p, target):
    """Right: (1 - p)^n >= 1 - target, so n <= log(1 - target) / log(1 - p), rounded down."""
    return math.floor(math.log1p(-target) / math.log1p(-p))


SOLUTIONS: dict[str, object] = {
    "4.routing-table": SHOP_ROUTES,
    "4.gateway-record": shop_gateway(["authenticate", "authorize", "rate-limit", "cache"],
                                     ["rate-limit-by-ip", "cache"]),
    "4.bearer": bearer_token,
    "4.fixed-window": PerClientWindow,
    "4.token-bucket": capacity + sp.floor(rate * t),
    "4.cache-key": cache_key,
    "4.fan-out": largest_fan_out,
}

MUTANTS: dict[str, list[object]] = {
    "4.routing-table": [
        [Route("*", "/orders/*", "orders"),      # the lesson's starter: broad route first
         Route("GET", "/orders/export", "reports"),
         Route("GET", "/users/{id}", "user"),    # and a service that does not exist
         Route("GET", "/static/*", "static")],
        [Route("*", "/orders/*", "orders"),      # the export route forgotten
         Route("GET", "/users/{id}", "users"), Route("GET", "/static/*", "static")],
        [Route("GET", "/orders/export", "reports"),   # {id} misses /orders itself
         Route("*", "/orders/{id}", "orders"),
         Route("GET", "/users/{id}", "users"), Route("GET", "/static/*", "static")],
        [Route("GET", "/orders/export", "reports"),   # only GET reaches orders
         Route("GET", "/orders/*", "orders"),
         Route("GET", "/users/{id}", "users"), Route("GET", "/static/*", "static")],
        [Route("GET", "/orders/export", "reports"), Route("*", "/orders/*", "orders"),
         Route("GET", "/users/*", "users"),      # /users and /users/7/x routed too
         Route("GET", "/static/*", "static")],
        [Route("GET", "/orders/export", "reports"), Route("*", "/orders/*", "orders"),
         Route("GET", "/users/{id}", "users"),
         Route("*", "/static/*", "static")],     # a DELETE of a static file reaches static
        "GET /orders/* -> orders",                # a string, not routes
    ],
    "4.gateway-record": [
        # the lesson's starter: the sketch's order, quota before the caller is known
        shop_gateway(["rate-limit", "authenticate", "cache", "authorize"],
                     ["rate-limit-by-ip", "cache"]),
        shop_gateway(["authenticate", "cache", "authorize", "rate-limit"],   # cache too early
                     ["rate-limit-by-ip", "cache"]),
        shop_gateway(["authenticate", "rate-limit", "cache"],                # no authorize
                     ["rate-limit-by-ip", "cache"]),
        shop_gateway(["authenticate", "authorize", "rate-limit", "cache"],   # a public page
                     ["authenticate", "rate-limit-by-ip", "cache"]),          # asks for a token
        shop_gateway(["authenticate", "authorize", "rate-limit", "cache"],
                     ["rate-limit-by-ip", "cache"], security="HS256 key"),   # S not a policy
        Gateway([ORDERS], {ORDERS: ["authenticate", "authorize", "rate-limit", "cache"]},
                RoundRobin(), TokenPolicy(KEY, ["HS256"]), services=["orders"]),
    ],
    "4.bearer": [bearer_split, bearer_prefix, bearer_index, bearer_lenient_tail,
                 lambda header: header],
    "4.fixed-window": [SketchReset, WindowFromFirstHit, OneCounter, OffByOne,
                       PerClientWindow(2, 10)],   # an object, not the class
    "4.token-bucket": [
        capacity + rate * t,                      # whole tokens only: the floor is missing
        rate * t,                                 # forgets the full bucket at the start
        capacity + sp.ceiling(rate * t),          # one token too many
        2 * capacity + sp.floor(rate * t),        # two bursts, as a fixed window has
        sp.Integer(5),                            # a number, not the formula
    ],
    "4.cache-key": [
        lambda request: f"{request.method}:{request.path}",   # the sketch's key
        lambda request: (request.method, request.path, request.caller),   # shares nothing
        lambda request: (request.method, request.path,
                         None if request.path.startswith("/catalog") else request.caller),
        lambda request: request.caller,          # one page per caller, whatever the path
        lambda request: [request.method, request.path],     # a list is not hashable
    ],
    "4.fan-out": [
        lambda p, target: math.ceil(math.log1p(-target) / math.log1p(-p)),
        lambda p, target: math.floor(target / p),           # the union bound, n * p
        lambda p, target: math.log(1 - target) / math.log(1 - p),    # not rounded
        lambda p, target: math.floor(math.log(target) / math.log(p)),
    ],
}
