"""The vocabulary every part of the suite shares.

A request is described as data (:class:`RequestSpec`): its parameters in order, the HTTP
method, which identity signs it and how, and any deliberate fault below the parameter level.
The client turns a spec into bytes on the wire; the oracle turns the same spec into the
outcomes the contract accepts; strategies generate specs. None of them needs the others'
code, only this module.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

API_VERSION = "2016-11-15"
ACTION = "ImportInstance"

Params = tuple[tuple[str, str], ...]


class Identity(enum.StrEnum):
    """Which of the suite's identities signs a request."""

    PERMITTED = "permitted"
    DENIED = "denied"


class Signing(enum.StrEnum):
    """Where the SigV4 signature goes, or that there is none."""

    HEADER = "header"  # Authorization header (what the SDKs do)
    QUERY = "query"  # X-Amz-* parameters in the query string (presigned form)
    NONE = "none"  # no Authorization header, no X-Amz-Signature


class AuthFault(enum.StrEnum):
    """A deliberate fault in the signature (contract group AUTH)."""

    WRONG_SECRET = "wrong-secret"  # permitted key id, wrong secret
    WRONG_SERVICE = "wrong-service"  # credential scope names another service
    UNKNOWN_KEY = "unknown-key"  # a key id the target does not know
    EXPIRED = "expired"  # signed correctly, X-Amz-Date 20 minutes in the past
    MALFORMED_ALGORITHM = "malformed-algorithm"  # Authorization: AWS4-HMAC-SHA512 ...
    MALFORMED_NO_CREDENTIAL = "malformed-no-credential"
    MALFORMED_NO_SIGNED_HEADERS = "malformed-no-signed-headers"
    MALFORMED_NO_SIGNATURE = "malformed-no-signature"
    MALFORMED_DATE = "malformed-date"  # X-Amz-Date not YYYYMMDDTHHMMSSZ


MALFORMED_AUTH_FAULTS = frozenset(f for f in AuthFault if f.value.startswith("malformed-"))


class WireFault(enum.StrEnum):
    """A deliberate fault below the parameter level (WIRE-MALFORMED-QUERY).

    The client applies it to the encoded form body (or query string for GET) of an otherwise
    well-formed request, and signs over exactly the resulting bytes.
    """

    BAD_PERCENT = "bad-percent"  # a pair with a broken escape: ``Description=%zz``
    NON_UTF8_RAW = "non-utf8-raw"  # a raw byte that is not UTF-8 (0xFF) in a value
    NON_UTF8_DECODED = "non-utf8-decoded"  # ``%FF``: not UTF-8 after percent-decoding
    EMPTY_NAME = "empty-name"  # a pair with an empty name: ``=x``


@dataclass(frozen=True)
class Credentials:
    """An access key pair. The secret never appears in ``repr`` (reports print reprs)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class RequestSpec:
    """One request as data: what the client sends and what the oracle judges.

    ``params`` are the decoded name/value pairs in wire order, ``Action`` and ``Version``
    included when present (their absence is a fault the oracle sees). Values are text;
    non-UTF-8 bytes can only come from a :class:`WireFault`.
    """

    params: Params
    method: str = "POST"
    identity: Identity = Identity.PERMITTED
    signing: Signing = Signing.HEADER
    auth_fault: AuthFault | None = None
    wire_fault: WireFault | None = None

    @classmethod
    def of(
        cls,
        params: Mapping[str, str] | Iterable[tuple[str, str]],
        *,
        action: str | None = ACTION,
        version: str | None = API_VERSION,
        **kwargs: object,
    ) -> RequestSpec:
        """A spec with ``Action`` and ``Version`` first (omitted when given as ``None``)."""
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        head: list[tuple[str, str]] = []
        if action is not None:
            head.append(("Action", action))
        if version is not None:
            head.append(("Version", version))
        return cls(params=tuple(head + pairs), **kwargs)  # type: ignore[arg-type]

    def get(self, name: str) -> str | None:
        """The value of the first parameter called ``name``, or None."""
        for key, value in self.params:
            if key == name:
                return value
        return None

    def names(self) -> list[str]:
        return [key for key, _ in self.params]

    def with_params(self, **changes: str | None) -> RequestSpec:
        """A copy with parameters replaced (in place), added (at the end) or removed (None).

        Names with dots are given with ``__`` for ``.`` (``DiskImage__1__Image__Bytes``).
        """
        wanted = {k.replace("__", "."): v for k, v in changes.items()}
        out: list[tuple[str, str]] = []
        for key, value in self.params:
            if key in wanted:
                new = wanted.pop(key)
                if new is not None:
                    out.append((key, new))
            else:
                out.append((key, value))
        out.extend((k, v) for k, v in wanted.items() if v is not None)
        return replace(self, params=tuple(out))

    def without(self, *names: str) -> RequestSpec:
        return replace(self, params=tuple(p for p in self.params if p[0] not in names))

    def plus(self, *pairs: tuple[str, str]) -> RequestSpec:
        return replace(self, params=self.params + tuple(pairs))

    def summary(self) -> str:
        """One line for test ids and reports."""
        shown = "&".join(f"{k}={_short(v)}" for k, v in self.params if k not in ("Version",))
        extras = [self.method]
        if self.identity is not Identity.PERMITTED:
            extras.append(self.identity.value)
        if self.signing is not Signing.HEADER:
            extras.append(f"sig={self.signing.value}")
        if self.auth_fault:
            extras.append(self.auth_fault.value)
        if self.wire_fault:
            extras.append(self.wire_fault.value)
        return f"{' '.join(extras)} {shown}"


MAX_DIGITS = 40
"""Significant digits at most that the suite converts to a number: past every bound of the
contract (2^63 has 19), and far below Python's limit of a few thousand, so a hostile value
or answer is a wrong value, never a ValueError."""


def bounded_int(text: str) -> int | None:
    """``text`` (already matched ``-?[0-9]+``, white space allowed around it) as a number, or
    None when it has more than :data:`MAX_DIGITS` significant digits."""
    digits = text.strip().lstrip("+-").lstrip("0")
    return None if len(digits) > MAX_DIGITS else int(text)


def _short(value: str, limit: int = 24) -> str:
    text = value.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# The contract's sample (section "The sample"): the API reference's example request.
SAMPLE_MANIFEST_URL = (
    "https://s3.amazonaws.com/amzn-s3-demo-bucket/a3a5e1b6-590d-43cc-97c1-15c7325d3f41/"
    "Win_2008_Server_Data_Center_SP2_32-bit.vmdkmanifest.xml?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE"
    "&Expires=1294855591&Signature=5snej01TlTtL0uR7KExtEXAMPLE%3D"
)
SAMPLE_PARAMS: Params = (
    ("LaunchSpecification.Architecture", "x86_64"),
    ("LaunchSpecification.InstanceType", "m1.xlarge"),
    ("DiskImage.1.Image.Format", "VMDK"),
    ("DiskImage.1.Image.Bytes", "1179593728"),
    ("DiskImage.1.Image.ImportManifestUrl", SAMPLE_MANIFEST_URL),
    ("DiskImage.1.Volume.Size", "12"),
    ("Platform", "Windows"),
)


def sample(**kwargs: object) -> RequestSpec:
    """The contract's sample request (``Action`` and ``Version`` first)."""
    return RequestSpec.of(SAMPLE_PARAMS, **kwargs)  # type: ignore[arg-type]


def sample_api_parameters() -> dict[str, object]:
    """The sample as botocore/boto3 ``import_instance`` keyword arguments (a fresh dict)."""
    return {
        "Platform": "Windows",
        "LaunchSpecification": {"Architecture": "x86_64", "InstanceType": "m1.xlarge"},
        "DiskImages": [
            {
                "Image": {
                    "Format": "VMDK",
                    "Bytes": 1179593728,
                    "ImportManifestUrl": SAMPLE_MANIFEST_URL,
                },
                "Volume": {"Size": 12},
            }
        ],
    }
