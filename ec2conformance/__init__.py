"""Conformance suite for the Amazon EC2 ``ImportInstance`` action (Query protocol).

The package is the suite's machinery; the checks themselves live in ``suites/``:

- :mod:`ec2conformance.model`: the vocabulary every part shares (requests as data, exchanges).
- :mod:`ec2conformance.client`: encodes, signs and sends requests, and records exchanges.
- :mod:`ec2conformance.golden`: loads the contract's data from ``golden/``.
- :mod:`ec2conformance.oracle`: the acceptable outcomes of a request, from the contract.
- :mod:`ec2conformance.plugin`: the pytest plugin (options, fixtures, verdict, reports).
- :mod:`ec2conformance.reference`: the embedded reference endpoint.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "golden"

__all__ = ["GOLDEN", "ROOT"]
