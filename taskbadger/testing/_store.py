"""The task store: the server's tasks in memory, optionally kept in a SQLite file.

All methods take one lock, so handler threads never see a half-written task.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
import secrets
import sqlite3
import string
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taskbadger.testing._validation import (
    RUNNING_STATUSES,
    TERMINAL_STATUSES,
    ErrorDetail,
    FieldError,
    format_timestamp,
    parse_timestamp,
)

ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 26
# Keys kept with a stored task that the API never sends back.
PRIVATE_KEYS = ("actions", "monitor_id")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization TEXT NOT NULL,
    project TEXT NOT NULL,
    record TEXT NOT NULL
)
"""


class InvalidCursor(Exception):
    """A list cursor that this store did not hand out."""


@dataclass(frozen=True)
class Page:
    """One page of a task listing; cursors are ``None`` at either end."""

    results: list[dict[str, Any]]
    next_cursor: str | None
    previous_cursor: str | None


def new_task_id() -> str:
    """A random 26-character base62 id, like the hosted service's."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def public_view(task: dict[str, Any]) -> dict[str, Any]:
    """The API representation of a stored task."""
    return {k: copy.deepcopy(v) for k, v in task.items() if k not in PRIVATE_KEYS}


def _encode_cursor(position: int, forward: bool) -> str:
    raw = f"p={position}&d={'n' if forward else 'p'}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> tuple[int, bool]:
    """The position and direction of a cursor; ``forward`` means older tasks."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
        fields = dict(part.split("=", 1) for part in raw.split("&"))
        position, direction = int(fields["p"]), fields["d"]
    except (ValueError, KeyError, UnicodeError, binascii.Error):
        raise InvalidCursor(cursor) from None
    if direction not in ("n", "p") or position < 0:
        raise InvalidCursor(cursor)
    return position, direction == "n"


def _value_percent(value: int | None, value_max: int) -> int | None:
    # A maximum of zero is reached by any value, so it reads as complete.
    if value is None:
        return None
    if value_max == 0:
        return 100
    return min(100, value * 100 // value_max)


def _duration_string(seconds: float) -> str:
    """A duration as the hosted API writes it: ``[-][D ]HH:MM:SS.ffffff``."""
    sign = "-" if seconds < 0 else ""
    micros = round(abs(seconds) * 1_000_000)
    days, micros = divmod(micros, 86_400_000_000)
    hours, micros = divmod(micros, 3_600_000_000)
    minutes, micros = divmod(micros, 60_000_000)
    secs, micros = divmod(micros, 1_000_000)
    prefix = f"{days} " if days else ""
    return f"{sign}{prefix}{hours:02d}:{minutes:02d}:{secs:02d}.{micros:06d}"


class TaskStore:
    """Tasks of one organization and project, newest last in ``_order``."""

    def __init__(
        self,
        organization: str,
        project: str,
        data_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.organization = organization
        self.project = project
        self.base_url = ""
        self._lock = threading.Lock()
        self._tasks: dict[str, dict[str, Any]] = {}
        self._order: list[str] = []
        self._db: sqlite3.Connection | None = None
        if data_file is not None:
            self._open(Path(data_file))

    # Persistence.

    def _open(self, path: Path) -> None:
        # Handler threads share the connection; the store lock serialises its use.
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            self._db.execute(_SCHEMA)
        rows = self._db.execute(
            "SELECT record FROM tasks WHERE organization = ? AND project = ?"
            " ORDER BY position",
            (self.organization, self.project),
        )
        for (record,) in rows:
            task = json.loads(record)
            self._tasks[task["id"]] = task
            self._order.append(task["id"])

    def _save(self, task: dict[str, Any]) -> None:
        if self._db is None:
            return
        with self._db:
            self._db.execute(
                "INSERT INTO tasks (id, organization, project, record)"
                " VALUES (?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET record = excluded.record",
                (task["id"], self.organization, self.project, json.dumps(task)),
            )

    def close(self) -> None:
        """Close the SQLite file, if any."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def set_base_url(self, base_url: str) -> None:
        """Point every task's ``url`` and ``public_url`` at this server address."""
        with self._lock:
            self.base_url = base_url
            for task in self._tasks.values():
                self._set_links(task)

    def _set_links(self, task: dict[str, Any]) -> None:
        task["url"] = f"{self.base_url}/a/{self.organization}/tasks/{task['id']}/"
        task["public_url"] = f"{self.base_url}/public/tasks/{task['id']}/"

    # Reading.

    def all(self) -> list[dict[str, Any]]:
        """Copies of every stored task, oldest first."""
        with self._lock:
            return [copy.deepcopy(self._tasks[i]) for i in self._order]

    def get(self, task_id: str) -> dict[str, Any]:
        """A copy of one stored task; ``KeyError`` when unknown."""
        with self._lock:
            return copy.deepcopy(self._tasks[task_id])

    def last(self, name: str | None = None) -> dict[str, Any] | None:
        """The newest task, or the newest with this name."""
        with self._lock:
            for task_id in reversed(self._order):
                task = self._tasks[task_id]
                if name is None or task["name"] == name:
                    return copy.deepcopy(task)
        return None

    def page(self, *, page_size: int, cursor: str | None, parent: str | None) -> Page:
        """One page of tasks, newest first, optionally only children of ``parent``.

        Raises:
            InvalidCursor: when ``cursor`` was not produced by this store.
        """
        position, forward = _decode_cursor(cursor) if cursor else (None, True)
        with self._lock:
            positions = [
                index
                for index, task_id in enumerate(self._order)
                if parent is None or self._tasks[task_id].get("parent") == parent
            ]
            newest_first = positions[::-1]
            if position is None:
                chosen = newest_first[:page_size]
            elif forward:
                chosen = [p for p in newest_first if p < position][:page_size]
            else:
                chosen = [p for p in positions if p > position][:page_size][::-1]
            results = [public_view(self._tasks[self._order[p]]) for p in chosen]
        if not chosen:
            return Page(results, None, None)
        has_older = any(p < chosen[-1] for p in positions)
        has_newer = any(p > chosen[0] for p in positions)
        return Page(
            results,
            _encode_cursor(chosen[-1], forward=True) if has_older else None,
            _encode_cursor(chosen[0], forward=False) if has_newer else None,
        )

    # Writing.

    def clear(self) -> None:
        """Forget every task, in memory and in the SQLite file."""
        with self._lock:
            self._tasks.clear()
            self._order.clear()
            if self._db is not None:
                with self._db:
                    self._db.execute(
                        "DELETE FROM tasks WHERE organization = ? AND project = ?",
                        (self.organization, self.project),
                    )

    def create(self, fields: dict[str, Any], monitor_id: str | None) -> dict[str, Any]:
        """Store a new task from validated fields; returns a copy.

        Raises:
            FieldError: when ``parent`` is not an acceptable parent.
        """
        now = format_timestamp(datetime.now(UTC))
        task: dict[str, Any] = {
            "id": new_task_id(),
            "organization": self.organization,
            "project": self.project,
            "name": "",
            "queue": "",
            "external_id": "",
            "status": "pending",
            "value": None,
            "value_max": 100,
            "value_percent": None,
            "data": {},
            "created": now,
            "updated": now,
            "start_time": None,
            "end_time": None,
            "time_to_start": None,
            "max_runtime": None,
            "stale_timeout": None,
            "url": "",
            "public_url": "",
            "tags": {},
            "parent": None,
        }
        with self._lock:
            self._check_parent(task, fields)
            self._apply(task, fields, old_status=None, now=now)
            if monitor_id is not None:
                task["monitor_id"] = monitor_id
            self._set_links(task)
            self._tasks[task["id"]] = task
            self._order.append(task["id"])
            self._save(task)
            return copy.deepcopy(task)

    def update(self, task_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply validated fields to a task; returns a copy.

        Raises:
            KeyError: when the task is unknown.
            FieldError: when ``parent`` is not an acceptable parent.
        """
        now = format_timestamp(datetime.now(UTC))
        with self._lock:
            task = self._tasks[task_id]
            self._check_parent(task, fields)
            self._apply(task, fields, old_status=task["status"], now=now)
            self._save(task)
            return copy.deepcopy(task)

    def _check_parent(self, task: dict[str, Any], fields: dict[str, Any]) -> None:
        if "parent" not in fields:
            return
        parent_id = fields["parent"]
        if parent_id == task["parent"]:
            return
        if task["parent"] is not None:
            raise _parent_error("invalid", "The parent of a task cannot be changed.")
        if parent_id is None:
            return
        if not isinstance(parent_id, str):
            raise _parent_error("incorrect_type", "Incorrect type. Expected a task id.")
        parent = self._tasks.get(parent_id)
        if parent is None:
            raise _parent_error(
                "does_not_exist", f'Invalid pk "{parent_id}" - object does not exist.'
            )
        # One level of nesting: the parent must be top-level and this task childless.
        if parent["parent"] is not None or parent_id == task["id"]:
            raise _parent_error("invalid", "Tasks can only be nested one level deep.")
        if any(t.get("parent") == task["id"] for t in self._tasks.values()):
            raise _parent_error(
                "invalid", "A task that has child tasks cannot have a parent."
            )

    def _apply(
        self,
        task: dict[str, Any],
        fields: dict[str, Any],
        *,
        old_status: str | None,
        now: str,
    ) -> None:
        """Write fields, then the timestamps and values derived from them."""
        task.update(fields)
        status = task["status"]
        if status != old_status:
            started = status in RUNNING_STATUSES or status in TERMINAL_STATUSES
            if started and task["start_time"] is None and "start_time" not in fields:
                task["start_time"] = now
            ended = status in TERMINAL_STATUSES
            if ended and task["end_time"] is None and "end_time" not in fields:
                task["end_time"] = now
        task["updated"] = now
        task["value_percent"] = _value_percent(task["value"], task["value_max"])
        task["time_to_start"] = self._time_to_start(task)

    @staticmethod
    def _time_to_start(task: dict[str, Any]) -> str | None:
        if task["start_time"] is None:
            return None
        waited = parse_timestamp(task["start_time"]) - parse_timestamp(task["created"])
        return _duration_string(waited.total_seconds())


def _parent_error(code: str, detail: str) -> FieldError:
    return FieldError(ErrorDetail(code, detail, "parent"))
