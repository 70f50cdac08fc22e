"""The statements ``msatheory check`` verifies on a system read from a file.

Each chapter package lists its checks in a ``CHECKS`` table (its ``checks`` module):
which statement, which checker, and which parts of the system the checker reads. The
report runs every chapter's table in chapter order, so a new chapter adds a row to its
own table and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType

from msatheory.theory.statement import Statement
from msatheory.theory.verdict import Verdict

__all__ = ["INPUTS", "MISSING", "Check"]

#: What a checker may read from a system (:class:`msatheory.check.System` fields):
#: the chapter 1 model, the chapter 2 design (``None`` when a file gives no functions),
#: the granularity bounds, the gateways clients are meant to enter by, the routing
#: of a cluster's Ingress and HTTPRoute objects (``None`` when it has none), and the
#: retry, timeout and ejection policies of its Istio VirtualService and DestinationRule
#: objects (``None`` when it has none), and the replication of its data stores as a
#: compose file or manifests show it (``None`` for an architecture file, or a file with no
#: data store), the rollouts of its workloads and its PodDisruptionBudgets (``None``
#: unless manifests hold them), and the containers that run its services and data stores
#: (``None`` for an architecture file).
INPUTS = ("architecture", "design", "bounds", "gateways", "routing", "resilience", "storage",
          "rollouts", "containers")

#: Why a system lacks each input a check may need, and what would supply it.
MISSING = MappingProxyType({
    "design": "the file gives no functions (an architecture file with `functions:` does)",
    "bounds": "the file gives no granularity bounds",
    "gateways": "the file names no gateway",
    "routing": "no Ingress or HTTPRoute objects",
    "resilience": "no Istio VirtualService or DestinationRule objects",
    "storage": "no data store deployed by a compose file or manifests",
    "rollouts": "no Deployment, StatefulSet or DaemonSet in Kubernetes manifests",
    "containers": "an architecture file says nothing of containers",
})


@dataclass(frozen=True)
class Check:
    """``checker`` verifies ``statement``, called with the system fields ``needs`` names;
    it is skipped when a field ``needs`` names is None, or one ``unless`` names is not
    (a better-informed check of the same statement runs instead). ``advice`` says what
    to do about its witnesses, for a team reading the report.

    >>> from msatheory.basics.features import check_independence
    >>> from msatheory.theory import Kind, get
    >>> check = Check(get(Kind.AXIOM, "1.1.1"), check_independence)
    >>> check.needs
    ('architecture',)
    """

    statement: Statement
    checker: Callable[..., Verdict]
    needs: tuple[str, ...] = ("architecture",)
    unless: tuple[str, ...] = ()
    advice: str = ""

    def __post_init__(self) -> None:
        unknown = [name for name in (*self.needs, *self.unless) if name not in INPUTS]
        if unknown:
            from msatheory.errors import TheoryError

            raise TheoryError(f"check of {self.statement.ref}: needs {unknown!r}, which a "
                              f"system does not have; a system has {', '.join(INPUTS)}")

    def arguments(self, system: object) -> tuple[object, ...] | None:
        """The checker's arguments taken from ``system``, or None when one is missing or
        the check gives way (``unless``)."""
        if any(getattr(system, name) is not None for name in self.unless):
            return None
        values = tuple(getattr(system, name) for name in self.needs)
        return None if any(value is None for value in values) else values
