"""``msatheory check --format sarif``: the reports as a SARIF 2.1.0 log for code scanning.

One run of one tool, ``msatheory``: a rule for each statement checked (its ``id`` is the
statement's label, ``axiom-1-1-1``; its help, what to do about a witness), and a result
for each witness against it that the team has not accepted, placed where the file
declares the service, data store or workload the witness involves (else on line 1 of
the first file read). Accepted witnesses are left out, as ruff leaves out what ``noqa``
silences: code scanning opens an alert for a result with a SARIF suppression too. An
unusable file is a tool execution notification and a stale acceptance a tool
configuration notification, as OASIS' SARIF 2.1.0 standard defines them. Relative paths
are relative to the working directory (``%SRCROOT%``): run the check from the
repository's root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from msatheory.check.config import Accepted
from msatheory.check.report import Report
from msatheory.check.source import STDIN, Position
from msatheory.theory.statement import Statement
from msatheory.theory.verdict import Witness

__all__ = ["SCHEMA_URI", "VERSION", "sarif"]

VERSION = "2.1.0"
#: The schema a SARIF 2.1.0 log names.
SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def sarif(reports: Sequence[Report], errors: Sequence[tuple[str, str]] = (),
          stale: Sequence[Accepted] = (), status: int = 0,
          settings: str | None = None) -> dict[str, object]:
    """The SARIF log of ``reports``, of the files that could not be read (``errors``:
    file and message), of the ``stale`` acceptances, of the exit ``status``, and of why
    the ``settings`` could not be used, when they could not."""
    from msatheory import __version__

    statements = list(dict.fromkeys(c.statement for r in reports for c in r.checks))
    advice: dict[Statement, dict[str, None]] = {}
    for check in (c for r in reports for c in r.checks if c.advice):
        advice.setdefault(check.statement, {})[check.advice] = None
    index = {s: i for i, s in enumerate(statements)}
    results = [_result(report, i, witness, index)
               for report in reports for i in range(len(report.verdicts))
               for witness in report.open(i)]
    invocation: dict[str, object] = {"executionSuccessful": status != 2, "exitCode": status}
    if errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": message}, "locations": _file(file)}
            for file, message in errors]
    notes = [{"level": "error", "descriptor": {"id": "unusable-settings"},
              "message": {"text": settings}}] if settings else []
    notes += [{"level": "warning", "descriptor": {"id": "stale-acceptance"},
               "message": {"text": f"stale acceptance: {a} (no witness of {a.statement.ref} "
                                   "occurs any more: remove it)"}}
              for a in stale]
    if notes:
        invocation["toolConfigurationNotifications"] = notes
    return {
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [{
            "tool": {"driver": {
                "name": "msatheory",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(s, " ".join(advice.get(s, ()))) for s in statements],
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The directory msatheory check ran in."}}},
            "results": results,
        }],
    }


def _rule(statement: Statement, advice: str) -> dict[str, object]:
    return {
        "id": statement.label,
        "name": "".join(word.capitalize() for word in statement.title.split()),
        "shortDescription": {"text": f"{statement.ref} {statement.title} "
                                     f"({statement.title_zh})"},
        "fullDescription": {"text": statement.statement},
        "help": {"text": advice or f"Make {statement.ref} hold."},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": [statement.kind.value, f"chapter-{statement.chapter}"]},
    }


def _result(report: Report, i: int, witness: Witness,
            index: dict[Statement, int]) -> dict[str, object]:
    statement = report.verdicts[i].statement
    result: dict[str, object] = {
        "ruleId": statement.label,
        "ruleIndex": index[statement],
        "level": "error",
        "message": {"text": str(witness)},
        "locations": _place(report.place(witness)),
        "partialFingerprints": {"msatheory/witness/v1": _fingerprint(statement, witness)},
    }
    return result


def _fingerprint(statement: Statement, witness: Witness) -> str:
    """The same witness of the same statement has the same fingerprint on every run."""
    text = "\0".join((statement.ref, witness.what, witness.detail, *witness.involves))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _place(position: Position) -> list[dict[str, object]]:
    if position.file == STDIN or position.file.startswith("<"):  # no file to point at
        return []
    return [{"physicalLocation": {
        **_artifact(position.file),
        "region": {"startLine": position.line, "startColumn": position.column}}}]


def _file(file: str) -> list[dict[str, object]]:
    """A file that could not be read, when it is one."""
    return [] if file == STDIN or file.startswith("<") else \
        [{"physicalLocation": _artifact(file)}]


def _artifact(file: str) -> dict[str, object]:
    path = Path(file)
    if path.is_absolute():
        return {"artifactLocation": {"uri": path.as_uri()}}
    return {"artifactLocation": {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}}
