"""Where the CLI's settings come from: options, then environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import taskbadger
from taskbadger_cli.errors import UsageError

# The CLI talks to the API from interactive shells and cron jobs: a request that
# hangs longer than this is better reported than waited for.
CLI_TIMEOUT = 10.0


@dataclass(frozen=True)
class Options:
    """The global options given on the command line."""

    org: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class Config:
    """The CLI's effective settings."""

    token: str | None = field(repr=False)
    org: str | None
    project: str | None
    host: str | None
    tags: dict[str, str] = field(default_factory=dict)


def load_config(options: Options) -> Config:
    """Resolves the settings from the options and the environment."""
    return Config(
        token=os.environ.get("TASKBADGER_API_KEY") or None,
        org=options.org or os.environ.get("TASKBADGER_ORG") or None,
        project=options.project or os.environ.get("TASKBADGER_PROJECT") or None,
        host=os.environ.get("TASKBADGER_HOST") or None,
    )


def configure_sdk(options: Options, *, timeout: float = CLI_TIMEOUT) -> Config:
    """Initialises the SDK from the effective settings.

    Raises:
        UsageError: No API key is configured, or the settings are invalid.
    """
    config = load_config(options)
    if not config.token:
        raise UsageError(
            "No API key is configured. Set TASKBADGER_API_KEY or run "
            "'taskbadger configure'."
        )
    try:
        taskbadger.init(
            token=config.token,
            organization_slug=config.org,
            project_slug=config.project,
            host=config.host,
            tags=config.tags,
            timeout=timeout,
        )
    except taskbadger.ConfigurationError as exc:
        raise UsageError(str(exc)) from None
    return config
