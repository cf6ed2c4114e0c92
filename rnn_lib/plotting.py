"""The book's figure style, shared by every chapter so that figures look alike."""

__all__ = ["book_style"]


def book_style():
    """Set the book's matplotlib style and make notebook figures store only their image.

    IPython stores a text twin of every displayed figure, ``<Figure size
    640x480 with 1 Axes>``; it is never shown next to the image, but nbval
    would compare it and it depends on the figure's size and dpi. We register
    a fixed word instead (IPython ignores an empty string and falls back to
    the repr). Outside IPython only the style is set.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    # The first figure loads the backend; in a notebook that runs IPython's
    # inline set-up, which resets rcParams and drops every Figure formatter.
    # Let it happen now, so that what we set below stays.
    plt.close(plt.figure())
    mpl.rcParams.update({
        "figure.dpi": 100,  # fixed, so images do not depend on a user's matplotlibrc
        "savefig.dpi": 100,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 10,
    })
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        plain = shell.display_formatter.formatters["text/plain"]
        plain.for_type(Figure, lambda fig, printer, cycle: printer.text("(figure)"))
