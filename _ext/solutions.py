"""Label the collapsed code cell that answers an exercise "Show solution to Exercise 1.2".

The book's convention: a markdown cell holds ```{admonition} Exercise 1.1```,
the next code cell is its solution, tagged ``hide-input`` (myst-nb collapses
it), and a graded check follows. myst-nb labels every collapsed cell "Show code
cell source"; this post-transform relabels the ones that follow an exercise
with the exercise's number, and leaves every other hide-input cell, and any
cell that sets its own ``mystnb.code_prompt_show``, as it is.

In the rendered solution the ``# BEGIN SOLUTION`` / ``# END SOLUTION`` lines
(markers for ``rnn_lib.grading``, which cuts the solution out for the
student edition) are left out: on the page they would only be noise. The
notebook keeps them.
"""
import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

SHOW, HIDE = "Show solution", "Hide solution"
_NUMBER = re.compile(r"^Exercise\s+(\d+(?:\.\d+)*)")
_MARKER = re.compile(r"^[ \t]*# (BEGIN|END) SOLUTION[^\n]*\n?", re.M)


def _is_exercise(node):
    return (isinstance(node, nodes.admonition) and node.children
            and isinstance(node[0], nodes.title) and node[0].astext().startswith("Exercise"))


def _exercise_before(cell):
    """The exercise admonition just before `cell` (no code cell between them), else None.

    The exercise box may sit in the cell's own section or at the end of the
    section before it (a solution cell after a new heading is unusual but
    possible), so the search walks up through the ancestors.
    """
    node = cell
    while node.parent is not None:
        parent = node.parent
        for sibling in reversed(parent.children[:parent.index(node)]):
            found = [sibling] if _is_exercise(sibling) else [
                n for n in sibling.findall(nodes.admonition) if _is_exercise(n)] if isinstance(
                sibling, nodes.section) else []
            if found:
                return found[-1]
            if isinstance(sibling, nodes.container) and sibling.get("nb_element") == "cell_code":
                return None
        if isinstance(parent, nodes.document):
            return None
        node = parent
    return None


def _hide_markers(cell):
    """Drop the BEGIN/END SOLUTION lines from the cell's rendered source."""
    for block in cell.findall(nodes.literal_block):
        text = block.astext()
        if "SOLUTION" in text:
            new = _MARKER.sub("", text)
            block.children = [nodes.Text(new)]
            block.rawsource = new  # the same text: Sphinx still highlights it


class LabelSolutions(SphinxPostTransform):
    default_priority = 198  # before myst-nb's HideInputCells (199) reads the prompts
    formats = ("html",)

    def run(self, **kwargs):
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code" or not cell.get("hide_mode"):
                continue
            own = (cell.get("cell_metadata") or {}).get("mystnb", {})
            exercise = _exercise_before(cell)
            if exercise is None:
                continue
            _hide_markers(cell)
            if "code_prompt_show" in own:
                continue
            number = _NUMBER.match(exercise[0].astext())
            suffix = f" to Exercise {number.group(1)}" if number else ""
            cell["prompt_show"], cell["prompt_hide"] = SHOW + suffix, HIDE + suffix


def setup(app):
    app.add_post_transform(LabelSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
