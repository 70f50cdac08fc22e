"""The capstone (lesson 91)."""

from __future__ import annotations

import yaml

from msatheory.exercises.capstone import behind_gateways
from msatheory.practice.capstone import mend

# -- 90.which-step ---------------------------------------------------------------------------

#: Right: read off the table of rows by step, column by column.
WHICH_STEP = {
    "Axiom 1.1.1": "own_data",
    "Feature 1.2.1": "own_data",
    "Feature 1.2.2": "monolith",
    "Feature 1.2.3": "communicate",
    "Feature 1.2.4": "monolith",
    "Principle 2.1.1": "cut",
    "Theorem 2.1.1": "monolith",
    "Principle 2.3.1": "cut",
    "Algorithm 3.2.2": "discover",
    "Pattern 4.3.1": "enter",
    "Strategy 5.3.1": "monolith",
    "Strategy 5.3.2": "communicate",
    "Def 6.3.1": "monolith",
    "Strategy 7.1.3": "deploy",
    "Pattern 8.1.1": "monolith",
    "Pattern 8.1.2": "monolith",
    "Pattern 8.1.3": "monolith",
    "Practice 8.2.2": "communicate",
    "Practice 8.2.3": "deploy",
}


def by_statements():
    """Wrong: the lesson's starter: each statement to the last step that names it, and to
    the monolith when no step does."""
    answer = dict.fromkeys(WHICH_STEP, "monolith")
    answer.update({ref: step.name for step in mend() for ref in step.statements})
    return answer


# -- 90.isolate-payment ----------------------------------------------------------------------


def behind(edit):
    """The shop behind its gateways, with ``edit`` applied to its document (a dict)."""
    document = yaml.safe_load(behind_gateways().text())
    edit(document["services"])
    return yaml.safe_dump(document, sort_keys=False)


def _soften(services, caller, callee, **guard):
    calls = services[caller]["calls"]
    calls[calls.index(callee)] = {"to": callee, **guard}


#: Right: the webhook gateway answers "accepted, settled later" when payment fails, so a
#: failure of payment no longer reaches every entry point.
SOFT_WEBHOOK = behind(lambda s: _soften(s, "webhook-gateway", "payment", timeout=0.5,
                                        fallback="accept-and-settle-later"))


def _also_ordering(services):
    _soften(services, "webhook-gateway", "payment", timeout=0.5, fallback="settle-later")
    _soften(services, "ordering", "payment", timeout=0.5, fallback="pay-on-delivery")


#: Right, too: more softened than needed.
SOFT_TWO = behind(_also_ordering)


def _replicas(services):
    services["payment"]["replicas"] = 3


#: Wrong: the starter; replicas survive an instance failure, not a bad release.
REPLICAS = behind(_replicas)
#: Wrong: a timeout without a fallback still fails the caller.
TIMEOUT_ONLY = behind(lambda s: _soften(s, "webhook-gateway", "payment", timeout=0.5))
#: Right, too: the calls into payment from inside the shop softened, the gateway's left hard.
INSIDE_ONLY = behind(lambda s: (
    _soften(s, "ordering", "payment", timeout=0.5, fallback="pay-on-delivery"),
    _soften(s, "shipping", "payment", timeout=0.5, fallback="ship-unpaid")))
#: Wrong: ordering's call softened, shipping's left hard (the storefront still reaches
#: payment through shipping).
ORDERING_ONLY = behind(lambda s: _soften(s, "ordering", "payment", timeout=0.5,
                                         fallback="pay-on-delivery"))
#: Wrong: the webhook made asynchronous, though the provider waits for its answer.
ASYNC = behind(lambda s: _soften(s, "webhook-gateway", "payment", kind="async"))
#: Wrong: isolated, but retried past Strategy 5.3.1's limit.
RETRIED = behind(lambda s: _soften(s, "webhook-gateway", "payment", timeout=0.5, retries=12,
                                   fallback="settle-later"))


def _dropped(services):
    services["webhook-gateway"]["calls"] = []


#: Wrong: the call deleted.
DROPPED = behind(_dropped)

SOLUTIONS: dict[str, object] = {
    "90.which-step": WHICH_STEP,
    "90.isolate-payment": SOFT_WEBHOOK,
}

MUTANTS: dict[str, list[object]] = {
    "90.which-step": [
        by_statements(),
        {**WHICH_STEP, "Feature 1.2.3": "enter"},          # the gateway step named it
        {**WHICH_STEP, "Axiom 1.1.1": "monolith"},         # held at the start, not since
        {k: v for k, v in WHICH_STEP.items() if k != "Def 6.3.1"},  # one missing
        {**WHICH_STEP, "Strategy 7.1.3": "rollout"},       # not a step
        list(WHICH_STEP.items()),                          # not a dict
    ],
    "90.isolate-payment": [REPLICAS, TIMEOUT_ONLY, ORDERING_ONLY, ASYNC, RETRIED, DROPPED,
                           "behind-gateways"],
}

ALSO_RIGHT = {"90.isolate-payment": [SOFT_TWO, INSIDE_ONLY]}
