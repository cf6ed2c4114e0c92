"""``python -m rnn_lib.grading``: see `rnn_lib.grading.cli`."""
import sys

from .cli import main

sys.exit(main())
