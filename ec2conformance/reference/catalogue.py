"""The contract's data as the reference endpoint reads it, and the one error type it raises.

Everything here comes from ``golden/`` (located through :data:`ec2conformance.GOLDEN`): the
error catalogue (``error-catalogue.json``: each code's HTTP status and kind), the data
recorded from botocore 1.44.8's EC2 model (``model.json``: parameter name templates, their
types, the enums), the names every action knows (``domain.json``) and the requirements'
groups (``requirements.json``, for the fault table). The reference shares this data with
the rest of the suite, never code: it imports nothing of the suite's modules
(``ec2conformance.golden``, ``checks``, ``plugin``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from ec2conformance import GOLDEN


class Code:
    """The catalogue codes the reference answers with (each one checked against the catalogue).

    Kept as constants so that a typo is a failed self-test, not an unknown code on the wire.
    """

    AUTH_FAILURE: Final = "AuthFailure"
    DELETE_CONVERSION_TASK_ERROR: Final = "DeleteConversionTaskError"
    DRY_RUN_OPERATION: Final = "DryRunOperation"
    INCOMPLETE_SIGNATURE: Final = "IncompleteSignature"
    INTERNAL_ERROR: Final = "InternalError"
    INVALID_ACTION: Final = "InvalidAction"
    INVALID_CONVERSION_TASK_ID: Final = "InvalidConversionTaskId"
    INVALID_CONVERSION_TASK_ID_MALFORMED: Final = "InvalidConversionTaskId.Malformed"
    INVALID_PARAMETER: Final = "InvalidParameter"
    INVALID_PARAMETER_COMBINATION: Final = "InvalidParameterCombination"
    INVALID_PARAMETER_VALUE: Final = "InvalidParameterValue"
    INVALID_REQUEST: Final = "InvalidRequest"
    MALFORMED_QUERY_STRING: Final = "MalformedQueryString"
    MISSING_ACTION: Final = "MissingAction"
    MISSING_AUTHENTICATION_TOKEN: Final = "MissingAuthenticationToken"
    MISSING_PARAMETER: Final = "MissingParameter"
    NO_SUCH_VERSION: Final = "NoSuchVersion"
    REQUEST_EXPIRED: Final = "RequestExpired"
    UNAUTHORIZED_OPERATION: Final = "UnauthorizedOperation"
    UNKNOWN_PARAMETER: Final = "UnknownParameter"

    @classmethod
    def all(cls) -> frozenset[str]:
        """Every code the reference can answer with."""
        return frozenset(
            value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str)
        )


class EC2Error(Exception):
    """An error answer: a catalogue code and a message (ERR-ENVELOPE, ERR-CODE-KNOWN).

    One class for every code; the HTTP status is not carried here but looked up in
    the catalogue by the serializer, so that the reference and the checks cannot disagree.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ErrorCatalogue:
    """Error codes of the contract version, each with its kind and HTTP status."""

    statuses: Mapping[str, int | None]
    kinds: Mapping[str, str]

    def status(self, code: str) -> int:
        """The HTTP status for ``code`` (ERR-STATUS-MATCHES, ERR-STATUS-DOCUMENTED).

        The catalogue's status where it gives one; otherwise 400 for a client code and 500 for
        a server code. A code outside the catalogue is a defect of the reference: KeyError.
        """
        status = self.statuses[code]
        if status is not None:
            return status
        return 500 if self.kinds[code] == "server" else 400

    def __contains__(self, code: object) -> bool:
        return code in self.statuses


@dataclass(frozen=True)
class ParameterTemplate:
    """A parameter name the EC2 serializer can produce, ``{N}`` standing for a list index."""

    template: str
    type: str  # the model's type: string, boolean, integer, long
    enum: str | None = None  # the name of the model's enum, where it has one


@dataclass(frozen=True)
class ModelData:
    """What the contract takes from botocore 1.44.8's EC2 model (``golden/model.json``)."""

    api_version: str
    import_instance: tuple[ParameterTemplate, ...]
    describe_conversion_tasks: tuple[ParameterTemplate, ...]
    cancel_conversion_task: tuple[ParameterTemplate, ...]
    enums: Mapping[str, tuple[str, ...]]


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def error_catalogue(golden: Path = GOLDEN) -> ErrorCatalogue:
    """The error catalogue (``golden/error-catalogue.json``), read once."""
    data = _read_json(golden / "error-catalogue.json")
    statuses = {entry["code"]: entry["http_status"] for entry in data["codes"]}
    kinds = {entry["code"]: entry["kind"] for entry in data["codes"]}
    return ErrorCatalogue(statuses=statuses, kinds=kinds)


def _templates(entries: list[Any]) -> tuple[ParameterTemplate, ...]:
    out: list[ParameterTemplate] = []
    for entry in entries:
        if isinstance(entry, str):
            # The Describe/Cancel lists hold bare names; their types follow the model.
            kind = "boolean" if entry == "DryRun" else "string"
            out.append(ParameterTemplate(template=entry, type=kind))
        else:
            out.append(
                ParameterTemplate(
                    template=entry["name"], type=entry["type"], enum=entry.get("enum")
                )
            )
    return tuple(out)


@cache
def model_data(golden: Path = GOLDEN) -> ModelData:
    """The recorded model data (``golden/model.json``), read once."""
    data = _read_json(golden / "model.json")
    return ModelData(
        api_version=data["api_version"],
        import_instance=_templates(data["import_instance_parameters"]),
        describe_conversion_tasks=_templates(data["describe_conversion_tasks_parameters"]),
        cancel_conversion_task=_templates(data["cancel_conversion_task_parameters"]),
        enums={name: tuple(values) for name, values in data["enums"].items()},
    )


@cache
def requirement_levels(golden: Path = GOLDEN) -> Mapping[str, str]:
    """Each requirement id's level (``golden/requirements.json``, in its order), read once."""
    data = _read_json(golden / "requirements.json")
    return {entry["id"]: entry["level"] for entry in data["requirements"]}


@cache
def requirement_groups(golden: Path = GOLDEN) -> Mapping[str, str]:
    """Each requirement id's group (``golden/requirements.json``), read once."""
    data = _read_json(golden / "requirements.json")
    return {entry["id"]: entry["group"] for entry in data["requirements"]}


@cache
def _domain(golden: Path = GOLDEN) -> Mapping[str, Any]:
    return _read_json(golden / "domain.json")


def query_auth_names(golden: Path = GOLDEN) -> frozenset[str]:
    """SigV4's query-string parameters (``golden/domain.json``: ``sigv4_query_names``)."""
    return frozenset(_domain(golden)["sigv4_query_names"])


def common_names(golden: Path = GOLDEN) -> frozenset[str]:
    """The names every action knows (``golden/domain.json``): the envelope's (``Action``,
    ``Version``), SigV4's query parameters and SigV2's."""
    data = _domain(golden)
    return frozenset((*data["envelope_names"], *data["sigv4_query_names"], *data["sigv2_names"]))
