"""What a graded check returns: its feedback lines, as text and as HTML.

`Report` collects the lines while a check runs; `CheckResult` is what the
reader sees: ``passed``, ``str(result)`` (the feedback) and, in a notebook,
the same feedback as HTML.
"""
import html
import re
from typing import NamedTuple

__all__ = ["CheckResult", "Line", "Report"]


class Line(NamedTuple):
    ok: bool
    text: str
    details: tuple = ()


class CheckResult:
    """Outcome of one graded check.

    ``passed`` is True when every test passed; ``str(result)`` is the feedback.
    ``mistakes`` holds the keys of the classic mistakes recognised, and
    ``not_implemented`` is True while the exercise is still a stub.
    """

    def __init__(self, title, lines, mistakes=(), not_implemented=False, planned=0):
        self.title = title
        self.lines = tuple(lines)
        self.planned = max(planned, len(self.lines))  # tests a full run makes
        self.mistakes = tuple(mistakes)
        self.not_implemented = bool(not_implemented)
        self.passed = bool(self.lines) and all(line.ok for line in self.lines)

    def __bool__(self):
        return self.passed

    @property
    def summary(self):
        if self.not_implemented:
            return "not implemented yet"
        n_ok = sum(line.ok for line in self.lines)
        if self.passed:
            return f"passed ({n_ok} of {self.planned} tests)"
        not_run = self.planned - len(self.lines)
        later = f", {not_run} more not run until it passes" if not_run else ""
        return f"FAILED ({len(self.lines) - n_ok} of {self.planned} tests failed{later})"

    def __str__(self):
        out = [f"{self.title}: {self.summary}"]
        for line in self.lines:
            out.append(f"  {'✓' if line.ok else '✗'} {line.text}")
            out.extend(f"      {d}" for d in line.details)
        return "\n".join(out)

    def __repr__(self):
        return f"<CheckResult {self.title}: {'passed' if self.passed else 'failed'}>"

    def _repr_pretty_(self, printer, cycle):  # IPython's text/plain: the full feedback
        printer.text(str(self))

    def _repr_html_(self):
        color = "#2e7d32" if self.passed else "#b26a00" if self.not_implemented else "#c62828"
        items = []
        for line in self.lines:
            mark = '<span style="color:%s">%s</span>' % (
                ("#2e7d32", "✓") if line.ok else ("#c62828", "✗"))
            details = "".join(f"<li>{_html(d)}</li>" for d in line.details)
            sub = f'<ul style="margin:0.1em 0 0.3em 0">{details}</ul>' if details else ""
            items.append(f"<li>{mark} {_html(line.text)}{sub}</li>")
        return (
            f'<div style="border-left:4px solid {color};padding:0.2em 0.8em;margin:0.4em 0">'
            f'<strong style="color:{color}">{_html(self.title)}: {_html(self.summary)}</strong>'
            f'<ul style="list-style:none;padding-left:0.4em;margin:0.3em 0">{"".join(items)}</ul>'
            "</div>"
        )


def _html(text):
    """Escape `text` and show `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


class Report:
    """Collects the feedback lines of one check, then makes its `CheckResult`."""

    def __init__(self, title, planned=0):
        self.title = title
        self.planned = planned  # how many tests a full run makes
        self.lines = []
        self.mistakes = []  # keys, in the order found
        self.not_implemented = False
        self.last_error = None  # the last call error, so a repeat can say "the same error"

    def ok(self, text):
        self.lines.append(Line(True, text))

    def fail(self, text, details=(), reproduce=None):
        """Add a failing line; `reproduce` says how to rebuild its input in one line."""
        details = tuple(details)
        if reproduce:
            details += (f"Reproduce: {reproduce}",)
        self.lines.append(Line(False, text, details))

    @property
    def failed(self):
        return any(not line.ok for line in self.lines)

    def result(self):
        return CheckResult(self.title, self.lines, self.mistakes, self.not_implemented, self.planned)
