"""Turning option values into task fields, rejecting bad input before any request."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from taskbadger_cli.errors import UsageError

MAX_NAME_LENGTH = 255
TAG_VALUE_LENGTHS = range(2, 256)
"""Lengths the API accepts for a tag value."""
ENV_TASK_ID = "TASKBADGER_TASK_ID"


def task_name(name: str) -> str:
    """Checks a task name's length.

    Raises:
        UsageError: The name is empty or over 255 characters.
    """
    if not name:
        raise UsageError("The task name is empty. Give a NAME of 1 to 255 characters.")
    if len(name) > MAX_NAME_LENGTH:
        raise UsageError(
            f"The task name must be 1 to {MAX_NAME_LENGTH} characters; this one "
            f"has {len(name)}. Give a shorter NAME."
        )
    return name


def task_id(given: str | None) -> str:
    """The task id given, else ``$TASKBADGER_TASK_ID``.

    Raises:
        UsageError: Neither is set.
    """
    chosen = given or os.environ.get(ENV_TASK_ID)
    if not chosen:
        raise UsageError(
            f"No task id given: pass TASK_ID or set {ENV_TASK_ID}, e.g. "
            f"export {ENV_TASK_ID}=$(taskbadger create my-job -q)."
        )
    return chosen


def pairs(option: str, items: Sequence[str] | None) -> dict[str, str] | None:
    """Reads repeated ``key=value`` option values; None when none were given.

    Raises:
        UsageError: An item has no ``=`` or an empty key.
    """
    if not items:
        return None
    parsed: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"{option} {item!r} is not key=value. Write it as, for example, "
                f"{option} environment=production."
            )
        parsed[key.strip()] = value
    return parsed


def tags(items: Sequence[str] | None) -> dict[str, str] | None:
    """Reads repeated ``--tag namespace=value`` options; None when none were given.

    Raises:
        UsageError: An item is not ``key=value``, or a value is too short or long.
    """
    parsed = pairs("--tag", items)
    for key, value in (parsed or {}).items():
        if len(value) not in TAG_VALUE_LENGTHS:
            raise UsageError(
                f"--tag {key}: the value must be 2 to 255 characters, not {value!r}."
            )
    return parsed


def json_object(option: str, text: str | None) -> dict[str, Any] | None:
    """Reads a JSON object given as an option value; None when not given.

    Raises:
        UsageError: The text is not JSON, or not a JSON object.
    """
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{option} is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno}. Quote it for the shell, e.g. {option} '{{\"rows\": 10}}'."
        ) from None
    if not isinstance(value, dict):
        raise UsageError(
            f"{option} must be a JSON object, e.g. {option} '{{\"rows\": 10}}'."
        )
    return value


def task_data(
    data: Sequence[str] | None, data_json: str | None
) -> dict[str, Any] | None:
    """The data given by ``--data-json`` and ``--data`` (which wins per key)."""
    from_json = json_object("--data-json", data_json)
    from_pairs = pairs("--data", data)
    if from_json is None and from_pairs is None:
        return None
    return {**(from_json or {}), **(from_pairs or {})}
