"""The reference endpoint as a WSGI application: the app factory and the action table.

One request goes through the contract's order of checks ("Order of checks"), each stage
owned by one module:

1. authentication (:mod:`.sigv4`, over the raw bytes),
2. decoding, ``Action`` and ``Version`` (:mod:`.wire`, then :meth:`ReferenceApp.action_for`),
3. unknown names and list indexes (:class:`.names.ParameterSet`),
4. missing and malformed values (:class:`.validation.Validator`, then the action's lookups),
5. permission (the principal from stage 1),
6. ``DryRun``,
7. the action's handler, which returns data; :mod:`.serializer` writes it.

Any stage may raise :class:`.catalogue.EC2Error`; the serializer turns it into the error
envelope. The app is a plain WSGI callable with no fault code in it, so a fault-injection
layer can wrap it as middleware.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from werkzeug.wrappers import Response

from ec2conformance.model import API_VERSION

from .catalogue import Code, EC2Error, error_catalogue, model_data
from .identities import Identities
from .names import Parameter, ParameterSet
from .serializer import Document, Serializer, XmlValue
from .sigv4 import Verifier
from .store import ConversionTask, NewTask, TaskStore
from .syntax import show
from .validation import (
    CancelConversionTaskRequest,
    DescribeConversionTasksRequest,
    ImportInstanceRequest,
    Validator,
)
from .wire import MAX_BODY_BYTES, read_request, request_parameters

logger = logging.getLogger("ec2conformance.reference")

WSGIEnviron = dict[str, Any]
StartResponse = Callable[..., Any]


def utc_now() -> datetime:
    """The real time, as an aware UTC datetime (the default clock)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ReferenceConfig:
    """How a reference endpoint is set up.

    ``clock`` returns the endpoint's "now" (an aware datetime; a naive one is taken as UTC),
    so tests can judge AUTH-EXPIRED and RESP-EXPIRATION-ISO without waiting.
    ``availability_zone`` is the zone of volumes whose request names none (default
    ``<region>a``, as in "Identities and resources").
    """

    region: str = "us-east-1"
    identities: Identities = field(default_factory=Identities)
    clock: Callable[[], datetime] = utc_now
    availability_zone: str | None = None
    task_lifetime: timedelta = timedelta(days=7)
    max_body_bytes: int = MAX_BODY_BYTES

    def __post_init__(self) -> None:
        if not self.region:
            raise ValueError("region must not be empty")
        if self.task_lifetime <= timedelta(0):
            raise ValueError("task_lifetime must be positive")

    @property
    def default_availability_zone(self) -> str:
        """The zone used where a request names none."""
        return self.availability_zone or f"{self.region}a"


class _HasDryRun(Protocol):
    """A validated request: all the app's stages 5-6 need to know of it."""

    @property
    def dry_run(self) -> bool:
        """Whether the request asks for a DryRun (stage 6)."""
        ...


R = TypeVar("R", bound=_HasDryRun)


@dataclass(frozen=True)
class ActionSpec(Generic[R]):
    """One row of the action table: the names it knows, how it validates, its handler."""

    name: str
    parameters: ParameterSet
    parse: Callable[[Mapping[str, Parameter]], R]
    handle: Callable[[R], Document]


# --- documents: the model's element names, the golden response's order --------------------


def task_document(task: ConversionTask) -> dict[str, XmlValue]:
    """A conversion task as the model's ``ConversionTask`` (RESP-GOLDEN, RESP-GOLDEN-ORDER).

    The golden response's elements in its order; the model-defined ``platform`` and
    ``state`` come after them (RESP-STATE).
    """
    volume = task.volume
    return {
        "conversionTaskId": task.conversion_task_id,
        "expirationTime": task.expiration_time,
        "importInstance": {
            "volumes": [
                {
                    "bytesConverted": volume.bytes_converted,
                    "availabilityZone": volume.availability_zone,
                    "image": {
                        "format": volume.format,
                        "size": volume.bytes,
                        "importManifestUrl": volume.import_manifest_url,
                    },
                    "description": volume.description,
                    "volume": {"size": volume.volume_size, "id": volume.volume_id},
                    "status": volume.status,
                    "statusMessage": None,
                }
            ],
            "instanceId": task.instance_id,
            "description": task.description,
            "platform": task.platform,
        },
        "state": task.state,
    }


class ReferenceApp:
    """The WSGI application of the reference endpoint (see the module for the flow)."""

    def __init__(self, config: ReferenceConfig | None = None) -> None:
        self.config = config or ReferenceConfig()
        self.store = TaskStore()
        catalogue = error_catalogue()
        model = model_data()
        self.serializer = Serializer(catalogue)
        self.verifier = Verifier(self.config.identities, self.config.region)
        self.validator = Validator(model)
        self._defects: list[BaseException] = []
        self._defects_lock = threading.Lock()
        table: list[ActionSpec[Any]] = [
            ActionSpec(
                "ImportInstance",
                ParameterSet(model.import_instance),
                self.validator.import_instance,
                self.import_instance,
            ),
            ActionSpec(
                "DescribeConversionTasks",
                ParameterSet(model.describe_conversion_tasks),
                self._parse_describe,
                self.describe_conversion_tasks,
            ),
            ActionSpec(
                "CancelConversionTask",
                ParameterSet(model.cancel_conversion_task),
                self._parse_cancel,
                self.cancel_conversion_task,
            ),
        ]
        self.actions: dict[str, ActionSpec[Any]] = {spec.name: spec for spec in table}

    # --- WSGI -------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        request_id = str(uuid.uuid4())
        try:
            response = self.respond(environ, request_id)
        except EC2Error as error:
            response = self.serializer.error(error, request_id)
        except Exception as exc:  # a defect of the reference: answer, log, keep serving
            logger.exception("reference endpoint defect on request %s", request_id)
            with self._defects_lock:
                self._defects.append(exc)
            response = self.serializer.error(
                EC2Error(Code.INTERNAL_ERROR, "An internal error has occurred."), request_id
            )
        # The answer's own status and headers (Content-Type, x-amzn-RequestId,
        # Content-Length), without werkzeug's generic per-response work; no body for HEAD.
        start_response(response.status, response.headers.to_wsgi_list())
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]
        return [response.get_data()]

    @property
    def defects(self) -> list[BaseException]:
        """Exceptions the app caught and answered with InternalError (none, when correct)."""
        with self._defects_lock:
            return list(self._defects)

    def now(self) -> datetime:
        """The endpoint's clock, as an aware UTC datetime."""
        moment = self.config.clock()
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    def respond(self, environ: WSGIEnviron, request_id: str) -> Response:
        """The answer to one request, through the stages of the order of checks."""
        method = str(environ.get("REQUEST_METHOD", "")).upper()
        if method not in ("GET", "POST"):
            raise EC2Error(
                Code.INVALID_REQUEST, f"The HTTP method {show(method)} is not supported."
            )
        if environ.get("PATH_INFO", "") not in ("", "/"):
            raise EC2Error(Code.INVALID_REQUEST, "The Query API is served at the path /.")
        request = read_request(environ, self.config.max_body_bytes)
        principal = self.verifier.authenticate(request, self.now())  # stage 1
        params = request_parameters(request)  # stage 2
        action = self.action_for(params)  # stage 2
        resolved = action.parameters.resolve(params)  # stage 3
        parsed = action.parse(resolved)  # stage 4
        if not principal.permitted:  # stage 5
            raise EC2Error(
                Code.UNAUTHORIZED_OPERATION, "You are not authorized to perform this operation."
            )
        if parsed.dry_run:  # stage 6
            raise EC2Error(
                Code.DRY_RUN_OPERATION, "Request would have succeeded, but DryRun flag is set."
            )
        document = action.handle(parsed)  # stage 7
        return self.serializer.success(action.name, document, request_id)

    def action_for(self, params: Mapping[str, str]) -> ActionSpec[Any]:
        """The action table's row for ``Action`` (WIRE-NO-ACTION, WIRE-UNKNOWN-ACTION,
        WIRE-NO-VERSION, WIRE-BAD-VERSION)."""
        name = params.get("Action")
        if name is None:
            raise EC2Error(Code.MISSING_ACTION, "The request must contain the parameter Action")
        action = self.actions.get(name)
        if action is None:
            raise EC2Error(
                Code.INVALID_ACTION, f"The action {show(name)} is not valid for this web service."
            )
        version = params.get("Version")
        if version is None:
            raise EC2Error(Code.MISSING_PARAMETER, "The request must contain the parameter Version")
        if version != API_VERSION:
            raise EC2Error(
                Code.NO_SUCH_VERSION,
                f"The requested version ({show(version)}) of service AmazonEC2 does not exist; "
                f"this endpoint implements {API_VERSION}.",
            )
        return action

    # --- ImportInstance ----------------------------------------------------------------

    def import_instance(self, request: ImportInstanceRequest) -> Document:
        """Create the conversion task (WIRE-POST, RESP-*); the zone echoes (RESP-AZ-ECHO)."""
        disk = request.disk_image
        task = self.store.create(
            NewTask(
                platform=request.platform,
                description=request.description,
                format=disk.format,
                bytes=disk.bytes,
                import_manifest_url=disk.import_manifest_url,
                disk_description=disk.description,
                volume_size=disk.volume_size,
                availability_zone=request.availability_zone
                or self.config.default_availability_zone,
            ),
            now=self.now(),
            lifetime=self.config.task_lifetime,
        )
        return {"conversionTask": task_document(task)}

    # --- DescribeConversionTasks ---------------------------------------------------------

    def _known(self, task_id: str) -> ConversionTask:
        task = self.store.get(task_id)
        if task is None:
            raise EC2Error(
                Code.INVALID_CONVERSION_TASK_ID,
                f"The conversion task ID '{task_id}' does not exist.",
            )
        return task

    def _parse_describe(self, params: Mapping[str, Parameter]) -> DescribeConversionTasksRequest:
        request = self.validator.describe_conversion_tasks(params)
        for task_id in request.conversion_task_ids:  # a resource lookup: stage 4
            self._known(task_id)
        return request

    def describe_conversion_tasks(self, request: DescribeConversionTasksRequest) -> Document:
        """The tasks asked for, or all of them; fields directly in ``item`` (LIFE-DESCRIBE)."""
        if request.conversion_task_ids:
            tasks = [self._known(task_id) for task_id in request.conversion_task_ids]
        else:
            tasks = self.store.all()
        return {"conversionTasks": [task_document(task) for task in tasks]}

    # --- CancelConversionTask -----------------------------------------------------------

    def _parse_cancel(self, params: Mapping[str, Parameter]) -> CancelConversionTaskRequest:
        request = self.validator.cancel_conversion_task(params)
        self._known(request.conversion_task_id)  # a resource lookup: stage 4
        return request

    def cancel_conversion_task(self, request: CancelConversionTaskRequest) -> Document:
        """Move an active task to ``cancelling`` (LIFE-CANCEL); otherwise
        DeleteConversionTaskError."""
        outcome = self.store.cancel(request.conversion_task_id)
        if outcome is None:
            raise EC2Error(
                Code.INVALID_CONVERSION_TASK_ID,
                f"The conversion task ID '{request.conversion_task_id}' does not exist.",
            )
        task, cancelled = outcome
        if not cancelled:
            raise EC2Error(
                Code.DELETE_CONVERSION_TASK_ERROR,
                f"The conversion task {task.conversion_task_id} cannot be cancelled: "
                f"it is {task.state}.",
            )
        return {"return": True}


def make_app(config: ReferenceConfig | None = None) -> ReferenceApp:
    """A new reference endpoint (its own task store) as a WSGI application."""
    return ReferenceApp(config)
