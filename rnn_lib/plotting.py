"""The book's figure style, shared by every chapter so that figures look alike."""

__all__ = ["book_style"]

# Okabe and Ito's palette: seven colours that stay apart for most readers,
# colour-blind ones included, each paired with its own line style so that
# lines also stay apart in print and in greyscale.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1.5)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))
# Figures are shown at 76 CSS pixels per inch, so a figure up to 9 inches
# wide fits the book's text column (about 690 px) without being scaled down,
# and 12-point text shows at 12.7 px (9.5 pt). The image holds twice as many
# pixels (retina), so it stays sharp on high-density screens.
DPI = 76


def book_style():
    """Set the book's matplotlib style and make notebook figures sharp and text-stable.

    Figures get a colour-blind-safe cycle of colours and line styles, text
    of at least 9 pt at the size the book shows, and, in a notebook, images
    at twice their displayed resolution. Draw with the default cycle (no
    colormap for a handful of lines) and keep ``figsize`` at most 9 inches
    wide. In a notebook, a figure's text output is the fixed word
    ``(figure)`` instead of ``<Figure size 640x480 with 1 Axes>``, which
    depends on size and dpi. Outside a notebook only the style is set.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from cycler import cycler
    from matplotlib.figure import Figure

    # The first figure loads the backend; in a notebook that runs the inline
    # backend's set-up, which resets rcParams and drops every Figure
    # formatter. Let it happen now, so that what we set below stays.
    plt.close(plt.figure())
    mpl.rcParams.update({
        "figure.dpi": DPI,  # fixed, so images do not depend on a user's matplotlibrc
        "savefig.dpi": 2 * DPI,
        "figure.figsize": (8.5, 4.2),
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "font.size": 12,
        "axes.titlesize": 13,
        "axes.labelsize": 12,
        "xtick.labelsize": 11.5,
        "ytick.labelsize": 11.5,
        "legend.fontsize": 11.5,
        "lines.linewidth": 1.8,
        "axes.prop_cycle": cycler(color=COLORS) + cycler(linestyle=LINESTYLES),
    })
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    try:  # PNGs at twice the displayed size; their metadata says the displayed size
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        set_matplotlib_formats("retina")
    except ImportError:
        pass
    plain = shell.display_formatter.formatters["text/plain"]
    plain.for_type(Figure, lambda fig, printer, cycle: printer.text("(figure)"))
