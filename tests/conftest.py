"""Fixtures shared by the whole suite.

The local API server comes from the project's own pytest plugin
(``taskbadger_server``); this file adds a way to run the installed command
(see ``cli_runner``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import RunCLI, run_taskbadger

from taskbadger import _settings


@pytest.fixture
def taskbadger_cli(taskbadger_server: object) -> RunCLI:
    """Runs the installed command against the test's local API server."""
    return run_taskbadger


@pytest.fixture(autouse=True)
def _unconfigured_sdk() -> Iterator[None]:
    """Every test starts and ends with the SDK unconfigured."""
    _settings.reset_settings()
    yield
    _settings.reset_settings()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No Task Badger settings from the developer's environment or config file."""
    for name in list(os.environ):
        if name.startswith("TASKBADGER_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TASKBADGER_CONFIG", str(tmp_path / "absent.toml"))
