"""Fuzzing the readers with real files: the examples (and the third-party examples, when they
are beside the project) with subtrees replaced and with their text damaged."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz_helpers import FUZZ, SEEDS, WORDS, documents, dump_all, scalars, survives

pytestmark = pytest.mark.fuzz  # make fuzz runs them; make check runs both sets


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*path, i))
    return found


def _replace(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


SEED_DOCUMENTS = [list(yaml.safe_load_all(p.read_text())) for p in SEEDS]
replacements = st.one_of(scalars, documents, st.sampled_from(WORDS))


@FUZZ
@given(data=st.data())
def test_real_files_with_a_subtree_replaced(data):
    docs = data.draw(st.sampled_from(SEED_DOCUMENTS))
    index = data.draw(st.integers(0, len(docs) - 1))
    document = docs[index]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(document)))
        document = _replace(document, path, data.draw(replacements))
    mutated = [*docs[:index], document, *docs[index + 1:]]
    survives(dump_all(mutated))


@FUZZ
@given(data=st.data())
def test_real_files_with_damaged_text(data):
    text = data.draw(st.sampled_from(SEEDS)).read_text()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 40))
        insert = data.draw(st.one_of(st.sampled_from(
            ["\n", ":", "- ", "{", "}", "[", "]", "&a ", "*a", "<<: *a\n", "!!binary ", "\t",
             "'", '"', "#", "---\n", "? ", "|\n", "  ", " 0x" + "f" * 4000, " 0b1", " 0o7",
             " !reset ", " !override "]), st.text(max_size=6)))
        text = text[:at] + insert + text[at + cut:]
    survives(text)
