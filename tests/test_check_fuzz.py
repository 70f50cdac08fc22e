"""Fuzzing the readers: whatever the bytes, only TheoryError escapes, and quickly.

Documents of any shape and architecture files are generated and go through the reader and
every loader (:func:`tests.fuzz_helpers.survives`); nesting and aliases are pushed to the
reader's bounds; the fast validator is compared with jsonschema. Real files mutated, compose
files and Kubernetes manifests are fuzzed in ``test_check_fuzz_real_files.py``,
``test_check_fuzz_compose.py`` and ``test_check_fuzz_kubernetes.py``.
"""

from __future__ import annotations

import fastjsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msatheory.check import document as document_module
from tests.fuzz_helpers import FUZZ, documents, dump, names, sometimes, survives

pytestmark = pytest.mark.fuzz  # make fuzz runs them; make check runs both sets

architecture = st.fixed_dictionaries(
    {"services": st.dictionaries(names, st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "calls": sometimes(st.lists(names, max_size=3)),
        "publishes": sometimes(st.lists(names, max_size=2)),
        "subscribes": sometimes(st.lists(names, max_size=2)),
        "datastores": sometimes(st.lists(names, max_size=2)),
        "healthcheck": sometimes(st.booleans()), "exposed": sometimes(st.booleans()),
        "replicas": sometimes(st.integers(0, 5)), "domain": sometimes(names),
        "deployment": sometimes(names),
        "functions": sometimes(st.lists(st.one_of(names, st.fixed_dictionaries(
            {"name": names}, optional={"domain": names, "priority": st.integers()})),
            max_size=4)),
        "interfaces": sometimes(st.lists(names, max_size=2)),
        "entities": sometimes(st.lists(names, max_size=2)),
        "monitors": sometimes(st.lists(names, max_size=2)),
    })), min_size=1, max_size=6)},
    optional={"gateway": sometimes(st.one_of(names, st.lists(names, max_size=2))),
              "datastores": sometimes(st.dictionaries(names, st.one_of(
                  st.none(), st.fixed_dictionaries({}, optional={
                      "technology": sometimes(st.sampled_from(["redis", "kafka", "pg"])),
                      "kind": sometimes(st.sampled_from(["cache", "broker"]))})))),
              "granularity": sometimes(st.fixed_dictionaries(
                  {"merge_below": st.integers(1, 5), "split_above": st.integers(1, 25)}))},
)


@FUZZ
@given(document=documents, as_json=st.booleans())
def test_generated_documents(document, as_json):
    survives(dump(document, as_json), "fuzz.json" if as_json else "fuzz.yaml", as_json)


@FUZZ
@given(document=architecture, as_json=st.booleans())
def test_generated_architecture_files(document, as_json):
    survives(dump(document, as_json), "fuzz.json" if as_json else "fuzz.yaml", as_json)


@settings(max_examples=200)
@given(depth=st.integers(1, 3000), flow=st.booleans(), as_json=st.booleans())
def test_nesting_of_any_depth_is_read_or_refused(depth, flow, as_json):
    if as_json or flow:
        text = '{"services": ' + "[" * depth + "]" * depth + "}"
    else:
        text = "services:\n" + "".join("  " * i + "- \n" if i < depth - 1 else "  " * i + "- x\n"
                                       for i in range(min(depth, 400)))
    survives(text, "deep.json" if as_json else "deep.yaml", as_json)


@settings(max_examples=50)
@given(levels=st.integers(1, 12), width=st.integers(2, 12))
def test_alias_expansion_is_bounded(levels, width):
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    survives("\n".join(lines) + "\nservices: {s: }\n")


@FUZZ
@given(document=architecture)
def test_the_fast_validator_agrees_with_jsonschema(document):
    import jsonschema
    fast = True
    try:
        document_module._VALID(document)
    except fastjsonschema.JsonSchemaException:
        fast = False
    full = not any(jsonschema.Draft202012Validator(document_module._INLINED).iter_errors(
        document))
    assert fast == full
