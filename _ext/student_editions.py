"""Sphinx extension: the chapters' student editions, for download from the book.

At the end of an HTML build, the student edition of every chapter with
exercises (made by `rnn_lib.grading`, from the notebooks as they are) is
written to ``_downloads/student-editions/`` in the output, and all of them
to ``_downloads/student-editions.zip``. Two directives show them on a page:
``student-editions`` (a link per chapter, and one to the zip) and
``exercise-points`` (the graded exercises with their points). Nothing is
written into the book's sources.
"""
import shutil
import zipfile
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from rnn_lib import checks
from rnn_lib.grading import find_chapters, write_student_editions

FOLDER = "_downloads/student-editions"  # in the HTML output
ZIP = "_downloads/student-editions.zip"
TARGET = "student_editions_target"  # a link's file in the output, made relative when written


def _link(text, target):
    ref = nodes.reference("", "", nodes.literal(text=text), refuri=target)
    ref[TARGET] = target
    return ref


def _paragraph(*children):
    return nodes.paragraph("", "", *[nodes.Text(c) if isinstance(c, str) else c for c in children])


class _BookDirective(SphinxDirective):
    has_content = False

    def chapters(self):
        """The chapters with exercises; the page is rebuilt when one of them changes."""
        book = Path(self.env.srcdir) / self.config.student_editions_book
        found = find_chapters(book)
        for path in [c.path for c in found] + [Path(checks.__file__)]:
            self.env.note_dependency(str(path.resolve()))
        return found


def _own_labels(chapter):
    """'Exercise 1.1 (my_rnn_step_forward)', ... for the exercises a chapter asks for."""
    out = []
    for name in chapter.exercises:
        function = checks.EXERCISES[name].functions[0]
        label = chapter.labels.get(function)
        out.append(f"Exercise {label} ({function})" if label else function)
    return out


class StudentEditions(_BookDirective):
    """A list of links: each chapter's student edition, then the zip of them all."""

    def run(self):
        items = nodes.bullet_list()
        for chapter in self.chapters():
            items += nodes.list_item("", _paragraph(
                _link(chapter.relpath.as_posix(), f"{FOLDER}/{chapter.relpath.as_posix()}"),
                ": " + ", ".join(_own_labels(chapter))))
        items += nodes.list_item("", _paragraph("all of them in one file: ",
                                                _link("student-editions.zip", ZIP)))
        return [items]


class ExercisePoints(_BookDirective):
    """A table of the graded exercises: chapter, CSV column, functions, points."""

    def run(self):
        where = {}
        for chapter in self.chapters():
            for name in chapter.exercises:
                function = checks.EXERCISES[name].functions[0]
                label = chapter.labels.get(function)
                where.setdefault(name, f"{label} ({chapter.relpath.stem})" if label else chapter.relpath.stem)
        header = ["exercise", "CSV column", "functions it takes", "points"]
        rows = [[where.get(name, "not in a chapter yet"), nodes.literal(text=name),
                 ", ".join(ex.functions), str(ex.points)] for name, ex in checks.EXERCISES.items()]
        total = sum(ex.points for ex in checks.EXERCISES.values())
        return [_table(header, rows), _paragraph(f"{total} points in all.")]


def _table(header, rows):
    table = nodes.table()
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    group += nodes.thead("", _row(header))
    group += nodes.tbody("", *[_row(r) for r in rows])
    return table


def _row(cells):
    return nodes.row("", *[nodes.entry("", _paragraph(c)) for c in cells])


def _resolve_links(app, doctree, docname):
    """Make each download link relative to its page; other builders get the plain name."""
    for ref in list(doctree.findall(nodes.reference)):
        if TARGET not in ref:
            continue
        target = ref[TARGET]
        del ref[TARGET]
        if app.builder.format == "html":
            ref["refuri"] = relative_uri(app.builder.get_target_uri(docname), target)
        else:
            ref.replace_self(ref.children)


def _write_editions(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    folder = out / FOLDER
    shutil.rmtree(folder, ignore_errors=True)  # generated at every build: no stale chapter stays
    try:
        paths = write_student_editions(folder, Path(app.srcdir) / app.config.student_editions_book)
    except (OSError, ValueError) as exc:
        raise ExtensionError(f"student editions: {exc}") from exc
    with zipfile.ZipFile(out / ZIP, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in paths:  # fixed dates: the same notebooks give the same zip
            info = zipfile.ZipInfo(f"student-editions/{path.relative_to(folder).as_posix()}",
                                   date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())


def setup(app):
    app.add_config_value("student_editions_book", "book", "env")  # relative to the source dir
    app.add_directive("student-editions", StudentEditions)
    app.add_directive("exercise-points", ExercisePoints)
    app.connect("doctree-resolved", _resolve_links)
    app.connect("build-finished", _write_editions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
