"""Checks: judging what came back, one requirement at a time.

Every check is registered for its requirement ids in :mod:`ec2conformance.registry` where it
is defined, so "where is the check for X" has one answer (``registry.check_of("X")``):

- :mod:`.errors`: every error answer (ERR-*);
- :mod:`.success`: every 200 to a valid request (RESP-*, the golden comparison's echoes);
- :mod:`.outcome`: the outcome against the oracle (the request rows, FUZZ-ORACLE) and
  FUZZ-NO-SERVER-ERROR;
- :mod:`.lifecycle`: DescribeConversionTasks / CancelConversionTask (LIFE-*) and
  PERM-DRYRUN-NO-SIDE-EFFECT.

:class:`Judge` sends a test case's requests and runs them all; the suites call it through
the verifiers of :mod:`ec2conformance.verifiers`.
"""

from ec2conformance.checks import errors, lifecycle, outcome, success
from ec2conformance.checks.answer import Answer, Problem, Seen
from ec2conformance.checks.judge import Judge

__all__ = ["Answer", "Judge", "Problem", "Seen", "errors", "lifecycle", "outcome", "success"]
