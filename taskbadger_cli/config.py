"""Where the CLI's settings come from, and the config file that holds them.

Each setting is resolved in one place, :func:`load_config`, in this order:
command-line options, then environment variables, then the config file, then
(for organization and project) the project key itself, then the default.

The config file is TOML::

    [defaults]
    org = "acme"
    project = "backups"

    [auth]
    token = "..."
    host = "https://taskbadger.net"

    [tags]
    environment = "production"

It lives at ``$TASKBADGER_CONFIG``, else ``config.toml`` in the user config
directory. A file named ``config`` in that directory, written by the earlier
official CLI with the same tables, is read when there is no ``config.toml``.
"""

from __future__ import annotations

import enum
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import taskbadger
from taskbadger._settings import parse_project_key
from taskbadger_cli.errors import UsageError

# The CLI talks to the API from interactive shells and cron jobs: a request that
# hangs longer than this is better reported than waited for.
CLI_TIMEOUT = 10.0

# Someone is waiting at the prompt: a flaky connection is worth a retry or two,
# an outage is better reported within seconds than waited out.
CLI_RETRY_BUDGET = 3.0

# The hosted service; shown by `taskbadger info` when nothing else is set.
DEFAULT_HOST = "https://taskbadger.net"

ENV_CONFIG = "TASKBADGER_CONFIG"
ENV_TOKEN = "TASKBADGER_API_KEY"
ENV_ORG = "TASKBADGER_ORG"
ENV_PROJECT = "TASKBADGER_PROJECT"
ENV_HOST = "TASKBADGER_HOST"

CONFIG_NAME = "config.toml"
LEGACY_CONFIG_NAME = "config"

# The file holds the API key: only its owner may read it.
FILE_MODE = 0o600
DIRECTORY_MODE = 0o700

# Every table and key the file may hold; "*" allows any key (tag namespaces).
SCHEMA: dict[str, tuple[str, ...]] = {
    "defaults": ("org", "project"),
    "auth": ("token", "host"),
    "tags": ("*",),
}

HOW_TO_CONFIGURE = "Run 'taskbadger configure' or set TASKBADGER_API_KEY."


class Source(enum.StrEnum):
    """Where a setting's value came from."""

    OPTION = "option"
    ENVIRONMENT = "environment"
    FILE = "file"
    API_KEY = "API key"
    DEFAULT = "default"
    UNSET = "not set"


@dataclass(frozen=True)
class Options:
    """The global options given on the command line."""

    org: str | None = None
    project: str | None = None


@dataclass(frozen=True)
class Setting:
    """One effective setting and where it came from."""

    value: str | None
    source: Source
    origin: str = ""  # the option, variable or file that gave it

    def describe(self) -> str:
        """Where the value came from, for ``taskbadger info``."""
        return f"{self.source}: {self.origin}" if self.origin else str(self.source)


UNSET = Setting(None, Source.UNSET)


@dataclass(frozen=True)
class ConfigFile:
    """The contents of a config file, already checked against :data:`SCHEMA`."""

    path: Path
    exists: bool = False
    org: str | None = None
    project: str | None = None
    token: str | None = field(default=None, repr=False)
    host: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """The CLI's effective settings, each with its source."""

    token: Setting = field(repr=False)
    org: Setting
    project: Setting
    host: Setting
    tags: dict[str, str]
    tags_source: Source
    file: ConfigFile


def config_path() -> Path:
    """The config file to read and write: ``$TASKBADGER_CONFIG`` or the default."""
    explicit = os.environ.get(ENV_CONFIG)
    if explicit:
        return Path(explicit).expanduser()
    return _config_dir() / CONFIG_NAME


def _config_dir() -> Path:
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    # The XDG spec says relative paths are invalid and must be ignored.
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".config"
    return base / "taskbadger"


def _path_to_read() -> Path:
    """The config file, or the earlier CLI's file when there is no new one."""
    path = config_path()
    if os.environ.get(ENV_CONFIG) or path.exists():
        return path
    legacy = path.with_name(LEGACY_CONFIG_NAME)
    return legacy if legacy.is_file() else path


def read_config_file() -> ConfigFile:
    """Reads and checks the config file; a missing file reads as empty.

    Raises:
        UsageError: The file cannot be read, is not TOML, or has an unknown key.
    """
    path = _path_to_read()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ConfigFile(path)
    except UnicodeDecodeError:
        raise UsageError(
            f"Cannot read the config file {path}: it is not UTF-8 text. Rewrite it "
            "with 'taskbadger configure' or set TASKBADGER_CONFIG to another file."
        ) from None
    except IsADirectoryError:
        raise UsageError(
            f"Cannot read the config file {path}: it is a directory. Move it aside "
            "or set TASKBADGER_CONFIG to a file."
        ) from None
    except OSError as exc:
        raise UsageError(
            f"Cannot read the config file {path}: {exc.strerror}. Fix its "
            "permissions or set TASKBADGER_CONFIG to another file."
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"The config file {path} is not valid TOML: {exc}. Fix it or run "
            "'taskbadger configure' to write a new one."
        ) from None
    return _check_document(path, document)


def _check_document(path: Path, document: dict[str, Any]) -> ConfigFile:
    for table, content in document.items():
        if table not in SCHEMA:
            raise _bad_key(path, f"an unknown table [{table}]")
        if not isinstance(content, dict):
            raise _bad_key(path, f"'{table}' that is not a table")
        for key, value in content.items():
            if "*" not in SCHEMA[table] and key not in SCHEMA[table]:
                raise _bad_key(path, f"an unknown key '{table}.{key}'")
            if not isinstance(value, str):
                raise _bad_key(path, f"'{table}.{key}' that is not a string")

    defaults = document.get("defaults", {})
    auth = document.get("auth", {})
    return ConfigFile(
        path=path,
        exists=True,
        org=defaults.get("org") or None,
        project=defaults.get("project") or None,
        token=auth.get("token") or None,
        host=auth.get("host") or None,
        tags=dict(document.get("tags", {})),
    )


def _bad_key(path: Path, problem: str) -> UsageError:
    allowed = "; ".join(
        f"[{table}] {', '.join(keys)}" for table, keys in SCHEMA.items()
    ).replace("*", "any tag name")
    return UsageError(f"The config file {path} has {problem}. Allowed: {allowed}.")


def load_config(options: Options) -> Config:
    """Resolves every setting: options, then environment, then the config file."""
    file = read_config_file()
    where = str(file.path)
    token = _first(
        _env(ENV_TOKEN),
        Setting(file.token, Source.FILE, where),
    )
    key = parse_project_key(token.value) if token.value else None
    from_key = (
        (
            Setting(key.organization, Source.API_KEY),
            Setting(key.project, Source.API_KEY),
        )
        if key
        else (UNSET, UNSET)
    )
    # A project key names its own organization and project; the file's defaults
    # are for legacy keys, which carry neither.
    org = _first(
        Setting(options.org, Source.OPTION, "--org"),
        _env(ENV_ORG),
        from_key[0],
        Setting(file.org, Source.FILE, where),
    )
    project = _first(
        Setting(options.project, Source.OPTION, "--project"),
        _env(ENV_PROJECT),
        from_key[1],
        Setting(file.project, Source.FILE, where),
    )
    host = _first(
        _env(ENV_HOST),
        Setting(file.host, Source.FILE, where),
        Setting(DEFAULT_HOST, Source.DEFAULT),
    )
    return Config(
        token=token,
        org=org,
        project=project,
        host=host,
        tags=file.tags,
        tags_source=Source.FILE if file.tags else Source.UNSET,
        file=file,
    )


def _env(name: str) -> Setting:
    return Setting(os.environ.get(name) or None, Source.ENVIRONMENT, name)


def _first(*candidates: Setting) -> Setting:
    """The first setting that has a value."""
    return next((c for c in candidates if c.value), UNSET)


def configure_sdk(
    options: Options,
    *,
    timeout: float = CLI_TIMEOUT,
    retry_budget: float = CLI_RETRY_BUDGET,
) -> Config:
    """Initialises the SDK from the effective settings.

    Args:
        options: The global options given on the command line.
        timeout: Seconds to wait for each request.
        retry_budget: Seconds to spend, at most, retrying failed requests.

    Raises:
        UsageError: No API key is configured, or the settings are invalid.
    """
    config = load_config(options)
    if not config.token.value:
        raise UsageError(f"No API key is configured. {HOW_TO_CONFIGURE}")
    if not config.org.value or not config.project.value:
        raise UsageError(
            "The API key is a legacy key, so the organization and project are "
            "needed: pass --org and --project, set TASKBADGER_ORG and "
            "TASKBADGER_PROJECT, or run 'taskbadger configure'."
        )
    try:
        taskbadger.init(
            token=config.token.value,
            organization_slug=config.org.value,
            project_slug=config.project.value,
            host=config.host.value,
            tags=config.tags,
            timeout=timeout,
            retry_budget=retry_budget,
        )
    except taskbadger.ConfigurationError as exc:
        raise UsageError(str(exc)) from None
    return config


def write_config_file(path: Path, document: dict[str, dict[str, str]]) -> None:
    """Writes the config file atomically, readable only by its owner.

    The new content goes to a temporary file in the same directory, which then
    replaces the old file in one step: a reader never sees half a file.

    Raises:
        UsageError: The file or its directory cannot be written.
    """
    import tomli_w  # only `configure` writes, so other commands skip the import

    content = tomli_w.dumps({table: keys for table, keys in document.items() if keys})
    try:
        path.parent.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
        )
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                os.fchmod(stream.fileno(), FILE_MODE)
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as exc:
        raise UsageError(
            f"Cannot write the config file {path}: {exc.strerror}. Check the "
            "directory's permissions or set TASKBADGER_CONFIG to another file."
        ) from None
