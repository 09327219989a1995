"""The SDK's configuration: one dataclass, filled once by :func:`init`."""

from __future__ import annotations

import base64
import binascii
import importlib
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from taskbadger._exceptions import ConfigurationError

DEFAULT_HOST = "https://taskbadger.net"

# Long enough for a slow network, short enough that a web request or a cron job
# waiting on the API is not held up for long when the service is unreachable.
DEFAULT_TIMEOUT = 10.0

# Transient failures are retried for at most this long in total, so one call can
# never take much longer than a timeout plus this budget.
DEFAULT_RETRY_BUDGET = 10.0

ENV_TOKEN = "TASKBADGER_API_KEY"
ENV_ORG = "TASKBADGER_ORG"
ENV_PROJECT = "TASKBADGER_PROJECT"
ENV_HOST = "TASKBADGER_HOST"

BeforeCreate = Callable[[dict[str, Any]], dict[str, Any] | None]

_HOW_TO_CONFIGURE = (
    "call taskbadger.init(token=...) or set TASKBADGER_API_KEY "
    "(and TASKBADGER_ORG and TASKBADGER_PROJECT for a legacy key)"
)


class SystemIntegration(Protocol):
    """A system integration, such as Celery, passed to ``init(systems=...)``."""

    identifier: str

    def install(self) -> None:
        """Hooks the integration into its system."""


@dataclass(frozen=True)
class ProjectKey:
    """The parts of a project key: ``base64("org/project/secret")``."""

    organization: str
    project: str
    secret: str = field(repr=False)


def parse_project_key(token: str) -> ProjectKey | None:
    """Decodes a project key; returns None for anything else (a legacy key)."""
    padded = token + "=" * (-len(token) % 4)
    try:
        decoded = base64.b64decode(padded, altchars=b"-_", validate=True)
        text = decoded.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    parts = text.split("/")
    if len(parts) != 3 or not all(parts):
        return None
    return ProjectKey(*parts)


@dataclass(frozen=True)
class Settings:
    """Everything the SDK needs to talk to the API. The single source of defaults."""

    token: str = field(repr=False)
    organization_slug: str
    project_slug: str
    host: str = DEFAULT_HOST
    timeout: float = DEFAULT_TIMEOUT
    retry_budget: float = DEFAULT_RETRY_BUDGET
    tags: Mapping[str, str] = field(default_factory=dict)
    before_create: BeforeCreate | None = None
    systems: Sequence[SystemIntegration] = ()
    background: bool = False

    @property
    def tasks_path(self) -> str:
        """The path of the task collection for this organization and project."""
        return f"/api/{self.organization_slug}/{self.project_slug}/tasks/"


_lock = threading.Lock()
_settings: Settings | None = None


def init(
    token: str | None = None,
    organization_slug: str | None = None,
    project_slug: str | None = None,
    *,
    tags: Mapping[str, str] | None = None,
    systems: Sequence[SystemIntegration] | None = None,
    before_create: BeforeCreate | str | None = None,
    host: str | None = None,
    timeout: float | None = None,
    retry_budget: float | None = None,
    background: bool = False,
) -> None:
    """Configures the SDK.

    Arguments not given are read from the environment (``TASKBADGER_API_KEY``,
    ``TASKBADGER_ORG``, ``TASKBADGER_PROJECT``, ``TASKBADGER_HOST``). A project
    key carries its organization and project; a legacy key needs both given.

    Args:
        token: A project key, or a legacy API key.
        organization_slug: The organization, for legacy keys.
        project_slug: The project, for legacy keys.
        tags: Tags added to every task; a task's own tags win.
        systems: System integrations to install, such as Celery's.
        before_create: A function, or its dotted import path, that receives the
            task dict before each create and returns it, possibly edited.
        host: The API's base URL.
        timeout: Seconds to wait for each request.
        retry_budget: Seconds to spend, at most, retrying a failed request.
        background: Send updates from a background thread, coalescing them.

    Raises:
        ConfigurationError: The token, organization or project is missing, or a
            value is invalid.

    Example:
        >>> taskbadger.init(token="***", tags={"environment": "production"})
    """
    settings = _build_settings(
        token=token,
        organization_slug=organization_slug,
        project_slug=project_slug,
        tags=tags,
        systems=systems,
        before_create=before_create,
        host=host,
        timeout=timeout,
        retry_budget=retry_budget,
        background=background,
    )
    global _settings
    with _lock:
        _settings = settings
    for system in settings.systems:
        system.install()


def _build_settings(
    *,
    token: str | None,
    organization_slug: str | None,
    project_slug: str | None,
    tags: Mapping[str, str] | None,
    systems: Sequence[SystemIntegration] | None,
    before_create: BeforeCreate | str | None,
    host: str | None,
    timeout: float | None,
    retry_budget: float | None,
    background: bool,
) -> Settings:
    # Keys pasted from a file or a secret store often end with a newline.
    token = (token or os.environ.get(ENV_TOKEN) or "").strip()
    if not token:
        raise ConfigurationError(f"No API key was given: {_HOW_TO_CONFIGURE}.")
    if (
        not token.isascii()
        or not token.isprintable()
        or any(char.isspace() for char in token)
    ):
        # httpx would refuse the header and quote the whole of it in its error.
        raise ConfigurationError(
            "The API key contains spaces, control or non-ASCII characters: copy it "
            "again from the project settings."
        )

    organization_slug = organization_slug or os.environ.get(ENV_ORG) or None
    project_slug = project_slug or os.environ.get(ENV_PROJECT) or None
    key = parse_project_key(token)
    if key is not None:
        token = key.secret
        organization_slug = organization_slug or key.organization
        project_slug = project_slug or key.project
    if not organization_slug or not project_slug:
        raise ConfigurationError(
            "The API key is a legacy key, so the organization and project must be "
            "given: pass organization_slug and project_slug to taskbadger.init() "
            "or set TASKBADGER_ORG and TASKBADGER_PROJECT."
        )

    host = (host or os.environ.get(ENV_HOST) or DEFAULT_HOST).rstrip("/")
    if not host.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"The host {host!r} is not a URL: give it as https://host[:port]."
        )
    for name, seconds in (("timeout", timeout), ("retry_budget", retry_budget)):
        if seconds is not None and seconds < 0:
            raise ConfigurationError(f"{name} must be zero or more seconds.")

    return Settings(
        token=token,
        organization_slug=organization_slug,
        project_slug=project_slug,
        host=host,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        retry_budget=DEFAULT_RETRY_BUDGET if retry_budget is None else retry_budget,
        tags=dict(tags or {}),
        before_create=_resolve_hook(before_create),
        systems=tuple(systems or ()),
        background=background,
    )


def _resolve_hook(hook: BeforeCreate | str | None) -> BeforeCreate | None:
    """Imports a hook given as ``"package.module.function"``."""
    if hook is None or callable(hook):
        return hook
    module_name, _, attribute = hook.rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigurationError(
            f"before_create {hook!r} could not be imported: {exc}. Give a dotted "
            "path such as 'myapp.hooks.before_create'."
        ) from None
    if not callable(function):
        raise ConfigurationError(f"before_create {hook!r} is not callable.")
    resolved: BeforeCreate = function
    return resolved


def get_settings() -> Settings:
    """The current settings.

    Raises:
        ConfigurationError: :func:`init` has not been called.
    """
    settings = _settings
    if settings is None:
        raise ConfigurationError(f"Task Badger is not configured: {_HOW_TO_CONFIGURE}.")
    return settings


def is_configured() -> bool:
    """Whether :func:`init` has been called successfully."""
    return _settings is not None


def reset_settings() -> None:
    """Forgets the configuration, as if :func:`init` had never been called."""
    global _settings
    with _lock:
        _settings = None


def replace_settings(settings: Settings | None) -> Settings | None:
    """Puts these settings in force, without installing systems; returns the old.

    For test fixtures that point the SDK elsewhere for a while and then restore it.
    """
    global _settings
    with _lock:
        previous, _settings = _settings, settings
    return previous
