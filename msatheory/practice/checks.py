"""Chapter 8's rows of ``msatheory check``: Patterns 8.1.1-8.1.3 found in any system, with
aggregators whose tail is slow, pass-through proxies inside it and chains over their
availability budget (:mod:`msatheory.practice.detection`); and what Practices 8.2.2 and
8.2.3 add to the other chapters' checks. Events between the services that own data (Practice 8.2.2,
:func:`~msatheory.practice.practices.check_event_driven`), on any system; images pinned to a
version and metrics, traces and alerts collected (Practice 8.2.3,
:func:`~msatheory.practice.operations.check_containers` and
:func:`~msatheory.practice.operations.check_monitoring`), on a compose file or manifests;
rollouts declared and run by their controllers
(:func:`~msatheory.practice.operations.check_automated_rollouts`), on manifests."""

from __future__ import annotations

from msatheory.practice.detection import check_aggregators, check_chains, check_proxies
from msatheory.practice.operations import (
    check_automated_rollouts,
    check_containers,
    check_monitoring,
)
from msatheory.practice.practices import check_event_driven
from msatheory.theory import Kind, get
from msatheory.theory.check import Check

__all__ = ["CHECKS"]

CHECKS = (
    Check(get(Kind.PATTERN, "8.1.1"), check_aggregators, advice=(
        "Hedge the aggregator's calls after their 95th-percentile latency, or fan out to "
        "fewer services, each answering from its own data (lesson 4b).")),
    Check(get(Kind.PATTERN, "8.1.2"), check_proxies, advice=(
        "Remove the pass-through service the witness names, or give it a job (a cache, "
        "a translation) worth its hop and its failures.")),
    Check(get(Kind.PATTERN, "8.1.3"), check_chains, advice=(
        "Shorten the chain the witness names: call services in parallel where one does "
        "not need another's answer, or turn the tail of the chain into events "
        "(lesson 5a).")),
    Check(get(Kind.PRACTICE, "8.2.2"), check_event_driven, advice=(
        "Publish what a service changes as events, so that others learn of it without "
        "calling it (lesson 5a).")),
    Check(get(Kind.PRACTICE, "8.2.3"), check_containers, ("containers",), advice=(
        "Pin every image to a version tag, or better a digest, and build images before "
        "they are deployed, not where they run.")),
    Check(get(Kind.PRACTICE, "8.2.3"), check_automated_rollouts, ("rollouts",), advice=(
        "Declare each workload's rollout strategy, RollingUpdate with the bounds chosen, "
        "so that the controller replaces pods by itself at a pace someone decided "
        "(lesson 7a).")),
    Check(get(Kind.PRACTICE, "8.2.3"), check_monitoring, ("containers",), advice=(
        "Run, or read together with these files, what collects metrics and traces and "
        "what alerts: Prometheus, an OpenTelemetry Collector, Alertmanager (lesson 7b).")),
)
