"""Hypothesis profiles, registered once, here.

- ``ci``: quick and derandomised, no example database (CI sets ``CI=true``, which makes
  Hypothesis load a profile named ``ci``; registering ours replaces its built-in one).
- ``default``: a moderate number of examples, the example database on disk.
- ``fuzz``: exploratory sessions: many examples, no deadline, the database on disk.

Every profile has no deadline: a request's time is the target's, and is judged by the
request timeout (FUZZ-NO-SERVER-ERROR), not by Hypothesis.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from ec2conformance import INSTALLED, ROOT

# A checkout keeps its examples in .hypothesis/ at its root; an installed suite in the
# directory it runs from (never inside the installed package).
DATABASE_DIR = (Path.cwd() if INSTALLED else ROOT) / ".hypothesis" / "examples"

_common = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink, Phase.explain],
    **_common,
)
settings.register_profile(
    "default",
    max_examples=50,
    database=DirectoryBasedExampleDatabase(str(DATABASE_DIR)),
    **_common,
)
settings.register_profile(
    "fuzz",
    max_examples=100_000,
    database=DirectoryBasedExampleDatabase(str(DATABASE_DIR)),
    **_common,
)

# Hypothesis loads its own "ci" profile at import time when CI is set; load ours instead.
if os.environ.get("CI") and settings._current_profile == "ci":
    settings.load_profile("ci")
