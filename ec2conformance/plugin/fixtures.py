"""What the suite's tests receive: the run's state, the target, one client, the judge of each
case, boto3 clients, and the generated tests' shared session."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from ec2conformance.checks import Judge
from ec2conformance.checks.judge import NO_DENIED_IDENTITY
from ec2conformance.client import Client
from ec2conformance.differential import Differential
from ec2conformance.exchange import Redactor, redact_log_records
from ec2conformance.fuzzing import FuzzSession
from ec2conformance.lifecycle import END_OF_RUN, cancel_created
from ec2conformance.model import Credentials, Identity
from ec2conformance.plugin.allure_labels import attach_exchange, attach_text
from ec2conformance.plugin.health import install_probe
from ec2conformance.plugin.setup import is_loopback
from ec2conformance.recording import Recorder, Replay, ReplayVersionWarning
from ec2conformance.sdk import SdkTap, bounded_client
from ec2conformance.state import RunState, Target, state_of

KEPT_EXCHANGES = 16
"""Exchanges the run's client keeps (at most 1 MiB of body each)."""


@pytest.fixture(scope="session")
def run_state(pytestconfig: pytest.Config) -> RunState:
    """The run's state (findings, facts learned about the target)."""
    return state_of(pytestconfig)


@pytest.fixture(scope="session")
def target(run_state: RunState) -> Target:
    """The endpoint under test, its identities and the run's mode."""
    if run_state.target is None:
        pytest.skip("no target (collection only)")
    return run_state.target


@pytest.fixture(scope="session")
def client(
    target: Target,
    run_state: RunState,
    differential: Differential | None,
    recorder: Recorder | None,
) -> Iterator[Client]:
    """One client (one connection pool) for the whole run. It keeps only the last few
    exchanges: each failure carries its own exchange's description, so a long run's memory
    does not grow with the bodies it has seen. At the end it cancels the tasks the run
    created, through a run-level judge (mirrored and recorded like every other request:
    the reference and the recorder end after the client)."""
    with Client(
        target.endpoint,
        region=target.region,
        identities=target.identities,
        timeout=target.request_timeout,
        max_exchanges=KEPT_EXCHANGES,
        safe_mode=target.safe_mode,
        health=target.health,
        ca_bundle=str(target.ca_bundle) if target.ca_bundle else None,
    ) as c:
        install_probe(target.health, c.send, run_state.count_request)
        yield c
        end = Judge(
            state=run_state,
            target=target,
            client=c,
            case_id=END_OF_RUN,
            differential=differential,
            recorder=recorder,
            at_once=True,
        )
        cancel_created(end)


def _reference_identities(config: pytest.Config, target: Target) -> dict[Identity, Credentials]:
    """The reference's identities: the target's, each replaced where its options are given."""
    identities = dict(target.identities)
    for identity, prefix in ((Identity.PERMITTED, ""), (Identity.DENIED, "denied_")):
        key_id = config.getoption(f"reference_{prefix}access_key_id")
        secret = config.getoption(f"reference_{prefix}secret_access_key")
        if key_id and secret:
            identities[identity] = Credentials(key_id, secret)
    return identities


@pytest.fixture(scope="session")
def differential(
    pytestconfig: pytest.Config, target: Target, run_state: RunState
) -> Iterator[Differential | None]:
    """Differential mode's reference side (``--reference-endpoint``), or None."""
    replay = pytestconfig.getoption("replay")
    if replay is not None:
        session = Replay.load(replay)
        mismatch = session.version_mismatch()
        if mismatch:
            run_state.facts["replay_version_mismatch"] = mismatch
            warnings.warn(ReplayVersionWarning(mismatch), stacklevel=1)
        yield Differential(session)
        return
    endpoint = pytestconfig.getoption("reference_endpoint")
    if endpoint is None:
        yield None
        return
    identities = _reference_identities(pytestconfig, target)
    undo = redact_log_records(Redactor(c.secret_access_key for c in identities.values()))
    off_loopback = not is_loopback(urlsplit(endpoint).hostname or "")
    with Client(
        endpoint,
        region=target.region,
        identities=identities,
        timeout=target.request_timeout,
        max_exchanges=KEPT_EXCHANGES,
        ca_bundle=str(target.ca_bundle) if target.ca_bundle else None,
    ) as c:
        mirror = Differential(c, may_mutate=target.allow_mutating or not off_loopback)
        yield mirror
        mirror.cancel_created()
    undo()


@pytest.fixture(scope="session")
def recorder(pytestconfig: pytest.Config, target: Target) -> Iterator[Recorder | None]:
    """``--record DIR``: every exchange the judge sends, written at the end of the run."""
    directory = pytestconfig.getoption("record")
    if directory is None:
        yield None
        return
    session = Recorder(directory, target.endpoint)
    yield session
    session.write()


@pytest.fixture(scope="session")
def sdk_clients(target: Target) -> dict[Identity, tuple[Any, SdkTap]]:
    """The run's boto3 EC2 clients for the target, one per identity (made when first asked
    for), each with the tap that hears its exchanges."""
    return {}


@pytest.fixture
def sdk_client(
    target: Target, judge: Judge, sdk_clients: dict[Identity, tuple[Any, SdkTap]]
) -> Iterator[Callable[[Identity], Any]]:
    """A factory of boto3 EC2 clients for the target, one per identity, retries off, each
    exchange bounded as the suite's own (``ec2conformance/sdk.py``); while this test runs,
    its judge hears of each exchange (counted, recorded, mirrored in differential mode)."""
    taps: list[SdkTap] = []

    def make(identity: Identity) -> Any:
        if identity not in target.identities:
            pytest.skip(NO_DENIED_IDENTITY)
        if identity not in sdk_clients:
            credentials = target.identities[identity]
            tap = SdkTap(identity, Redactor([credentials.secret_access_key]))
            sdk_clients[identity] = (
                bounded_client(
                    target.endpoint,
                    target.region,
                    credentials,
                    timeout=target.request_timeout,
                    health=target.health,
                    ca_bundle=str(target.ca_bundle) if target.ca_bundle else None,
                    tap=tap,
                ),
                tap,
            )
        made, tap = sdk_clients[identity]
        tap.observer = judge.sent_by_sdk
        taps.append(tap)
        return made

    yield make
    for tap in taps:
        tap.observer = None


@pytest.fixture
def judge(
    request: pytest.FixtureRequest,
    run_state: RunState,
    target: Target,
    client: Client,
    differential: Differential | None,
    recorder: Recorder | None,
) -> Judge:
    """A :class:`~ec2conformance.checks.Judge` for this test case."""
    return Judge(
        state=run_state,
        target=target,
        client=client,
        case_id=request.node.nodeid,
        attach=attach_text,
        attach_exchange=attach_exchange,
        differential=differential,
        recorder=recorder,
    )


@pytest.fixture(scope="session")
def fuzz(run_state: RunState) -> FuzzSession:
    """What generated tests share: saved failures to replay, a fuzzing session's budget."""
    assert run_state.fuzz is not None
    return run_state.fuzz
