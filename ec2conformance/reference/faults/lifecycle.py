"""Faults of the lifecycle group: DescribeConversionTasks and CancelConversionTask."""

from __future__ import annotations

from lxml import etree

from ..catalogue import Code
from .behaviours import Edit, described, recode
from .call import Call
from .endpoint import Endpoint
from .layer import Group
from .reply import child, named, path

GROUP = Group("lifecycle")


@GROUP.fault(
    "describe-forgets-description",
    "LIFE-DESCRIBE",
    "SHOULD",
    "DescribeConversionTasks shows the task without its Description.",
    selects="lifecycle",
)
@described
def _described_description_dropped(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
    for tasks in named(root, "conversionTasks"):
        for item in tasks:
            description = path(item, "importInstance", "description")
            if description is not None:
                description.text = None


def _task_states(old: str, new: str) -> Edit:
    """An edit that shows every task in state ``old`` in state ``new``."""

    def edit(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
        for task in named(root, "conversionTasks"):
            for item in task:
                state = child(item, "state")
                if state is not None and state.text == old:
                    state.text = new

    return edit


GROUP.fault(
    "cancel-stays-active",
    "LIFE-CANCEL",
    "SHOULD",
    "A cancelled task is still shown active.",
    described(_task_states("cancelling", "active")),
    selects="lifecycle",
)

GROUP.fault(
    "cancel-shows-cancelled",
    "LIFE-CANCEL",
    "ALTERNATIVE",
    "A cancelled task is shown cancelled rather than cancelling (a later alternative).",
    described(_task_states("cancelling", "cancelled")),
    selects="lifecycle",
)


def _is_describe(call: Call, endpoint: Endpoint) -> bool:
    return call.get("Action") == "DescribeConversionTasks"


GROUP.fault(
    "unknown-task-invalid-parameter-value",
    "LIFE-UNKNOWN-TASK",
    "SHOULD",
    "An unknown conversion task id is answered InvalidParameterValue.",
    recode(Code.INVALID_CONVERSION_TASK_ID, Code.INVALID_PARAMETER_VALUE, _is_describe),
    selects="lifecycle",
)
