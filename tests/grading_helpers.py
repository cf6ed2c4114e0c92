"""Helpers the grading tests share: run the grader's command, make notebooks, read what it wrote."""
import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "rnn_lib.grading", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, **kwargs)


def notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def digests(paths):
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def read_csv(path):
    """Rows by submission path (as given on the command line)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}
