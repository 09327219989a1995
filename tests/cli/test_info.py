"""`taskbadger info`: the effective settings and where each came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import run_taskbadger

from taskbadger.testing import APIServer


def test_info_shows_each_setting_and_its_source(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    key = taskbadger_server.project_key
    url = taskbadger_server.url
    width = len(f"{tmp_path / 'taskbadger.toml'}")

    result = run_taskbadger("--org", "acme", "info")

    rows = [
        ("config file", str(tmp_path / "taskbadger.toml"), "not found"),
        ("api key", f"****{key[-4:]}", "environment: TASKBADGER_API_KEY"),
        ("organization", "acme", "option: --org"),
        ("project", "backups", "environment: TASKBADGER_PROJECT"),
        ("host", url, "environment: TASKBADGER_HOST"),
        ("tags", "-", "not set"),
    ]
    expected = "".join(f"{a:<14}{b:<{width}}  ({c})\n" for a, b, c in rows)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


def test_info_never_shows_the_token(taskbadger_server: APIServer) -> None:
    result = run_taskbadger("info")

    assert taskbadger_server.project_key not in result.stdout + result.stderr
    assert "local-secret-token" not in result.stdout + result.stderr


def test_a_project_key_supplies_organization_and_project(
    clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKBADGER_API_KEY", "YWNtZS9qb2JzL3NlY3JldA==")  # acme/jobs

    result = run_taskbadger("info")

    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert lines[2:4] == ["organization acme (API key)", "project jobs (API key)"]


def test_info_works_before_configure(clean_env: None, tmp_path: Path) -> None:
    result = run_taskbadger("info")

    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert result.returncode == 0
    assert lines[1:] == [
        "api key - (not set)",
        "organization - (not set)",
        "project - (not set)",
        "host https://taskbadger.net (default)",
        "tags - (not set)",
    ]


def test_tags_come_from_the_file(
    clean_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "absent.toml"
    path.write_text('[tags]\nteam = "ops"\nenvironment = "prod"\n')

    result = run_taskbadger("info")

    assert " ".join(result.stdout.splitlines()[-1].split()) == (
        "tags environment=prod, team=ops (file)"
    )
