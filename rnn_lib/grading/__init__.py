"""Student editions of the book and autograding of submitted notebooks.

Command line (see the book's page "For instructors")::

    python -m rnn_lib.grading student --out DIR
    python -m rnn_lib.grading grade SUBMISSION.ipynb ... --out grades.csv [--jobs N]

Every submission runs in a bubblewrap sandbox, and the checks run in the
grader, outside it (see `rnn_lib.grading.grade`).

Needs nbformat and IPython (in requirements.txt, IPython with ipykernel), and
bubblewrap (``apt-get install bubblewrap``) for the sandbox; `import rnn_lib`
alone never loads this package.
"""
from .book import Chapter, find_book, find_chapters, student_edition, write_student_editions
from .feedback import feedback_markdown, write_feedback
from .grade import Grade, Outcome, grade_notebook, grade_notebooks, load_notebook, sandbox_problem
from .sandbox import Limits

__all__ = [
    "Chapter",
    "Grade",
    "Limits",
    "Outcome",
    "find_book",
    "find_chapters",
    "grade_notebook",
    "grade_notebooks",
    "feedback_markdown",
    "load_notebook",
    "sandbox_problem",
    "student_edition",
    "write_feedback",
    "write_student_editions",
]
