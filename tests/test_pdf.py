"""The whole book as one PDF (jupyter-book build . --builder pdflatex).

Needs TeX and two fonts: xelatex, latexmk and xindy, FreeSerif and DejaVu
Sans Mono, from Debian's packages texlive-xetex, texlive-latex-extra,
texlive-fonts-recommended, texlive-fonts-extra, latexmk, xindy,
fonts-freefont-otf and fonts-dejavu-core (the README's command). Without
them the test skips and says why; CI does not install TeX (about 1.5 GB), so
this test runs where a maintainer has it.
"""
import os
import re
import shutil
import subprocess

import pytest

from book_helpers import ROOT, build_book

TOOLS = ("xelatex", "latexmk", "xindy", "fc-list")
FONTS = ("FreeSerif", "DejaVu Sans Mono")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"TeX is not installed ({', '.join(missing)} missing): the PDF is not built")
    families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
    fonts = [f for f in FONTS if f not in families]
    if fonts:
        pytest.skip(f"fonts the PDF uses are not installed ({', '.join(fonts)}): the PDF is not built")
    out = tmp_path_factory.mktemp("pdf")
    # TeX writes its log in lines of 79 characters unless told otherwise, which
    # would cut the names of undefined references in two.
    env = {**os.environ, "max_print_line": "100000"}
    result = build_book(out, "--builder", "pdflatex", timeout=900, env=env)
    latex = out / "_build" / "latex"
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return latex / "book.pdf", (latex / "book.log").read_text(encoding="utf-8", errors="replace")


def test_the_pdf_is_built(pdf):
    path, _ = pdf
    assert path.stat().st_size > 500_000


def test_every_reference_resolves_and_every_character_has_a_glyph(pdf):
    _, log = pdf
    undefined = re.findall(r"(?:Hyper r|R)eference `([^']+)' on page \d+ undefined", log)
    assert not undefined, f"{len(undefined)} references LaTeX could not resolve: {undefined[:5]}"
    assert "There were undefined references" not in log
    missing = sorted(set(re.findall(r"Missing character: There is no (\S+)", log)))
    assert not missing, f"characters no font has: {missing}"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_every_chapter_and_exercise_is_in_the_pdf(pdf):
    path, _ = pdf
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    text = re.sub(r"\s+", " ", text)
    chapters = sorted(p.stem for p in (ROOT / "book").glob("0*.ipynb"))
    assert len(chapters) >= 5
    for number in range(1, len(chapters) + 1):
        assert re.search(rf"Exercise {number}\.1\b", text), f"no Exercise {number}.1 in the PDF"
    assert "✗" in text and "✓" in text  # the checks' marks, in the code font
