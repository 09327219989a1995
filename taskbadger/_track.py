"""The :func:`track` decorator: a function call as a task."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, ParamSpec, TypeVar, overload

from taskbadger._http import Session
from taskbadger._models import StatusEnum
from taskbadger._safe import create_task_safe
from taskbadger._tasks import Task, current_parent

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger(__name__)


@overload
def track(function: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def track(
    name: str | None = None, /, **create_options: Any
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def track(
    function_or_name: Callable[P, R] | str | None = None,
    /,
    name: str | None = None,
    **create_options: Any,
) -> Any:
    """Tracks each call of a function as a task.

    The task is ``processing`` while the function runs, ``success`` when it
    returns, and ``error`` when it raises, with the exception in its data (the
    exception still propagates). Tasks created inside the function, including by
    other tracked functions, become its children. Tracking failures are logged,
    never raised: the function always runs.

    Works on plain and ``async def`` functions, used as ``@track``,
    ``@track("name")`` or ``@track(name="name", **options)`` with any option of
    :meth:`Task.create`.

    Example:
        >>> @track("nightly-report", tags={"team": "data"})
        ... def build_report() -> None: ...
    """
    if callable(function_or_name):
        return _decorate(function_or_name, None, {})
    task_name = function_or_name or name

    def decorator(function: Callable[P, R]) -> Callable[P, R]:
        return _decorate(function, task_name, create_options)

    return decorator


def _decorate(
    function: Callable[P, R], name: str | None, options: dict[str, Any]
) -> Callable[P, R]:
    task_name = name or f"{function.__module__}.{function.__qualname__}"

    if inspect.iscoroutinefunction(function):
        coroutine_function: Callable[P, Awaitable[Any]] = function

        @functools.wraps(function)
        async def run_async(*args: P.args, **kwargs: P.kwargs) -> Any:
            with _tracked(task_name, options):
                return await coroutine_function(*args, **kwargs)

        wrapped: Callable[P, R] = run_async  # type: ignore[assignment]
        return wrapped

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with _tracked(task_name, options):
            return function(*args, **kwargs)

    return run


@contextlib.contextmanager
def _tracked(name: str, options: dict[str, Any]) -> Iterator[None]:
    with Session():
        task = _start(name, options)
        # The API nests tasks one level deep, so only the outermost tracked call
        # becomes the parent of the tasks created inside it.
        outermost = task is not None and current_parent.get() is None
        token = current_parent.set(task.id) if task and outermost else None
        try:
            yield
        except BaseException as exc:
            _finish(task, exc)
            raise
        finally:
            if token is not None:
                current_parent.reset(token)
        _finish(task, None)


def _start(name: str, options: dict[str, Any]) -> Task | None:
    options = {"status": StatusEnum.PROCESSING, **options}
    return create_task_safe(name, **options)


def _finish(task: Task | None, exc: BaseException | None) -> None:
    if task is None:
        return
    try:
        if exc is None:
            task.success()
        else:
            task.error(data={"exception": _describe(exc)})
    except Exception as error:
        # Recording the outcome must never replace the function's own result.
        logger.warning("Could not record the outcome of task %s: %s", task.id, error)


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()
