"""The index of exercises: every exercise and pen-and-paper question, by chapter.

While reading each document, the extension records the sections whose title
starts with "Exercise N.k" (the book's exercise headings) and the admonitions
titled "Question N.k" (pen-and-paper questions, which get an anchor here).
The directive ``exercise-index`` becomes, on its page, one list per chapter
of links to them, so the index is generated from the chapters and cannot go
stale.
"""
import re

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util.nodes import make_id

_EXERCISE = re.compile(r"^Exercise\b")  # "Exercise 1.2: title" (and an unnumbered "Exercise: title")
_QUESTION = re.compile(r"^Question\s+\d+(\.\d+)*\b")


class exercise_index(nodes.General, nodes.Element):
    """Placeholder, filled in when the links can be resolved."""


class ExerciseIndex(Directive):
    def run(self):
        return [exercise_index()]


def _entries(env):
    if not hasattr(env, "rnn_exercises"):
        env.rnn_exercises = {}
    return env.rnn_exercises


def collect(app, doctree):
    env = app.env
    found = []
    for section in doctree.findall(nodes.section):
        title = section[0].astext() if section.children and isinstance(section[0], nodes.title) else ""
        if _EXERCISE.match(title) and section["ids"]:
            found.append(("exercise", title, section["ids"][0]))
    for box in list(doctree.findall(nodes.admonition)):  # the loop adds nodes
        title = box[0].astext() if box.children and isinstance(box[0], nodes.title) else ""
        if _QUESTION.match(title):
            if not box["ids"]:
                # A target just before the box, not an id on it: LaTeX labels
                # targets but not admonitions, and the PDF's links need one.
                target = nodes.target("", "", ids=[make_id(env, doctree, "", title)])
                doctree.ids[target["ids"][0]] = target  # so that make_id never repeats it
                box.parent.insert(box.parent.index(box), target)
                box = target
            found.append(("question", title, box["ids"][0]))
    _entries(env)[env.docname] = found


def purge(app, env, docname):
    _entries(env).pop(docname, None)


def merge(app, env, docnames, other):
    _entries(env).update(_entries(other))


def resolve(app, doctree, fromdocname):
    entries = _entries(app.env)
    for node in list(doctree.findall(exercise_index)):
        out = []
        for docname in [d for d in _chapter_order(app) if entries.get(d)]:
            title = app.env.titles[docname].astext()
            number = app.env.toc_secnumbers.get(docname, {}).get("")
            heading = f"{'.'.join(map(str, number))}. {title}" if number else title
            para = nodes.paragraph("", "", nodes.strong(text=heading))
            items = nodes.bullet_list()
            for kind, text, anchor in entries[docname]:
                ref = nodes.reference("", text, internal=True,
                                      refuri=app.builder.get_relative_uri(fromdocname, docname) + "#" + anchor)
                label = "" if kind == "exercise" else " (pen and paper)"
                items += nodes.list_item("", nodes.paragraph("", "", ref, nodes.Text(label)))
            out += [para, items]
        node.replace_self(out or [nodes.paragraph(text="No exercises yet.")])


def _chapter_order(app):
    """Documents in reading order (the table of contents), then any others."""
    order = []
    def walk(doc):
        if doc in order:
            return
        order.append(doc)
        for child in app.env.toctree_includes.get(doc, []):
            walk(child)
    walk(app.config.root_doc)
    return order + sorted(set(app.env.found_docs) - set(order))


def setup(app):
    app.add_node(exercise_index)
    app.add_directive("exercise-index", ExerciseIndex)
    app.connect("doctree-read", collect)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("doctree-resolved", resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
