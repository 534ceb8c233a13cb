"""The verifiers: the small closed set of ways a suite test checks a requirement.

As h2spec's ``VerifyConnectionError`` and friends, each verifier sends what the requirement
needs, takes the acceptable outcomes and their strict narrowing from the requirement's row
(through :mod:`ec2conformance.registry` and the oracle), and fails with the requirement's
own sentence:

- :func:`verify_outcome`: a request a row describes gets one of the row's outcomes;
- :func:`verify_error_body` / :func:`verify_success_body`: a request that must be refused
  (or served) gets an answer whose body meets the requirement;
- :func:`verify_exchange`: a request sent for the generic checks alone (the mixed stream,
  FUZZ-NO-SERVER-ERROR), its outcome recorded where the oracle says;
- :func:`verify_generated`: a Hypothesis strategy's requests, each through one of the above;
- :func:`verify_sdk_refusal` / :func:`verify_sdk_parse`: the same through a real boto3 client.

The lifecycle verifiers are in :mod:`ec2conformance.lifecycle`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, Final

import pytest
from botocore.exceptions import ClientError, HTTPClientError
from botocore.parsers import ResponseParserError
from hypothesis.strategies import SearchStrategy

from ec2conformance import golden, oracle, registry
from ec2conformance.cases import Case
from ec2conformance.checks import Judge, Problem
from ec2conformance.checks.success import integer_problems
from ec2conformance.client import Exchange
from ec2conformance.exchange import shorten
from ec2conformance.fuzzing import FuzzSession, run_generated
from ec2conformance.model import Identity, RequestSpec, sample, sample_api_parameters
from ec2conformance.oracle import Expectation
from ec2conformance.safety import safe_spec
from ec2conformance.sdk import NoAnswer, UnsafeAnswer

UNPARSEABLE = "(botocore could not parse the answer)"


def verify_outcome(judge: Judge, case: Case) -> Exchange:
    """The request of ``case`` (which its row describes) gets one of the row's outcomes."""
    with judge.case():
        return judge.check_request(case.requirement, case.spec)


def verify_exchange(judge: Judge, requirement: str, spec: RequestSpec) -> Exchange:
    """``spec`` is sent for ``requirement``'s generic checks; a wrong outcome is recorded
    where the oracle's rules put it (no row describes the request)."""
    with judge.case():
        return judge.check_request(requirement, spec, row=False)


def verify_error_body(judge: Judge, requirement: str, spec: RequestSpec) -> None:
    """A request that must be refused gets an error whose body meets ``requirement``."""
    exchange = verify_exchange(judge, requirement, spec)
    if exchange.status == 200:
        pytest.skip("no error to judge: the request was accepted")


def verify_success_body(judge: Judge, requirement: str, spec: RequestSpec) -> None:
    """A valid request gets a 200 whose body meets ``requirement``."""
    exchange = verify_exchange(judge, requirement, spec)
    if exchange.status != 200:
        pytest.skip(f"no 200 to judge: the valid request was answered {exchange.status}")


def verify_generated(
    judge: Judge,
    fuzz: FuzzSession,
    strategy: SearchStrategy[Case],
    *,
    key: str,
    row: bool = True,
    explicit: Sequence[Case] = (),
) -> None:
    """Every request ``strategy`` draws, each judged as :func:`verify_outcome` (``row``) or
    :func:`verify_exchange` does; saved failures of ``key`` are replayed first, then the
    ``explicit`` cases. In a fuzzing session each request is followed by its variants
    (:mod:`ec2conformance.variants`), each judged alike."""
    target = judge.target

    def expect(spec: RequestSpec) -> Expectation | None:
        sent = safe_spec(spec) if target.safe_mode else spec
        if sent is None:
            return None
        return oracle.expect(
            sent,
            strict=target.strict,
            availability_zones=target.availability_zones,
            safe_mode=target.safe_mode,
        )

    def one(case: Case) -> Exchange:
        if row:
            return verify_outcome(judge, case)
        return verify_exchange(judge, key, case.spec)

    def not_shrunk(key: str, why: str) -> None:
        judge.state.facts.setdefault("not_shrunk", {})[key] = why

    try:
        run_generated(
            fuzz,
            strategy,
            one,
            key=key,
            shrink_seconds=judge.target.shrink_seconds,
            diagnose=judge.not_worth_shrinking,
            not_shrunk=not_shrunk,
            explicit=explicit,
            expect=expect,
        )
    finally:
        judge.attach_note()


#: The echoed fields of the two "echo" requests (:func:`valid_requests`): each differs from
#: the sample's (VMDK, 1179593728 bytes, 12 GiB, no descriptions) and from the other's, so
#: that an endpoint answering a constant for any echoed field fails its requirement
#: (RESP-VOLUME-ECHO, PARAM-DESCRIPTION-ECHO) on one of them at least. Platform is not
#: among them: its only valid value is Windows.
ECHOES: Final[tuple[dict[str, str], ...]] = (
    {
        "Description": "echo one: a task the conformance suite names",
        "DiskImage__1__Description": "echo one: the system disk",
        "DiskImage__1__Image__Format": "RAW",
        "DiskImage__1__Image__Bytes": "5368709120",
        "DiskImage__1__Image__ImportManifestUrl": (
            "https://s3.amazonaws.com/echo-one-bucket/one/disk.rawmanifest.xml?Expires=1"
        ),
        "DiskImage__1__Volume__Size": "16",
    },
    {
        "Description": "echo two: another task",
        "DiskImage__1__Description": "echo two: a data disk",
        "DiskImage__1__Image__Format": "VHD",
        "DiskImage__1__Image__Bytes": "987654321",
        "DiskImage__1__Image__ImportManifestUrl": (
            "https://echo-two-bucket.s3.amazonaws.com/two/disk.vhdmanifest.xml?Expires=2"
        ),
        "DiskImage__1__Volume__Size": "3",
    },
)


def valid_requests(availability_zones: Sequence[str]) -> list[tuple[str, RequestSpec]]:
    """Valid requests whose 200 answers the success checks judge: the sample, one with
    markup in its descriptions and the suite's first zone, one with leading zeros, and two
    "echo" requests (:data:`ECHOES`) naming the first and the last of the suite's zones, so
    that each echoed field is sent with two distinct values, none of them the sample's
    (RESP-AZ-ECHO: two distinct zones when the suite has two)."""
    base = sample()
    first, last = availability_zones[0], availability_zones[-1]
    return [
        ("sample", base),
        (
            "described",
            base.with_params(
                Description='import of a <Windows> & "server"',
                DiskImage__1__Description="system disk",
                LaunchSpecification__Placement__AvailabilityZone=first,
            ),
        ),
        (
            "leading-zeros",
            base.with_params(
                DiskImage__1__Image__Bytes="0001179593728", DiskImage__1__Volume__Size="012"
            ),
        ),
        *(
            (
                f"echo-{number}",
                base.with_params(**echoed, LaunchSpecification__Placement__AvailabilityZone=zone),
            )
            for number, (echoed, zone) in enumerate(zip(ECHOES, (first, last), strict=True), 1)
        ),
    ]


VALID_REQUEST_NAMES = tuple(name for name, _ in valid_requests(("",)))


def edge_requests() -> list[tuple[str, RequestSpec]]:
    """Valid requests at the edges of the domain (``golden/domain.json``), sent by every
    run so that an endpoint that breaks at an edge is caught whatever the generated tests
    happen to draw: the longest disk description, a non-ASCII one, the disk image numbered
    2, the most group names, an image of 2 GiB (past a signed 32-bit byte count)."""
    domain = golden.domain()
    longest = int(domain["parameters"]["DiskImage.{N}.Description"]["max_length"])
    groups = int(domain["list_max_entries"]["LaunchSpecification.GroupName.{N}"])
    gib = int(domain["image_bytes_per_size_unit"])
    base = sample()
    renumbered = tuple(
        (name.replace("DiskImage.1.", "DiskImage.2."), value) for name, value in base.params
    )
    return [
        ("longest-disk-description", base.with_params(DiskImage__1__Description="d" * longest)),
        ("non-ascii-disk-description", base.with_params(DiskImage__1__Description="système 😀")),
        ("disk-image-2", replace(base, params=renumbered)),
        (
            "most-group-names",
            base.plus(
                *(
                    (f"LaunchSpecification.GroupName.{i}", f"group-{i}")
                    for i in range(1, groups + 1)
                )
            ),
        ),
        (
            "image-of-2-gib",
            base.with_params(
                DiskImage__1__Image__Bytes=str(2 * gib), DiskImage__1__Volume__Size="2"
            ),
        ),
    ]


# --------------------------------------------------------------------------- through boto3


def sdk_call(client: Any, operation: str, **kwargs: Any) -> tuple[int | None, str | None, Any]:
    """Call a boto3 operation (retries off): (HTTP status, error code, result).

    The status is read from the HTTP response before botocore parses it, so an answer
    botocore cannot parse (a non-XML 500, say) still has its status; its code is then
    :data:`UNPARSEABLE` and the result None. An answer whose head arrived but whose body
    broke off or passed the cap (:class:`~ec2conformance.sdk.NoAnswer` with a status) has
    that status and ``(the answer broke off: ...)`` as its code; one whose body declares a
    DOCTYPE or an entity (:class:`~ec2conformance.sdk.UnsafeAnswer`, never given to botocore)
    has ``(refused: ...)``. No answer within the bounds
    (:class:`~ec2conformance.sdk.NoAnswer`, or a connection error of botocore's own such as
    ``ConnectionClosedError``) is status None, the reason in the code's place: the target's
    failure, never the suite's. A success has code None.
    """
    seen: dict[str, int] = {}

    def remember(response_dict: dict[str, Any], **_: Any) -> None:
        seen["status"] = response_dict.get("status_code")

    event = "before-parse.ec2." + "".join(w.capitalize() for w in operation.split("_"))
    client.meta.events.register(event, remember)
    try:
        result = getattr(client, operation)(**kwargs)
    except ClientError as exc:
        error = exc.response
        return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"].get("Code"), None
    except ResponseParserError:
        return seen.get("status"), UNPARSEABLE, None
    except NoAnswer as exc:
        if exc.status is not None:
            return exc.status, f"(the answer broke off: {exc.reason})", None
        return None, f"(no answer: {exc.reason})", None
    except UnsafeAnswer as exc:
        return exc.status, f"(refused: {exc.reason})", None
    except HTTPClientError as exc:  # botocore's connection errors: no answer came
        return None, f"(no answer: {type(exc).__name__}: {shorten(str(exc), 200)})", None
    finally:
        client.meta.events.unregister(event, remember)
    return result["ResponseMetadata"]["HTTPStatusCode"], None, result


def verify_sdk_refusal(
    judge: Judge,
    sdk_client: Callable[[Identity], Any],
    requirement: str,
    *,
    identity: Identity,
    dry_run: bool,
) -> None:
    """boto3's ``import_instance`` of the sample gets one of the row's errors (ClientError
    code and HTTP status). The judge hears of boto3's exchange (differential mode mirrors
    it) and records what is wrong with it."""
    target = judge.target
    if target.safe_mode and not dry_run:
        pytest.skip(registry.SAFE_MODE_REASON)
    alternatives = registry.entry(requirement).alternatives(strict=target.strict)
    ec2 = sdk_client(identity)
    with judge.case():
        status, code, _ = sdk_call(
            ec2, "import_instance", DryRun=dry_run, **sample_api_parameters()
        )
        if not any(a.status in (None, status) and a.code == code for a in alternatives):
            problem = Problem(
                requirement,
                "boto3's import_instance got another answer",
                expected=" or ".join(f"{a.status or 'any status'} {a.code}" for a in alternatives),
                received=f"{status} {code or ''}".strip(),
            )
            judge.fail(problem, judge.last_exchange)


def verify_sdk_parse(judge: Judge, sdk_client: Callable[[Identity], Any]) -> None:
    """boto3's ``import_instance`` of the sample returns a ConversionTask of the model's
    types (RESP-SDK-PARSE)."""
    if judge.target.safe_mode:
        pytest.skip(registry.SAFE_MODE_REASON)
    with judge.case():
        status, code, result = sdk_call(
            sdk_client(Identity.PERMITTED), "import_instance", **sample_api_parameters()
        )
        if status is None:
            pytest.skip(f"no 200 to parse: boto3's sample request got {code}")
        if status != 200:
            pytest.skip(f"no 200 to parse: the sample was answered {status} {code or ''}".rstrip())
        if result is None:
            problems = [f"a 200 that botocore could not read {code or UNPARSEABLE}"]
        else:
            task = result.get("ConversionTask", {})
            volumes = task.get("ImportInstance", {}).get("Volumes", [])
            problems = [] if task.get("ConversionTaskId") else ["no ConversionTaskId"]
            problems += [] if len(volumes) == 1 else [f"{len(volumes)} volumes"]
            problems += integer_problems(volumes, absent_ok=False)
        if problems:
            problem = Problem(
                "RESP-SDK-PARSE",
                "boto3 did not read the answer into the model's types",
                expected="ConversionTask with integer Size, Bytes, BytesConverted",
                received="; ".join(problems),
            )
            judge.fail(problem, judge.last_exchange)
