"""Hypothesis runs the same examples every time here (a CI run must not turn red by chance); explore new ones
with ``CYBERCOLLEGE_HYPOTHESIS=explore`` (random, ten times more examples), and run the coverage-guided fuzzer
for long searches (docs/security.md, "Fuzzing")."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=5_000)
settings.load_profile(os.environ.get("CYBERCOLLEGE_HYPOTHESIS", "repeatable"))
