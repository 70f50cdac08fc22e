"""Fuzzing the settings reader of ``msatheory check`` (``.msatheory.yaml``, ``[tool.msatheory]``
in ``pyproject.toml``): whatever the file holds, only a one-line TheoryError naming the file
escapes, and settings that load can be applied to a report."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msatheory.check import EXAMPLES, check_system, load
from msatheory.check.config import read_config
from msatheory.errors import TheoryError
from tests.fuzz_helpers import FEWER, documents, dump, names, sometimes

pytestmark = pytest.mark.fuzz  # make fuzz runs them; make check runs both sets

SYSTEM = load(EXAMPLES / "tangled-shop.yaml")
selectors = st.sampled_from(["1", "1.2", "2.1.1", "Axiom 1.1.1", "theorem 2.1.1", "公理 1.1.1",
                             "Def 1.1.1", "Axiom 9.9.9", "Axoim 1.1.1", "3.2.2", " ", "1.",
                             "8.2", "Strategy 7.1.3"])
settings_files = st.fixed_dictionaries({}, optional={
    "select": sometimes(st.lists(selectors, max_size=3)),
    "ignore": sometimes(st.lists(selectors, max_size=3)),
    "accept": sometimes(st.lists(st.fixed_dictionaries({}, optional={
        "statement": sometimes(selectors),
        "involves": sometimes(st.one_of(names, st.lists(names, max_size=3))),
        "what": sometimes(st.sampled_from(["dependency cycle", "no health check"])),
        "files": sometimes(st.sampled_from(["*.yaml", "tangled-*", "deploy/**"])),
        "reason": sometimes(st.sampled_from(["accepted until Q3", "", " "])),
    }), max_size=3)),
})


def _survives(path) -> None:
    try:
        config = read_config(path)
    except TheoryError as error:
        assert str(error).startswith(f"{path}: ") and "\n" not in str(error), str(error)
        return
    report = check_system(SYSTEM, config)
    json.dumps(report.as_dict())
    str(report)


@FEWER
@given(document=st.one_of(settings_files, documents))
def test_generated_settings_files(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("settings") / ".msatheory.yaml"
    path.write_text(dump(document, as_json=False))
    _survives(path)


@FEWER
@given(text=st.one_of(st.text(max_size=200), st.sampled_from([
    "[tool.msatheory]\nselect = [1]\n", "[tool.msatheory]\nselect = ['1', 2]\n",
    "[tool]\nmsatheory = 3\n", "[[tool.msatheory.accept]]\nstatement = '1.1.1'\n",
    "[tool.msatheory]\naccept = [{statement = '1.1.1', reason = 'r', involves = 'orders'}]\n",
    "[tool.msatheory]\nignore = 'x'\n", "tool = 1\n", "[tool.msatheory]\n"])))
def test_generated_pyproject_files(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("settings") / "pyproject.toml"
    path.write_text(text)
    _survives(path)
