"""One feedback file per submission (Markdown), to hand back to the student as it is."""
import os
from pathlib import Path

from ..checks import EXERCISES

__all__ = ["feedback_markdown", "feedback_names", "write_feedback"]

MAX_NOTES = 20


def feedback_markdown(grade, exercises):
    """The feedback of one `Grade`: points, each exercise's outcome and its check's whole feedback."""
    most = sum(EXERCISES[n].points for n in exercises)
    sandbox = ("graded in a bubblewrap sandbox" if grade.sandbox == "bubblewrap"
               else "graded without a sandbox")
    lines = [f"# Feedback: {Path(grade.submission).name}", "",
             f"- submission: `{grade.submission}`",
             f"- points: **{grade.total} of {most}** ({sandbox})"]
    if grade.error:
        lines.append(f"- error: {grade.error}")
    lines += ["", "| exercise | points | outcome |", "| --- | --- | --- |"]
    for name in exercises:
        outcome = grade.outcomes[name]
        status = "passed" if outcome.passed else "not passed"
        lines.append(f"| {name} | {grade.points(name)} of {EXERCISES[name].points} | {status} |")
    for name in exercises:
        outcome = grade.outcomes[name]
        lines += ["", f"## {name}: {'passed' if outcome.passed else 'not passed'}", "",
                  "```text", outcome.feedback.replace("```", "'''"), "```"]
    if grade.notes:
        lines += ["", "## Errors while the notebook ran", ""]
        lines += [f"- {note}" for note in grade.notes[:MAX_NOTES]]
        if len(grade.notes) > MAX_NOTES:
            lines.append(f"- ... and {len(grade.notes) - MAX_NOTES} more")
        if any(n.startswith("grading run") for n in grade.notes):
            lines += ["", "The grading run is a second run of the notebook in which the library's "
                          "own answers to the exercises, and the checks, are switched off; cells "
                          "that use them fail there, which costs no points."]
    return "\n".join(lines) + "\n"


def feedback_names(submissions):
    """A file name for each submission: its path below their common folder, with / as __."""
    paths = [Path(os.path.abspath(s)) for s in submissions]
    common = Path(os.path.commonpath([str(p.parent) for p in paths])) if paths else Path("/")
    names, taken = [], set()
    for path in paths:
        stem = "__".join(path.relative_to(common).with_suffix("").parts) or "submission"
        name, k = f"{stem}.md", 2
        while name in taken:
            name, k = f"{stem}-{k}.md", k + 1
        taken.add(name)
        names.append(name)
    return names


def write_feedback(grades, folder, exercises):
    """Write one Markdown file per grade into `folder`; return the paths, in the grades' order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for grade, name in zip(grades, feedback_names([g.submission for g in grades])):
        path = folder / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_text(feedback_markdown(grade, exercises), encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written
