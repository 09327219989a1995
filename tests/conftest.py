"""Fixtures shared by the whole suite.

The local API server comes from the project's own pytest plugin
(``taskbadger_server``); this file adds a way to run the installed command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

import taskbadger
from taskbadger import _settings

TASKBADGER = str(Path(sys.executable).with_name("taskbadger"))

RunCLI = Callable[..., subprocess.CompletedProcess[str]]


def run_taskbadger(
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Runs the installed ``taskbadger`` command and captures its output."""
    return subprocess.run(
        [TASKBADGER, *args],
        env=dict(env) if env is not None else None,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


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


__all__ = ["TASKBADGER", "RunCLI", "run_taskbadger", "taskbadger"]
