"""Strategy 7.1.3 (滚动部署): the bounds of a rolling update, ``maxSurge`` and ``maxUnavailable``.

A Deployment's ``strategy.rollingUpdate`` bounds a rollout by two numbers, each a count or
a percentage of the desired replicas: ``maxSurge`` (pods above the desired count, a
percentage rounded up) and ``maxUnavailable`` (pods below it that may be unavailable, a
percentage rounded down). :func:`rollout_bounds` resolves them exactly as the Deployment
controller does (``ResolveFenceposts`` in ``pkg/controller/deployment/util``). The module
stops at that arithmetic, and imports nothing heavier than :mod:`re`, so that the manifest
checker (:mod:`msatheory.deployment.manifests`) loads no simulation; the controller that
rolls pods within these bounds is :mod:`msatheory.deployment.rolling`, which re-exports
:func:`rollout_bounds`.
"""

from __future__ import annotations

import re

from msatheory.errors import TheoryError, require_count

__all__ = ["rollout_bounds"]

_PERCENT = re.compile(r"[0-9]+%")


def _value(what: str, value: object, replicas: int, *, round_up: bool,
           at_most_all: bool) -> tuple[int, int]:
    """The number written (count or percentage) and what it is of ``replicas``, scaled as
    Kubernetes scales it."""
    owner = "rollout_bounds"
    if isinstance(value, str):
        if not _PERCENT.fullmatch(value):
            raise TheoryError(f"{owner}: {what} must be a count or a percentage such as "
                              f"'25%', not {value!r}")
        percent = int(value[:-1])
        if at_most_all and percent > 100:
            raise TheoryError(f"{owner}: {what} must not be greater than 100%, not {value!r}")
        scaled = percent * replicas
        return percent, -(-scaled // 100) if round_up else scaled // 100
    count = require_count(owner, what, value)
    return count, count


def rollout_bounds(replicas: int, max_surge: int | str = "25%",
                   max_unavailable: int | str = "25%") -> tuple[int, int]:
    """Strategy 7.1.3 (滚动部署): the most pods and the fewest available pods of a rollout.

    Parameters
    ----------
    replicas : int
        The Deployment's desired replicas.
    max_surge, max_unavailable : int or str
        Counts, or percentages of ``replicas`` written ``"25%"`` (Kubernetes' defaults).
        A percentage of surge is rounded up and one of unavailability down.

    Returns
    -------
    (max_pods, min_available) : tuple of int
        ``replicas + surge`` and ``replicas - unavailable``. When rounding makes both
        zero, ``maxUnavailable`` becomes 1, as the controller resolves it; it never
        exceeds ``replicas``.

    Raises
    ------
    TheoryError
        A negative count, a malformed percentage, ``maxUnavailable`` over 100%, or both
        given as zero (the API server refuses such a Deployment).

    Examples
    --------
    >>> rollout_bounds(10)
    (13, 8)
    >>> rollout_bounds(3, max_surge="10%", max_unavailable="10%")
    (4, 3)
    >>> rollout_bounds(1, max_surge=0, max_unavailable="10%")
    (1, 0)

    References
    ----------
    Strategy 7.1.3. Kubernetes, "Deployments: Rolling Update Deployment" (max surge, max
    unavailable), and ``ResolveFenceposts`` in ``pkg/controller/deployment/util``.
    """
    replicas = require_count("rollout_bounds", "replicas", replicas)
    given_surge, surge = _value("max_surge", max_surge, replicas, round_up=True,
                                at_most_all=False)
    given_unavailable, unavailable = _value("max_unavailable", max_unavailable, replicas,
                                            round_up=False, at_most_all=True)
    if given_surge == 0 and given_unavailable == 0:
        raise TheoryError("rollout_bounds: max_unavailable may not be 0 when max_surge is 0 "
                          "(the rollout could never replace a pod)")
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return replicas + surge, replicas - min(unavailable, replicas)
