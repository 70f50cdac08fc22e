"""Chapter 7, deployment and operations (部署与运维理论): Strategies 7.1.1-7.1.3, Defs
7.2.1-7.2.2 and Defs 7.3.1-7.3.2.

* Releases on a virtual clock (:mod:`.release`): a :class:`Service` of pods released from
  one :class:`Version` to another, each strategy measured by one :class:`ReleaseReport`
  (bad requests, capacity, extra pods, time to full rollout and to roll back, error budget):
  Strategy 7.1.1 (蓝绿部署) :func:`blue_green`; Strategy 7.1.2 (金丝雀部署) :func:`flagger`
  and :func:`argo`, checked by Flagger's thresholds (:class:`ThresholdCheck`) or against a
  baseline as Kayenta does (:class:`JudgeCheck`, :func:`.judge.judge`); Strategy 7.1.3
  (滚动部署) :func:`.rolling.rolling` over a Kubernetes :class:`Deployment`, bounded by
  :func:`rollout_bounds`;
* Def 7.2.1 (监控指标): a service's :class:`ServiceMetrics`, :func:`red` and :func:`use`,
  and Prometheus' instruments (:class:`Counter`, :class:`Gauge`, :class:`Histogram`) and
  :func:`histogram_quantile`;
* Def 7.2.2 (告警规则): an :class:`SLO` and its error budget (:func:`burn_rate`,
  :func:`budget_consumed`, :func:`time_to_exhaustion`), :class:`AlertRule` s from a
  threshold to multiwindow multi-burn-rate alerts, :func:`check_alert_rules`, and
  :func:`load_rules` for Prometheus rules files;
* Def 7.3.1 (日志聚合): :class:`LogRecord` s of the shop aggregated by :func:`collect_logs`;
  Def 7.3.2 (链路追踪): OpenTelemetry spans from :func:`export_traces`, a trace's
  :func:`span_tree` and its :func:`critical_path`;
* ``msatheory check`` on manifests: :func:`read_rollouts`, :func:`check_rollouts` and
  :func:`check_budgets` (Strategy 7.1.3);
* the theory's Rust ``DeploymentManager`` as written (:mod:`.sketch`), its :data:`ERRATA`
  and the getters it marks 简化实现 (:data:`STUBS`).

The package exports the model and its checkers. Simulations, builds, tables and constants
are imported from their modules: ``from msatheory.deployment.release import erroring``.
"""

from msatheory._lazy import lazy

__all__ = [
    "CHECKS",
    "ERRATA",
    "SLO",
    "STUBS",
    "AlertRule",
    "Counter",
    "Deployment",
    "Gauge",
    "Histogram",
    "JudgeCheck",
    "Judgement",
    "LogRecord",
    "ReleaseReport",
    "Service",
    "ServiceMetrics",
    "ThresholdCheck",
    "Version",
    "argo",
    "blue_green",
    "budget_consumed",
    "burn_rate",
    "check_alert_rules",
    "check_budgets",
    "check_rollouts",
    "collect_logs",
    "critical_path",
    "export_traces",
    "flagger",
    "histogram_quantile",
    "load_rules",
    "mann_whitney",
    "read_rollouts",
    "red",
    "rollout_bounds",
    "span_tree",
    "time_to_exhaustion",
    "use",
]

# Each name's submodule is imported on first use (msatheory._lazy): `msatheory check` needs
# the rollout bounds, not OpenTelemetry (tracing) or hypothesis (errata).
__getattr__, __dir__ = lazy(__name__, {
    "alerting": ("AlertRule", "check_alert_rules"),
    "analysis": ("JudgeCheck", "ThresholdCheck"),
    "bluegreen": ("blue_green",),
    "bounds": ("rollout_bounds",),
    "canary": ("argo", "flagger"),
    "checks": ("CHECKS",),
    "errata": ("ERRATA", "STUBS"),
    "judge": ("Judgement",),
    "logs": ("LogRecord", "collect_logs"),
    "mannwhitney": ("mann_whitney",),
    "manifests": ("check_budgets", "check_rollouts", "read_rollouts"),
    "metrics": ("ServiceMetrics", "red", "use"),
    "prometheus": ("Counter", "Gauge", "Histogram", "histogram_quantile"),
    "release": ("ReleaseReport", "Service", "Version"),
    "rolling": ("Deployment",),
    "rulefiles": ("load_rules",),
    "slo": ("SLO", "budget_consumed", "burn_rate", "time_to_exhaustion"),
    "tracing": ("critical_path", "export_traces", "span_tree"),
})
