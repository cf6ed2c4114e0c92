"""Test-wide settings."""
import os

from hypothesis import settings

# Property tests explore the same examples on every run, so that a red CI run
# can be reproduced exactly. HYPOTHESIS_PROFILE=explore searches fresh random
# examples, ten times as many, for a deliberate bug hunt.
settings.register_profile("repeatable", derandomize=True, database=None, max_examples=40, deadline=None)
settings.register_profile("explore", derandomize=False, database=None, max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
