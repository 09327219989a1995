"""Statuses and the parsing of task payloads."""

from __future__ import annotations

import enum
from datetime import UTC, datetime


class StatusEnum(enum.StrEnum):
    """The statuses a task moves through."""

    PENDING = "pending"
    PRE_PROCESSING = "pre_processing"
    PROCESSING = "processing"
    POST_PROCESSING = "post_processing"
    SUCCESS = "success"
    ERROR = "error"
    CANCELLED = "cancelled"
    STALE = "stale"

    @property
    def is_terminal(self) -> bool:
        """Whether a task in this status has finished."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {StatusEnum.SUCCESS, StatusEnum.ERROR, StatusEnum.CANCELLED, StatusEnum.STALE}
)


def parse_datetime(value: object) -> datetime | None:
    """Parses an ISO 8601 timestamp into an aware datetime (UTC when unzoned)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
