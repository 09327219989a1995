"""Validation of task request bodies, with the hosted API's error codes and messages.

Each check returns the cleaned value or raises ``FieldError``; ``validate_task_body``
runs them all and collects one error per bad field, as the hosted service does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

STATUSES = (
    "pending",
    "pre_processing",
    "processing",
    "post_processing",
    "success",
    "error",
    "cancelled",
    "stale",
)
RUNNING_STATUSES = frozenset({"pre_processing", "processing", "post_processing"})
TERMINAL_STATUSES = frozenset({"success", "error", "cancelled", "stale"})

MAX_TEXT_LENGTH = 255
MAX_INTEGRATION_LENGTH = 50
MIN_TAG_VALUE_LENGTH = 2
# Limits of the hosted database columns: 64-bit progress values, 32-bit durations.
MAX_BIGINT = 2**63 - 1
MAX_DURATION = 2**31 - 1

DATETIME_FORMAT_HINT = (
    "Datetime has wrong format. Use one of these formats instead: "
    "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
_MIN_TAG_DETAIL = f"Ensure this field has at least {MIN_TAG_VALUE_LENGTH} characters."
_DATETIME_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of the error envelope."""

    code: str
    detail: str
    attr: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form used in responses."""
        return {"code": self.code, "detail": self.detail, "attr": self.attr}


class FieldError(Exception):
    """A value was rejected; carries one or more error details."""

    def __init__(self, *errors: ErrorDetail) -> None:
        super().__init__(errors[0].detail if errors else "invalid")
        self.errors = list(errors)


def _fail(code: str, detail: str, attr: str | None = None) -> FieldError:
    return FieldError(ErrorDetail(code, detail, attr))


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z`` suffix."""
    utc = moment.astimezone(UTC)
    # strftime's %Y drops leading zeros on some platforms; ISO 8601 needs four digits.
    return f"{utc.year:04d}-{utc.strftime('%m-%dT%H:%M:%S.%f')}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 timestamp written by ``format_timestamp`` or a client."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clean_text(
    value: Any, *, max_length: int = MAX_TEXT_LENGTH, blank: bool = True
) -> str:
    """A string of at most ``max_length`` characters."""
    if value is None:
        raise _fail("null", "This field may not be null.")
    if not isinstance(value, str):
        raise _fail("invalid", "Not a valid string.")
    if not blank and not value.strip():
        raise _fail("blank", "This field may not be blank.")
    if len(value) > max_length:
        raise _fail(
            "max_length",
            f"Ensure this field has no more than {max_length} characters.",
        )
    return value


def clean_name(value: Any) -> str:
    """The task name: 1 to 255 characters."""
    return clean_text(value, blank=False)


def clean_status(value: Any) -> str:
    """One of the status choices."""
    if value is None:
        raise _fail("null", "This field may not be null.")
    if not isinstance(value, str) or value not in STATUSES:
        raise _fail("invalid_choice", f'"{value}" is not a valid choice.')
    return value


def _clean_integer(value: Any, minimum: int, maximum: int) -> int:
    # JSON booleans decode to Python bools, which are ints; the API rejects them.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail("invalid", "A valid integer is required.")
    if value < minimum:
        raise _fail(
            "min_value", f"Ensure this value is greater than or equal to {minimum}."
        )
    if value > maximum:
        raise _fail(
            "max_value", f"Ensure this value is less than or equal to {maximum}."
        )
    return value


def clean_value(value: Any) -> int | None:
    """The progress value: an integer >= 0 or null."""
    return None if value is None else _clean_integer(value, 0, MAX_BIGINT)


def clean_value_max(value: Any) -> int:
    """The progress maximum: an integer >= 0."""
    if value is None:
        raise _fail("null", "This field may not be null.")
    return _clean_integer(value, 0, MAX_BIGINT)


def clean_duration(value: Any) -> int | None:
    """``max_runtime`` and ``stale_timeout``: whole seconds >= 1, or null."""
    return None if value is None else _clean_integer(value, 1, MAX_DURATION)


def clean_timestamp(value: Any) -> str | None:
    """A client-supplied ``start_time`` or ``end_time``, normalised to UTC."""
    if value is None:
        return None
    if not isinstance(value, str) or not _DATETIME_PATTERN.fullmatch(value):
        raise _fail("invalid", DATETIME_FORMAT_HINT)
    try:
        return format_timestamp(parse_timestamp(value))
    except (ValueError, OverflowError):
        raise _fail("invalid", DATETIME_FORMAT_HINT) from None


def clean_data(value: Any) -> Any:
    """Custom data: any JSON value."""
    return value


def clean_tags(value: Any) -> dict[str, str]:
    """Tags: an object of namespace to a value of 2 to 255 characters."""
    if value is None:
        raise _fail("null", "This field may not be null.")
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise _fail(
            "not_a_dict", f'Expected a dictionary of items but got type "{kind}".'
        )
    errors: list[ErrorDetail] = []
    for namespace, tag_value in value.items():
        try:
            clean_text(tag_value)
            if len(tag_value) < MIN_TAG_VALUE_LENGTH:
                raise _fail("min_length", _MIN_TAG_DETAIL)
        except FieldError as exc:
            errors.extend(_nest(exc.errors, namespace))
    if errors:
        raise FieldError(*errors)
    return dict(value)


def clean_actions(value: Any) -> list[dict[str, Any]]:
    """Per-task actions: a list of trigger, integration and config objects."""
    if value is None:
        raise _fail("null", "This field may not be null.")
    if not isinstance(value, list):
        kind = type(value).__name__
        raise _fail("not_a_list", f'Expected a list of items but got type "{kind}".')
    errors: list[ErrorDetail] = []
    actions = []
    for index, action in enumerate(value):
        try:
            actions.append(_clean_action(action))
        except FieldError as exc:
            errors.extend(_nest(exc.errors, str(index)))
    if errors:
        raise FieldError(*errors)
    return actions


def _clean_action(action: Any) -> dict[str, Any]:
    if not isinstance(action, dict):
        kind = type(action).__name__
        raise _fail("invalid", f"Invalid data. Expected a dictionary, but got {kind}.")
    checks: dict[str, Callable[[Any], Any]] = {
        "trigger": lambda v: clean_text(v, blank=False),
        "integration": lambda v: clean_text(
            v, max_length=MAX_INTEGRATION_LENGTH, blank=False
        ),
    }
    cleaned, errors = _run_checks(action, checks, required=("trigger", "integration"))
    config = action.get("config", {})
    if not isinstance(config, dict):
        errors.append(ErrorDetail("invalid", "Config must be an object.", "config"))
    if errors:
        raise FieldError(*errors)
    return {**cleaned, "config": config}


def _nest(errors: list[ErrorDetail], prefix: str) -> list[ErrorDetail]:
    """Errors of a nested value, with ``attr`` relative to ``prefix``."""
    return [
        ErrorDetail(e.code, e.detail, f"{prefix}.{e.attr}" if e.attr else prefix)
        for e in errors
    ]


def _run_checks(
    body: dict[str, Any],
    checks: dict[str, Callable[[Any], Any]],
    required: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[ErrorDetail]]:
    """Clean each known field of ``body``; unknown fields are dropped."""
    cleaned: dict[str, Any] = {}
    errors: list[ErrorDetail] = []
    for field in required:
        if field not in body:
            errors.append(ErrorDetail("required", "This field is required.", field))
    for field, check in checks.items():
        if field not in body:
            continue
        try:
            cleaned[field] = check(body[field])
        except FieldError as exc:
            errors.extend(_nest(exc.errors, field))
    return cleaned, errors


TASK_FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "name": clean_name,
    "status": clean_status,
    "value": clean_value,
    "value_max": clean_value_max,
    "data": clean_data,
    "max_runtime": clean_duration,
    "stale_timeout": clean_duration,
    "start_time": clean_timestamp,
    "end_time": clean_timestamp,
    "tags": clean_tags,
    "queue": clean_text,
    "external_id": clean_text,
    "actions": clean_actions,
}


def validate_task_body(body: Any, *, name_required: bool) -> dict[str, Any]:
    """Clean a create or update body, keeping only writable fields.

    ``parent`` is passed through untouched: it needs the store to be checked.

    Raises:
        FieldError: with one error per rejected field.
    """
    if not isinstance(body, dict):
        kind = "null" if body is None else type(body).__name__
        raise _fail(
            "invalid",
            f"Invalid data. Expected a dictionary, but got {kind}.",
            "non_field_errors",
        )
    required = ("name",) if name_required else ()
    cleaned, errors = _run_checks(body, TASK_FIELD_CHECKS, required)
    if errors:
        raise FieldError(*errors)
    if "parent" in body:
        cleaned["parent"] = body["parent"]
    return cleaned
