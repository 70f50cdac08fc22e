"""Chapter 5, service communication (服务通信理论): Patterns 5.1.1-5.1.3, Protocols
5.2.1-5.2.3, Def 5.3.1, Strategies 5.3.1-5.3.2.

* Patterns 5.1.1 (同步通信), 5.1.2 (异步通信) and 5.1.3 (事件驱动), compared in
  simulation: :func:`synchronous_chain` (availabilities multiply, latencies add),
  :func:`queue_outage` (a queue accepts through a consumer outage and drains its backlog
  after it), :func:`order_flow` (orchestration against choreography: who must be up to
  accept an order, and how long it takes to complete);
* Protocol 5.2.1 (REST): the methods' meaning and :func:`retry_safe`, and an
  :class:`OrderService` whose retried POST makes a duplicate order unless it carries an
  Idempotency-Key;
* Protocol 5.2.2 (gRPC): :func:`deadline_trace`, deadlines propagated along a call tree of
  :class:`Hop` s; messages as a protobuf :class:`Schema`, encoded with the real runtime,
  and the :func:`compatibility` of two versions of one;
* Protocol 5.2.3 (消息队列): a :class:`Broker` and a :class:`Consumer` that acks before
  or after processing (at most once, at least once, effectively once), and the outbox
  (:mod:`.outbox`);
* Def 5.3.1 (通信可靠性): :func:`delivery_probability` and :func:`amplification`;
  :class:`RetryBudget` and :class:`AdaptiveThrottle` bound what retries cost;
* Strategy 5.3.1 (重试机制): :class:`Backoff`, exponential backoff with and without jitter;
* Strategy 5.3.2 (熔断器模式): :class:`CircuitBreaker` (pybreaker's rules) and
  :class:`RateBreaker` (Resilience4j's), and :class:`ServiceClient`, which puts timeouts,
  retries and a breaker per service together;
* ``msatheory check`` on calls: :func:`check_retry_amplification`,
  :func:`check_timeout_inversion` and :func:`check_unguarded_calls`, on an architecture
  file's calls or a cluster's Istio VirtualService and DestinationRule objects;
* the theory's Rust ``ServiceCommunication`` and ``CircuitBreaker`` as written
  (:mod:`.sketch`), and its :data:`ERRATA`.

The package exports the model and its checkers. Simulations, sketches and constants are
imported from their modules: ``from msatheory.communication.backoff import contention``.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "AdaptiveThrottle",
    "Backoff",
    "Breaker",
    "Broker",
    "CircuitBreaker",
    "Consumer",
    "Hop",
    "OrderService",
    "RateBreaker",
    "RetryBudget",
    "Schema",
    "ServiceClient",
    "ServiceRequest",
    "amplification",
    "check_retry_amplification",
    "check_timeout_inversion",
    "check_unguarded_calls",
    "compatibility",
    "deadline_trace",
    "delivery_probability",
    "order_flow",
    "queue_outage",
    "retry_safe",
    "synchronous_chain",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the resilience checkers, not SimPy (patterns), protobuf (encoding) or hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "backoff": ("Backoff",),
    "breaker": ("Breaker", "CircuitBreaker", "RateBreaker"),
    "checks": ("CHECKS",),
    "client": ("ServiceClient", "ServiceRequest"),
    "deadlines": ("Hop", "deadline_trace"),
    "delivery": ("Broker", "Consumer"),
    "encoding": ("Schema",),
    "errata": ("ERRATA",),
    "patterns": ("order_flow", "queue_outage", "synchronous_chain"),
    "reliability": ("AdaptiveThrottle", "RetryBudget", "amplification",
                    "delivery_probability"),
    "resilience": ("check_retry_amplification", "check_timeout_inversion",
                   "check_unguarded_calls"),
    "rest": ("OrderService", "retry_safe"),
    "schema": ("compatibility",),
})
