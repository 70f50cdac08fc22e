"""Chapter 4, the API gateway (API网关理论): Defs 4.1.1-4.1.2, Functions 4.2.1-4.2.4,
Patterns 4.3.1-4.3.2.

* Def 4.1.1 (API网关): :class:`Gateway`, the record AG = (R, P, L, S), and
  :func:`check_gateway` (every route leads somewhere, its policies run in a safe order);
  :class:`GatewayPipeline` runs it, each :class:`Arrival` to its :class:`Fate`;
* Def 4.1.2 (路由规则) and Function 4.2.1 (路由功能): :class:`Route` and
  :class:`RoutingTable` (path templates, most specific wins) with :func:`check_routes`;
* Function 4.2.2 (聚合功能): :func:`fan_out` over :class:`Call` s with per-call timeouts and
  partial responses, and :func:`slow_fraction`, the tail at scale (:mod:`.aggregation`);
* Function 4.2.3 (认证功能): :func:`authenticate` with a :class:`TokenPolicy` (JWT after
  RFC 8725) and :func:`authorize` with a :class:`Permission`;
* Function 4.2.4 (限流功能): :class:`FixedWindow`, :class:`SlidingLog`,
  :class:`SlidingWindowCounter`, :class:`TokenBucket` and :class:`GCRA`;
* the response cache done right: :class:`ResponseCache`;
* Pattern 4.3.1 (单点入口): :func:`check_single_entry`;
* on a Kubernetes cluster, the :class:`Routing` of its Ingress and HTTPRoute objects,
  checked by :func:`check_routing` (Def 4.1.2) and :func:`check_gateway_entry`
  (Pattern 4.3.1);
* Pattern 4.3.2 (BFF模式): :func:`screen_cost` of a :class:`Screen` through one gateway or
  a backend for frontend, and :func:`check_backend_for_frontend`;
* the theory's Go ``APIGateway`` as written (:mod:`.sketch`), and its :data:`ERRATA`.

The package exports the model and its checkers. Simulations, sketches and constants are
imported from their modules: ``from msatheory.gateway.aggregation import hedging``.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "GCRA",
    "Aggregate",
    "Arrival",
    "CacheRequest",
    "CacheResponse",
    "Call",
    "Decision",
    "Fate",
    "FixedWindow",
    "Gateway",
    "GatewayPipeline",
    "Latency",
    "Limiter",
    "Link",
    "Permission",
    "Resource",
    "ResponseCache",
    "Route",
    "Routing",
    "RoutingTable",
    "Screen",
    "ScreenCost",
    "SlidingLog",
    "SlidingWindowCounter",
    "TokenBucket",
    "TokenPolicy",
    "authenticate",
    "authorize",
    "check_backend_for_frontend",
    "check_gateway",
    "check_gateway_entry",
    "check_routes",
    "check_routing",
    "check_single_entry",
    "exposed_services",
    "fan_out",
    "gateway_bypass",
    "screen_cost",
    "slow_fraction",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the routing and entry checkers, not PyJWT (auth), sympy (ratelimit, aggregation) or
# hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "aggregation": ("Aggregate", "Call", "Latency", "fan_out", "slow_fraction"),
    "auth": ("Decision", "Permission", "TokenPolicy", "authenticate", "authorize"),
    "bff": ("Link", "Resource", "Screen", "ScreenCost", "check_backend_for_frontend",
            "screen_cost"),
    "cache": ("CacheRequest", "CacheResponse", "ResponseCache"),
    "checks": ("CHECKS",),
    "entry": ("check_single_entry", "exposed_services", "gateway_bypass"),
    "errata": ("ERRATA",),
    "gateway": ("Gateway", "check_gateway"),
    "ingress": ("Routing", "check_gateway_entry", "check_routing"),
    "pipeline": ("Arrival", "Fate", "GatewayPipeline"),
    "ratelimit": ("GCRA", "FixedWindow", "Limiter", "SlidingLog", "SlidingWindowCounter",
                  "TokenBucket"),
    "routing": ("Route", "RoutingTable", "check_routes"),
})
