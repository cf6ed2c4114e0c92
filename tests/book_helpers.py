"""What the tests that build the book share: running jupyter-book as the README does."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_book(out, *options, **kwargs):
    """``jupyter-book build ROOT --path-output out *options``, with this venv's jupyter-book."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT),
           "--path-output", str(out), *options]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kwargs)
