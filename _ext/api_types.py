"""Render rnn_lib's numpydoc docstrings as readers expect them in the API reference.

rnn_lib writes types the numpydoc way, ``x : ndarray of shape (N, T, D)``.
Napoleon on its own turns every word of such a line into a cross-reference
(``shape (N``, ``T``, ``D)``), which renders badly and which ``-n`` (nitpicky)
reports as missing targets. Intersphinx could resolve ``ndarray`` but needs the
network at build time, which the book never has; ignoring the misses with
``nitpick_ignore_regex`` would hide real broken references and still render
``shape (N`` as a class name.

So, before napoleon reads a docstring, each type in a Parameters / Returns /
Attributes section is rewritten into reST:

- a shape ``(N, T, D)`` becomes math, as the book writes it;
- a class defined in rnn_lib (``RNNCache``) becomes a link to its entry;
- ```x``` (numpydoc's name of another argument) becomes code;
- everything else (``ndarray of shape``, ``int or None, default None``) stays
  plain text in the usual italics of types, and is never a cross-reference.

In the other lines, a single-backtick name (numpydoc's convention) becomes a
link when it is a public rnn_lib function, class or method, and code otherwise
(Sphinx's default role would set it in italics). A link to an rnn_lib object
that the API page does not document still fails the nitpicky build, as it
should; no nitpick_ignore is needed.
"""
import importlib
import inspect
import re
import sys

TYPED_SECTIONS = {"parameters", "other parameters", "returns", "yields", "receives", "attributes"}
_UNDERLINE = re.compile(r"^-{3,}\s*$")
_PIECE = re.compile(
    r"(?P<code>``[^`]+``|`[^`]+`)"  # literal, or numpydoc's `name`
    r"|(?P<shape>\((?:\s*(?:\d*[A-Z]\w?|\d+)(?:\s*[+\-*]\s*(?:\d+|[A-Z]\w?))*\s*(?:,|(?=\))))*\))"
    # a shape: (N, T, D), (H,), (N, T + 1), (D, 4H), (); not a pair of names (X_val, y_val)
    r"|(?P<word>[A-Za-z_][\w.]*)"  # a word, maybe an rnn_lib class
)


def _rnn_lib_object(word, module_name, owner=None):
    """Fully qualified name of the public rnn_lib object `word` names, else None.

    `word` is looked up on the class whose docstring it is in (a method), on
    its module, then on the package; only objects defined in rnn_lib count.
    """
    if any(part.startswith("_") for part in word.split(".")):
        return None  # private names are not in the API reference
    scopes = [owner] + [importlib.import_module(m) for m in (module_name, "rnn_lib")
                        if m and m.startswith("rnn_lib")]
    for scope in scopes:
        obj = scope
        for part in word.split("."):
            obj = getattr(obj, part, None)
        if inspect.ismodule(obj):
            return obj.__name__ if obj.__name__.startswith("rnn_lib") else None
        if (inspect.isclass(obj) or inspect.isroutine(obj)) and \
                (getattr(obj, "__module__", None) or "").startswith("rnn_lib"):
            return f"{obj.__module__}.{obj.__qualname__}"
    return None


def convert_type(spec, module_name, owner=None):
    """reST for one numpydoc type spec, made of roles only (never bare text)."""
    items = []  # [rst, whitespace before it, whitespace after it] in the spec

    def add_text(chunk):
        if chunk.strip():
            items.append([f":emphasis:`{chunk.strip()}`", chunk[0].isspace(), chunk[-1].isspace()])

    text, pos = "", 0
    for m in _PIECE.finditer(spec):
        text += spec[pos:m.start()]
        pos = m.end()
        if m.group("code"):
            role = f"``{m.group('code').strip('`')}``"
        elif m.group("shape"):
            role = f":math:`{m.group('shape')}`"
        else:
            target = _rnn_lib_object(m.group("word"), module_name, owner)
            if not target or not inspect.isclass(_import(target)):
                text += m.group("word")
                continue
            role = f":py:class:`~{target}`"
        add_text(text)
        text = ""
        space_before = m.start() > 0 and spec[m.start() - 1].isspace()
        items.append([role, space_before, pos < len(spec) and spec[pos].isspace()])
    add_text(text + spec[pos:])
    # Roles that touch in the spec need an escaped space in reST ("\ " renders as nothing).
    out = items[0][0] if items else ""
    for prev, cur in zip(items, items[1:]):
        out += (" " if prev[2] or cur[1] else "\\ ") + cur[0]
    return out


def _import(fullname):
    """The object a fully qualified rnn_lib name points at."""
    module, _, attr = fullname.partition(".")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


# `name` with single backticks: numpydoc's way to name an object or an argument.
_BACKTICKED = re.compile(r"(?<![`\w:])`([^`<>\s][^`<>]*?)`(?![`_\w])")


def link_names(line, module_name, owner=None):
    """`rnn_forward` becomes a link to its entry; `x` (an argument) becomes code."""
    def replace(m):
        target = _rnn_lib_object(m.group(1), module_name, owner)
        return f":py:obj:`~{target}`" if target else f"``{m.group(1)}``"
    return _BACKTICKED.sub(replace, line)


def _field_type(line, section):
    """(prefix, type) of a numpydoc field line, or None when it has no type."""
    if not line or line[0].isspace():
        return None  # a description line
    name, sep, spec = line.partition(" : ")
    if sep:
        return name + sep, spec.strip()
    if section in ("returns", "yields", "receives"):
        return "", line.strip()  # a return value given by its type alone
    return None


def process_docstring(app, what, name, obj, options, lines):
    """autodoc-process-docstring handler; runs before napoleon's (priority 400 < 500)."""
    if not name.startswith("rnn_lib"):
        return
    parts = name.split(".")  # the module is the longest prefix autodoc has imported
    module_name = next(".".join(parts[:i]) for i in range(len(parts), 0, -1)
                       if ".".join(parts[:i]) in sys.modules)
    parent = name.rpartition(".")[0]
    owner = obj if inspect.isclass(obj) else (_import(parent) if len(parent) > len(module_name) else None)
    section = None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1]) and line.strip():
            section = line.strip().lower()
            continue
        field = None if _UNDERLINE.match(line) or section not in TYPED_SECTIONS else _field_type(line, section)
        if field and field[1]:
            lines[i] = field[0] + convert_type(field[1], module_name, owner)
        else:
            lines[i] = link_names(line, module_name, owner)


def _is_bare_field(obj):
    """A namedtuple field that only has Python's own docstring ("Alias for field number 0")."""
    return (isinstance(obj, property) or type(obj).__name__ == "_tuplegetter") and \
        (getattr(obj, "__doc__", "") or "").startswith("Alias for field number")


def skip_bare_fields(app, what, name, obj, skip, options):
    """Bare namedtuple fields get no entry of their own (each took a block of the page)."""
    return True if _is_bare_field(obj) else None


def list_fields(app, what, name, obj, options, lines):
    """A NamedTuple's entry names its fields, in order, in one line."""
    fields = getattr(obj, "_fields", None) if inspect.isclass(obj) and issubclass(obj, tuple) else None
    if name.startswith("rnn_lib") and fields:
        lines += ["", "Fields, in order: " + ", ".join(f"``{f}``" for f in fields) + "."]


def setup(app):
    app.setup_extension("sphinx.ext.napoleon")
    app.connect("autodoc-process-docstring", process_docstring, priority=400)
    app.connect("autodoc-process-docstring", list_fields, priority=450)
    app.connect("autodoc-skip-member", skip_bare_fields)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
