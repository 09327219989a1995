"""The errors the SDK raises.

Every error derives from one base class, so callers can catch them all at once::

    TaskbadgerException
    ├── ConfigurationError              the SDK is not configured, or wrongly
    ├── TaskbadgerConnectionError       the API could not be reached
    │   └── TaskbadgerTimeoutError      the API did not answer in time
    └── APIError                        the API answered with an error
        ├── ValidationError             400: a field was rejected
        ├── UnauthorizedError           401/403: the key was refused
        ├── NotFoundError               404: no such task
        ├── RateLimitedError            429: too many requests
        └── ServerError                 5xx: the service failed

No message ever contains the API token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "APIError",
    "ConfigurationError",
    "FieldError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "TaskbadgerConnectionError",
    "TaskbadgerException",
    "TaskbadgerTimeoutError",
    "UnauthorizedError",
    "ValidationError",
]


class TaskbadgerException(Exception):
    """Base class of every error raised by the SDK."""


class ConfigurationError(TaskbadgerException):
    """The SDK is not configured, or its configuration is invalid."""


class TaskbadgerConnectionError(TaskbadgerException):
    """The API could not be reached."""


class TaskbadgerTimeoutError(TaskbadgerConnectionError):
    """The API did not answer within the request timeout."""


@dataclass(frozen=True)
class FieldError:
    """One error reported by the API, optionally about one field."""

    code: str
    detail: str
    attr: str | None = None

    def __str__(self) -> str:
        return f"{self.attr}: {self.detail}" if self.attr else self.detail


class APIError(TaskbadgerException):
    """The API answered a request with an error status."""

    def __init__(
        self,
        status_code: int,
        method: str,
        path: str,
        errors: list[FieldError] | None = None,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.path = path
        self.errors = errors or []
        super().__init__(self._message())

    @property
    def detail(self) -> str:
        """The server's own explanation, one line."""
        if self.errors:
            return "; ".join(str(error) for error in self.errors)
        return self._default_detail()

    @property
    def fields(self) -> dict[str, str]:
        """Field name to the server's message, for field-level errors."""
        return {e.attr: e.detail for e in self.errors if e.attr is not None}

    def __reduce__(self) -> tuple[Any, ...]:
        # Celery and multiprocessing pickle errors between processes; the default
        # would call __init__ with the message alone.
        return (type(self), (self.status_code, self.method, self.path, self.errors))

    def _default_detail(self) -> str:
        return "the API returned an error"

    def _message(self) -> str:
        return f"{self.method} {self.path} returned {self.status_code}: {self.detail}"


class ValidationError(APIError):
    """The API rejected a field of the request (HTTP 400)."""

    def _default_detail(self) -> str:
        return "the request was invalid"


class UnauthorizedError(APIError):
    """The API refused the key (HTTP 401 or 403)."""

    def _default_detail(self) -> str:
        return "the API key was refused"


class NotFoundError(APIError):
    """The task, organization or project does not exist (HTTP 404)."""

    def _default_detail(self) -> str:
        return "not found"


class RateLimitedError(APIError):
    """The API asked the client to slow down (HTTP 429)."""

    def __init__(
        self,
        status_code: int,
        method: str,
        path: str,
        errors: list[FieldError] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(status_code, method, path, errors)

    def __reduce__(self) -> tuple[Any, ...]:
        arguments = (self.status_code, self.method, self.path, self.errors)
        return (type(self), (*arguments, self.retry_after))

    def _default_detail(self) -> str:
        return "rate limited"


class ServerError(APIError):
    """The service failed to handle the request (HTTP 5xx)."""

    def _default_detail(self) -> str:
        return "the service failed"


def parse_error_body(body: Any) -> list[FieldError]:
    """Reads the API's error envelope; anything else yields no errors."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    errors = []
    for item in body["errors"]:
        if isinstance(item, dict):
            attr = item.get("attr")
            errors.append(
                FieldError(
                    code=str(item.get("code", "error")),
                    detail=str(item.get("detail", "")),
                    attr=str(attr) if attr is not None else None,
                )
            )
    return errors
