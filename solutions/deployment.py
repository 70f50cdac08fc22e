"""Chapter 7 (lessons 7a and 7b)."""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from msatheory.deployment.alerting import AlertRule, multiwindow_rule, threshold_rule
from msatheory.deployment.slo import DAY, HOUR
from msatheory.exercises.deployment import ALERT_SLO

# -- 7.rollout-bounds ------------------------------------------------------------------------


def _scaled(value, replicas, round_up):
    """A count as is; a percentage of the replicas, rounded up or down."""
    if isinstance(value, str):
        part = int(value.rstrip("%")) * replicas
        return -(-part // 100) if round_up else part // 100
    return value


def rollout_bounds(replicas, max_surge, max_unavailable):
    """Right: surge rounded up, unavailability down; both zero resolved to one
    unavailable pod; never more unavailable pods than replicas."""
    surge = _scaled(max_surge, replicas, round_up=True)
    unavailable = _scaled(max_unavailable, replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return replicas + surge, replicas - min(unavailable, replicas)


def bounds_both_down(replicas, max_surge, max_unavailable):
    """Wrong: the lesson's starter: both percentages rounded down, as int() does, and
    both zero left as they are."""
    surge = _scaled(max_surge, replicas, round_up=False)
    unavailable = _scaled(max_unavailable, replicas, round_up=False)
    return replicas + surge, replicas - min(unavailable, replicas)


def bounds_no_fencepost(replicas, max_surge, max_unavailable):
    """Wrong: both zero after rounding not resolved to maxUnavailable 1."""
    surge = _scaled(max_surge, replicas, round_up=True)
    unavailable = _scaled(max_unavailable, replicas, round_up=False)
    return replicas + surge, replicas - min(unavailable, replicas)


def bounds_uncapped(replicas, max_surge, max_unavailable):
    """Wrong: more pods unavailable than there are replicas."""
    surge = _scaled(max_surge, replicas, round_up=True)
    unavailable = _scaled(max_unavailable, replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return replicas + surge, replicas - unavailable


def bounds_fraction(replicas, max_surge, max_unavailable):
    """Wrong: a percentage read as a fraction of one pod, not of the replicas."""
    def count(value, rounding):
        return rounding(int(value.rstrip("%")) / 100) if isinstance(value, str) else value

    surge = count(max_surge, math.ceil)
    unavailable = count(max_unavailable, math.floor)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return replicas + surge, replicas - min(unavailable, replicas)


# -- 7.flagger-analysis ----------------------------------------------------------------------

#: Right: a check every 30 s, two failures to roll back, ten-point steps to half the traffic.
QUICK_AND_CHEAP = {"interval": 30, "threshold": 2, "max_weight": 50, "step_weight": 10}
#: Wrong: the lesson's starter, Flagger's tutorial settings: promotion takes seven minutes.
TUTORIAL = {"interval": 60, "threshold": 5, "max_weight": 50, "step_weight": 10}

# -- 7.orders-manifests ----------------------------------------------------------------------


def orders_manifests(replicas=3, rolling="maxSurge: 1\n      maxUnavailable: 0",
                     probe=True, budget="maxUnavailable: 1"):
    """A Deployment orders and a PodDisruptionBudget over its pods, as YAML."""
    readiness = ("\n          readinessProbe:\n            httpGet: {path: /ready, port: 8080}"
                 if probe else "")
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: orders}}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      {rolling}
  template:
    metadata:
      labels: {{app: orders}}
    spec:
      containers:
        - name: orders
          image: acme/orders:2{readiness}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: orders
spec:
  {budget}
  selector:
    matchLabels: {{app: orders}}
"""


#: Right: three replicas, a surge pod before any old one goes, a readiness probe, and a
#: budget that lets a drain evict one pod at a time.
ORDERS = orders_manifests()
#: Wrong: the lesson's starter: one replica replaced in place, no probe, and a budget that
#: keeps that one pod for ever.
ONE_REPLICA = orders_manifests(1, "maxSurge: 0\n      maxUnavailable: 1", False,
                               "minAvailable: 1")

# -- 7.histogram-quantile --------------------------------------------------------------------


def histogram_quantile(q, buckets):
    """Right: linear interpolation in the bucket holding the rank, the lowest bucket from
    0, a rank in the +Inf bucket the highest finite bound."""
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    total = buckets[-1][1]
    if len(buckets) < 2 or total == 0:
        return math.nan
    rank = q * total
    lower, below = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * (rank - below) / (count - below)
        lower, below = le, count
    return lower


def quantile_inf(q, buckets):
    """Wrong: the lesson's starter: a rank in the +Inf bucket interpolated to infinity."""
    total = buckets[-1][1]
    rank = q * total
    lower, below = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            return lower + (le - lower) * (rank - below) / (count - below)
        lower, below = le, count
    return lower


def quantile_upper_bound(q, buckets):
    """Wrong: the upper bound of the bucket holding the rank, no interpolation."""
    rank = q * buckets[-1][1]
    finite = [le for le, _ in buckets if not math.isinf(le)]
    for le, count in buckets:
        if count >= rank:
            return finite[-1] if math.isinf(le) else le
    return finite[-1]


def quantile_lowest_from_bound(q, buckets):
    """Wrong: the lowest bucket's observations all put at its upper bound, as if it
    started there rather than at 0."""
    rank = q * buckets[-1][1]
    lower, below = buckets[0][0], 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * (rank - below) / (count - below)
        lower, below = le, count
    return lower


def quantile_rank_in_bucket(q, buckets):
    """Wrong: the rank not reduced by the buckets below, so the estimate overshoots."""
    rank = q * buckets[-1][1]
    lower = 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * rank / count
        lower = le
    return lower


def quantile_top_at_one(q, buckets):
    """Wrong: q = 1 taken as the top of the histogram, its highest finite bound, though
    the highest observation may sit in a lower bucket."""
    return buckets[-2][0] if q == 1 else histogram_quantile(q, buckets)


def quantile_strict(q, buckets):
    """Wrong: the bucket holding the rank taken as the first whose count exceeds it, so a
    rank on a bucket's boundary moves past the empty buckets above it."""
    rank = q * buckets[-1][1]
    lower, below = 0.0, 0.0
    for le, count in buckets:
        if count > rank:
            if math.isinf(le):
                return lower
            return lower + (le - lower) * (rank - below) / (count - below)
        lower, below = le, count
    return buckets[-2][0]


# -- 7.detection-time ------------------------------------------------------------------------

e, S, w, b = sp.symbols("e S w b")

# -- 7.slo-alerts ----------------------------------------------------------------------------

#: Right: the workbook's multiwindow, multi-burn-rate alerts for 99.95%: 2% of the budget in
#: an hour and 5% in six hours page, 10% in three days is a ticket; each with a short window
#: of 1/12 its long one.
MULTIWINDOW = [multiwindow_rule(ALERT_SLO, HOUR, Fraction(72, 5)),
               multiwindow_rule(ALERT_SLO, 6 * HOUR, 6),
               multiwindow_rule(ALERT_SLO, 3 * DAY, 1, severity="ticket")]
#: Wrong: the lesson's starter, the workbook's multiple burn rates with one window each:
#: the hour and six-hour windows remember an outage long after it ends.
MULTI_BURN = [threshold_rule(ALERT_SLO, HOUR, burn=Fraction(72, 5)),
              threshold_rule(ALERT_SLO, 6 * HOUR, burn=6),
              threshold_rule(ALERT_SLO, 3 * DAY, burn=1, severity="ticket")]

SOLUTIONS: dict[str, object] = {
    "7.rollout-bounds": rollout_bounds,
    "7.flagger-analysis": QUICK_AND_CHEAP,
    "7.orders-manifests": ORDERS,
    "7.histogram-quantile": histogram_quantile,
    "7.detection-time": (1 - S) / e * w * b,
    "7.slo-alerts": MULTIWINDOW,
}

MUTANTS: dict[str, list[object]] = {
    "7.rollout-bounds": [bounds_both_down, bounds_no_fencepost, bounds_uncapped,
                         bounds_fraction,
                         lambda replicas, max_surge, max_unavailable: replicas,  # one number
                         lambda replicas: (replicas, replicas)],                 # arguments
    "7.flagger-analysis": [
        TUTORIAL,
        {"interval": 60, "threshold": 2, "max_weight": 50, "step_weight": 25},  # costly
        {"interval": 30, "threshold": 2, "max_weight": 50, "step_weight": 50},  # one jump
        {"interval": 30, "threshold": 5, "max_weight": 50, "step_weight": 10},  # waits long
        {"interval": 10, "threshold": 1, "max_weight": 100, "step_weight": 100},
        {"interval": 30, "threshold": 2, "max_weight": 40, "step_weight": 10},
        {"interval": "30s", "threshold": 2, "max_weight": 50, "step_weight": 10},
        {"interval": 30, "threshold": 2, "maxWeight": 50, "stepWeight": 10},
        [30, 2, 50, 10],
    ],
    "7.orders-manifests": [
        ONE_REPLICA,
        orders_manifests(probe=False),                                  # no readiness probe
        orders_manifests(rolling="maxSurge: 0\n      maxUnavailable: '100%'"),
        orders_manifests(budget="minAvailable: 3"),                     # blocks every drain
        orders_manifests(budget="maxUnavailable: '100%'"),              # protects nothing
        orders_manifests(1, budget="maxUnavailable: 1"),                # one replica: nothing
        ORDERS.rsplit("  selector:", 1)[0],                             # budget selects nothing
        orders_manifests().split("---")[0],                             # no budget
        "kind: [Deployment",                                             # not YAML
        {"kind": "Deployment"},                                          # not text
    ],
    "7.histogram-quantile": [quantile_inf, quantile_upper_bound, quantile_lowest_from_bound,
                             quantile_rank_in_bucket,
                             lambda q, buckets: buckets[-2][0] * q,     # a straight line
                             quantile_top_at_one, quantile_strict,
                             lambda buckets: 0.0],
    "7.detection-time": [
        w * b * (1 - S),                          # the starter: right for a full outage only
        S / e * w * b,                            # the objective, not the budget
        w * (1 - b * (1 - S) / e),                # the reset time
        (1 - S) / e * w,                          # the burn rate forgotten
        (1 - S) / e * w * b + sp.sin(sp.pi * w),  # right at whole windows only
        (1 - S) / e * w * b * sp.Symbol("P"),     # another symbol
        0.5,
    ],
    "7.slo-alerts": [
        MULTI_BURN,
        [threshold_rule(ALERT_SLO, HOUR, burn=36)],                        # iteration 4
        [threshold_rule(ALERT_SLO, 36 * HOUR)],                            # iteration 2
        [threshold_rule(ALERT_SLO, 1, for_=HOUR)],                         # iteration 3
        MULTIWINDOW[:2],                                                   # slow burns missed
        [multiwindow_rule(ALERT_SLO, HOUR, Fraction(72, 5), short=HOUR),   # short windows as
         multiwindow_rule(ALERT_SLO, 6 * HOUR, 6, short=6 * HOUR),         # long as the long
         MULTIWINDOW[2]],
        [AlertRule(r.name, r.windows, 10, r.severity) for r in MULTIWINDOW],   # for 10m
        [*MULTIWINDOW, multiwindow_rule(ALERT_SLO, 5, 2001, name="5m@2001")],  # never fires
        [MULTIWINDOW[2]],                                                  # no page
        [str(r) for r in MULTIWINDOW],
    ],
}
