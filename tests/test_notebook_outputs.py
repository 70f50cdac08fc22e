"""Outputs a learner can read: every text output of every notebook is at most 15 lines and
at most 100 characters a line. Figures and widgets are not text and are not counted."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
MOST_LINES, WIDEST = 15, 100
PICTURES = ("image/", "text/html", "application/vnd.jupyter.widget")


def text_of(output: nbformat.NotebookNode) -> str:
    """What a reader sees as text: a stream, an error line, or a plain-text result that has
    no richer form (a figure or widget is seen as itself)."""
    if output.output_type == "stream":
        return str(output.text)
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    if "text/plain" in data and not any(k.startswith(PICTURES) for k in data):
        return str(data["text/plain"])
    return ""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_text_output_fits_a_reader(path):
    notebook = nbformat.read(path, as_version=4)
    too_big = []
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        lines = [line for output in cell.outputs for line in text_of(output).splitlines()]
        wide = [line for line in lines if len(line) > WIDEST]
        if len(lines) > MOST_LINES or wide:
            too_big.append(f"cell {number}: {len(lines)} lines, {len(wide)} wider than "
                           f"{WIDEST} characters ({cell.source.splitlines()[0][:50]!r})")
    assert not too_big, "\n".join(too_big)
