"""Def 7.2.2 (告警规则): burn-rate alerts read from Prometheus rules files.

Alerting rules are written down as PromQL in a Prometheus rules file (``groups:`` of
``rules:``, each ``alert:`` with an ``expr``, a ``for`` and labels) or in a
prometheus-operator ``PrometheusRule`` resource (the same groups under ``spec``).
:func:`load_rules` reads the burn-rate alerts of such a file into
:class:`~msatheory.deployment.alerting.AlertRule` records, so that
:func:`~msatheory.deployment.alerting.check_alert_rules` and the measures of
:mod:`msatheory.deployment.incidents` can judge the rules a team actually deploys.

The reader stops at the PromQL burn-rate alerts are written in: comparisons of error
ratios (``sum(rate(errors[w])) / sum(rate(requests[w]))``, or a recorded series of one)
with numeric thresholds, joined by ``and`` and ``or``; rules are evaluated every minute,
whatever the group's ``interval``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING

from msatheory.deployment.alerting import AlertRule, Window, range_text
from msatheory.errors import TheoryError, require_name

if TYPE_CHECKING:
    from msatheory.check.source import Location, Reader

__all__ = ["load_rules"]


# --- reading Prometheus alerting rules ---------------------------------------------------------

_DURATION = re.compile(r"(?:[0-9]+(?:ms|[smhdwy]))+")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
            "w": 604_800_000, "y": 31_536_000_000}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<range>\[[^\]]*\])
  | (?P<labels>\{(?:[^}"']|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')*\})
  | (?P<name>[A-Za-z_:][A-Za-z0-9_:]*)
  | (?P<op>>=|<=|==|!=|[()<>+\-*/,])
""", re.VERBOSE)
_RECORDED = re.compile(r"rate([0-9a-z]+)$")
_SEVERITY = {"page": "page", "critical": "page", "ticket": "ticket", "warning": "ticket",
             "info": "ticket"}
_MODIFIERS = ("ignoring", "on")


def _duration_minutes(text: str) -> int | None:
    """A Prometheus duration (``1h30m``) in whole minutes, or None if it is not one."""
    if not _DURATION.fullmatch(text):
        return None
    ms = sum(int(n) * _UNIT_MS[u] for n, u in re.findall(r"([0-9]+)(ms|[smhdwy])", text))
    return ms // 60_000 if ms % 60_000 == 0 else None


class _Expr:
    """A recursive-descent reader of the PromQL that burn-rate alerts are written in:
    ``or`` of ``and`` of comparisons ``ratio > scalar``, where a ratio is
    ``sum(rate(errors[w])) / sum(rate(requests[w]))`` or a recorded series whose
    recording rule (or name, ``...ratio_rate1h``) gives its window."""

    def __init__(self, text: str, recorded: dict[str, int]):
        self.text, self.recorded, self.at = text, recorded, 0
        self.tokens: list[tuple[str, str, int]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise TheoryError(f"cannot read {text[position:position + 20]!r} at column "
                                  f"{position + 1}: not PromQL this reader understands")
            kind = match.lastgroup or ""
            if kind != "space":
                self.tokens.append((kind, match.group(), position))
            position = match.end()

    def problem(self, position: int, expected: str) -> TheoryError:
        seen = self.text[position:position + 20] or "the end"
        return TheoryError(f"cannot read {seen!r} at column {position + 1}: expected "
                           f"{expected}")

    def peek(self, offset: int = 0) -> tuple[str, str, int]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "", len(self.text))

    def take(self, value: str | None = None, kind: str | None = None,
             expected: str = "") -> str:
        token_kind, text, position = self.peek()
        if (value is not None and text != value) or (kind is not None and token_kind != kind):
            raise self.problem(position, expected or repr(value))
        self.at += 1
        return text

    def skip(self, value: str) -> bool:
        if self.peek()[1] == value:
            self.at += 1
            return True
        return False

    def disjunction(self) -> list[list[Window]]:
        """``or`` of conjunctions, each a list of windows."""
        branches = self.conjunction()
        while self.skip("or"):
            self.modifier()
            branches += self.conjunction()
        return branches

    def conjunction(self) -> list[list[Window]]:
        branches = self.condition()
        while self.skip("and"):
            self.modifier()
            right = self.condition()
            branches = [a + b for a in branches for b in right]
        return branches

    def modifier(self) -> None:
        """``ignoring(labels)`` or ``on(labels)``: vector matching, which one series per
        window makes moot."""
        if self.peek()[1] in _MODIFIERS:
            self.at += 1
            self.labels()

    def labels(self) -> None:
        self.take("(")
        while not self.skip(")"):
            self.take(kind="name", expected="a label name or ')'")
            self.skip(",")

    def condition(self) -> list[list[Window]]:
        """A comparison, or a parenthesised disjunction."""
        start = self.at
        if self.peek()[1] == "(":
            try:
                self.at += 1
                inner = self.disjunction()
                self.take(")", expected="')'")
                if self.peek()[1] not in (">", ">=", "<", "<=", "==", "!=", "/"):
                    return inner
            except TheoryError:
                pass
            self.at = start
        minutes = self.ratio()
        _, op, position = self.peek()
        if op not in (">", ">="):
            raise self.problem(position, "'>' or '>=' (an alert on an error ratio rising "
                                         "above a threshold)")
        self.at += 1
        threshold = self.scalar()
        if threshold < 0:
            raise self.problem(position, "a threshold of 0 or more")
        return [[Window(minutes, threshold, op == ">=")]]

    def ratio(self) -> int:
        """The window of an error ratio: errors over requests, or a recorded ratio."""
        if self.skip("("):
            minutes = self.ratio()
            self.take(")", expected="')'")
            return minutes
        kind, name, position = self.peek()
        if kind == "name" and name not in ("sum", "rate", "increase"):
            self.at += 1
            self.skip_labels()
            return self.window_of(name, position)
        errors = self.summed_rate()
        self.take("/", expected="'/' and the rate of all requests")
        requests = self.summed_rate()
        if errors != requests:
            raise self.problem(position, f"errors and requests over one window, not "
                                         f"{range_text(errors)} and {range_text(requests)}")
        return errors

    def skip_labels(self) -> None:
        if self.peek()[0] == "labels":
            self.at += 1

    def window_of(self, name: str, position: int) -> int:
        if name in self.recorded:
            return self.recorded[name]
        suffix = _RECORDED.search(name)
        minutes = _duration_minutes(suffix.group(1)) if suffix else None
        if not minutes:
            raise self.problem(position, f"a series whose window is known: no recording "
                                         f"rule defines {name!r} and its name does not end "
                                         f"in rate<window> (ratio_rate1h)")
        return minutes

    def summed_rate(self) -> int:
        """``sum [by (..)] (rate(selector[w])) [by (..)]``, or a bare ``rate(...)``."""
        summed = self.skip("sum")
        if summed:
            if self.peek()[1] in ("by", "without"):
                self.at += 1
                self.labels()
            self.take("(", expected="'(' after sum")
        minutes = self.rate()
        if summed:
            self.take(")", expected="')' closing sum(")
            if self.peek()[1] in ("by", "without"):
                self.at += 1
                self.labels()
        return minutes

    def rate(self) -> int:
        kind, name, position = self.peek()
        if name not in ("rate", "increase"):
            raise self.problem(position, "sum(rate(...)), rate(...) or a recorded ratio")
        self.at += 1
        self.take("(", expected="'('")
        if self.peek()[0] == "name":
            self.at += 1
        self.skip_labels()
        kind, text, position = self.peek()
        if kind != "range":
            raise self.problem(position, "a range such as [1h]")
        minutes = _duration_minutes(text[1:-1].strip())
        if not minutes:
            raise self.problem(position, "a range of whole minutes, such as [5m] or [1h]")
        self.at += 1
        self.take(")", expected="')' closing rate(")
        return minutes

    def scalar(self) -> Fraction:
        """``+``/``-`` of ``*``/``/`` of numbers and parentheses, kept exact."""
        value = self.term()
        while self.peek()[1] in ("+", "-"):
            sign = self.take()
            right = self.term()
            value = value + right if sign == "+" else value - right
        return value

    def term(self) -> Fraction:
        value = self.factor()
        while self.peek()[1] in ("*", "/"):
            op = self.take()
            position = self.peek()[2]
            right = self.factor()
            if op == "/" and right == 0:
                raise self.problem(position, "a divisor other than 0")
            value = value * right if op == "*" else value / right
        return value

    def factor(self) -> Fraction:
        kind, text, position = self.peek()
        if text == "(":
            self.at += 1
            value = self.scalar()
            self.take(")", expected="')'")
            return value
        if text == "-":
            self.at += 1
            return -self.factor()
        if kind != "number":
            raise self.problem(position, "a number")
        exponent = re.search(r"[eE]([-+]?[0-9]+)", text)
        if exponent and abs(int(exponent.group(1))) > 300:
            raise self.problem(position, "a number of ordinary size")
        self.at += 1
        return Fraction(text)

    def read(self) -> list[list[Window]]:
        branches = self.disjunction()
        kind, _, position = self.peek()
        if kind != "end":
            raise self.problem(position, "the end of the expression, 'and' or 'or'")
        return branches


def _recorded_windows(rules: list[dict[str, object]]) -> dict[str, int]:
    """The window of each recording rule whose expression is an error ratio."""
    found: dict[str, int] = {}
    for rule in rules:
        name, expr = rule.get("record"), rule.get("expr")
        if isinstance(name, str) and isinstance(expr, str):
            try:
                parser = _Expr(expr, found)
                minutes = parser.ratio()
                if parser.peek()[0] == "end":
                    found[name] = minutes
            except (TheoryError, RecursionError):
                continue
    return found


def load_rules(text: str, name: str = "<rules>") -> tuple[AlertRule, ...]:
    """Def 7.2.2 (告警规则): the burn-rate alerts of a Prometheus rules file.

    Reads a rules file (``groups:``) or a ``PrometheusRule`` resource (``spec.groups``),
    in one or several YAML documents. Each alerting rule's ``expr`` must compare error
    ratios with thresholds, ``ratio > threshold`` joined by ``and`` and ``or``: a ratio is
    ``sum(rate(errors[1h])) / sum(rate(requests[1h]))`` (``by``, ``without``, label
    matchers and ``ignoring``/``on`` allowed) or a recorded series whose recording rule
    in the file is such a ratio, or whose name ends in ``rate<window>``
    (``job:slo_errors_per_request:ratio_rate1h``, as the workbook and Sloth write them);
    a threshold is arithmetic on numbers, ``14.4 * (1 - 0.999)``, kept exact. ``for``
    becomes the rule's pending minutes and the ``severity`` label its severity (page,
    critical; ticket, warning, info). An ``or`` becomes one rule per branch, named
    ``"Alert [1]"``, ``"Alert [2]"``, and an alert name used twice is told apart as
    ``"Alert (2)"``; rules are evaluated every minute, whatever the group's ``interval``.

    Parameters
    ----------
    text : str
        The file's text.
    name : str
        The file's name, for messages.

    Returns
    -------
    tuple of AlertRule
        In the order written; recording rules are read only for their windows.

    Raises
    ------
    TheoryError
        Anything the reader does not understand, naming the file, the place (``groups[0]
        .rules[1].expr (line 9)``) and, in an expression, the column and what was
        expected.

    Examples
    --------
    >>> rules = load_rules('''
    ... groups:
    ... - name: slo
    ...   rules:
    ...   - alert: ErrorBudgetBurn
    ...     expr: >
    ...       sum(rate(http_errors_total[1h])) / sum(rate(http_requests_total[1h]))
    ...         > 14.4 * (1 - 0.999)
    ...       and
    ...       sum(rate(http_errors_total[5m])) / sum(rate(http_requests_total[5m]))
    ...         > 14.4 * (1 - 0.999)
    ...     labels: {severity: page}
    ... ''')
    >>> print(rules[0])
    ErrorBudgetBurn: ratio[1h] > 0.0144 and ratio[5m] > 0.0144 (page)
    >>> rules[0].windows[0].threshold
    Fraction(9, 625)
    >>> load_rules("groups: [{name: g, rules: [{alert: A, expr: 'up == 0'}]}]")
    Traceback (most recent call last):
        ...
    msatheory.errors.TheoryError: <rules>: groups[0].rules[0].expr (line 1): cannot read ...

    References
    ----------
    Def 7.2.2. Prometheus, "Alerting rules" and "Recording rules" (rule files);
    prometheus-operator's ``PrometheusRule`` (``spec.groups``); The Site Reliability
    Workbook, ch. 5 (the rules of each iteration, written in this form).
    """
    from msatheory.check.source import Reader, parse  # here: the model imports no checker

    require_name("load_rules", "name", name)
    source = parse(text, name)
    rules: list[tuple[Reader, Location, dict[str, object]]] = []
    for index in range(len(source.documents)):
        reader = Reader(source, index)
        rules += _rules_of(reader, source.documents[index])
    recorded = _recorded_windows([rule for _, _, rule in rules])
    loaded: list[AlertRule] = []
    for reader, path, rule in rules:
        if "alert" in rule:
            loaded += _alert(reader, path, rule, recorded)
        elif "record" not in rule:
            raise reader.fail(path, "must be an alerting rule (alert:) or a recording rule "
                                    "(record:)")
    return tuple(_distinct(loaded))


def _rules_of(reader: Reader,
              document: object) -> list[tuple[Reader, Location, dict[str, object]]]:
    """Every rule of one document, with its place."""
    top = reader.mapping(document, ())
    path: Location = ()
    if top.get("kind") == "PrometheusRule":
        path = ("spec",)
        top = reader.mapping(top.get("spec"), path)
    if "groups" not in top:
        raise reader.fail(path, "must hold groups: (a Prometheus rules file or a "
                                "PrometheusRule's spec)")
    found = []
    groups = reader.items(top["groups"], (*path, "groups"))
    for g, group in enumerate(groups):
        at: Location = (*path, "groups", g)
        group = reader.mapping(group, at)
        for r, rule in enumerate(reader.items(group.get("rules"), (*at, "rules"))):
            place: Location = (*at, "rules", r)
            found.append((reader, place, reader.mapping(rule, place)))
    return found


def _alert(reader: Reader, path: Location, rule: dict[str, object],
           recorded: dict[str, int]) -> list[AlertRule]:
    """One alerting rule as one AlertRule per branch of its ``or``."""
    alert = reader.name(rule.get("alert"), (*path, "alert"))
    expr = rule.get("expr")
    if not isinstance(expr, str) or not expr.strip():
        raise reader.fail((*path, "expr"), "must be a PromQL expression")
    try:
        branches = _Expr(expr, recorded).read()
    except TheoryError as error:
        raise reader.fail((*path, "expr"), str(error)) from None
    except RecursionError:
        raise reader.fail((*path, "expr"), "nests parentheses too deeply") from None
    held = rule.get("for", "0s")
    minutes = _duration_minutes(held) if isinstance(held, str) else None
    if minutes is None:
        raise reader.fail((*path, "for"), f"must be a duration of whole minutes such as "
                                          f"1h, not {held!r}")
    labels = reader.mapping(rule.get("labels"), (*path, "labels"))
    severity = labels.get("severity", "page")
    if severity not in _SEVERITY:
        raise reader.fail((*path, "labels", "severity"),
                          f"must be one of {', '.join(_SEVERITY)}, not {severity!r}")
    level = _SEVERITY[str(severity)]
    if len(branches) == 1:
        return [AlertRule(alert, branches[0], minutes, level)]
    return [AlertRule(f"{alert} [{i}]", windows, minutes, level)
            for i, windows in enumerate(branches, 1)]


def _distinct(rules: list[AlertRule]) -> list[AlertRule]:
    """Rules with repeated names (one alert per SLO, say) told apart: ``"Alert (2)"``."""
    seen: dict[str, int] = {}
    out = []
    for rule in rules:
        seen[rule.name] = seen.get(rule.name, 0) + 1
        if seen[rule.name] > 1:
            rule = AlertRule(f"{rule.name} ({seen[rule.name]})", rule.windows, rule.for_,
                             rule.severity)
        out.append(rule)
    return out
