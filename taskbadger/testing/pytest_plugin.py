"""pytest fixtures that run code using Task Badger against a local API server.

The plugin registers itself through the ``pytest11`` entry point when taskbadger
is installed. It only adds fixtures; sessions that do not request them are not
affected, and the server is imported and started only when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest

if TYPE_CHECKING:
    from taskbadger.testing import APIServer

SCOPE_OPTION = "taskbadger_server_scope"
SCOPES = ("function", "session")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ini option that chooses how long a server lives."""
    parser.addini(
        SCOPE_OPTION,
        "Lifetime of the taskbadger_server fixture's server: 'function' (a fresh "
        "server per test, the default) or 'session' (one server, emptied "
        "before each test).",
        default="function",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Refuse an unknown scope before any test runs."""
    scope = _configured_scope(config)
    if scope not in SCOPES:
        raise pytest.UsageError(
            f"{SCOPE_OPTION} = {scope!r} is not supported: use one of "
            f"{', '.join(SCOPES)} in the [pytest] section of your configuration."
        )


def _configured_scope(config: pytest.Config) -> str:
    return str(config.getini(SCOPE_OPTION)).strip() or "function"


def _server_scope(
    fixture_name: str, config: pytest.Config
) -> Literal["function", "session"]:
    return "session" if _configured_scope(config) == "session" else "function"


@pytest.fixture(scope=_server_scope)
def _taskbadger_api_server() -> Iterator[APIServer]:
    """The started server behind ``taskbadger_server``, scoped by the ini option."""
    from taskbadger.testing import APIServer

    with APIServer() as server:
        yield server


@pytest.fixture
def taskbadger_server(
    _taskbadger_api_server: APIServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Iterator[APIServer]:
    """A local Task Badger API server, with the SDK configured to use it.

    For the test's duration the SDK is initialised against the server (keeping
    the tags, ``before_create`` hook and system integrations your session
    configured, and restoring your configuration afterwards), and the
    environment variables ``TASKBADGER_HOST``, ``TASKBADGER_API_KEY``,
    ``TASKBADGER_ORG`` and ``TASKBADGER_PROJECT`` point at it, so subprocesses
    such as the ``taskbadger`` command use it too. ``TASKBADGER_CONFIG`` names a
    file that does not exist, so your own configuration file is never read.

    Each test sees an empty server: a new one by default, or one shared server
    that is emptied before each test when your pytest configuration sets
    ``taskbadger_server_scope = session``.

    Example:
        ::

            import subprocess

            import taskbadger


            def test_backup_is_tracked(taskbadger_server):
                task = taskbadger.Task.create("nightly-backup")
                task.success()

                stored = taskbadger_server.last_task("nightly-backup")
                assert stored["status"] == "success"


            def test_backup_survives_a_slow_api(taskbadger_server):
                fault = taskbadger_server.inject_fault(status=503, times=1)

                taskbadger.Task.create("nightly-backup")

                assert fault.used == 1
                assert taskbadger_server.last_task()["name"] == "nightly-backup"


            def test_cli_reaches_the_server(taskbadger_server):
                subprocess.run(["taskbadger", "create", "report"], check=True)

                assert taskbadger_server.last_task()["name"] == "report"

    Yields:
        The running ``APIServer``: inspect ``tasks``, ``last_task()`` and
        ``requests``, or make requests fail with ``inject_fault()``.
    """
    import taskbadger
    from taskbadger import _settings

    server = _taskbadger_api_server
    server.reset()
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TASKBADGER_CONFIG", str(tmp_path / "taskbadger.toml"))
    # Whatever the test session configured (tags, hooks, system integrations such
    # as Celery's) stays; only the key and the host now point at the server.
    previous = _settings.replace_settings(None)
    try:
        if previous is None:
            taskbadger.init(token=server.project_key, host=server.url)
        else:
            taskbadger.init(
                token=server.project_key,
                host=server.url,
                tags=previous.tags,
                systems=previous.systems,
                before_create=previous.before_create,
                background=previous.background,
            )
        yield server
    finally:
        _settings.replace_settings(previous)
