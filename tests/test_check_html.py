"""``msatheory check --format html``: a self-contained page that draws each system with
what its witnesses name marked, and lists verdicts, witnesses, advice and practices."""

from __future__ import annotations

import html
import subprocess
import sys
from html.parser import HTMLParser

from msatheory.basics.model import Architecture, Datastore, Service
from msatheory.check import EXAMPLES, load
from msatheory.check.html import page
from msatheory.check.report import check_system
from msatheory.check.system import System
from msatheory.practice.practices import PARTS

VOID = {"meta", "br", "path", "rect", "circle"}


class Structure(HTMLParser):
    """Every open tag closed in order; the tags, attributes and text seen."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (self.open[-3:], tag)
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def parsed(text: str) -> Structure:
    structure = Structure()
    structure.feed(text)
    structure.close()
    assert structure.open == []
    return structure


def report_of(name: str):
    return check_system(load(EXAMPLES / name))


def test_the_page_is_well_formed_and_loads_nothing_from_elsewhere():
    text = page([report_of("tangled-shop.yaml"), report_of("shop-k8s.yaml")])
    structure = parsed(text)
    tags = {tag for tag, _ in structure.tags}
    assert not tags & {"script", "link", "img", "iframe", "object"}
    addresses = [value for _, attrs in structure.tags for key, value in attrs.items()
                 if key in {"src", "href"} and value]
    assert addresses == []
    assert "@import" not in text and "url(" not in text.replace('url(#arrow)', "")


def test_every_service_or_store_a_witness_names_is_marked_with_its_count():
    report = report_of("tangled-shop.yaml")
    arch = report.system.architecture
    counts: dict[str, int] = {}
    for verdict in report.verdicts:
        for witness in verdict.witnesses:
            for name in set(witness.involves) & (set(arch.services) | set(arch.datastores)):
                counts[name] = counts.get(name, 0) + 1
    structure = parsed(page([report]))
    marked = {attrs["data-name"] for tag, attrs in structure.tags
              if tag == "g" and attrs.get("class") == "marked"}
    assert marked == set(counts)
    nodes = {attrs["data-name"] for tag, attrs in structure.tags if tag == "g"}
    assert nodes == set(arch.services) | set(arch.datastores)


def test_each_violated_statement_has_its_witnesses_and_what_to_do():
    report = report_of("tangled-shop.yaml")
    text = page([report])
    for verdict, advice in zip(report.verdicts, report.advice, strict=True):
        if not verdict.holds:
            assert f"What to do: {html.escape(advice)}" in text
    assert text.count('class="advice"') == sum(not v.holds for v in report.verdicts)
    rows = text.split("<h3>Statements checked</h3>")[1].split("</table>")[0]
    assert rows.count("<tr>") == len(report.verdicts) + 1


def test_the_practices_table_has_every_part():
    text = page([report_of("shop.yaml")])
    table = text.split("<h3>Practices 8.2.1-8.2.3</h3>")[1].split("</table>")[0]
    assert table.count("<tr>") == len(PARTS) + 1
    assert "not checked: check_containers: an architecture file says nothing" in table


def test_names_are_escaped():
    arch = Architecture([Service("a<b>", calls=("c&d",), datastores=('"db"',)),
                         Service("c&d", datastores=('"db"',))],
                        [Datastore('"db"')], name="<shop>")
    text = page([check_system(System("x<y>.yaml", "architecture", arch))])
    parsed(text)
    assert "a<b>" not in text and "<shop>" not in text and "c&d" not in text
    assert "a&lt;b&gt;" in text and "&lt;shop&gt;" in text


def test_the_same_system_gives_the_same_page():
    assert page([report_of("shop-compose.yaml")]) == page([report_of("shop-compose.yaml")])


def test_msatheory_check_writes_the_page():
    result = subprocess.run(
        [sys.executable, "-m", "msatheory", "check", "--format", "html",
         str(EXAMPLES / "tangled-shop.yaml")], capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert result.stdout.endswith("</html>\n")
