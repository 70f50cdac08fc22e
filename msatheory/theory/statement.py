"""Numbered statements of the theory document, as typed records."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Kind", "Statement"]


class Kind(StrEnum):
    """The eleven kinds of numbered statement in the theory, with their Chinese names."""

    DEFINITION = "definition"
    AXIOM = "axiom"
    FEATURE = "feature"
    PRINCIPLE = "principle"
    THEOREM = "theorem"
    ALGORITHM = "algorithm"
    PATTERN = "pattern"
    FUNCTION = "function"
    PROTOCOL = "protocol"
    STRATEGY = "strategy"
    PRACTICE = "practice"

    @property
    def zh(self) -> str:
        """The theory's word for this kind (定义, 公理, ...)."""
        return _ZH[self]

    @property
    def short(self) -> str:
        """The name used in references: ``Def``, ``Axiom``, ..."""
        return "Def" if self is Kind.DEFINITION else self.value.capitalize()


_ZH = {
    Kind.DEFINITION: "定义",
    Kind.AXIOM: "公理",
    Kind.FEATURE: "特征",
    Kind.PRINCIPLE: "原则",
    Kind.THEOREM: "定理",
    Kind.ALGORITHM: "算法",
    Kind.PATTERN: "模式",
    Kind.FUNCTION: "功能",
    Kind.PROTOCOL: "协议",
    Kind.STRATEGY: "策略",
    Kind.PRACTICE: "实践",
}


@dataclass(frozen=True)
class Statement:
    """One numbered statement: what the theory says, and where the workbook encodes and teaches it.

    ``statement_zh`` is the theory's own sentence and ``statement`` its literal English
    translation (LaTeX between ``$`` where the theory has math); ``reading`` says how the
    workbook reads the statement where it must interpret it to make it checkable (ours,
    not the theory's), and is empty where the literal statement is what is encoded.
    ``encoding`` is the dotted path of the object that encodes the statement and
    ``notebook`` the notebook that teaches it; both are ``None`` while the statement's
    chapter is not written.
    """

    kind: Kind
    number: str
    title: str
    title_zh: str
    statement: str
    statement_zh: str
    encoding: str | None = None
    notebook: str | None = None
    reading: str = ""

    @property
    def chapter(self) -> int:
        """The section of the theory the statement belongs to (1 to 8)."""
        return int(self.number.split(".")[0])

    @property
    def ref(self) -> str:
        """How the workbook cites it: ``Axiom 1.1.1``."""
        return f"{self.kind.short} {self.number}"

    @property
    def ref_zh(self) -> str:
        """How the theory cites it: ``公理 1.1.1``."""
        return f"{self.kind.zh} {self.number}"

    @property
    def label(self) -> str:
        """The cross-reference target in the book: ``axiom-1-1-1``."""
        return f"{self.kind.value}-{self.number.replace('.', '-')}"

    def encoded_by(self) -> object:
        """Import and return the object named by :attr:`encoding`."""
        if self.encoding is None:
            from msatheory.errors import TheoryError

            raise TheoryError(f"{self.ref} has no encoding: its chapter is not written yet")
        module, _, name = self.encoding.rpartition(".")
        return getattr(importlib.import_module(module), name)

    def __str__(self) -> str:
        return f"{self.ref} {self.title} ({self.title_zh})"
