"""Label the collapsed code cell that answers an exercise "Show solution".

The book's convention: a markdown cell holds ```{admonition} Exercise 1.1```,
the next code cell is its solution, tagged ``hide-input`` (myst-nb collapses
it), and a graded check follows. myst-nb labels every collapsed cell "Show code
cell source"; this post-transform relabels the ones that follow an exercise,
and leaves every other hide-input cell, and any cell that sets its own
``mystnb.code_prompt_show``, as it is.
"""
from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

SHOW, HIDE = "Show solution", "Hide solution"


def _is_exercise(node):
    return (isinstance(node, nodes.admonition) and node.children
            and isinstance(node[0], nodes.title) and node[0].astext().startswith("Exercise"))


def _follows_exercise(cell):
    """True when the nearest earlier sibling that is an exercise or a code cell is an exercise."""
    parent = cell.parent
    for node in reversed(parent.children[:parent.index(cell)]):
        if _is_exercise(node):
            return True
        if isinstance(node, nodes.container) and node.get("nb_element") == "cell_code":
            return False
    return False


class LabelSolutions(SphinxPostTransform):
    default_priority = 198  # before myst-nb's HideInputCells (199) reads the prompts
    formats = ("html",)

    def run(self, **kwargs):
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code" or not cell.get("hide_mode"):
                continue
            own = (cell.get("cell_metadata") or {}).get("mystnb", {})
            if "code_prompt_show" in own or not _follows_exercise(cell):
                continue
            cell["prompt_show"], cell["prompt_hide"] = SHOW, HIDE


def setup(app):
    app.add_post_transform(LabelSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
