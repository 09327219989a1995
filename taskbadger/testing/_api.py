"""The task endpoints: routing, authentication, parsing and responses.

Checks run in the hosted service's order: unknown path (404), credentials (401),
organization and project (404), method (405), task (404), content type (415),
JSON (400), then field validation (400).
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlencode

from taskbadger.testing._store import InvalidCursor, TaskStore, public_view
from taskbadger.testing._validation import (
    ErrorDetail,
    FieldError,
    validate_task_body,
)

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MONITOR_HEADER = "x-taskbadger-monitor"

_TASKS_PATH = re.compile(r"/api/(?P<org>[^/]+)/(?P<project>[^/]+)/tasks/")
_TASK_PATH = re.compile(r"/api/(?P<org>[^/]+)/(?P<project>[^/]+)/tasks/(?P<id>[^/]+)/")
_LIST_METHODS = ("GET", "POST")
_DETAIL_METHODS = ("GET", "PUT", "PATCH", "DELETE")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class Request:
    """What the endpoints need to know about an HTTP request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    """A status, an optional JSON body and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def error_response(
    status: int, *errors: ErrorDetail, headers: dict[str, str] | None = None
) -> Response:
    """A response carrying the API error envelope."""
    if status >= 500:
        kind = "server_error"
    elif any(e.attr is not None for e in errors) and status == 400:
        kind = "validation_error"
    else:
        kind = "client_error"
    body = {"type": kind, "errors": [e.as_dict() for e in errors]}
    return Response(status, body, headers or {})


def status_error(status: int, retry_after: int | str | None = None) -> Response:
    """The error response for an injected status."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    if status == 429:
        wait = f" Expected available in {retry_after} seconds." if retry_after else ""
        detail = ErrorDetail("throttled", f"Request was throttled.{wait}")
    elif status >= 500:
        detail = ErrorDetail("error", "A server error occurred.")
    else:
        phrase = _phrase(status)
        detail = ErrorDetail(phrase.lower().replace(" ", "_"), f"{phrase}.")
    return error_response(status, detail, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _not_found(detail: str = "Not found.") -> Response:
    return error_response(404, ErrorDetail("not_found", detail))


class TaskAPI:
    """Answers task requests against a store for one organization and project."""

    def __init__(self, store: TaskStore, token: str) -> None:
        self.store = store
        self._token = token

    def handle(self, request: Request) -> Response:
        """Route one request and answer it."""
        task_id = None
        match = _TASKS_PATH.fullmatch(request.path)
        if match is None:
            match = _TASK_PATH.fullmatch(request.path)
            if match is None:
                return _not_found()
            task_id = unquote(match["id"])
        if (denied := self._authenticate(request)) is not None:
            return denied
        if (unquote(match["org"]), unquote(match["project"])) != (
            self.store.organization,
            self.store.project,
        ):
            return _not_found()
        allowed = _LIST_METHODS if task_id is None else _DETAIL_METHODS
        if request.method not in allowed:
            return error_response(
                405,
                ErrorDetail(
                    "method_not_allowed", f'Method "{request.method}" not allowed.'
                ),
                headers={"Allow": ", ".join(allowed)},
            )
        try:
            if task_id is None:
                return (
                    self._list(request)
                    if request.method == "GET"
                    else (self._create(request))
                )
            return self._detail(request, task_id)
        except FieldError as exc:
            return error_response(400, *exc.errors)

    def _authenticate(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return error_response(
                401,
                ErrorDetail(
                    "not_authenticated", "Authentication credentials were not provided."
                ),
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not hmac.compare_digest(token.strip().encode(), self._token.encode()):
            return error_response(
                401,
                ErrorDetail("authentication_failed", "Invalid token."),
                headers={"WWW-Authenticate": "Bearer"},
            )
        return None

    def _list(self, request: Request) -> Response:
        page_size = _page_size(request.query.get("page_size"))
        parent = request.query.get("parent") or None
        try:
            page = self.store.page(
                page_size=page_size, cursor=request.query.get("cursor"), parent=parent
            )
        except InvalidCursor:
            return _not_found("Invalid cursor")
        kept = {
            k: request.query[k] for k in ("page_size", "parent") if k in request.query
        }

        def link(cursor: str | None) -> str | None:
            if cursor is None:
                return None
            query = urlencode([*kept.items(), ("cursor", cursor)])
            return f"{self.store.base_url}{request.path}?{query}"

        body = {
            "next": link(page.next_cursor),
            "previous": link(page.previous_cursor),
            "results": page.results,
        }
        return Response(200, body)

    def _create(self, request: Request) -> Response:
        if (refused := _parse_json(request)) is not None:
            return refused
        fields = validate_task_body(_json_body(request), name_required=True)
        monitor_id = request.headers.get(MONITOR_HEADER)
        task = self.store.create(fields, monitor_id=monitor_id)
        return Response(201, public_view(task))

    def _detail(self, request: Request, task_id: str) -> Response:
        try:
            task = self.store.get(task_id)
        except KeyError:
            return _not_found()
        if request.method == "GET":
            return Response(200, public_view(task))
        if request.method == "DELETE":
            self.store.update(task_id, {"status": "cancelled"})
            return Response(204)
        if (refused := _parse_json(request)) is not None:
            return refused
        fields = validate_task_body(
            _json_body(request), name_required=request.method == "PUT"
        )
        return Response(200, public_view(self.store.update(task_id, fields)))


def _page_size(raw: str | None) -> int:
    # Like the hosted API, an unusable page size falls back to the default.
    try:
        size = int(raw) if raw is not None else DEFAULT_PAGE_SIZE
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return DEFAULT_PAGE_SIZE if size < 1 else min(size, MAX_PAGE_SIZE)


def _parse_json(request: Request) -> Response | None:
    """A 415 or 400 response when the body is not usable JSON, else ``None``."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not request.body.strip() and not media_type:
        return None
    if media_type != "application/json":
        return error_response(
            415,
            ErrorDetail(
                "unsupported_media_type",
                f'Unsupported media type "{content_type}" in request.',
            ),
        )
    try:
        _strict_json(request.body or b"null")
    except ValueError as exc:
        return error_response(
            400, ErrorDetail("parse_error", f"JSON parse error - {exc}")
        )
    return None


def _json_body(request: Request) -> Any:
    # An empty body reads as an empty object, as the hosted API's parser does.
    return _strict_json(request.body) if request.body.strip() else {}


def _strict_json(body: bytes) -> Any:
    """Parses JSON as the hosted API does: NaN and Infinity are not JSON."""
    return json.loads(body, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
