"""Algorithm 3.2.2's precondition on an architecture: every service declares a health check.

Algorithm 3.2.2 (健康检查算法) deregisters what its checks find unhealthy; a service that
declares no health check gives it nothing to find, so the registry serves the service for
as long as its process lives, whether or not it can answer. :func:`check_health_coverage`
is the row of ``msatheory check`` for chapter 3 (:mod:`.checks`); it reads the static
architecture of Def 1.1.2 (the ``healthcheck`` of each :class:`~msatheory.basics.model.Service`).

The module stops at the declaration: how checks behave at run time is :mod:`.health`, and
whether a check policy detects failures in time is :func:`~.tradeoff.check_health`.
"""

from __future__ import annotations

from msatheory.basics.model import Architecture
from msatheory.errors import require_instance
from msatheory.theory import Kind, get
from msatheory.theory.verdict import Verdict, Witness

__all__ = ["check_health_coverage", "unchecked_services"]


def unchecked_services(arch: Architecture) -> list[str]:
    """The services no health check watches (``healthcheck`` false), in name order: the
    monitoring M of Def 1.1.2 misses them.

    >>> from msatheory.basics.model import Service
    >>> unchecked_services(Architecture([Service("web", healthcheck=True), Service("orders")]))
    ['orders']
    """
    return sorted(name for name, s in arch.services.items() if not s.healthcheck)


def check_health_coverage(arch: Architecture) -> Verdict:
    """Algorithm 3.2.2 (健康检查算法) needs something to run: every service has a health check.

    Parameters
    ----------
    arch : Architecture
        The architecture of Def 1.1.2; each service says whether it declares a health
        check (``healthcheck``).

    Returns
    -------
    Verdict
        On Algorithm 3.2.2. It holds when every service declares a health check; each
        witness, "no health check", involves one service that declares none.

    Raises
    ------
    TheoryError
        If ``arch`` is not an :class:`~msatheory.basics.model.Architecture`.

    Examples
    --------
    >>> from msatheory.basics.model import Service
    >>> shop = Architecture([Service("web", calls=("orders",), healthcheck=True),
    ...                      Service("orders")])
    >>> check_health_coverage(shop)
    Algorithm 3.2.2 Health check (健康检查算法): violated. 1 of 2 services are
    health-checked.
      - no health check: nothing checks whether orders can serve
    >>> check_health_coverage(shop).witnesses[0].involves
    ('orders',)

    See Also
    --------
    unchecked_services : the same services as a list.
    msatheory.discovery.check_health : whether a check policy detects failures in time.

    References
    ----------
    .. [1] Algorithm 3.2.2 of the theory (健康检查算法).
    .. [2] ``msatheory check`` reads ``healthcheck`` from a Compose ``healthcheck`` or a
       Kubernetes readiness or liveness probe.
    """
    require_instance("check_health_coverage", "arch", arch, Architecture)
    missing = unchecked_services(arch)
    return Verdict(
        get(Kind.ALGORITHM, "3.2.2"),
        [Witness("no health check", (name,), f"nothing checks whether {name} can serve")
         for name in missing],
        f"{len(arch.services) - len(missing)} of {len(arch.services)} services are "
        "health-checked.",
    )
