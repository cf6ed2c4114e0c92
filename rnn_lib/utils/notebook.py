"""`glue`: a number computed in a chapter, stored in the cell's output for the text to quote.

The book's prose quotes computed numbers with MyST-NB's ``{glue:text}``
role, which reads them from the notebook's stored outputs, so nbval re-checks
every one. This writes exactly the output MyST-NB's own ``myst_nb.glue``
writes, without needing MyST-NB where the chapter runs (in the browser, where
only NumPy, Matplotlib, IPython and rnn_lib are installed).
"""
from IPython.core.formatters import format_display_data
from IPython.display import display as ipy_display

__all__ = ["glue"]

GLUE_PREFIX = "application/papermill.record/"  # the MIME prefix MyST-NB looks for


def glue(name, variable, display=True):
    """Store `variable`'s displayed form under `name`; also show it when `display` is true.

    Parameters
    ----------
    name : str
        The name the text uses: ``{glue:text}`name:.3f```.
    variable : object
        Anything IPython can display; numbers should be plain Python numbers
        (``float(x)``), so that the stored text is the same with every NumPy.
    display : bool, default True
    """
    mimebundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True, metadata=metadata)
