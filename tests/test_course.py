"""msatheory.theory.course: the reading time of a lesson."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msatheory import TheoryError
from msatheory.theory.course import Reading, reading, reading_minutes


def test_minutes_are_words_at_150_a_minute_plus_two_a_code_cell_to_the_nearest_five():
    assert Reading(words=1500, code_cells=20).minutes == 50
    assert Reading(words=0, code_cells=0).minutes == 5  # never less than five
    assert Reading(words=900, code_cells=10).minutes == 25  # 26 minutes
    assert Reading(words=1200, code_cells=10).minutes == 30  # 28 minutes


def test_a_notebook_is_counted_by_its_prose_and_code_cells(tmp_path):
    path = tmp_path / "lesson.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["# Title\n", "two words"]},
        {"cell_type": "code", "source": "print(1)"},
        {"cell_type": "raw", "source": "not counted"},
        {"cell_type": "markdown", "source": "## Exercises\n\nExtra, so not counted"},
        {"cell_type": "code", "source": "check()"},
    ]}))
    assert reading(path) == Reading(words=4, code_cells=1)
    assert reading_minutes(path) == 5


@given(st.one_of(st.binary(max_size=40), st.text(max_size=40).map(str.encode),
                 st.recursive(st.none() | st.integers() | st.text(max_size=5),
                              lambda inner: st.lists(inner, max_size=3)
                              | st.dictionaries(st.sampled_from(["cells", "cell_type",
                                                                 "source"]), inner,
                                                max_size=3)).map(
                                  lambda v: json.dumps(v).encode())))
def test_anything_else_is_refused_with_the_path_named(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "x.ipynb"
    path.write_bytes(content)
    try:
        reading(path)
    except TheoryError as error:
        assert "x.ipynb" in str(error) and "not a readable notebook" in str(error)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(TheoryError, match=r"missing\.ipynb.*not a readable notebook"):
        reading(tmp_path / "missing.ipynb")
