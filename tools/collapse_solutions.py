"""Make the chapters' solution cells open collapsed in JupyterLab too.

    python tools/collapse_solutions.py [NOTEBOOK ...]   (default: book/*.ipynb)

On the website a solution cell (tagged ``hide-input``) is collapsed behind
"Show solution"; JupyterLab and Notebook do not read that tag. They read
``metadata.jupyter.source_hidden``, so this tool sets it on every cell tagged
``hide-input`` (and removes it from cells that lost the tag). It changes
nothing else, writes a notebook only when something changed, and running it
twice changes nothing. ``tests/test_notebook_metadata.py`` checks every
chapter; the student editions drop the flag again (their stubs are for
students to fill in).
"""
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def collapse(nb):
    """Set source_hidden exactly on the hide-input cells of `nb`; return True if it changed."""
    changed = False
    for cell in nb.cells:
        hidden = "hide-input" in cell.metadata.get("tags", [])
        jupyter = cell.metadata.get("jupyter", {})
        if hidden and jupyter.get("source_hidden") is not True:
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            changed = True
        elif not hidden and "source_hidden" in jupyter:
            del jupyter["source_hidden"]
            if not jupyter:
                del cell.metadata["jupyter"]
            changed = True
    return changed


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    paths = [Path(p) for p in args] or sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if collapse(nb):
            nbformat.write(nb, path)
            print(f"{path}: solution cells collapsed")


if __name__ == "__main__":
    main()
