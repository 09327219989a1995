"""Celery support: a task base class, and the signal handlers that track tasks.

A tracked Celery task is followed through these events:

- ``before_task_publish``, in the process that publishes it: a Task Badger task
  is created ``pending``, and its id goes into the message headers.
- ``task_prerun``, in the worker: ``processing``. A task whose message has no
  id header (run eagerly, or published by a process without Task Badger) is
  created here instead, already ``processing``.
- ``task_success`` / ``task_failure``: ``success``, or ``error`` with the
  exception in the data.
- Retries: the retried message keeps the id header, so every attempt updates
  the same task, and each attempt's ``task_prerun`` records the retry count.
  Nothing is sent from ``task_retry``: it runs after the retry is published,
  at the same time as the next attempt, whose updates it would overwrite.
- ``task_revoked``: ``cancelled``.

With ``taskbadger.init(background=True)``, nothing in the worker waits for the
API: the ``processing`` update, updates made while a task runs and its final
status are queued and sent from background threads, and each worker process
sends what is left when it shuts down. The worker does not fetch the task, so
data it adds is merged into the task's data as the API has it when sent.

With ``create_on_publish=False`` (an option of the integration and of tasks),
publishing sends nothing and ``task_prerun`` creates the task; in background
mode the creation is queued too, and what the run reports before it is sent
merges into it, so a short task costs one request.

Each handler logs its own failures and never raises, so a task runs and returns
the same whether Task Badger answers, fails or is not configured at all.

Example:
    >>> from celery import Celery
    >>> from taskbadger.celery import Task
    >>> app = Celery()
    >>> @app.task(bind=True, base=Task, taskbadger_value_max=3)
    ... def import_files(self, paths):
    ...     for done, path in enumerate(paths, start=1):
    ...         if self.taskbadger_task is not None:  # None when not tracked
    ...             self.taskbadger_task.safe_update(value=done)
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import celery
from celery import signals
from celery.result import AsyncResult, EagerResult

from taskbadger import StatusEnum, _http, create_task_safe, flush, update_task_safe
from taskbadger import Task as TaskbadgerTask
from taskbadger._settings import get_settings, is_configured
from taskbadger._tasks import current_parent, current_parent_id, queue_create_task
from taskbadger.systems.celery import CelerySystemIntegration

__all__ = [
    "KWARGS_HEADER",
    "TASK_ID_HEADER",
    "TRACK_HEADER",
    "Task",
    "TaskbadgerAsyncResult",
    "TaskbadgerEagerResult",
    "connect_signals",
]

logger = logging.getLogger(__name__)

TASK_ID_HEADER = "taskbadger_task_id"
"""Message header carrying the Task Badger task id from publisher to worker."""

KWARGS_HEADER = "taskbadger_kwargs"
"""Message header with task options, such as ``{"name": ..., "tags": ...}``."""

TRACK_HEADER = "taskbadger_track"
"""Message header that turns tracking on or off for one message."""

OPTION_PREFIX = "taskbadger_"

# Options that become fields of the created task, as they are.
CREATE_OPTIONS = (
    "value_max",
    "monitor_id",
    "tags",
    "max_runtime",
    "stale_timeout",
    "parent",
)

OPTIONS = frozenset(
    {
        *CREATE_OPTIONS,
        "name",
        "data",
        "record_task_args",
        "heartbeat_interval",
        "track",
        "create_on_publish",
    }
)

# A worker process flushes queued updates for at most this long as it stops,
# so a stuck API cannot hold up a shutdown or a restart.
SHUTDOWN_FLUSH_TIMEOUT = 5.0

# A retry waits at most this long for the updates of the attempt it follows, so
# they reach the API before those of the next attempt, maybe in another process.
RETRY_FLUSH_TIMEOUT = 5.0

# A running task is called stale after this many missed heartbeats, so one
# slow API call or a busy process does not make it look dead.
STALE_HEARTBEATS = 3

ARGS_KEY = "celery_task_args"
KWARGS_KEY = "celery_task_kwargs"
ARGS_ERROR_KEY = "celery_task_args_error"
RETRIES_KEY = "celery_retries"


class _ResultMixin:
    """What a Celery result knows about its Task Badger task."""

    taskbadger_task_id: str | None = None

    def get_taskbadger_task(self) -> TaskbadgerTask | None:
        """Fetches the Task Badger task, or returns None when it was not tracked.

        Raises:
            TaskbadgerException: The task could not be fetched.
        """
        if self.taskbadger_task_id is None:
            return None
        return TaskbadgerTask.get(self.taskbadger_task_id)


class TaskbadgerAsyncResult(_ResultMixin, AsyncResult):  # type: ignore[misc]
    """A Celery ``AsyncResult`` with ``taskbadger_task_id``."""


class TaskbadgerEagerResult(_ResultMixin, EagerResult):  # type: ignore[misc]
    """A Celery ``EagerResult`` with ``taskbadger_task_id``."""


class Task(celery.Task):  # type: ignore[misc]
    """A Celery task base class whose tasks are always tracked.

    Options go on the decorator or on ``apply_async`` as ``taskbadger_<option>``
    or in one ``taskbadger_kwargs`` dict: ``name``, ``value_max``, ``data``,
    ``monitor_id``, ``tags``, ``max_runtime``, ``stale_timeout``, ``parent``,
    ``record_task_args``, ``heartbeat_interval``, ``track`` and
    ``create_on_publish`` (see :class:`CelerySystemIntegration`). Options given
    when calling win over the decorator's, which win over the system
    integration's; a ``taskbadger_<option>`` wins over ``taskbadger_kwargs``.

    Example:
        >>> @app.task(bind=True, base=Task, taskbadger_tags={"team": "data"})
        ... def export(self, rows):
        ...     if self.taskbadger_task is not None:  # None when not tracked
        ...         self.taskbadger_task.safe_update(value_max=len(rows))
        >>> result = export.apply_async([rows], taskbadger_name="export-daily")
        >>> result.taskbadger_task_id
    """

    taskbadger_kwargs: Mapping[str, Any] | None = None
    taskbadger_name: str | None = None
    taskbadger_value_max: int | None = None
    taskbadger_data: Mapping[str, Any] | None = None
    taskbadger_monitor_id: str | None = None
    taskbadger_tags: Mapping[str, str] | None = None
    taskbadger_max_runtime: int | None = None
    taskbadger_stale_timeout: int | None = None
    taskbadger_parent: str | None = None
    taskbadger_record_task_args: bool | None = None
    taskbadger_heartbeat_interval: float | None = None
    taskbadger_track: bool | None = None
    taskbadger_create_on_publish: bool | None = None

    def apply_async(
        self,
        args: Any = None,
        kwargs: Any = None,
        task_id: str | None = None,
        producer: Any = None,
        link: Any = None,
        link_error: Any = None,
        shadow: str | None = None,
        **options: Any,
    ) -> Any:
        """Publishes the task like Celery does, taking ``taskbadger_*`` options.

        The returned result has ``taskbadger_task_id`` (None when the task was
        not tracked) and ``get_taskbadger_task()``.
        """
        call_options = _pop_options(options)
        headers = dict(options.pop("headers", None) or {})
        merged = {
            **_task_options(self),
            **_header_options(headers),
            **call_options,
        }
        track = merged.pop("track", None)
        headers[KWARGS_HEADER] = merged
        headers[TRACK_HEADER] = True if track is None else bool(track)

        with _capture_created() as created:
            result = super().apply_async(
                args,
                kwargs,
                task_id,
                producer,
                link,
                link_error,
                shadow,
                headers=headers,
                **options,
            )
        result.taskbadger_task_id = created.get(result.id)
        return result

    def apply(self, *args: Any, **kwargs: Any) -> TaskbadgerEagerResult:
        """Runs the task in this process, like Celery does; see ``apply_async``."""
        # Called by an eager apply_async, the task lands in that call's record.
        outer = _created.get()
        capture = contextlib.nullcontext(outer) if outer is not None else None
        with capture or _capture_created() as created:
            result = super().apply(*args, **kwargs)
        eager = TaskbadgerEagerResult(
            result.id,
            result.result,
            result.state,
            traceback=result.traceback,
            name=self.name,
        )
        eager.taskbadger_task_id = created.get(result.id)
        return eager

    def AsyncResult(self, task_id: str, **kwargs: Any) -> TaskbadgerAsyncResult:
        """The result of a task of this type, by its Celery id."""
        return TaskbadgerAsyncResult(
            task_id,
            backend=self.backend,
            task_name=self.name,
            app=self._get_app(),
            **kwargs,
        )

    @property
    def taskbadger_task(self) -> TaskbadgerTask | None:
        """The Task Badger task of the current run, inside a bound task.

        None when the run is not tracked or the API could not be reached.
        """
        run = _current_run(self.request)
        return run.task if run is not None else None


def _pop_options(options: dict[str, Any]) -> dict[str, Any]:
    """Removes the ``taskbadger_*`` options of an ``apply_async`` call."""
    found = dict(options.pop(KWARGS_HEADER, None) or {})
    for key in list(options):
        if key.startswith(OPTION_PREFIX):
            found[key.removeprefix(OPTION_PREFIX)] = options.pop(key)
    return _known(found, "apply_async")


def _task_options(task: Any) -> dict[str, Any]:
    """The options set on a task's decorator."""
    found = dict(getattr(task, KWARGS_HEADER, None) or {})
    for option in OPTIONS:
        value = getattr(task, OPTION_PREFIX + option, None)
        if value is not None:
            found[option] = value
    return _known(found, f"the decorator of {getattr(task, 'name', task)}")


def _header_options(headers: Mapping[str, Any]) -> dict[str, Any]:
    """The options carried by a message's headers."""
    kwargs = headers.get(KWARGS_HEADER)
    found = dict(kwargs) if isinstance(kwargs, Mapping) else {}
    track = headers.get(TRACK_HEADER)
    if track is not None:
        found["track"] = track
    return _known(found, "the message headers")


def _known(options: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        logger.warning(
            "Ignoring unknown Task Badger options %s in %s; known options are %s",
            ", ".join(unknown),
            where,
            ", ".join(sorted(OPTIONS)),
        )
    return {key: value for key, value in options.items() if key in OPTIONS}


def _integration() -> CelerySystemIntegration | None:
    if not is_configured():
        return None
    for system in get_settings().systems:
        if isinstance(system, CelerySystemIntegration):
            return system
    return None


def _resolve_options(task: Any, headers: Mapping[str, Any]) -> dict[str, Any]:
    """Options for one run: the integration's, then the decorator's, then the call's.

    The call's options travel in the headers, where ``Task.apply_async`` also
    puts the decorator's.
    """
    integration = _integration()
    options = integration.default_options() if integration is not None else {}
    if task is not None:
        options.update(_task_options(task))
    options.update(_header_options(headers))
    return options


def _should_track(task_name: str, options: Mapping[str, Any], base: bool) -> bool:
    track = options.get("track")
    if track is not None:
        return bool(track)
    if base:
        return True
    integration = _integration()
    return integration is not None and integration.tracks(task_name)


def _create_fields(
    options: Mapping[str, Any], args: Any, kwargs: Any
) -> dict[str, Any]:
    fields = {
        key: options[key] for key in CREATE_OPTIONS if options.get(key) is not None
    }
    data = dict(options.get("data") or {})
    if options.get("record_task_args"):
        data.update(_args_data(args, kwargs))
    if data:
        fields["data"] = data
    return fields


def _args_data(args: Any, kwargs: Any) -> dict[str, Any]:
    recorded = {ARGS_KEY: list(args or ()), KWARGS_KEY: dict(kwargs or {})}
    try:
        # Strict JSON, as the API reads it: NaN and Infinity are refused there.
        json.dumps(recorded, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return {ARGS_ERROR_KEY: f"The task arguments are not JSON serializable: {exc}"}
    return recorded


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


# Publishing.

# Set by Task.apply_async while it publishes, so the handler can hand back the
# ids it created: Celery task id -> Task Badger task id.
_created: ContextVar[dict[str, str] | None] = ContextVar(
    "taskbadger_celery_created", default=None
)


@contextlib.contextmanager
def _capture_created() -> Iterator[dict[str, str]]:
    created: dict[str, str] = {}
    token = _created.set(created)
    try:
        yield created
    finally:
        _created.reset(token)


def _remember_created(celery_id: str, task_id: str) -> None:
    created = _created.get()
    if created is not None:
        created[celery_id] = task_id


def _guarded(handler: Callable[..., None]) -> Callable[..., None]:
    """Makes a signal handler log its failures instead of raising them."""

    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            handler(*args, **kwargs)
        except Exception:
            logger.warning(
                "Task Badger could not follow a Celery task (%s)",
                handler.__name__,
                exc_info=True,
            )

    return run


@_guarded
def _on_before_publish(
    sender: str | None = None,
    body: Any = None,
    headers: dict[str, Any] | None = None,
    routing_key: str | None = None,
    declare: Any = None,
    **_: Any,
) -> None:
    if headers is None or not sender:
        return
    celery_id = headers.get("id")
    retried = _active_runs.get(celery_id) if celery_id else None
    if retried is not None:
        _before_retry(retried, headers)
    existing = headers.get(TASK_ID_HEADER)
    if existing:
        # A retry republishes the message with its headers: same task.
        if celery_id:
            _remember_created(celery_id, existing)
        return

    # Task.apply_async puts the decorator's options in the headers; a base-class
    # task published another way (app.send_task, a canvas) has them looked up.
    registered = None if KWARGS_HEADER in headers else _registered_task(sender)
    base = isinstance(registered, Task)
    options = _resolve_options(registered if base else None, headers)
    if not _should_track(sender, options, base=base):
        return
    if not options.get("create_on_publish", True):
        # The worker creates the task; it needs to know where to nest it.
        _set_parent_header(headers, options.get("parent"))
        return
    args, kwargs = _message_arguments(body)
    fields = _create_fields(options, args, kwargs)
    task = create_task_safe(
        options.get("name") or sender,
        status=StatusEnum.PENDING,
        external_id=celery_id,
        queue=_queue_name(declare, routing_key),
        **fields,
    )
    if task is None:
        return
    headers[TASK_ID_HEADER] = task.id
    # Saves the worker from fetching the task to learn where it nests.
    _set_parent_header(headers, task.parent)
    if celery_id:
        _remember_created(celery_id, task.id)


def _registered_task(name: str) -> Any:
    """The task registered under this name in the current app, if any."""
    try:
        return celery.current_app.tasks.get(name)
    except Exception:  # a broken app must not break publishing
        logger.debug("Could not look up task %s", name, exc_info=True)
        return None


def _set_parent_header(headers: dict[str, Any], parent: str | None) -> None:
    """Puts the task's parent, by default the current one, in the options header."""
    parent = parent or current_parent_id()
    if parent is None:
        return
    carried = headers.get(KWARGS_HEADER)
    headers[KWARGS_HEADER] = {
        **(carried if isinstance(carried, Mapping) else {}),
        "parent": parent,
    }


def _before_retry(run: _Run, headers: dict[str, Any]) -> None:
    """Readies the message of a retry of a run of this process."""
    if not _background():
        return
    # The next attempt may run in another process, whose updates must not
    # overtake this attempt's.
    if not flush(RETRY_FLUSH_TIMEOUT):
        logger.warning("Retrying before this attempt's Task Badger updates were sent")
    if run.task is not None and not headers.get(TASK_ID_HEADER):
        with contextlib.suppress(Exception):
            # The id of a task the worker created, now sent, so the next
            # attempt updates the same task.
            headers[TASK_ID_HEADER] = run.task.id


def _message_arguments(body: Any) -> tuple[Any, Any]:
    """The args and kwargs of a message body, in either protocol's layout."""
    if isinstance(body, tuple | list) and len(body) >= 2:
        return body[0], body[1]
    if isinstance(body, Mapping):
        return body.get("args"), body.get("kwargs")
    return (), {}


def _queue_name(declare: Any, routing_key: str | None) -> str | None:
    for queue in declare or ():
        name = getattr(queue, "name", None)
        if name:
            return str(name)
    return routing_key or None


# Running.


@dataclass(eq=False)
class _Run:
    """The Task Badger side of one run of a Celery task, kept on its request."""

    celery_id: str | None
    task_id: str | None
    task: TaskbadgerTask | None
    parent_token: Token[str | TaskbadgerTask | None] | None
    heartbeat: bool


RUN_ATTRIBUTE = "taskbadger_run"

# The runs in progress in this process, by Celery task id, so that a retry
# being published can be matched to the attempt it follows.
_active_runs: dict[str, _Run] = {}


def _background() -> bool:
    return is_configured() and get_settings().background


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _record(task: TaskbadgerTask, fields: dict[str, Any]) -> None:
    """Queues fields of a task in background mode, logging failures."""
    try:
        task._record(fields)
    except Exception as exc:
        logger.warning("Could not update a task: %s", exc)


def _current_run(request: Any) -> _Run | None:
    run = getattr(request, RUN_ATTRIBUTE, None)
    return run if isinstance(run, _Run) else None


def _custom_headers(request: Any) -> dict[str, Any]:
    headers = getattr(request, "headers", None)
    return headers if isinstance(headers, dict) else {}


@_guarded
def _on_prerun(
    task: Any = None, args: Any = None, kwargs: Any = None, **_: Any
) -> None:
    if task is None:
        return
    request = task.request
    headers = _custom_headers(request)
    options = _resolve_options(task, headers)
    task_id = headers.get(TASK_ID_HEADER)
    fields = _processing_fields(options)
    tracked: TaskbadgerTask | None

    if task_id and _background():
        tracked = _queue_processing(task_id, request.retries, fields)
    elif task_id:
        tracked = update_task_safe(task_id, status=StatusEnum.PROCESSING, **fields)
        if tracked is not None and request.retries:
            tracked.safe_update(data={RETRIES_KEY: request.retries})
    elif _should_track(task.name, options, base=isinstance(task, Task)):
        tracked, task_id = _create_running(task, options, args, kwargs, fields)
        if tracked is None:
            return
    else:
        return

    _start_run(task, task_id, tracked, options)


def _queue_processing(
    task_id: str, retries: int, fields: Mapping[str, Any]
) -> TaskbadgerTask:
    """Queues the start of a run of a task created at publish time."""
    tracked = TaskbadgerTask._unfetched(task_id)
    started = {"status": StatusEnum.PROCESSING, **fields}
    if retries:
        started["data"] = {RETRIES_KEY: retries}
    else:
        # The update may be sent a moment later; the task started now.
        started["start_time"] = _now()
    _record(tracked, started)
    return tracked


def _heartbeat_interval(options: Mapping[str, Any]) -> float | None:
    """The heartbeat interval asked for, if it is a positive number of seconds."""
    interval = options.get("heartbeat_interval")
    if interval is None:
        return None
    try:
        seconds = float(interval)
    except (TypeError, ValueError):
        seconds = 0.0
    if not math.isfinite(seconds) or seconds <= 0:
        logger.warning(
            "Ignoring heartbeat_interval %r: it must be a positive number of seconds",
            interval,
        )
        return None
    return seconds


def _processing_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    interval = _heartbeat_interval(options)
    if interval and options.get("stale_timeout") is None:
        fields["stale_timeout"] = max(1, math.ceil(interval * STALE_HEARTBEATS))
    return fields


def _create_running(
    task: Any,
    options: Mapping[str, Any],
    args: Any,
    kwargs: Any,
    fields: Mapping[str, Any],
) -> tuple[TaskbadgerTask | None, str | None]:
    """Creates the task of a run whose message did not bring one.

    Returns:
        The task, and its id unless its creation was queued.
    """
    request = task.request
    delivery_info = getattr(request, "delivery_info", None) or {}
    created_fields = {**_create_fields(options, args, kwargs), **fields}
    name = options.get("name") or task.name
    queue = delivery_info.get("routing_key")
    # An eager run's caller reads result.taskbadger_task_id as soon as the run
    # returns, so its task is created at once.
    if _background() and not getattr(request, "is_eager", False):
        try:
            # Sent with the run's later updates, often as one request; the
            # start time says when it really started.
            queued = queue_create_task(
                name,
                status=StatusEnum.PROCESSING,
                external_id=request.id,
                queue=queue,
                start_time=_now(),
                **created_fields,
            )
        except Exception as exc:
            logger.warning("Could not create task %r: %s", name, exc)
            return None, None
        return queued, None
    tracked = create_task_safe(
        name,
        status=StatusEnum.PROCESSING,
        external_id=request.id,
        queue=queue,
        **created_fields,
    )
    if tracked is None:
        return None, None
    # Retries copy the request's headers into their message, so later attempts
    # find this task instead of creating another.
    if getattr(request, "headers", None) is None:
        request.headers = {}
    request.headers[TASK_ID_HEADER] = tracked.id
    if request.id:
        _remember_created(request.id, tracked.id)
    return tracked, tracked.id


def _start_run(
    task: Any,
    task_id: str | None,
    tracked: TaskbadgerTask | None,
    options: Mapping[str, Any],
) -> None:
    # The API nests one level deep, so tasks published from a child task go
    # under the same top-level task as the child. A task still being created
    # stands for its own id, which children wait for only if there are any.
    parent = (tracked.parent if tracked is not None else None) or options.get("parent")
    token = current_parent.set(parent or task_id or tracked)
    run = _Run(task.request.id, task_id, tracked, token, heartbeat=False)
    interval = _heartbeat_interval(options)
    if interval:
        _heartbeats.add(run, interval, _pinger(run))
        run.heartbeat = True
    if run.celery_id:
        _active_runs[run.celery_id] = run
    setattr(task.request, RUN_ATTRIBUTE, run)


def _pinger(run: _Run) -> Callable[[], object]:
    if run.task_id is not None:
        return functools.partial(update_task_safe, run.task_id)
    tracked = run.task
    assert tracked is not None
    # No id to ping yet: the ping joins the queued creation.
    return functools.partial(_record, tracked, {})


@_guarded
def _on_success(sender: Any = None, **_: Any) -> None:
    run = _current_run(sender.request) if sender is not None else None
    if run is None:
        return
    _stop_heartbeat(run)
    _finish(run, StatusEnum.SUCCESS)


@_guarded
def _on_failure(
    sender: Any = None, exception: BaseException | None = None, **_: Any
) -> None:
    run = _current_run(sender.request) if sender is not None else None
    if run is None:
        return
    _stop_heartbeat(run)
    data = {"exception": _describe(exception)} if exception is not None else None
    _finish(run, StatusEnum.ERROR, data)


def _finish(
    run: _Run, status: StatusEnum, data: Mapping[str, Any] | None = None
) -> None:
    if run.task is not None and _background():
        fields = {"status": status, "data": data, "end_time": _now()}
        _record(run.task, fields)
    elif run.task is not None:
        # The task merges the data into what it already holds, keeping the
        # data given at creation and any the task body added.
        run.task.safe_update(status=status, data=data)
    elif run.task_id is not None:
        update_task_safe(run.task_id, status=status, data=data)


def _stop_heartbeat(run: _Run) -> None:
    if run.heartbeat:
        _heartbeats.remove(run)
        run.heartbeat = False


@_guarded
def _on_postrun(task: Any = None, **_: Any) -> None:
    run = _current_run(task.request) if task is not None else None
    if run is None:
        return
    _stop_heartbeat(run)
    if run.celery_id and _active_runs.get(run.celery_id) is run:
        del _active_runs[run.celery_id]
    if run.parent_token is not None:
        token, run.parent_token = run.parent_token, None
        with contextlib.suppress(ValueError):
            current_parent.reset(token)


@_guarded
def _on_revoked(request: Any = None, **_: Any) -> None:
    task_id = _custom_headers(request).get(TASK_ID_HEADER)
    if task_id:
        update_task_safe(task_id, status=StatusEnum.CANCELLED)


# Heartbeats.


class _Heartbeats:
    """Pings running tasks from one daemon thread per process.

    The thread starts with the first heartbeat a process needs, so it exists
    in each forked worker process and never in the parent that forked it.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._due: dict[_Run, tuple[float, float]] = {}
        self._pings: dict[_Run, Callable[[], object]] = {}
        self._thread: threading.Thread | None = None

    def add(self, run: _Run, interval: float, ping: Callable[[], object]) -> None:
        """Starts calling ``ping`` for a run every ``interval`` seconds."""
        with self._condition:
            self._due[run] = (interval, time.monotonic() + interval)
            self._pings[run] = ping
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="taskbadger-celery-heartbeat", daemon=True
                )
                self._thread.start()
            self._condition.notify()

    def remove(self, run: _Run) -> None:
        """Stops pinging a run's task."""
        with self._condition:
            self._due.pop(run, None)
            self._pings.pop(run, None)

    def reset_after_fork(self) -> None:
        """Forgets the parent's tasks and thread, which a forked child lacks."""
        self._condition = threading.Condition()
        self._due = {}
        self._pings = {}
        self._thread = None

    def _run(self) -> None:
        while True:
            for ping in self._wait_for_due():
                ping()

    def _wait_for_due(self) -> list[Callable[[], object]]:
        with self._condition:
            while True:
                now = time.monotonic()
                due = [key for key, (_, at) in self._due.items() if at <= now]
                if due:
                    for key in due:
                        interval, _ = self._due[key]
                        self._due[key] = (interval, now + interval)
                    return [self._pings[key] for key in due]
                next_at = min((at for _, at in self._due.values()), default=None)
                self._condition.wait(None if next_at is None else next_at - now)


_heartbeats = _Heartbeats()
os.register_at_fork(after_in_child=_heartbeats.reset_after_fork)


@_guarded
def _on_worker_process_init(**_: Any) -> None:
    if is_configured():
        _http.prepare()


@_guarded
def _on_worker_shutdown(**_: Any) -> None:
    # Pool processes leave through os._exit, which skips the SDK's exit hook.
    if not flush(SHUTDOWN_FLUSH_TIMEOUT):
        logger.warning("Some Task Badger updates were not sent before shutdown")


def connect_signals() -> None:
    """Connects the handlers to Celery's signals; connecting twice is harmless."""
    handlers: list[tuple[Any, Callable[..., None]]] = [
        (signals.before_task_publish, _on_before_publish),
        (signals.task_prerun, _on_prerun),
        (signals.task_success, _on_success),
        (signals.task_failure, _on_failure),
        (signals.task_postrun, _on_postrun),
        (signals.task_revoked, _on_revoked),
        (signals.worker_process_init, _on_worker_process_init),
        (signals.worker_process_shutdown, _on_worker_shutdown),
        (signals.worker_shutdown, _on_worker_shutdown),
    ]
    for signal, handler in handlers:
        signal.connect(handler, weak=False, dispatch_uid=f"taskbadger.{signal.name}")


# The base class must work without the system integration, so importing this
# module is enough to follow tasks.
connect_signals()
