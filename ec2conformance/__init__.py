"""Conformance suite for the Amazon EC2 ``ImportInstance`` action (Query protocol).

The package is the suite's machinery; the checks users run live in ``suites/``, the
strategies in ``strategies/``, the contract as data in ``golden/``. Its layers, top to bottom
(README.md, "Layout"): the pytest plugin (:mod:`~ec2conformance.plugin`); the verifiers the
suites call (:mod:`~ec2conformance.verifiers`, :mod:`~ec2conformance.lifecycle`); the checks
(:mod:`~ec2conformance.checks`); the run's state (:mod:`~ec2conformance.state`,
:mod:`~ec2conformance.fuzzing`); what is acceptable (:mod:`~ec2conformance.registry`,
:mod:`~ec2conformance.cases`, :mod:`~ec2conformance.oracle`); the contract's data
(:mod:`~ec2conformance.golden`); the wire (:mod:`~ec2conformance.client` and below); the
vocabulary (:mod:`~ec2conformance.model`). The embedded reference endpoint
(:mod:`~ec2conformance.reference`) shares the data, never the code.
"""

from pathlib import Path

__version__ = "0.1.0"
"""The suite's version (the distribution's, ``pyproject.toml`` reads it from here)."""

_PACKAGE = Path(__file__).resolve().parent

INSTALLED = (_PACKAGE / "suites").is_dir()
"""True in an installed distribution, which carries ``suites/``, ``strategies/`` and the
golden data inside the package; False in a checkout, where they sit beside it."""

ROOT = _PACKAGE if INSTALLED else _PACKAGE.parent
"""The folder that holds ``suites/`` and ``strategies/``."""

GOLDEN = _PACKAGE / "golden_data" if INSTALLED else ROOT / "golden"
"""The contract as data (``golden/`` in a checkout)."""

CONFIG = _PACKAGE / "conformance.ini" if INSTALLED else ROOT / "pytest.ini"
"""The suite's pytest configuration (``pytest.ini``; the installed copy's name is never
picked up by pytest on its own)."""

if not INSTALLED:
    # A checkout: ``ec2conformance.strategies`` is strategies/ beside the package, as it is
    # inside the installed one.
    __path__.append(str(ROOT))

__all__ = ["CONFIG", "GOLDEN", "INSTALLED", "ROOT", "__version__"]
