"""Students get the exercise notebooks: every chapter links its student edition.

On each chapter with exercises (a notebook ``rnn_lib.grading`` finds
exercises in), this extension

- puts a box under the chapter's title: run the student edition in the
  browser (the book's JupyterLite site, ``lite/``), download it, or open it on
  Binder;
- adds "Student edition (.ipynb)" at the top of the page's download menu;
- points the page's "Binder" launch button at the student edition (Binder's
  ``postBuild`` writes the student editions into ``student/``) and adds
  "Run in your browser" to the launch menu.

At the end of the HTML build (after ``student_editions`` wrote the notebooks),
``tools/build_lite.py`` builds the JupyterLite site into ``lite/`` from the
student editions, plus the chapters without exercises as they are.

JupyterLite needs a web server; the book's pages read from disk. So the
"Run in your browser" links carry the class ``rnn-lite-link``, and
``_static/book.js`` explains what to do when a page is opened from a file.
"""
import importlib.util
import shutil
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.osutil import relative_uri

from rnn_lib.grading import find_chapters

LITE = "lite"
EDITIONS = "_downloads/student-editions"  # written by the student_editions extension
BINDER_FOLDER = "student"  # where postBuild writes the student editions on Binder


def _chapters(app):
    """{docname: notebook file name} of the chapters with exercises."""
    if not hasattr(app.env, "rnn_student_chapters"):
        book = Path(app.srcdir) / app.config.student_editions_book
        srcdir = Path(app.srcdir).resolve()
        app.env.rnn_student_chapters = {
            c.path.resolve().relative_to(srcdir).with_suffix("").as_posix(): c.relpath.as_posix()
            for c in find_chapters(book)}
    return app.env.rnn_student_chapters


def _lite_url(name):
    return f"{LITE}/lab/index.html?path={name}"


def _box(app, docname, name):
    """The raw HTML of the box under a chapter's title."""
    here = app.builder.get_target_uri(docname)
    lite = relative_uri(here, _lite_url(name))
    download = relative_uri(here, f"{EDITIONS}/{name}")
    binder = _binder_url(app, name)
    binder_link = f' · <a href="{binder}">open it on Binder</a>' if binder else ""
    return (
        '<div class="rnn-student-box admonition tip">'
        '<p class="admonition-title">Do the exercises in the student edition</p>'
        "<p>This page shows every solution. The student edition is the same chapter with each "
        "solution replaced by a stub for you to fill in, and the graded checks ready to run: "
        f'<a class="rnn-lite-link" href="{lite}">run it in your browser</a> (nothing to install) · '
        f'<a href="{download}" download="{name}">download it (.ipynb)</a>{binder_link}.</p>'
        "</div>")


def _binder_url(app, name):
    repo = app.config.html_theme_options.get("repository_url", "").rstrip("/")
    binderhub = (app.config.html_theme_options.get("launch_buttons", {}) or {}).get("binderhub_url", "")
    if "github.com/" not in repo or not binderhub:
        return None
    org, project = repo.split("github.com/")[1].split("/")[:2]
    branch = app.config.html_theme_options.get("repository_branch", "main")
    return (f"{binderhub.rstrip('/')}/v2/gh/{org}/{project}/{branch}"
            f"?urlpath=lab/tree/{BINDER_FOLDER}/{name}")


def add_box(app, doctree, docname):
    """Insert the student-edition box after the chapter's title (HTML only)."""
    name = _chapters(app).get(docname)
    if name is None or app.builder.format != "html":
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not isinstance(section[0], nodes.title):
        return
    section.insert(1, nodes.raw("", _box(app, docname, name), format="html"))


def adjust_buttons(app, pagename, templatename, context, doctree):
    """Student edition first in the download menu; Binder and JupyterLite open it."""
    name = _chapters(app).get(pagename)
    if name is None:
        return
    here = app.builder.get_target_uri(pagename)
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(0, {
                "type": "link", "url": relative_uri(here, f"{EDITIONS}/{name}"),
                "text": "Student edition (.ipynb)", "tooltip": "Download the exercises, without the solutions",
                "icon": "fas fa-user-graduate", "label": "download-student-edition-button"})
        if group.get("label") == "launch-buttons":
            binder = _binder_url(app, name)
            for button in group["buttons"]:
                if "binder" in button.get("icon", "") and binder:
                    button["url"], button["tooltip"] = binder, "Open the student edition on Binder"
            group["buttons"].insert(0, {
                "type": "link", "url": relative_uri(here, _lite_url(name)),
                "text": "Run in your browser", "tooltip": "The student edition in JupyterLite: nothing to install",
                "icon": "fas fa-play", "label": "launch-lite-button"})


def _load_tool(app):
    path = Path(app.srcdir) / "tools" / "build_lite.py"
    spec = importlib.util.spec_from_file_location("rnn_build_lite", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_lite(app, exception):
    if exception is not None or app.builder.format != "html" or not app.config.rnn_lite_build:
        return
    out = Path(app.outdir)
    tool = _load_tool(app)
    with tempfile.TemporaryDirectory() as tmp:
        contents = Path(tmp)
        for path in sorted((out / EDITIONS).glob("*.ipynb")):
            shutil.copy(path, contents / path.name)
        book = Path(app.srcdir) / app.config.student_editions_book
        for path in sorted(book.glob("*.ipynb")):  # chapters without exercises, as they are
            if not (contents / path.name).exists():
                shutil.copy(path, contents / path.name)
        try:
            tool.build(contents, out / LITE, Path(app.srcdir) / "_build" / ".lite-cache")
        except tool.BuildError as exc:
            raise ExtensionError(f"JupyterLite site: {exc}") from exc


def setup(app):
    app.setup_extension("student_editions")
    app.add_config_value("rnn_lite_build", True, "html")
    app.connect("doctree-resolved", add_box)
    app.connect("html-page-context", adjust_buttons, priority=600)  # after the theme's buttons (501)
    app.connect("build-finished", build_lite, priority=800)  # after the student editions (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
