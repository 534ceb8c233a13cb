"""Fixtures shared by several self-test modules."""

from collections.abc import Iterator

import pytest

from ec2conformance.client import Client
from ec2conformance.model import Identity
from ec2conformance.reference import DENIED, PERMITTED, start


@pytest.fixture(scope="module")
def reference_client() -> Iterator[Client]:
    """A client of a reference endpoint started for the module, with both identities;
    the endpoint must record no defect of its own while the module runs."""
    with (
        start() as server,
        Client(
            server.url,
            region="us-east-1",
            identities={Identity.PERMITTED: PERMITTED, Identity.DENIED: DENIED},
            timeout=10,
        ) as client,
    ):
        yield client
        assert server.defects == []
