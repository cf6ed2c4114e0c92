"""The command line: ``student`` writes the student editions, ``grade`` grades submissions."""
import argparse
import csv
import os
import sys
import time
from pathlib import Path

from ..checks import EXERCISES
from .book import find_book, find_chapters, write_student_editions
from .feedback import feedback_names, write_feedback
from .grade import grade_notebooks, sandbox_problem
from .sandbox import Limits

__all__ = ["main", "write_csv"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m rnn_lib.grading", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    student = commands.add_parser("student", help="write the student edition of every chapter with exercises")
    student.add_argument("--out", required=True, type=Path, help="folder for the student editions")
    student.add_argument("--book", type=Path, help="the book's folder (default: ./book)")
    student.add_argument("--force", action="store_true", help="replace student editions already in --out")

    grade = commands.add_parser("grade", help="grade submitted notebooks into a CSV file")
    grade.add_argument("submissions", nargs="+", type=Path,
                       help="notebooks, or folders whose .ipynb files are all graded")
    grade.add_argument("--out", required=True, type=Path, help="the CSV file to write")
    grade.add_argument("--timeout", type=_positive, default=60,
                       help="seconds per cell, and per check (default: 60)")
    which = grade.add_mutually_exclusive_group()
    which.add_argument("--exercises", help="comma-separated exercise names (default: all)")
    which.add_argument("--chapter", help="only the exercises of this chapter, e.g. 01 or 01_forward_propagation")
    grade.add_argument("--book", type=Path, help="the book's folder, for --chapter (default: ./book)")
    grade.add_argument("--force", action="store_true", help="replace --out and feedback files if they exist")
    grade.add_argument("--jobs", type=_count, default=os.cpu_count() or 1,
                       help="submissions graded at once, each in its own sandbox (default: the number of cores)")
    grade.add_argument("--feedback", type=Path,
                       help="folder for one feedback file per submission (default: beside --out, "
                            "named after it: grades.csv -> grades-feedback)")
    grade.add_argument("--memory", type=_count, default=Limits().memory_mb,
                       help=f"memory limit of each sandboxed process, in MB (default: {Limits().memory_mb})")
    grade.add_argument("--unsandboxed", action="store_true",
                       help="run submissions without a sandbox, with all your rights (only for code you trust)")

    args = parser.parse_args(argv)
    try:
        return _student(args) if args.command == "student" else _grade(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: every sandbox was stopped; no CSV or feedback was written", file=sys.stderr)
        return 130


def _positive(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0; got {text}")
    return value


def _count(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above 0; got {text}")
    return value


def _student(args):
    written = write_student_editions(args.out, args.book, force=args.force)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"no notebook with exercises in {find_book(args.book)}")
    return 0


def _exercises(args):
    if args.exercises:
        names = [n.strip() for n in args.exercises.split(",") if n.strip()]
        unknown = [n for n in names if n not in EXERCISES]
        if unknown:
            raise ValueError(f"unknown exercise {', '.join(unknown)}; known: {', '.join(EXERCISES)}")
        return names
    if args.chapter:
        chapters = [c for c in find_chapters(args.book)
                    if c.relpath.stem == args.chapter or c.relpath.name == args.chapter
                    or c.relpath.stem.startswith(args.chapter + "_")]
        if len(chapters) != 1:
            raise ValueError(f"--chapter {args.chapter!r} matches {len(chapters)} chapters with exercises")
        return list(chapters[0].exercises)
    return list(EXERCISES)


def _submissions(paths):
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        else:
            found.append(path)
    return found


def _grade(args):
    exercises = _exercises(args)
    submissions = _submissions(args.submissions)
    out = args.out
    feedback = args.feedback or out.with_name(f"{out.stem}-feedback")
    if any(out.resolve() == p.resolve() for p in submissions):
        raise ValueError(f"--out {str(out)!r} is one of the submissions")
    if out.exists() and not args.force:
        raise FileExistsError(f"{out} exists already (use --force to replace it)")
    names = [feedback / n for n in feedback_names(submissions)]
    clash = [p for p in names if p.exists()] if not args.force else []
    if clash:
        raise FileExistsError(f"{clash[0]} exists already (use --force to replace it, or --feedback DIR)")
    if any(p.resolve() in {s.resolve() for s in submissions} for p in names):
        raise ValueError("a feedback file would replace a submission: choose another --feedback folder")
    if args.unsandboxed:
        print("warning: --unsandboxed: the submissions run with all your rights", file=sys.stderr)
    else:
        problem = sandbox_problem()
        if problem:
            raise ValueError(f"no sandbox: {problem}. Grading runs your students' code; to run it "
                             "without a sandbox anyway, with all your rights, add --unsandboxed")
    start = time.monotonic()
    width = len(str(len(submissions)))
    most = sum(EXERCISES[n].points for n in exercises)

    def progress(done, total, grade, seconds):
        error = f"; {grade.error[:80]}" if grade.error else ""
        print(f"[{done:{width}}/{total}] {grade.submission}: {grade.total}/{most} points "
              f"({seconds:.1f} s{error})", file=sys.stderr, flush=True)

    grades = grade_notebooks(submissions, exercises, args.timeout, progress=progress, jobs=args.jobs,
                             sandboxed=not args.unsandboxed,
                             limits=Limits(memory_mb=args.memory, cpu_seconds=max(600, int(10 * args.timeout))))
    write_feedback(grades, feedback, exercises)
    tmp = out.with_name(f".{out.name}.tmp")
    write_csv(grades, tmp, exercises)
    os.replace(tmp, out)  # all at once: an interrupted batch leaves the old file as it was
    print(summary(grades, exercises))
    print(f"\nwrote {out} ({len(grades)} submission{'' if len(grades) == 1 else 's'}) and "
          f"{len(grades)} feedback file{'' if len(grades) == 1 else 's'} in {feedback}/ "
          f"in {time.monotonic() - start:.1f} s", file=sys.stdout)
    return 0


def write_csv(grades, path, exercises):
    """Columns: submission, one per exercise (points earned), total, error, sandbox."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", *exercises, "total", "error", "sandbox"])
        for g in grades:
            writer.writerow([g.submission, *(g.points(n) for n in exercises), g.total, g.error, g.sandbox])


def summary(grades, exercises):
    """A table of the points, then the first reason for every exercise not passed."""
    most = sum(EXERCISES[n].points for n in exercises)
    rows = [["submission", *exercises, "total", "error"]]
    rows += [[g.submission, *(str(g.points(n)) for n in exercises), f"{g.total}/{most}", g.error]
             for g in grades]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = ["points: " + ", ".join(f"{n} {EXERCISES[n].points}" for n in exercises), ""]
    lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
              + "  " + r[-1] for r in rows]
    lost = []
    for g in grades:
        reasons = {}  # the same reason for several exercises is said once
        for n in exercises:
            if not g.outcomes[n].passed:
                reasons.setdefault(_first_failure(g.outcomes[n].feedback), []).append(n)
        lost += [f"  {g.submission}, {', '.join(names)}: {why}" for why, names in reasons.items()]
    if lost:
        lines += ["", "why points were lost:", *lost]
    return "\n".join(lines)


def _first_failure(feedback):
    lines = [line.strip() for line in feedback.split("\n") if line.strip()]
    failed = [line for line in lines if line.startswith("✗")]
    return (failed or lines or ["no feedback"])[0]
