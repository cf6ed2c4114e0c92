"""Student editions of the book and autograding of submitted notebooks.

Command line (see the book's page "For instructors")::

    python -m rnn_lib.grading student --out DIR
    python -m rnn_lib.grading grade SUBMISSION.ipynb ... --out grades.csv

Needs nbformat, nbclient and ipykernel (in requirements.txt); `import rnn_lib`
alone never loads this package.
"""
from .book import Chapter, find_book, find_chapters, student_edition, write_student_editions
from .grade import Grade, Outcome, grade_notebook, grade_notebooks, load_notebook

__all__ = [
    "Chapter",
    "Grade",
    "Outcome",
    "find_book",
    "find_chapters",
    "grade_notebook",
    "grade_notebooks",
    "load_notebook",
    "student_edition",
    "write_student_editions",
]
