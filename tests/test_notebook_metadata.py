"""What every chapter notebook carries for readers who open it in Jupyter."""
import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))
WIDTH = 78  # the monospace characters the book's text column shows on a laptop


def _tool():
    path = ROOT / "tools" / "collapse_solutions.py"
    spec = importlib.util.spec_from_file_location("collapse_solutions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_solution_cells_open_collapsed_in_jupyterlab(path):
    """Each hide-input cell has jupyter.source_hidden, so JupyterLab opens it collapsed too."""
    nb = nbformat.read(path, as_version=4)
    missing = [i + 1 for i, cell in enumerate(nb.cells)
               if "hide-input" in cell.metadata.get("tags", [])
               and cell.metadata.get("jupyter", {}).get("source_hidden") is not True]
    assert not missing, (f"{path.name}: cells {missing} are tagged hide-input but open expanded in "
                         "JupyterLab; run `python tools/collapse_solutions.py`")


def test_the_tool_collapses_exactly_the_hide_input_cells_and_is_idempotent():
    tool = _tool()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["hide-input"]}),
        nbformat.v4.new_code_cell("b = 2", metadata={"jupyter": {"source_hidden": True}}),
        nbformat.v4.new_markdown_cell("text"),
    ])
    assert tool.collapse(nb) is True
    assert nb.cells[0].metadata["jupyter"]["source_hidden"] is True
    assert "jupyter" not in nb.cells[1].metadata  # no longer tagged: shown again
    assert nb.cells[0].source == "a = 1" and nb.cells[0].metadata["tags"] == ["hide-input"]
    assert tool.collapse(nb) is False


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_code_fits_the_column(path):
    """Code cells stay within 78 columns, so the page shows them whole (outputs may wrap)."""
    nb = nbformat.read(path, as_version=4)
    long = [f"cell {i + 1}: {line[:60]}... ({len(line)} columns)"
            for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for line in cell.source.splitlines() if len(line) > WIDTH]
    assert not long, f"{path.name}: lines longer than {WIDTH} columns:\n" + "\n".join(long)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_exercise_headings_are_one_level_and_numbered_by_chapter(path):
    """Every exercise heading is `### Exercise N.k: title`, N the chapter's number, so the
    page, the toggles ("Show solution to Exercise N.k") and the index agree."""
    import re

    prefix = path.name.split("_")[0]
    if not prefix.isdigit():
        pytest.skip(f"{path.name} is not a numbered chapter")
    chapter = int(prefix)
    nb = nbformat.read(path, as_version=4)
    wrong = [line for cell in nb.cells if cell.cell_type == "markdown"
             for line in cell.source.splitlines()
             if re.match(r"#+\s+Exercise\b", line)
             and not re.match(rf"### Exercise {chapter}\.\d+: \S", line)]
    assert not wrong, f"{path.name}: exercise headings not of the form '### Exercise {chapter}.k: title': {wrong}"
