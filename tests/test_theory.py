"""The catalogue, verdicts, errata and the command line."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from msatheory import TheoryError, theory
from msatheory.__main__ import main
from msatheory.theory import Kind, Verdict, Witness, render
from msatheory.theory.render import myst_page, text_table

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "000_08ac77902875be5b.txt"
ZH_KIND = {k.zh: k for k in Kind}


def test_catalogue_has_59_unique_statements_of_all_kinds():
    statements = theory.catalogue()
    assert len(statements) == 59
    assert len({(s.kind, s.number) for s in statements}) == 59
    assert {s.kind for s in statements} == set(Kind)
    assert [s.chapter for s in statements] == sorted(s.chapter for s in statements)


@pytest.mark.skipif(not SEED.exists(), reason="the theory document (../shared/seed) is absent")
def test_catalogue_matches_the_theory_document_in_order():
    found = re.findall(r"^\*\*(\S+) (\d\.\d\.\d) \((.+?)\)\*\*", SEED.read_text(), re.M)
    assert [(ZH_KIND[k], n, t) for k, n, t in found] == [
        (s.kind, s.number, s.title_zh) for s in theory.catalogue()
    ]


@pytest.mark.parametrize("spelling", ["axiom", "Axiom", "AXIOM", "公理", Kind.AXIOM])
def test_get_accepts_every_spelling_of_a_kind(spelling):
    assert theory.get(spelling, "1.1.1").title == "Independence"


def test_get_names_what_is_wrong():
    with pytest.raises(TheoryError, match=r"unknown statement kind 'lemma'"):
        theory.get("lemma", "1.1.1")
    with pytest.raises(TheoryError, match=r"no axiom numbered '9\.9\.9'; its axioms are 1\.1\.1"):
        theory.get("axiom", "9.9.9")


def test_statement_references_and_labels():
    s = theory.get("def", "7.2.1")
    assert (s.ref, s.ref_zh, s.label, s.chapter) == (
        "Def 7.2.1", "定义 7.2.1", "definition-7-2-1", 7)
    # Every statement of the catalogue is encoded; a record made without one says so.
    unencoded = dataclasses.replace(theory.get("pattern", "8.1.1"), encoding=None)
    with pytest.raises(TheoryError, match=r"Pattern 8\.1\.1 has no encoding: its chapter is not "):
        unencoded.encoded_by()


ENCODED = [s for s in theory.catalogue() if s.encoding]


@pytest.mark.parametrize("statement", ENCODED, ids=lambda s: s.ref)
def test_encoding_resolves_and_names_its_statement(statement):
    obj = statement.encoded_by()
    doc = inspect.getdoc(obj) or ""
    assert f"{statement.kind.short} {statement.number}" in doc
    assert statement.title_zh in doc


@pytest.mark.parametrize("statement", ENCODED, ids=lambda s: s.ref)
def test_taught_in_its_notebook_under_its_label(statement):
    notebook = json.loads((ROOT / statement.notebook).read_text())
    markdown = "".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )
    assert f"({statement.label})=" in markdown
    assert f"{statement.ref} {statement.title} ({statement.title_zh})" in markdown


def test_verdict_holds_exactly_without_witnesses_and_sorts_them():
    s = theory.get("feature", "1.2.1")
    b, a = Witness("w", ("b",)), Witness("w", ("a",), "a <b>")
    verdict = Verdict(s, [b, a, b], "Checked.")
    assert not verdict.holds and verdict.witnesses == (a, b)
    assert repr(verdict) == (
        "Feature 1.2.1 Autonomy (服务自治): violated. Checked.\n  - w: a <b>\n  - w: b"
    )
    assert "a &lt;b&gt;" in verdict._repr_html_()
    assert Verdict(s, [], "Nothing.").holds
    assert verdict.as_dict()["witnesses"][0] == {"what": "w", "involves": ["a"], "detail": "a <b>"}


@pytest.mark.parametrize("erratum", theory.errata(), ids=lambda e: e.key)
def test_each_erratum_is_shown_by_its_port_and_fixed_by_its_correction(erratum):
    example = erratum.find()  # each chapter's errata tests pin what it finds
    assert erratum.breaks(example) is True
    counterexample = erratum.describe(example)
    assert counterexample.expected != counterexample.observed
    assert erratum.verify_corrected() is True
    assert erratum.wrong.endswith(".") and erratum.wrong.count(". ") == 0


def _resolves(dotted: str) -> object:
    module, _, attribute = dotted.split(" (")[0].partition(".")
    target: object = importlib.import_module(module)
    for part in attribute.split("."):
        target = (getattr(target, part) if hasattr(target, part)
                  else importlib.import_module(f"{target.__name__}.{part}"))  # type: ignore[attr-defined]
    return target


@pytest.mark.parametrize("erratum", theory.errata(), ids=lambda e: e.key)
def test_each_erratum_is_written_the_same_way(erratum):
    """The record convention of CONTRIBUTING.md: a chapter-numbered slug, the sketch or
    statement with its section, one full sentence, an importable correction."""
    assert re.fullmatch(r"[1-8]\.[a-z][a-z0-9-]*", erratum.key)
    assert re.fullmatch(r".+ \(section [1-8](\.\d)?(; .+)?\)", erratum.concerns)
    assert erratum.wrong[0].isupper() and erratum.wrong.endswith(".")
    assert callable(_resolves(erratum.corrected_by))
    shown = render.source(erratum.breaks)
    assert shown.startswith(f"def {erratum.breaks.__name__}(") and '"""Property: ' in shown
    assert erratum.stated().startswith("Property: ") and "\n" not in erratum.stated()


@pytest.mark.parametrize("stub", theory.stubs(), ids=lambda s: s.key)
def test_each_declared_stub_quotes_the_theory_and_is_not_an_erratum(stub):
    assert "简化实现" in stub.declared
    assert stub.key not in {e.key for e in theory.errata()}
    assert re.fullmatch(r"[1-8]\.[a-z][a-z0-9-]*", stub.key)
    assert re.fullmatch(r".+ \(section [1-8](\.\d)?(; .+)?\)", stub.concerns)
    assert stub.stands_for[0].isupper() and stub.stands_for.endswith(".")
    assert callable(_resolves(stub.modelled_by))


def test_statements_are_literal_and_every_interpretation_is_marked_ours():
    assert theory.get(Kind.DEFINITION, "1.1.1").statement.startswith(
        "A microservice is a quadruple")  # 微服务是一个四元组, not "a microservice system"
    assert "does not affect the whole system" in theory.get(Kind.FEATURE, "1.2.3").statement
    read = [s for s in theory.catalogue() if s.reading]
    assert len(read) == 26 and all(s.reading.startswith("Ours: ") for s in read)
    assert all(s.reading.endswith(".") and s.statement.endswith(".") for s in read)


def test_text_table_lists_every_statement(capsys):
    assert main(["theory"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^[A-Z][a-z]+ \d\.\d\.\d ", line)]
    assert len(rows) == 59
    assert out.rstrip().endswith("59 statements; 59 encoded, 59 taught.")
    assert out == text_table(theory.catalogue()) + "\n"


def test_myst_page_links_every_statement():
    page = myst_page(theory.catalogue())
    rows = [line for line in page.splitlines() if re.match(r"^\| [A-Z]", line)]
    assert len(rows) == 59 + 8  # a header row for each chapter
    assert "{ref}`Axiom 1.1.1 <axiom-1-1-1>`" in page
    assert "{py:obj}`msatheory.basics.check_independence`" in page
    assert "| Our reading |" in page and "a failure spreads along hard" in page
    assert r"$G(s) = \|B(s)\| + \|I(s)\| + \|D(s)\|$" in page


def test_command_line_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "msatheory", "theory", "--chapter", "1"],
        capture_output=True, text=True, check=True,
    )
    assert result.stdout.rstrip().endswith("7 statements; 7 encoded, 7 taught.")
    bad = subprocess.run(
        [sys.executable, "-m", "msatheory", "theory", "--chapter", "9"],
        capture_output=True, text=True,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_errata_command_prints_each_counterexample_and_writes_nothing(tmp_path):
    """Run where a user would run it: it leaves the working directory as it was (hypothesis
    keeps its database and caches under ``.hypothesis/`` there; the searches write none)."""
    env = {key: value for key, value in os.environ.items()
           if key != "HYPOTHESIS_STORAGE_DIRECTORY"}  # hypothesis' default: the working directory
    done = subprocess.run([sys.executable, "-m", "msatheory", "errata"], cwd=tmp_path,
                          env={**env, "PYTHONHASHSEED": "0"}, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("corrected by") == len(theory.errata())
    assert "FAILS" not in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_searches_ignore_the_literals_of_whatever_local_modules_were_imported(
        tmp_path, monkeypatch):
    """Hypothesis may draw from the literals of local modules imported so far; a search
    inside ``reproducible()`` does not, so its counterexample cannot depend on them."""
    from hypothesis.internal.conjecture import providers

    from msatheory.theory.erratum import reproducible

    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "full_of_literals.py").write_text("NUMBERS = (123456789, 987654321)\n")
    importlib.import_module("full_of_literals")
    erratum = theory.errata()[0]
    with reproducible():
        assert len(providers._get_local_constants()) == 0
        erratum.find()
    assert not (tmp_path / ".hypothesis").exists()  # no constants cache written here
    assert 123456789 in providers._get_local_constants().integers  # what it would draw
