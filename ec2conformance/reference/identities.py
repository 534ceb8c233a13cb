"""The reference endpoint's built-in identities and what each may do.

The contract ("Identities and resources") knows a **permitted** identity, allowed to call
ImportInstance, and a **denied** one: valid credentials, no permission (PERM-DENIED,
PERM-DRYRUN-DENIED). The reference gives the denied identity no permission at all, so it is
refused DescribeConversionTasks and CancelConversionTask as well.

The secrets are fixed and public on purpose: the reference is a test endpoint on loopback.
"""

from __future__ import annotations

from dataclasses import dataclass

from ec2conformance.model import Credentials

PERMITTED = Credentials("AKIDREFPERMITTED0001", "reference-permitted-secret")
DENIED = Credentials("AKIDREFDENIED0000001", "reference-denied-secret")


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: its credentials and whether it may call the actions."""

    credentials: Credentials
    permitted: bool

    @property
    def access_key_id(self) -> str:
        """The principal's access key id."""
        return self.credentials.access_key_id


@dataclass(frozen=True)
class Identities:
    """The identities an endpoint knows: a permitted one and, optionally, a denied one."""

    permitted: Credentials = PERMITTED
    denied: Credentials | None = DENIED

    def __post_init__(self) -> None:
        if self.denied is not None and self.denied.access_key_id == self.permitted.access_key_id:
            raise ValueError("the permitted and the denied identity need different key ids")

    def lookup(self, access_key_id: str) -> Principal | None:
        """The principal with this key id, or None when the endpoint does not know it."""
        if access_key_id == self.permitted.access_key_id:
            return Principal(self.permitted, permitted=True)
        if self.denied is not None and access_key_id == self.denied.access_key_id:
            return Principal(self.denied, permitted=False)
        return None
