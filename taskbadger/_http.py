"""Sending requests to the API: connections, timeouts, retries, error mapping.

This is the only module that talks to httpx, so no httpx exception ever reaches
the caller: :func:`_map_transport_errors` turns each into a
:class:`~taskbadger.TaskbadgerConnectionError`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import random
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar, Token
from datetime import UTC
from types import TracebackType
from typing import TYPE_CHECKING, Any

from taskbadger import _httpx
from taskbadger._exceptions import (
    APIError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TaskbadgerConnectionError,
    TaskbadgerTimeoutError,
    UnauthorizedError,
    ValidationError,
    parse_error_body,
)
from taskbadger._settings import Settings, get_settings

if TYPE_CHECKING:
    import ssl

    import httpx

__all__ = ["Session", "request"]

logger = logging.getLogger(__name__)

# Gateways and overloaded servers answer these while the service recovers; the
# request did not take effect, so asking again later is the right thing to do.
RETRIABLE_STATUSES = frozenset({429, 502, 503, 504})

# A create is only repeated when it certainly never reached the application, so
# a retry can never make a second task: a 429 and a 503 are refused before any
# work, while a 502 or 504 may come from a gateway whose upstream did the work.
CREATE_RETRIABLE_STATUSES = frozenset({429, 503})

# The first retry waits about this long; each later one twice as long.
BACKOFF_BASE = 0.25
# No single wait is longer than this, whatever the server asks for, so one call
# stays within the retry budget's spirit even with a large Retry-After.
MAX_BACKOFF = 30.0

USER_AGENT = "taskbadger-python/3"

# Waiting between attempts goes through this name so tests can observe the waits.
_sleep = time.sleep


class _ClientCache:
    """One pooled client per process; a forked child never reuses the parent's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._pid = 0

    def get(self) -> httpx.Client:
        pid = os.getpid()
        client = self._client
        if client is not None and self._pid == pid:
            return client
        with self._lock:
            if self._client is None or self._pid != pid:
                # The parent's client is dropped, not closed: closing it here would
                # shut sockets the parent is still using.
                self._client = _new_client()
                self._pid = pid
            return self._client

    def reset_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._client = None
        self._pid = 0

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._pid == os.getpid():
                self._client.close()
            self._client = None


_clients = _ClientCache()
os.register_at_fork(after_in_child=_clients.reset_after_fork)

# The client of the innermost open Session, with the process that opened it: a
# child forked inside a session must not write to its parent's sockets.
_session_client: ContextVar[tuple[httpx.Client, int] | None] = ContextVar(
    "taskbadger_session_client", default=None
)


def _new_client() -> httpx.Client:
    client: httpx.Client = _httpx.load().Client(
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        verify=_tls_context(),
    )
    return client


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The certificate store, loaded once per process.

    Loading it takes tens of milliseconds, and httpx would otherwise load it again
    for every client and every proxy it routes through: on each ``Session`` and
    each start of the command line.
    """
    context: ssl.SSLContext = _httpx.load().create_ssl_context()
    return context


class Session:
    """Reuses one connection for every request made inside the block.

    Nested sessions share the outermost one's connection. The session belongs to
    the thread or asyncio task that opened it, like a scope.

    Example:
        >>> with Session():
        ...     task = Task.create("my task")
        ...     task.update(status="success")
    """

    def __init__(self) -> None:
        self._client: httpx.Client | None = None
        self._token: Token[tuple[httpx.Client, int] | None] | None = None

    def __enter__(self) -> Session:
        if _session_in_this_process() is None:
            self._client = _new_client()
            self._token = _session_client.set((self._client, os.getpid()))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._client is None or self._token is None:
            return
        _session_client.reset(self._token)
        self._token = None
        client, self._client = self._client, None
        # Whatever goes wrong while closing, the block's own outcome wins.
        with contextlib.suppress(Exception):
            client.close()


def _session_in_this_process() -> httpx.Client | None:
    current = _session_client.get()
    if current is None or current[1] != os.getpid():
        return None
    return current[0]


def _current_client() -> httpx.Client:
    return _session_in_this_process() or _clients.get()


def request(
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    settings: Settings | None = None,
) -> Any:
    """Sends one API request, retrying transient failures; returns the JSON body.

    Args:
        method: The HTTP method.
        path: The path below the host, such as ``/api/org/project/tasks/``.
        json: The request body.
        params: Query parameters.
        headers: Extra headers.
        settings: The settings to use; the configured ones by default.

    Raises:
        ConfigurationError: The SDK is not configured.
        APIError: The API answered with an error (a subclass says which).
        TaskbadgerConnectionError: The API could not be reached.
    """
    settings = settings or get_settings()
    url = settings.host + path
    all_headers = {"Authorization": f"Bearer {settings.token}"}
    all_headers.update(headers or {})
    deadline = time.monotonic() + settings.retry_budget
    retriable = CREATE_RETRIABLE_STATUSES if method == "POST" else RETRIABLE_STATUSES

    attempt = 0
    while True:
        attempt += 1
        try:
            response = _send(method, url, json, params, all_headers, settings.timeout)
        except TaskbadgerConnectionError as exc:
            if not _may_retry_error(exc, method):
                raise
            wait = _backoff(attempt)
            if time.monotonic() + wait > deadline:
                raise
            logger.info("%s; retrying in %.2fs", exc, wait)
            _sleep(wait)
            continue

        if response.status_code < 400:
            return _json_body(response)
        error = _api_error(method, path, response)
        if response.status_code not in retriable:
            raise error
        wait = _retry_wait(attempt, response)
        if time.monotonic() + wait > deadline:
            raise error
        level = logging.WARNING if response.status_code == 429 else logging.INFO
        logger.log(level, "%s; retrying in %.2fs", error, wait)
        _sleep(wait)


class _SentError(TaskbadgerConnectionError):
    """A transport failure after the request may have reached the server."""


def _send(
    method: str,
    url: str,
    json: Any,
    params: dict[str, str] | None,
    headers: dict[str, str],
    timeout: float,
) -> httpx.Response:
    with _map_transport_errors(method, url):
        client = _current_client()
        response = client.request(
            method, url, json=json, params=params, headers=headers, timeout=timeout
        )
    logger.debug("%s %s -> %s", method, response.url.path, response.status_code)
    return response


@contextlib.contextmanager
def _map_transport_errors(method: str, url: str) -> Iterator[None]:
    """Turns httpx's errors into the SDK's; says whether the request was sent."""
    httpx = _httpx.load()
    # Named without its query string, and without parsing: the URL may be bad.
    target = f"{method} {url.partition('?')[0]}"
    try:
        yield
    except (httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise TaskbadgerTimeoutError(f"{target}: timed out connecting") from exc
    except httpx.ConnectError as exc:
        raise TaskbadgerConnectionError(f"{target}: could not connect") from exc
    except httpx.TimeoutException as exc:
        raise _SentTimeout(f"{target}: timed out waiting for the API") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise TaskbadgerConnectionError(
            f"{target}: the host is not a usable URL ({exc}); check TASKBADGER_HOST"
        ) from exc
    except httpx.HTTPError as exc:
        raise _SentError(f"{target}: the connection failed ({exc})") from exc


class _SentTimeout(_SentError, TaskbadgerTimeoutError):
    """The request was sent but no answer came in time."""


def _may_retry_error(exc: TaskbadgerConnectionError, method: str) -> bool:
    # A request that failed before it was sent can always be repeated; one that
    # may have reached the server is only repeated when repeating is harmless.
    return method != "POST" or not isinstance(exc, _SentError)


def _backoff(attempt: int) -> float:
    """Exponential backoff with full jitter."""
    ceiling = min(MAX_BACKOFF, BACKOFF_BASE * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def _retry_wait(attempt: int, response: httpx.Response) -> float:
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if retry_after is not None:
        return min(MAX_BACKOFF, retry_after)
    return _backoff(attempt)


def _json_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise ServerError(
            response.status_code,
            response.request.method,
            response.request.url.path,
        ) from None


def _api_error(method: str, path: str, response: httpx.Response) -> APIError:
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = parse_error_body(body)
    status = response.status_code
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitedError(status, method, path, errors, retry_after=retry_after)
    error_class: type[APIError] = APIError
    if status == 400:
        error_class = ValidationError
    elif status in (401, 403):
        error_class = UnauthorizedError
    elif status == 404:
        error_class = NotFoundError
    elif status >= 500:
        error_class = ServerError
    return error_class(status, method, path, errors)


def parse_retry_after(value: str | None) -> float | None:
    """Reads ``Retry-After`` as seconds or as an HTTP date; None if unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)

    # Slow to import and rarely needed: only for a Retry-After given as a date.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        # HTTP dates are in GMT; "-0000" parses without a zone.
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - time.time())


def prepare() -> None:
    """Sets up this process's client now rather than on its first request.

    Loading httpx and the certificate store takes tens of milliseconds; a worker
    process pays it as it starts instead of inside its first task.
    """
    _clients.get()


def close() -> None:
    """Closes this process's pooled connections."""
    _clients.close()
