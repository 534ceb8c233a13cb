"""The conversion tasks the reference endpoint has created: in memory, thread-safe.

Identifiers have the forms the contract judges: ``import-i-`` and 8 characters of
``[0-9a-z]`` (RESP-TASK-ID, unique within the store), ``i-`` and 17 hex digits
(RESP-INSTANCE), ``vol-`` and 17 hex digits (the sample's ``volume/id``).
"""

from __future__ import annotations

import secrets
import string
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

ACTIVE: Final = "active"
CANCELLING: Final = "cancelling"
EXPIRATION_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

_TASK_ALPHABET = string.digits + string.ascii_lowercase
_HEX_ALPHABET = string.hexdigits[:16]


@dataclass(frozen=True)
class ImportedVolume:
    """The one volume of an instance import: the disk image as given, and the volume."""

    format: str
    bytes: int
    import_manifest_url: str
    description: str | None
    volume_size: int
    volume_id: str
    availability_zone: str
    bytes_converted: int = 0
    status: str = ACTIVE


@dataclass(frozen=True)
class ConversionTask:
    """An instance import task (the model's ``ConversionTask`` with ``importInstance``)."""

    conversion_task_id: str
    expiration_time: str  # YYYY-MM-DDTHH:MM:SSZ (RESP-EXPIRATION-ISO)
    instance_id: str
    platform: str
    description: str | None
    volume: ImportedVolume
    state: str = ACTIVE


@dataclass(frozen=True)
class NewTask:
    """What ImportInstance asks the store to create."""

    platform: str
    description: str | None
    format: str
    bytes: int
    import_manifest_url: str
    disk_description: str | None
    volume_size: int
    availability_zone: str


def _expiration(moment: datetime) -> str:
    """``moment`` as ``EXPIRATION_FORMAT`` writes it (formatted by hand: strftime is slow)."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )


def _random(alphabet: str, length: int) -> str:
    """``length`` characters of ``alphabet``, uniformly random (one draw, not one a character)."""
    if alphabet == _HEX_ALPHABET:
        return format(secrets.randbits(4 * length), f"0{length}x")
    base = len(alphabet)
    number = secrets.randbelow(base**length)
    out = []
    for _ in range(length):
        number, digit = divmod(number, base)
        out.append(alphabet[digit])
    return "".join(out)


class TaskStore:
    """Conversion tasks by id, in creation order. Every method is safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tasks: dict[str, ConversionTask] = {}
        self._ids: set[str] = set()

    def _fresh(self, prefix: str, alphabet: str, length: int) -> str:
        while True:
            candidate = prefix + _random(alphabet, length)
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def create(self, new: NewTask, *, now: datetime, lifetime: timedelta) -> ConversionTask:
        """A new active task, with fresh ids, expiring ``lifetime`` after ``now``."""
        with self._lock:
            task = ConversionTask(
                conversion_task_id=self._fresh("import-i-", _TASK_ALPHABET, 8),
                expiration_time=_expiration(now + lifetime),
                instance_id=self._fresh("i-", _HEX_ALPHABET, 17),
                platform=new.platform,
                description=new.description,
                volume=ImportedVolume(
                    format=new.format,
                    bytes=new.bytes,
                    import_manifest_url=new.import_manifest_url,
                    description=new.disk_description,
                    volume_size=new.volume_size,
                    volume_id=self._fresh("vol-", _HEX_ALPHABET, 17),
                    availability_zone=new.availability_zone,
                ),
            )
            self._tasks[task.conversion_task_id] = task
            return task

    def get(self, conversion_task_id: str) -> ConversionTask | None:
        """The task with this id, or None."""
        with self._lock:
            return self._tasks.get(conversion_task_id)

    def all(self) -> list[ConversionTask]:
        """Every task, oldest first."""
        with self._lock:
            return list(self._tasks.values())

    def cancel(self, conversion_task_id: str) -> tuple[ConversionTask, bool] | None:
        """Move an active task to ``cancelling`` (LIFE-CANCEL).

        Returns the task as it is afterwards and whether it was active (and so is now
        cancelling), or None for an unknown id. Atomic: of two concurrent cancels, one wins.
        """
        with self._lock:
            task = self._tasks.get(conversion_task_id)
            if task is None:
                return None
            if task.state != ACTIVE:
                return task, False
            task = replace(task, state=CANCELLING)
            self._tasks[conversion_task_id] = task
            return task, True

    def __len__(self) -> int:
        with self._lock:
            return len(self._tasks)
