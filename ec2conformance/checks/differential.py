"""DIFF-SAME-OUTCOME: the target's outcome is the reference's (differential mode only; see
:mod:`ec2conformance.differential` for what "the same outcome" is)."""

from __future__ import annotations

from ec2conformance import registry
from ec2conformance.checks.answer import Problem
from ec2conformance.client import Exchange
from ec2conformance.differential import REQUIREMENT, differences

__all__ = ["check_same_outcome"]


@registry.check(REQUIREMENT)
def check_same_outcome(target: Exchange, reference: Exchange) -> list[Problem]:
    """One problem naming every difference between the two outcomes, or none."""
    found = differences(target, reference)
    if not found:
        return []
    return [
        Problem(
            REQUIREMENT,
            "the target's outcome differs from the reference's: " + "; ".join(found),
            expected="reference: " + reference.describe(),
            received="target: " + target.describe(),
        )
    ]
