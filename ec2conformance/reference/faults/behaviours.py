"""Combinators the group modules build their behaviours from.

Each returns a :data:`~.layer.Behaviour`: forward the request as it came, forward a
rewritten one, serve it as another identity, or forward it and edit the reference's answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from lxml import etree

from ec2conformance.model import Credentials

from .call import Call, Pairs, mapped
from .endpoint import Endpoint
from .layer import Behaviour
from .reply import Reply, local, path

Edit = Callable[[etree._Element, Call, Endpoint], None]
"""An edit of a success answer's element tree, in place."""

TASK: Final = ("conversionTask",)
IMPORT: Final = (*TASK, "importInstance")
ITEM: Final = (*IMPORT, "volumes", "item")
"""Paths (local names below the root) in the ImportInstance answer."""


def forward(call: Call, endpoint: Endpoint) -> Reply:
    """Every request goes to the reference unchanged."""
    return endpoint.forward(call)


# ------------------------------------------------------------------------------ requests


def rewriting(
    applies: Callable[[Call], bool], rewrite: Callable[[Call], Pairs | None]
) -> Behaviour:
    """Forward ``rewrite(call)`` (re-signed) where ``applies``; a None rewrite or an
    unchanged one forwards the request as it came."""

    def behave(call: Call, endpoint: Endpoint) -> Reply:
        if applies(call) and call.params is not None:
            params = rewrite(call)
            if params is not None and params != call.params:
                return endpoint.forward(call, params)
        return endpoint.forward(call)

    return behave


def importing(rewrite: Callable[[Call], Pairs | None]) -> Behaviour:
    """A rewrite of authenticated ImportInstance requests."""
    return rewriting(lambda call: call.is_import, rewrite)


def values(change: Callable[[str, str], str | None]) -> Behaviour:
    """A rewrite of every ImportInstance parameter value (None drops the parameter)."""
    return importing(lambda call: mapped(call.params or (), change))


def signing_as(who: Callable[[Call, Endpoint], Credentials | None]) -> Behaviour:
    """Serve a request as the identity ``who(call, endpoint)`` names, where it names one
    (the request re-signed with its credentials, whatever authentication made of it)."""

    def behave(call: Call, endpoint: Endpoint) -> Reply:
        credentials = who(call, endpoint) if call.served else None
        if credentials is not None:
            return endpoint.forward(call, credentials=credentials)
        return endpoint.forward(call)

    return behave


# ------------------------------------------------------------------------------ answers


def answer(edit: Callable[[Call, Reply, Endpoint], Reply | None]) -> Behaviour:
    """Forward as it came, then let ``edit`` change the answer (None keeps it)."""

    def behave(call: Call, endpoint: Endpoint) -> Reply:
        reply = endpoint.forward(call)
        edited = edit(call, reply, endpoint)
        return reply if edited is None else edited

    return behave


def success(root_name: str, edit: Edit) -> Behaviour:
    """Edit the XML of 200 answers whose root is ``root_name``."""

    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        if reply.status != 200:
            return None
        root = reply.xml()
        if root is None or local(root) != root_name:
            return None
        edit(root, call, endpoint)
        return reply.with_xml(root)

    return answer(change)


def imported(edit: Edit) -> Behaviour:
    """Edit the XML of ImportInstance's success answers."""
    return success("ImportInstanceResponse", edit)


def described(edit: Edit) -> Behaviour:
    """Edit the XML of DescribeConversionTasks's success answers."""
    return success("DescribeConversionTasksResponse", edit)


def leaf(*names: str, change: Callable[[str], str | None]) -> Edit:
    """An edit that replaces the text of the element at ``names`` (under the root)."""

    def edit(root: etree._Element, call: Call, endpoint: Endpoint) -> None:
        element = path(root, *names)
        if element is not None:
            element.text = change(element.text or "")

    return edit


def _always(call: Call, endpoint: Endpoint) -> bool:
    return True


def recode(old: str, new: str, when: Callable[[Call, Endpoint], bool] = _always) -> Behaviour:
    """Answer ``new`` (with its catalogue status) where the reference answers ``old`` and
    ``when`` holds."""

    def change(call: Call, reply: Reply, endpoint: Endpoint) -> Reply | None:
        if reply.code == old and when(call, endpoint):
            return endpoint.with_code(reply, new)
        return None

    return answer(change)
