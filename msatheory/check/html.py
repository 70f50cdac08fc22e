"""``msatheory check --format html``: one self-contained page a team can read.

For each system the page draws the architecture as an inline SVG (the same layered
placement as chapter 1's figure, :func:`~msatheory.basics.layout.layered_positions`), with
every service and data store a witness names outlined in red and counted; it lists each
statement checked with its verdict, each violated statement's witnesses and what to do
about them (the check's advice), Practices 8.2.1-8.2.3 part by part
(:func:`~msatheory.practice.practices.read_practices`), and the edges the importer
inferred and its findings. The page loads nothing: no script, no style sheet, no font,
no image from elsewhere, so it can be mailed or attached to a ticket as it is.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence

from msatheory.basics.layout import layered_positions
from msatheory.basics.model import Architecture
from msatheory.check.report import Report
from msatheory.practice.practices import PracticeReport, read_practices
from msatheory.theory.render import counted

__all__ = ["page"]

#: The drawing's geometry in CSS pixels: a node's height, the gap between layers, the
#: margin, and the width of one character of a label (12 px sans-serif, generously).
_HEIGHT, _LAYER_GAP, _MARGIN, _CHAR = 30, 80, 24, 7.5

_STYLE = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.6rem;
         border-bottom: 1px solid #d0d7de; overflow-wrap: anywhere; }
.holds { color: #1a7f37; font-weight: 600; } .violated { color: #cf222e; font-weight: 600; }
td:first-child { white-space: nowrap; }
.unchecked { color: #57606a; }
.drawing { overflow-x: auto; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.5rem;
           margin: 0 0 1rem; }
.advice { background: #fff8c5; border-left: 4px solid #d4a72c; padding: 0.4rem 0.8rem; }
li { overflow-wrap: anywhere; } code { font-size: 0.9em; }
"""

#: Line styles of the drawing's edges, and what each means (its legend).
_EDGES = {
    "hard": ("#1f2328", "", "hard call (no timeout and fallback)"),
    "soft": ("#1f2328", "6 3 1 3", "soft call (timeout and fallback)"),
    "async": ("#0969da", "6 4", "event or asynchronous call"),
    "store": ("#8c959f", "2 3", "uses a data store"),
}


def page(reports: Sequence[Report], title: str = "msatheory check") -> str:
    """The HTML page for ``reports`` (one section per system), as a string.

    >>> from msatheory.check import EXAMPLES, load
    >>> from msatheory.check.report import check_system
    >>> text = page([check_system(load(EXAMPLES / "tangled-shop.yaml"))])
    >>> text.startswith("<!DOCTYPE html>"), "<script" in text, text.count('class="marked"')
    (True, False, 6)
    """
    sections = "\n".join(_section(r, read_practices(r)) for r in reports)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n<h1>{html.escape(title)}</h1>\n{sections}\n</body>\n</html>\n")


def _section(report: Report, practices: PracticeReport) -> str:
    system, arch = report.system, report.system.architecture
    failed = [i for i in range(len(report.verdicts)) if not report.passes(i)]
    held = len(report.verdicts) - len(failed)
    accepted = (f" {counted(len(report.accepted), 'finding')} accepted."
                if report.accepted else "")
    head = (f"<h2>{html.escape(arch.name)}</h2>\n<p><code>{html.escape(system.file)}</code> "
            f"({html.escape(system.origin)}): {counted(len(arch.services), 'service')}, "
            f"{counted(len(arch.datastores), 'data store')}. "
            f"{counted(len(report.verdicts), 'statement')} checked: {held} hold, "
            f"{len(failed)} violated.{accepted}</p>")
    return "\n".join([head, _drawing(arch, report), _verdicts(report),
                      _violations(report, failed), _practices(practices), _facts(report)])


def _drawing(arch: Architecture, report: Report) -> str:
    """The architecture as inline SVG, marking what the witnesses not accepted name."""
    marks: Counter[str] = Counter()
    notes: dict[str, list[str]] = {}
    for i, verdict in enumerate(report.verdicts):
        for witness in report.open(i):
            for name in dict.fromkeys(witness.involves):
                if name in arch.services or name in arch.datastores:
                    marks[name] += 1
                    notes.setdefault(name, []).append(f"{verdict.statement.ref}: {witness}")
    pos = layered_positions(arch)
    widths = {node: max(80.0, _CHAR * len(node.partition(":")[2]) + 20) for node in pos}
    step = max(widths.values()) + 24
    left = min(x for x, _ in pos.values())
    place = {node: (_MARGIN + (x - left) * step + step / 2, _MARGIN + -y * _LAYER_GAP)
             for node, (x, y) in pos.items()}
    width = max(x for x, _ in place.values()) + step / 2 + _MARGIN
    height = max(y for _, y in place.values()) + _HEIGHT + _MARGIN
    edges = [_edge(place[f"service:{c.source}"], place[f"service:{c.target}"],
                   "async" if c.mode == "async" else
                   "hard" if arch.network.edges[c.source, c.target]["hard"] else "soft")
             for c in arch.channels if c.mode == "async" or c.via == "call"]
    edges += [_edge(place[f"service:{user}"], place[f"datastore:{store}"], "store")
              for store, users in sorted(arch.data_layer.items()) for user in sorted(users)]
    nodes = [_node(node, place[node], widths[node], node.partition(":")[2] in
                   arch.entry_points and node.startswith("service:"),
                   marks[node.partition(":")[2]], notes.get(node.partition(":")[2], []))
             for node in sorted(pos)]
    arrow = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
             'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
             '<path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker></defs>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
           f'aria-label="{html.escape(arch.name)}: services, data stores and calls">'
           f'{arrow}{"".join(edges)}{"".join(nodes)}</svg>')
    legend = "; ".join(f'<span style="color:{colour}">{"━" if not dash else "┅"}</span> '
                       f"{meaning}" for colour, dash, meaning in _EDGES.values())
    return (f'<figure class="drawing">{svg}<figcaption>Callers above callees, data stores '
            f"at the bottom; a thick border marks an entry point, a red outline and count "
            f"the witnesses that name a service or data store (hover for them). "
            f"{legend}.</figcaption></figure>")


def _edge(start: tuple[float, float], end: tuple[float, float], kind: str) -> str:
    colour, dash, _ = _EDGES[kind]
    (x1, y1), (x2, y2) = start, end
    if y2 > y1:  # down a layer: bottom of the caller to the top of the callee
        path = f"M {x1:.1f} {y1 + _HEIGHT:.1f} L {x2:.1f} {y2:.1f}"
    else:  # along a layer or up (a cycle): an arc over the nodes going right, under
        # them going left, so that a call and its call back do not overlap
        bend = (_LAYER_GAP / 2 + abs(x2 - x1) / 4) * (1 if x2 > x1 else -1)
        path = (f"M {x1:.1f} {y1 + _HEIGHT / 2:.1f} Q {(x1 + x2) / 2:.1f} "
                f"{(y1 + y2) / 2 + _HEIGHT / 2 - bend:.1f} {x2:.1f} {y2 + _HEIGHT / 2:.1f}")
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<path class="edge {kind}" d="{path}" fill="none" stroke="{colour}" '
            f'stroke-width="1.4"{dashes} marker-end="url(#arrow)"/>')


def _node(node: str, centre: tuple[float, float], width: float, entry: bool, marked: int,
          notes: list[str]) -> str:
    kind, _, name = node.partition(":")
    x, y = centre[0] - width / 2, centre[1]
    fill = "#ddf4ff" if kind == "service" else "#eaeef2"
    stroke = "#cf222e" if marked else "#1f2328" if entry else "#8c959f"
    border = 3 if marked or entry else 1
    radius = 15 if kind == "service" else 3
    title = html.escape("\n".join([f"{name} ({'entry point' if entry else kind})", *notes]))
    badge = (f'<circle cx="{x + width:.1f}" cy="{y:.1f}" r="9" fill="#cf222e"/>'
             f'<text x="{x + width:.1f}" y="{y + 4:.1f}" text-anchor="middle" '
             f'font-size="11" fill="#ffffff">{marked}</text>') if marked else ""
    return (f'<g class="{"marked" if marked else "node"}" data-name="{html.escape(name)}">'
            f"<title>{title}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{_HEIGHT}" '
            f'rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="{border}"/>'
            f'<text x="{centre[0]:.1f}" y="{y + 19:.1f}" text-anchor="middle" '
            f'font-size="12" font-family="sans-serif">{html.escape(name)}</text>'
            f"{badge}</g>")


def _status(holds: bool) -> str:
    return '<span class="holds">holds</span>' if holds else \
        '<span class="violated">violated</span>'


def _verdicts(report: Report) -> str:
    rows = "".join(f"<tr><td>{_status(report.passes(i))}</td>"
                   f"<td>{html.escape(str(v.statement))}</td>"
                   f"<td>{html.escape(v.summary)}</td></tr>"
                   for i, v in enumerate(report.verdicts))
    return ("<h3>Statements checked</h3>\n<table><thead><tr><th>verdict</th><th>statement"
            f"</th><th>what was found</th></tr></thead><tbody>{rows}</tbody></table>")


def _violations(report: Report, failed: Sequence[int]) -> str:
    accepted = "".join(f"<li>{html.escape(report.verdicts[i].statement.ref)}: "
                       f"{html.escape(str(w))} <i>accepted: {html.escape(a.reason)}</i></li>"
                       for i, w, a in report.accepted)
    kept = f"<h3>Accepted findings</h3>\n<ul>{accepted}</ul>" if accepted else ""
    if not failed:
        return "<p>Every statement checked holds.</p>" + kept
    parts = ["<h3>Witnesses, and what to do</h3>"]
    for i in failed:
        verdict, advice = report.verdicts[i], report.advice[i]
        items = "".join(f"<li><b>{html.escape(w.what)}</b>: "
                        f"{html.escape(w.detail or ', '.join(w.involves))}</li>"
                        for w in report.open(i))
        todo = f'<p class="advice">What to do: {html.escape(advice)}</p>' if advice else ""
        parts.append(f"<h4>{html.escape(str(verdict.statement))}</h4>\n<ul>{items}</ul>{todo}")
    return "\n".join(parts) + kept


def _practices(report: PracticeReport) -> str:
    rows = []
    for result in report.parts:
        part = result.part
        status = ('<span class="unchecked">' + result.status + "</span>"
                  if "checked" in result.status else _status(result.status == "holds"))
        why = "".join(f"<br><span class='unchecked'>not checked: "
                      f"{html.escape(name.rpartition('.')[2])}: {html.escape(reason)}</span>"
                      for name, reason in result.unchecked)
        rows.append(f"<tr><td>{html.escape(part.label)}</td><td>{html.escape(part.text)} "
                    f"({html.escape(part.text_zh)}){why}</td><td>{status}</td>"
                    f"<td>{len(result.witnesses)}</td></tr>")
    return ("<h3>Practices 8.2.1-8.2.3</h3>\n<table><thead><tr><th>practice</th><th>part"
            "</th><th>status</th><th>witnesses</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _facts(report: Report) -> str:
    system = report.system
    blocks = []
    for title, facts in (("Edges inferred from the file", system.inferred),
                         ("Findings", system.findings)):
        if facts:
            items = "".join(f"<li>{html.escape(str(f))}</li>" for f in facts)
            blocks.append(f"<details><summary>{title} ({len(facts)})</summary>"
                          f"<ul>{items}</ul></details>")
    return "\n".join(blocks)
