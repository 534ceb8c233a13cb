"""The layer itself: what a fault is (:class:`Fault`), how a group module declares its faults
(:class:`Group`), and the WSGI middleware that puts one fault around the reference
(:class:`FaultyApp`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, overload

from ..app import ReferenceApp, StartResponse, WSGIEnviron
from ..catalogue import requirement_groups
from .call import Call
from .endpoint import Endpoint
from .reply import Reply

Level = Literal["MUST", "SHOULD", "ALTERNATIVE"]
Behaviour = Callable[[Call, Endpoint], Reply]
"""What a fault does: given the call and the endpoint, the answer."""


@dataclass(frozen=True)
class Fault:
    """One broken endpoint: its name, the requirement it breaks and at which level, what it
    does, how it does it, and which of the suite's tests can see it.

    ``selects`` is a pytest ``-k`` expression for a narrowed run; ``None`` means the
    default: the example-based tests of the requirement's group (its marker) and the
    generated tests of the requirement.
    """

    name: str
    requirement: str
    level: Level
    description: str
    behaviour: Behaviour
    selects: str | None = None

    @property
    def group(self) -> str:
        """The requirement's group (``golden/requirements.json``), also the suite's marker."""
        return requirement_groups()[self.requirement]

    @property
    def selection(self) -> str:
        """The ``-k`` expression of the tests that can see this fault."""
        return self.selects or f"{self.group} and not generated or {self.requirement}"


class Group:
    """The faults of one requirement group, as its module declares them, in their order.

    :meth:`fault` declares one, right beside its behaviour: given the behaviour it registers
    the fault at once; without it, it decorates the behaviour function that follows. A fault
    whose requirement belongs to another group (``golden/requirements.json``) is refused.
    """

    def __init__(self, name: str) -> None:
        if name not in requirement_groups().values():
            raise ValueError(f"golden/requirements.json has no group {name!r}")
        self.name = name
        self.faults: list[Fault] = []

    @overload
    def fault(
        self,
        name: str,
        requirement: str,
        level: Level,
        description: str,
        behaviour: Behaviour,
        *,
        selects: str | None = None,
    ) -> Behaviour: ...

    @overload
    def fault(
        self,
        name: str,
        requirement: str,
        level: Level,
        description: str,
        *,
        selects: str | None = None,
    ) -> Callable[[Behaviour], Behaviour]: ...

    def fault(
        self,
        name: str,
        requirement: str,
        level: Level,
        description: str,
        behaviour: Behaviour | None = None,
        *,
        selects: str | None = None,
    ) -> Behaviour | Callable[[Behaviour], Behaviour]:
        """Declare fault ``name`` (see the class); returns the behaviour, or a decorator."""

        def register(behave: Behaviour) -> Behaviour:
            fault = Fault(name, requirement, level, description, behave, selects)
            if fault.group != self.name:
                raise ValueError(f"fault {name}: {requirement} is not in group {self.name}")
            self.faults.append(fault)
            return behave

        return register if behaviour is None else register(behaviour)


class FaultyApp:
    """A WSGI application: the reference endpoint with one fault's behaviour around it."""

    def __init__(self, fault: Fault, app: ReferenceApp) -> None:
        self.fault = fault
        self.endpoint = Endpoint(app)
        self._defects: list[BaseException] = []
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        call, replay = self.endpoint.read(environ)
        try:
            if call is None:
                reply = self.endpoint.run(replay)
            else:
                reply = self.fault.behaviour(call, self.endpoint)
        except Exception as exc:  # a defect of the fault layer: answer like the reference
            with self._lock:
                self._defects.append(exc)
            reply = self.endpoint.server_error()
        return reply.respond(start_response)

    @property
    def defects(self) -> list[BaseException]:
        """Exceptions of the fault layer and of the reference (none, when both are correct)."""
        with self._lock:
            return [*self._defects, *self.endpoint.app.defects]
