"""Chapter 8, practice (实践应用): Patterns 8.1.1-8.1.3 and Practices 8.2.1-8.2.3.

* Patterns as compositions of calls (:mod:`.composition`): a chain (Pattern 8.1.3, 链式模式)
  takes the sum of its calls' latencies, :func:`chain_latency`; an aggregator's fan-out
  (Pattern 8.1.1, 聚合器模式) the maximum, :func:`fan_out_latency`; a proxy (Pattern
  8.1.2, 代理模式) one more hop in series, :func:`proxied`; each succeeds with the product
  of its calls' availabilities (:class:`Composed`, and :class:`CompositionReport` for the
  simulation beside the closed forms);
* the patterns found in any architecture (:mod:`.detection`): :func:`find_aggregators`,
  :func:`find_proxies` and :func:`find_chains` return what they found with its numbers
  (:class:`Aggregator`, :class:`Proxy`, :class:`Chain`), and :func:`check_aggregators`,
  :func:`check_proxies` and :func:`check_chains` the verdicts, with a witness for each
  aggregator whose tail is slow, each pass-through inside the system and each chain over
  its availability, latency or length budget;
* Practice 8.2.3 (部署运维) on files (:mod:`.operations`): images pinned to a version
  (:func:`check_containers`), rollouts declared and run by their controllers
  (:func:`check_automated_rollouts`), metrics, traces and alerts collected
  (:func:`check_monitoring`);
* Practices 8.2.1-8.2.3 as a report over one system (:mod:`.practices`): each part of each
  practice decided by the checks of the chapters that encode it (:func:`practice_report`,
  :class:`PracticeReport`), one verdict per practice (:func:`check_service_design`,
  :func:`check_data_management`, :func:`check_operations`), and Practice 8.2.2's events
  between the services that own data (:func:`check_event_driven`).

``CHECKS`` (:mod:`.checks`) are the rows ``msatheory check`` runs; :data:`ERRATA`
(:mod:`.errata`) the defects that running the practices as the theory states them shows
(the theory marks nothing of section 8 简化实现, so :data:`STUBS` is empty). Simulations and
constants are imported from their modules: ``from msatheory.practice.composition import
simulate_composition``, ``from msatheory.practice.practices import PARTS``.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "STUBS",
    "Aggregator",
    "Chain",
    "Composed",
    "CompositionReport",
    "Part",
    "PartResult",
    "PracticeReport",
    "Proxy",
    "chain_latency",
    "check_aggregators",
    "check_automated_rollouts",
    "check_chains",
    "check_containers",
    "check_data_management",
    "check_event_driven",
    "check_monitoring",
    "check_operations",
    "check_proxies",
    "check_service_design",
    "fan_out_latency",
    "find_aggregators",
    "find_chains",
    "find_proxies",
    "practice_report",
    "proxied",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the detectors and the checks of files, not sympy or SimPy (composition).
__getattr__, __dir__ = lazy(__name__, {
    "checks": ("CHECKS",),
    "composition": ("Composed", "CompositionReport", "chain_latency", "fan_out_latency",
                    "proxied"),
    "errata": ("ERRATA", "STUBS"),
    "detection": ("Aggregator", "Chain", "Proxy", "check_aggregators", "check_chains",
                  "check_proxies", "find_aggregators", "find_chains", "find_proxies"),
    "operations": ("check_automated_rollouts", "check_containers", "check_monitoring"),
    "practices": ("Part", "PartResult", "PracticeReport", "check_data_management",
                  "check_event_driven", "check_operations", "check_service_design",
                  "practice_report"),
})
