"""The uniform result of every checker: a verdict on one statement, with witnesses."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from msatheory.theory.statement import Statement

__all__ = ["Verdict", "Witness"]


@dataclass(frozen=True, order=True)
class Witness:
    """A concrete piece of evidence that a statement fails.

    ``what`` names the kind of evidence ("dependency cycle"), ``involves`` the
    services, data stores or edges it concerns, and ``detail`` says it in words.
    """

    what: str
    involves: tuple[str, ...]
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.what}: {self.detail or ', '.join(self.involves)}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {"what": self.what, "involves": list(self.involves), "detail": self.detail}


@dataclass(frozen=True)
class Verdict:
    """Whether ``statement`` holds of a model, and the witnesses when it does not.

    A verdict holds exactly when it has no witnesses. Witnesses are kept sorted,
    so the text and HTML forms are the same on every run.
    """

    statement: Statement
    witnesses: tuple[Witness, ...]
    summary: str

    def __init__(self, statement: Statement, witnesses: Iterable[Witness], summary: str):
        object.__setattr__(self, "statement", statement)
        object.__setattr__(self, "witnesses", tuple(sorted(set(witnesses))))
        object.__setattr__(self, "summary", summary)

    @property
    def holds(self) -> bool:
        """True when the statement holds: no witness against it."""
        return not self.witnesses

    def __repr__(self) -> str:
        status = "holds" if self.holds else "violated"
        lines = [f"{self.statement}: {status}. {self.summary}"]
        lines += [f"  - {w}" for w in self.witnesses]
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        colour, status = ("#1a7f37", "holds") if self.holds else ("#cf222e", "violated")
        items = "".join(f"<li>{html.escape(str(w))}</li>" for w in self.witnesses)
        witnesses = f"<ul>{items}</ul>" if items else ""
        return (
            f'<div class="msa-verdict" style="border-left:4px solid {colour};padding-left:8px">'
            f"<strong>{html.escape(str(self.statement))}</strong>: "
            f'<span style="color:{colour}">{status}</span>. '
            f"{html.escape(self.summary)}{witnesses}</div>"
        )

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form."""
        return {
            "statement": self.statement.ref,
            "holds": self.holds,
            "summary": self.summary,
            "witnesses": [w.as_dict() for w in self.witnesses],
        }
