"""One feedback file per submission (Markdown), to hand back to the student as it is."""
import os
from pathlib import Path

from ..checks import EXERCISES

__all__ = ["feedback_markdown", "feedback_names", "write_feedback"]

MAX_NOTES = 20  # errors listed, at most


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
    prefix = "grading run, where the library's answers are switched off: "
    run = [n for n in grade.notes if not n.startswith(prefix)]
    later = [n[len(prefix):] for n in grade.notes if n.startswith(prefix)]
    if run:
        lines += ["", "## Errors while the notebook ran", ""]
        lines += [f"- {note}" for note in run[:MAX_NOTES]]
        if len(run) > MAX_NOTES:
            lines.append(f"- ... and {len(run) - MAX_NOTES} more")
    if later:
        cells = "1 cell" if len(later) == 1 else f"{len(later)} cells"
        lines += ["", "## The grading run", "",
                  "The exercises are graded in a second run of the notebook, in which the library's "
                  "own answers to the exercises and the checks are switched off. There, "
                  f"{cells} raised an error that the first run did not; that costs no points, "
                  "but a function that needs them earns none. The first:", ""]
        lines += [f"- {note}" for note in later[:3]]
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
