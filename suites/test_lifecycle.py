"""Lifecycle (group ``lifecycle``) and PERM-DRYRUN-NO-SIDE-EFFECT: DescribeConversionTasks
and CancelConversionTask after an ImportInstance, where the target has them.

A target has DescribeConversionTasks when ``Action=DescribeConversionTasks`` with no ids is
answered 200 with an XML body (the probe of ``ec2conformance/lifecycle.py``).
"""

import pytest

from ec2conformance import registry
from ec2conformance.lifecycle import (
    has_describe,
    no_describe_reason,
    verify_cancel,
    verify_describe,
    verify_dry_run_leaves_nothing,
    verify_unknown_task,
)
from ec2conformance.suite import param

pytestmark = pytest.mark.lifecycle


@pytest.fixture
def lifecycle(judge, target):
    """The target, when it has DescribeConversionTasks."""
    if not has_describe(judge):
        pytest.skip(no_describe_reason(judge.state))
    return target


@pytest.mark.requirement("LIFE-DESCRIBE")
def test_describe_returns_the_task(lifecycle, judge):
    """DescribeConversionTasks with the new task's id returns it, fields directly in item."""
    verify_describe(judge)


@pytest.mark.requirement("LIFE-CANCEL")
def test_cancel_an_active_task(lifecycle, judge):
    """CancelConversionTask answers 200 (return true) and the task shows cancelling/cancelled."""
    verify_cancel(judge)


@pytest.mark.parametrize(
    "variant",
    [param("LIFE-UNKNOWN-TASK", v, v) for v in registry.entry("LIFE-UNKNOWN-TASK").variants],
)
def test_unknown_task_is_refused(variant, lifecycle, judge):
    """An unknown or malformed task id is refused with InvalidConversionTaskId(.Malformed)."""
    verify_unknown_task(judge, variant)


@pytest.mark.requirement("PERM-DRYRUN-NO-SIDE-EFFECT")
def test_dry_run_creates_nothing(lifecycle, judge):
    """A DryRun request answered 412 leaves no task behind."""
    verify_dry_run_leaves_nothing(judge)
