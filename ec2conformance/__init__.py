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

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"

__all__ = ["GOLDEN", "ROOT"]
