"""The glossary: the terms a lesson must define, in bold, where it first uses them.

Each :class:`Term` holds the English term, the Chinese term (the theory's own where the
theory uses one, else the field's standard term), a one-sentence definition, and two
regular expressions: ``use_pattern`` finds the term in a cell, ``definition_pattern`` finds
the bold definition a lesson gives. ``tests/test_notebook_anatomy.py`` holds every lesson to them:
the first cell of a lesson that uses a term is markdown and defines it. :func:`defined_in`
finds the lesson that defines a term; the book's glossary page is
:func:`msatheory.theory.render.glossary_page`.

The numbered statements' titles, English and Chinese, are the catalogue's
(:func:`msatheory.theory.catalogue`); this module holds the terms around them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from msatheory.errors import TheoryError

__all__ = ["GLOSSARY", "NOTEBOOKS", "Term", "defined_in", "lessons"]

#: The folder of the lessons in a checkout of the project (absent from an installed wheel).
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass(frozen=True)
class Term:
    """One glossary term: what it is called in English and Chinese, what it means, and
    how a lesson's text uses it (``use_pattern``) and defines it in bold
    (``definition_pattern``).

    >>> term = next(t for t in GLOSSARY if t.term == "lease")
    >>> term.term_zh, term.used_in("each lease lasts 90 s"), term.defines("a **lease**:")
    ('租约', True, True)
    """

    term: str
    term_zh: str
    definition: str
    use_pattern: str
    definition_pattern: str

    def used_in(self, text: str) -> bool:
        """Whether ``text`` uses the term (``use_pattern`` matches)."""
        return re.search(self.use_pattern, text) is not None

    def defines(self, text: str) -> bool:
        """Whether ``text`` defines the term in bold (``definition_pattern`` matches)."""
        return re.search(self.definition_pattern, text) is not None


GLOSSARY: tuple[Term, ...] = (
    Term("p99", "第99百分位延迟",
         "The 99th percentile of a latency: the time within which 99 requests in 100 finish.",
         r"\bp99\b", r"\*\*p99\b[^*]*\*\*"),
    Term("utilisation ρ", "利用率",
         "The fraction of time a server is busy, its arrival rate times its mean service "
         "time; its queue grows without bound when it exceeds 1.",
         r"ρ|\\rho\b", r"\*\*utili[sz]ation\*\*"),
    Term("hop", "跳",
         "One network transfer between two machines: a direct call is one hop there and one "
         "back.",
         r"\bhops?\b", r"\*\*hops?\*\*"),
    Term("blast radius", "爆炸半径",
         "The services that reach a service by hard (synchronous, required) calls, and so "
         "fail with it.",
         r"\bblast\s+radi(us|i)\b", r"\*\*blast\s+radius\*\*"),
    Term("lease", "租约",
         "A registration valid for a fixed time after it was last renewed, so that an "
         "instance that stops renewing it drops out by itself.",
         r"\bleases?\b", r"\*\*leases?\*\*"),
    Term("MTTF", "平均无故障时间",
         "Mean time to failure: how long a component runs, on average, before it fails.",
         r"\bMTTF\b", r"\*\*mean\s+time\s+to\s+failure\*\*|\*\*MTTF\*\*"),
    Term("heartbeat", "心跳",
         "A small message an instance sends at a fixed interval to renew its lease.",
         r"\bheartbeats?\b", r"\*\*heartbeats?\*\*"),
    Term("granularity", "服务粒度",
         "How big a service is: the theory measures it by the functions, interfaces and data "
         "models the service holds.",
         r"\bgranularity\b", r"\*\*granularity\*\*"),
    Term("single point of failure", "单点故障",
         "A service whose failure alone takes every entry point of the system down.",
         r"single\s+points?\s+of\s+failure", r"\*\*single\s+point\s+of\s+failure\*\*"),
    Term("Zipf's law", "齐普夫定律",
         "The observation that the key of popularity rank i is asked for in proportion to "
         "1/i^s, with s near 1.",
         r"\bZipf", r"\*\*Zipf's\s+law\*\*"),
    Term("imbalance", "负载不均衡度",
         "A placement's busiest node's load over the mean load; 1 is perfectly even.",
         r"\bimbalance\b", r"\*\*imbalance\*\*"),
    Term("salted key", "加盐键",
         "A hot row stored under several keys (its key with a suffix), each request choosing "
         "one, so that several nodes share its load.",
         r"\bsalted\s+keys?\b", r"\*\*salted\s+keys?\*\*"),
    Term("range sharding", "范围分片",
         "Sharding that keeps keys sorted and gives each node a contiguous range of them.",
         r"\b[Rr]ange\s+sharding\b", r"\*\*[Rr]ange\s+sharding\*\*"),
    Term("cross-shard weight", "跨分片权重",
         "The weight of the queries that visit more than one shard of a split.",
         r"\bcross-shard\s+weight\b", r"\*\*cross-shard\s+weight\*\*"),
    Term("sequential consistency", "顺序一致性",
         "One order of all operations that keeps each process's own order and in which every "
         "read returns the latest write before it.",
         r"\b[Ss]equential\s+consistency\b", r"\*\*[Ss]equential\s+consistency\*\*"),
    Term("session guarantee", "会话保证",
         "A promise about one client's own reads, such as reading its own writes, that needs "
         "no coordination between clients.",
         r"\bsession\s+guarantees?\b", r"\*\*session\s+guarantees?\*\*"),
    Term("read your writes", "读己之写",
         "The session guarantee that a client's read returns its own earlier writes.",
         r"\bread\s+your\s+writes\b", r"\*\*read\s+your\s+writes\*\*"),
    Term("k-staleness", "k-陈旧度",
         "A read missing the last k writes.",
         r"\bk-staleness\b", r"\*\*k-staleness\*\*"),
    Term("t-visibility", "t-可见性",
         "The share of reads, started t ms after a write committed, that return it.",
         r"\bt-visibility\b", r"\*\*t-visibility\*\*"),
    Term("sticky read", "粘性读",
         "A read served only by a replica that has reached the session's log position, else "
         "by the primary.",
         r"\bsticky\s+reads?\b", r"\*\*sticky\s+reads?\*\*"),
    Term("anti-entropy", "反熵",
         "Peers sending their state to each other at random until every peer has every write.",
         r"\banti-entropy\b", r"\*\*anti-entropy\*\*"),
    Term("last writer wins", "最后写入者胜出",
         "Reconciling two versions by keeping the one with the later timestamp from its "
         "writer's own clock.",
         r"\b[Ll]ast\s+writer\s+wins\b", r"\*\*[Ll]ast\s+writer\s+wins\*\*"),
    Term("compensating transaction", "补偿事务",
         "A local transaction that semantically undoes an earlier step of a saga.",
         r"\bcompensating\s+transactions?\b", r"\*\*compensating\s+transactions?\*\*"),
    Term("pivot", "关键性事务",
         "The step of a saga after whose commit the saga must complete.",
         r"\bpivot\b", r"\*\*pivot\*\*"),
    Term("service level objective", "服务等级目标",
         "A share of requests that must succeed over a period, such as 99.9% over 30 days "
         "(SLO).",
         r"\bservice\s+level\s+objectives?\b", r"\*\*service\s+level\s+objectives?\*\*"),
    Term("error budget", "错误预算",
         "The unavailability a target allows: 1 minus the share of requests that must "
         "succeed.",
         r"\berror\s+budgets?\b", r"\*\*error\s+budgets?\*\*"),
    Term("burn rate", "燃烧率",
         "An error ratio over the error budget: at burn rate 1 the budget lasts exactly the "
         "period.",
         r"\bburn\s+rates?\b", r"\*\*burn\s+rates?\*\*"),
    Term("saturation", "饱和度",
         "The work waiting for a resource (the S of USE).",
         r"\bsaturation\b", r"\*\*saturation\*\*"),
    Term("coherency", "一致性延迟",
         "In the Universal Scalability Law, the delay for workers to agree on shared data, "
         "growing with the square of their number, so that throughput falls past a peak.",
         r"\bcoherency\b", r"\*\*coherency\*\*"),
    Term("pass-through", "透传",
         "A proxy that only forwards requests, adding a hop and doing nothing else.",
         r"\bpass-through\b", r"\*\*pass-through\*\*"),
)


def lessons(folder: str | Path = NOTEBOOKS) -> tuple[Path, ...]:
    """The lesson notebooks of ``folder``, in course order: ``01a_...`` to ``91_...``,
    without notebook 00 (how to use the book, not a lesson). Empty when the folder does
    not exist (an installed package has no notebooks)."""
    path = Path(folder)
    return tuple(sorted(p for p in path.glob("[0-9][0-9]*.ipynb")
                        if not p.name.startswith("00_")))


def _markdown(notebook: Path) -> list[str]:
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        return ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    except (OSError, ValueError, LookupError, TypeError) as error:
        raise TheoryError(f"glossary: {str(notebook)!r} is not a readable notebook "
                          f"({type(error).__name__}: {error})") from None


def defined_in(term: Term, notebooks: Iterable[Path]) -> Path | None:
    """The first of ``notebooks`` whose markdown defines ``term`` in bold, or None.

    >>> lease = next(t for t in GLOSSARY if t.term == "lease")
    >>> defined_in(lease, lessons()).name
    '03a_registry_and_health.ipynb'
    """
    return next((nb for nb in notebooks if any(map(term.defines, _markdown(nb)))), None)
