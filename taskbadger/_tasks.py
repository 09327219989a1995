"""Tasks: the :class:`Task` object and the functions behind it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, urlsplit

from taskbadger import _delivery, _http
from taskbadger._exceptions import ConfigurationError, TaskbadgerException
from taskbadger._models import StatusEnum, parse_datetime
from taskbadger._scope import active_scope
from taskbadger._settings import BeforeCreate, Settings, get_settings

__all__ = [
    "DefaultMergeStrategy",
    "Task",
    "TaskPage",
    "create_task",
    "get_task",
    "iter_tasks",
    "list_tasks",
    "queue_create_task",
    "update_task",
]

MONITOR_HEADER = "X-TASKBADGER-MONITOR"

# Set while a tracked function runs, so tasks created inside it nest under it.
# It holds the Task itself while its creation is queued and its id unknown.
current_parent: ContextVar[str | Task | None] = ContextVar(
    "taskbadger_current_parent", default=None
)

# How long asking a queued task for its id may wait for its creation: a request
# and its retries, on a slow API.
CREATION_WAIT_TIMEOUT = 30.0

# Fields that Task.update merges into the values the task holds.
_MERGED_FIELDS = frozenset({"data", "tags"})

logger = logging.getLogger(__name__)


def _wire_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Update fields as the API takes them."""
    wire = {key: _jsonable(value) for key, value in fields.items()}
    if "actions" in wire:
        wire["actions"] = _encode_actions(wire["actions"])
    return wire


def _encode_actions(actions: Sequence[Any] | None) -> list[dict[str, Any]] | None:
    if actions is None:
        return None
    encoded = []
    for action in actions:
        to_dict = getattr(action, "to_dict", None)
        encoded.append(to_dict() if callable(to_dict) else dict(action))
    return encoded


def _status_value(status: StatusEnum | str) -> str:
    try:
        return StatusEnum(status).value
    except ValueError:
        known = ", ".join(member.value for member in StatusEnum)
        raise ValueError(f"Unknown status {status!r}: use one of {known}.") from None


def _jsonable(value: Any) -> Any:
    """Datetimes as ISO 8601 text, so callers may pass them for time fields."""
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _task_path(settings: Settings, task_id: str) -> str:
    if not task_id or not isinstance(task_id, str):
        raise ValueError("A task id is required.")
    return f"{settings.tasks_path}{quote(task_id, safe='')}/"


def create_task(
    name: str,
    status: StatusEnum | str = StatusEnum.PENDING,
    value: int | None = None,
    value_max: int | None = None,
    data: Mapping[str, Any] | None = None,
    max_runtime: int | None = None,
    stale_timeout: int | None = None,
    actions: Sequence[Any] | None = None,
    monitor_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    queue: str | None = None,
    external_id: str | None = None,
    parent: str | None = None,
) -> Task:
    """Creates a task.

    Global tags from :func:`taskbadger.init` and the data and tags of the current
    scope are merged in; the values given here win.

    Args:
        name: The task's name, 1 to 255 characters.
        status: The initial status.
        value: The current progress value.
        value_max: The value at which the task is complete (100 by default).
        data: Custom data.
        max_runtime: Seconds the task may run before it counts as failed.
        stale_timeout: Seconds between updates before the task counts as stale.
        actions: Actions to attach (deprecated by the service).
        monitor_id: The monitor the task belongs to.
        tags: Tags, namespace to value.
        queue: The queue the task came from.
        external_id: The task's identifier in the system that runs it.
        parent: The id of the parent task.

    Returns:
        The created task.

    Raises:
        TaskbadgerException: The task could not be created.
    """
    body, headers = _create_request(
        name,
        status=status,
        value=value,
        value_max=value_max,
        data=data,
        max_runtime=max_runtime,
        stale_timeout=stale_timeout,
        actions=actions,
        monitor_id=monitor_id,
        tags=tags,
        queue=queue,
        external_id=external_id,
        parent=parent,
    )
    settings = get_settings()
    payload = _http.request("POST", settings.tasks_path, json=body, headers=headers)
    return Task(payload)


def queue_create_task(name: str, **fields: Any) -> Task:
    """Queues the creation of a task in background mode, and returns at once.

    The returned task takes updates straight away; they merge into the queued
    creation until it is sent. Its ``id`` waits for the creation to be sent.
    Takes the arguments of :func:`create_task`.

    Raises:
        ConfigurationError: Background mode is off.
        TaskbadgerException: The queue is full, or a ``before_create`` hook
            failed.
    """
    settings = get_settings()
    if not settings.background:
        raise ConfigurationError(
            "Creating a task in the background needs background mode: "
            "call taskbadger.init(background=True)."
        )
    body, headers = _create_request(name, **fields)
    wire = _wire_fields(body)
    creation = _delivery.enqueue_create(settings, wire, headers)
    if creation is None:
        raise TaskbadgerException(f"The update queue is full; task {name!r} dropped")
    return Task(wire, creation=creation)


def _create_request(
    name: str,
    status: StatusEnum | str = StatusEnum.PENDING,
    value: int | None = None,
    value_max: int | None = None,
    data: Mapping[str, Any] | None = None,
    max_runtime: int | None = None,
    stale_timeout: int | None = None,
    actions: Sequence[Any] | None = None,
    monitor_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    queue: str | None = None,
    external_id: str | None = None,
    parent: str | None = None,
    **extra: Any,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body and headers that create a task, with scope, tags and hook applied."""
    settings = get_settings()
    scope = active_scope()
    body: dict[str, Any] = {"name": name, "status": _status_value(status)}
    merged_data = {**scope.data, **(data or {})}
    if merged_data or data is not None:
        body["data"] = merged_data
    merged_tags = {**settings.tags, **scope.tags, **(tags or {})}
    if merged_tags:
        body["tags"] = merged_tags
    optional = {
        "value": value,
        "value_max": value_max,
        "max_runtime": max_runtime,
        "stale_timeout": stale_timeout,
        "actions": _encode_actions(actions),
        "queue": queue,
        "external_id": external_id,
        "parent": parent or current_parent_id(),
        **extra,
    }
    body.update({key: val for key, val in optional.items() if val is not None})

    if settings.before_create is not None:
        body = _run_before_create(settings.before_create, body)

    headers = {MONITOR_HEADER: monitor_id} if monitor_id else {}
    return body, headers


def current_parent_id() -> str | None:
    """The id of the task to nest under, waiting for it if it is being created."""
    parent = current_parent.get()
    if isinstance(parent, Task):
        try:
            return parent.id
        except TaskbadgerException as exc:
            logger.warning("Not nesting under a task that was not created: %s", exc)
            return None
    return parent


def _run_before_create(hook: BeforeCreate, body: dict[str, Any]) -> dict[str, Any]:
    edited = hook(body)
    if not isinstance(edited, dict):
        raise ConfigurationError(
            f"The before_create hook returned {type(edited).__name__}: it must "
            "return the task dict it was given, edited or not."
        )
    return edited


def get_task(task_id: str) -> Task:
    """Fetches a task by its id.

    Raises:
        NotFoundError: No task has this id.
        TaskbadgerException: The task could not be fetched.
    """
    settings = get_settings()
    return Task(_http.request("GET", _task_path(settings, task_id)))


def update_task(
    task_id: str,
    name: str | None = None,
    status: StatusEnum | str | None = None,
    value: int | None = None,
    value_max: int | None = None,
    data: Mapping[str, Any] | None = None,
    max_runtime: int | None = None,
    stale_timeout: int | None = None,
    actions: Sequence[Any] | None = None,
    tags: Mapping[str, str] | None = None,
    **extra: Any,
) -> Task:
    """Updates the given fields of a task; fields left as None are not sent.

    This call is synchronous even in background mode, since it returns the task
    as the API has it; only the :class:`Task` methods queue their updates.

    Args:
        task_id: The task to update.
        name: A new name.
        status: A new status.
        value: A new progress value.
        value_max: A new maximum value.
        data: Replaces the task's data.
        max_runtime: Seconds the task may run before it counts as failed.
        stale_timeout: Seconds between updates before the task counts as stale.
        actions: Actions to attach (deprecated by the service).
        tags: Tags to set.
        **extra: Other writable fields, such as ``end_time``, sent as given.

    Returns:
        The task as the API now has it.
    """
    settings = get_settings()
    given = {
        "name": name,
        "status": _status_value(status) if status is not None else None,
        "value": value,
        "value_max": value_max,
        "data": dict(data) if data is not None else None,
        "max_runtime": max_runtime,
        "stale_timeout": stale_timeout,
        "actions": _encode_actions(actions),
        "tags": dict(tags) if tags is not None else None,
    }
    body = {key: val for key, val in given.items() if val is not None}
    body.update({key: _jsonable(val) for key, val in extra.items()})
    path = _task_path(settings, task_id)
    return Task(_http.request("PATCH", path, json=body))


def cancel_task(task_id: str) -> None:
    """Cancels a task."""
    settings = get_settings()
    _http.request("DELETE", _task_path(settings, task_id))


@dataclass
class TaskPage:
    """One page of a task listing; iterating it yields its tasks."""

    results: list[Task]
    next_: str | None = None
    previous: str | None = None
    _params: dict[str, str] = field(default_factory=dict, repr=False)

    def __iter__(self) -> Iterator[Task]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the next page, or None on the last page."""
        return _cursor_of(self.next_)

    @property
    def previous_cursor(self) -> str | None:
        """The cursor of the previous page, or None on the first page."""
        return _cursor_of(self.previous)

    def next_page(self) -> TaskPage | None:
        """Fetches the next page, or returns None on the last page."""
        cursor = self.next_cursor
        if cursor is None:
            return None
        return _list_page({**self._params, "cursor": cursor})


def _cursor_of(url: str | None) -> str | None:
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("cursor")
    return values[0] if values else None


def list_tasks(
    page_size: int | None = None, cursor: str | None = None, parent: str | None = None
) -> TaskPage:
    """Lists tasks, newest first, one page at a time.

    Args:
        page_size: How many tasks a page holds.
        cursor: Where to start: a page's ``next_cursor``.
        parent: Only the children of this task.
    """
    params = {}
    if page_size is not None:
        params["page_size"] = str(page_size)
    if parent is not None:
        params["parent"] = parent
    if cursor is not None:
        return _list_page({**params, "cursor": cursor})
    return _list_page(params)


def _list_page(params: dict[str, str]) -> TaskPage:
    settings = get_settings()
    body = _http.request("GET", settings.tasks_path, params=params) or {}
    base_params = {key: val for key, val in params.items() if key != "cursor"}
    return TaskPage(
        results=[Task(item) for item in body.get("results", [])],
        next_=body.get("next"),
        previous=body.get("previous"),
        _params=base_params,
    )


def iter_tasks(
    page_size: int | None = None, parent: str | None = None
) -> Iterator[Task]:
    """Yields every task, fetching pages lazily as the iteration reaches them."""
    page: TaskPage | None = list_tasks(page_size=page_size, parent=parent)
    while page is not None:
        yield from page
        page = page.next_page()


class MergeStrategy(Protocol):
    """How :meth:`Task.update` combines new data with the task's data."""

    def merge(
        self, existing: Mapping[str, Any] | None, new: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Returns the data to send."""
        ...


class DefaultMergeStrategy:
    """Merges new data into a task's existing data, key by key.

    Keys named in ``append_keys`` collect their values in a list instead of
    replacing them.
    """

    def __init__(self, append_keys: Sequence[str] = ()) -> None:
        self.append_keys = tuple(append_keys)

    def merge(
        self, existing: Mapping[str, Any] | None, new: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Returns the merged data."""
        merged = dict(existing or {})
        for key, value in new.items():
            if key in self.append_keys:
                current = merged.get(key)
                values = list(current) if isinstance(current, list) else []
                if current is not None and not isinstance(current, list):
                    values.append(current)
                values.extend(value if isinstance(value, list) else [value])
                merged[key] = values
            else:
                merged[key] = value
        return merged


class Task:
    """A task, as last seen from the API, with methods to update it."""

    def __init__(
        self,
        payload: Mapping[str, Any],
        creation: _delivery.PendingCreation | None = None,
    ) -> None:
        self._payload: dict[str, Any] = dict(payload)
        # Set while the task's creation waits in the background queue.
        self._creation = creation
        # Fields this object has not seen, so updates must extend, not replace.
        self._unseen: frozenset[str] = frozenset()
        # When this object last sent an update, and which value: the state that
        # rate-limited updates are measured against.
        self._last_sent: float | None = None
        self._last_sent_value: int | None = None

    @classmethod
    def _unfetched(cls, task_id: str) -> Task:
        """A task known only by its id, for background updates.

        Its ``data`` and ``tags`` updates are merged into the API's values when
        they are sent, since this object does not know them.
        """
        task = cls({"id": task_id})
        task._unseen = _MERGED_FIELDS
        return task

    def __repr__(self) -> str:
        task_id = self._payload.get("id", "(being created)")
        return (
            f"<Task id={task_id!r} name={self.name!r} status={self._status_text()!r}>"
        )

    def _status_text(self) -> str:
        return str(self._payload.get("status", ""))

    # Creating and fetching.

    @classmethod
    def create(
        cls,
        name: str,
        status: StatusEnum | str = StatusEnum.PENDING,
        value: int | None = None,
        value_max: int | None = None,
        data: Mapping[str, Any] | None = None,
        max_runtime: int | None = None,
        stale_timeout: int | None = None,
        actions: Sequence[Any] | None = None,
        monitor_id: str | None = None,
        tags: Mapping[str, str] | None = None,
        queue: str | None = None,
        external_id: str | None = None,
        parent: str | None = None,
    ) -> Task:
        """Creates a task; see :func:`taskbadger.create_task` for the arguments.

        Example:
            >>> task = Task.create("nightly-backup", data={"host": "db1"})
        """
        return create_task(
            name,
            status=status,
            value=value,
            value_max=value_max,
            data=data,
            max_runtime=max_runtime,
            stale_timeout=stale_timeout,
            actions=actions,
            monitor_id=monitor_id,
            tags=tags,
            queue=queue,
            external_id=external_id,
            parent=parent,
        )

    @classmethod
    def get(cls, task_id: str) -> Task:
        """Fetches a task by its id."""
        return get_task(task_id)

    def refresh(self) -> None:
        """Reloads the task's fields from the API."""
        self._payload = get_task(self.id)._payload

    # Fields.

    @property
    def id(self) -> str:
        """The task's id.

        For a task whose creation is queued, this waits until it is sent.

        Raises:
            TaskbadgerException: A queued creation failed or took too long.
        """
        if "id" not in self._payload and self._creation is not None:
            self._payload["id"] = self._creation.wait(CREATION_WAIT_TIMEOUT)
        return str(self._payload["id"])

    @property
    def name(self) -> str:
        """The task's name."""
        return str(self._payload.get("name", ""))

    @property
    def status(self) -> StatusEnum:
        """The task's status."""
        return StatusEnum(self._payload.get("status", StatusEnum.PENDING))

    @property
    def value(self) -> int | None:
        """The current progress value."""
        value = self._payload.get("value")
        return int(value) if value is not None else None

    @property
    def value_max(self) -> int | None:
        """The value at which the task is complete."""
        value_max = self._payload.get("value_max")
        return int(value_max) if value_max is not None else None

    @property
    def value_percent(self) -> int | None:
        """Progress as a percentage, computed by the API."""
        percent = self._payload.get("value_percent")
        return int(percent) if percent is not None else None

    @property
    def data(self) -> Any:
        """The task's custom data."""
        return self._payload.get("data")

    @property
    def tags(self) -> dict[str, str]:
        """The task's tags."""
        return dict(self._payload.get("tags") or {})

    @property
    def organization(self) -> str | None:
        """The organization the task belongs to."""
        return self._payload.get("organization")

    @property
    def project(self) -> str | None:
        """The project the task belongs to."""
        return self._payload.get("project")

    @property
    def max_runtime(self) -> int | None:
        """Seconds the task may run before it counts as failed."""
        return self._payload.get("max_runtime")

    @property
    def stale_timeout(self) -> int | None:
        """Seconds between updates before the task counts as stale."""
        return self._payload.get("stale_timeout")

    @property
    def queue(self) -> str | None:
        """The queue the task came from."""
        return self._payload.get("queue")

    @property
    def external_id(self) -> str | None:
        """The task's identifier in the system that runs it."""
        return self._payload.get("external_id")

    @property
    def parent(self) -> str | None:
        """The id of the parent task."""
        return self._payload.get("parent")

    @property
    def url(self) -> str | None:
        """The task's page in the Task Badger app."""
        return self._payload.get("url")

    @property
    def public_url(self) -> str | None:
        """The task's public page."""
        return self._payload.get("public_url")

    @property
    def created(self) -> datetime | None:
        """When the task was created."""
        return parse_datetime(self._payload.get("created"))

    @property
    def updated(self) -> datetime | None:
        """When the task was last changed."""
        return parse_datetime(self._payload.get("updated"))

    @property
    def start_time(self) -> datetime | None:
        """When the task started running."""
        return parse_datetime(self._payload.get("start_time"))

    @property
    def end_time(self) -> datetime | None:
        """When the task finished."""
        return parse_datetime(self._payload.get("end_time"))

    def to_dict(self) -> dict[str, Any]:
        """The task as the API last returned it."""
        return dict(self._payload)

    # Status shortcuts.

    def pre_processing(self) -> None:
        """Sets the status to ``pre_processing``."""
        self.update_status(StatusEnum.PRE_PROCESSING)

    def starting(self) -> None:
        """Sets the status to ``processing`` with the value at 0."""
        self.update(status=StatusEnum.PROCESSING, value=0)

    def processing(self, value: int | None = None) -> None:
        """Sets the status to ``processing``."""
        self.update(status=StatusEnum.PROCESSING, value=value)

    def post_processing(self, value: int | None = None) -> None:
        """Sets the status to ``post_processing``."""
        self.update(status=StatusEnum.POST_PROCESSING, value=value)

    def success(self, value: int | None = None) -> None:
        """Sets the status to ``success``."""
        self.update(status=StatusEnum.SUCCESS, value=value)

    def error(
        self, value: int | None = None, data: Mapping[str, Any] | None = None
    ) -> None:
        """Sets the status to ``error``, merging ``data`` into the task's data."""
        self.update(status=StatusEnum.ERROR, value=value, data=data)

    def canceled(self) -> None:
        """Sets the status to ``cancelled``."""
        self.update_status(StatusEnum.CANCELLED)

    cancelled = canceled

    def update_status(self, status: StatusEnum | str) -> None:
        """Sets the status."""
        self.update(status=status)

    # Progress.

    def increment_value(self, amount: int) -> None:
        """Adds ``amount`` to the current value."""
        self.update(value=(self.value or 0) + amount)

    def update_value(
        self,
        value: int,
        value_step: int | None = None,
        rate_limit: float | None = None,
    ) -> bool:
        """Sets the value, skipping updates that would come too often.

        With neither limit the update is always sent. With one or both, it is
        sent as soon as one of them allows it, so a big jump in value is not
        held back by the time limit.

        Args:
            value: The new value.
            value_step: Send when the value moved at least this much since the
                last value sent.
            rate_limit: Send when at least this many seconds passed since the
                last update sent.

        Returns:
            Whether the update was sent.

        Example:
            >>> for done in range(total):
            ...     task.update_value(done, value_step=10, rate_limit=5)
        """
        if value_step is None and rate_limit is None:
            due = True
        else:
            due = self._time_due(rate_limit) or self._step_due(value, value_step)
        if due:
            self.update(value=value)
        return due

    def set_value_max(self, value_max: int) -> None:
        """Sets the value at which the task is complete."""
        self.update(value_max=value_max)

    def tag(self, tags: Mapping[str, str]) -> None:
        """Adds tags to the task, keeping the ones it has."""
        self.update(tags=tags)

    add_tag = tag

    def ping(self, rate_limit: float | None = None) -> bool:
        """Tells the API the task is alive, without changing it.

        Args:
            rate_limit: Skip the ping when an update was sent less than this
                many seconds ago.

        Returns:
            Whether the ping was sent.
        """
        if rate_limit is not None and not self._time_due(rate_limit):
            return False
        self.update()
        return True

    def _time_due(self, rate_limit: float | None) -> bool:
        if rate_limit is None:
            return False
        if self._last_sent is None:
            return True
        return time.monotonic() - self._last_sent >= rate_limit

    def _step_due(self, value: int, value_step: int | None) -> bool:
        if value_step is None:
            return False
        last = self._last_sent_value
        if last is None:
            last = self.value
        return last is None or abs(value - last) >= value_step

    # Updating.

    def update(
        self,
        name: str | None = None,
        status: StatusEnum | str | None = None,
        value: int | None = None,
        value_max: int | None = None,
        data: Mapping[str, Any] | None = None,
        max_runtime: int | None = None,
        stale_timeout: int | None = None,
        actions: Sequence[Any] | None = None,
        tags: Mapping[str, str] | None = None,
        data_merge_strategy: MergeStrategy | None = None,
    ) -> None:
        """Updates the given fields; ``data`` is merged into the existing data.

        Args:
            name: A new name.
            status: A new status.
            value: A new progress value.
            value_max: A new maximum value.
            data: Data to merge into the task's data.
            max_runtime: Seconds the task may run before it counts as failed.
            stale_timeout: Seconds between updates before the task counts as stale.
            actions: Actions to attach (deprecated by the service).
            tags: Tags to add.
            data_merge_strategy: How to merge ``data``; key by key by default.

        Example:
            >>> task.update(value=50, data={"rows": 1200})
            >>> task.update(
            ...     data={"log": "step 2"},
            ...     data_merge_strategy=DefaultMergeStrategy(append_keys=["log"]),
            ... )
        """
        self._record(
            {
                "name": name,
                "status": status,
                "value": value,
                "value_max": value_max,
                "data": data,
                "max_runtime": max_runtime,
                "stale_timeout": stale_timeout,
                "actions": actions,
                "tags": tags,
            },
            data_merge_strategy,
        )

    def _record(
        self,
        fields: dict[str, Any],
        data_merge_strategy: MergeStrategy | None = None,
    ) -> None:
        """Sends the fields that are set, ``data`` and ``tags`` merged in.

        :meth:`update` calls this; the Celery integration also sends fields it
        does not take, such as ``start_time`` and ``end_time``.
        """
        data, tags = fields.get("data"), fields.get("tags")
        if data is not None:
            strategy = data_merge_strategy or DefaultMergeStrategy()
            existing = self.data if isinstance(self.data, Mapping) else None
            fields["data"] = strategy.merge(existing, data)
        if tags is not None:
            fields["tags"] = {**self.tags, **tags}
        if fields.get("status") is not None:
            fields["status"] = _status_value(fields["status"])
        self._send_update({key: val for key, val in fields.items() if val is not None})

    def _send_update(self, fields: dict[str, Any]) -> None:
        self._last_sent = time.monotonic()
        if "value" in fields:
            self._last_sent_value = fields["value"]
        settings = get_settings()
        if settings.background:
            extend = self._unseen & fields.keys()
            _delivery.enqueue(settings, self._queue_key(), _wire_fields(fields), extend)
            self._apply_locally(fields)
            return
        updated = update_task(self.id, **fields)
        self._payload = updated._payload
        self._unseen = frozenset()

    def _queue_key(self) -> str | _delivery.PendingCreation:
        """The queued creation while there is one, else the id; never waits.

        A task with a queued creation is always queued by it, even once its id
        is known, so that its updates wait in one place and keep their order.
        """
        if self._creation is not None:
            return self._creation
        return self.id

    def _describe(self) -> str:
        """The id when known, else the name; never waits for a creation."""
        task_id = self._payload.get("id")
        if task_id is None and self._creation is not None:
            task_id = self._creation.task_id
        if task_id is not None:
            return str(task_id)
        return f"{self.name!r} (not created yet)"

    def _apply_locally(self, fields: dict[str, Any]) -> None:
        """Shows an update that is still on its way to the API."""
        payload = {**self._payload}
        payload.update({k: v for k, v in fields.items() if k != "actions"})
        value, value_max = payload.get("value"), payload.get("value_max")
        if value is not None and isinstance(value_max, int):
            # The service's own rule: value as a percentage of value_max, at most
            # 100, and 100 when value_max is 0.
            payload["value_percent"] = (
                min(100, value * 100 // value_max) if value_max else 100
            )
        self._payload = payload

    def safe_update(self, **fields: Any) -> bool:
        """Like :meth:`update`, but logs failures instead of raising them.

        Returns:
            Whether the update succeeded.
        """
        try:
            self.update(**fields)
        except Exception as exc:
            logger.warning("Could not update task %s: %s", self._describe(), exc)
            return False
        return True
