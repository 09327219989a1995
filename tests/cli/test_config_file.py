"""The config file: where it lives, precedence, and the errors a bad one gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_runner import run_taskbadger

from taskbadger.testing import APIServer

SETTINGS = ("TASKBADGER_API_KEY", "TASKBADGER_ORG", "TASKBADGER_PROJECT")


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The path TASKBADGER_CONFIG names, not yet written."""
    path = tmp_path / "taskbadger.toml"
    monkeypatch.setenv("TASKBADGER_CONFIG", str(path))
    return path


@pytest.fixture
def file_only(
    taskbadger_server: APIServer, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> APIServer:
    """The server, known to the command only through the config file."""
    for name in (*SETTINGS, "TASKBADGER_HOST"):
        monkeypatch.delenv(name)
    config_file.write_text(
        f'[auth]\ntoken = "{taskbadger_server.project_key}"\n'
        f'host = "{taskbadger_server.url}"\n'
    )
    return taskbadger_server


def info_line(output: str, label: str) -> str:
    """The line of `taskbadger info` for one setting, spaces collapsed."""
    line = next(line for line in output.splitlines() if line.startswith(label))
    return " ".join(line.split())


def test_token_and_host_from_the_file_reach_the_server(file_only: APIServer) -> None:
    result = run_taskbadger("create", "from-file", "-q")

    assert result.returncode == 0, result.stderr
    assert file_only.last_task("from-file") is not None


def test_tags_from_the_file_are_added_to_created_tasks(
    file_only: APIServer, config_file: Path
) -> None:
    with config_file.open("a") as stream:
        stream.write('[tags]\nenvironment = "production"\n')

    run_taskbadger("create", "tagged", "-q")

    task = file_only.last_task("tagged")
    assert task is not None
    assert task["tags"] == {"environment": "production"}


def test_environment_wins_over_the_file(
    config_file: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKBADGER_CONFIG", str(config_file))
    config_file.write_text('[defaults]\norg = "from-file"\n')
    monkeypatch.setenv("TASKBADGER_ORG", "from-env")

    result = run_taskbadger("info")

    assert info_line(result.stdout, "organization") == (
        "organization from-env (environment: TASKBADGER_ORG)"
    )


def test_option_wins_over_the_environment(
    config_file: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKBADGER_CONFIG", str(config_file))
    config_file.write_text('[defaults]\nproject = "from-file"\n')
    monkeypatch.setenv("TASKBADGER_PROJECT", "from-env")

    result = run_taskbadger("--project", "from-option", "info")

    assert info_line(result.stdout, "project") == (
        "project from-option (option: --project)"
    )


def test_the_file_is_used_when_nothing_else_is_set(
    config_file: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKBADGER_CONFIG", str(config_file))
    config_file.write_text('[defaults]\norg = "from-file"\n')

    result = run_taskbadger("info")

    assert info_line(result.stdout, "organization") == (
        f"organization from-file (file: {config_file})"
    )


def test_a_project_key_in_the_environment_wins_over_the_files_slugs(
    taskbadger_server: APIServer, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("TASKBADGER_ORG", "TASKBADGER_PROJECT"):
        monkeypatch.delenv(name)
    config_file.write_text(
        '[defaults]\norg = "oldorg"\nproject = "oldproj"\n\n'
        '[auth]\ntoken = "legacy-token"\n'
    )

    result = run_taskbadger("create", "keyed", "-q")

    assert result.returncode == 0, result.stderr
    assert taskbadger_server.requests[-1].path == "/api/acme/backups/tasks/"


def test_the_option_wins_in_the_request_path(taskbadger_server: APIServer) -> None:
    result = run_taskbadger("--org", "elsewhere", "get", "abc")

    assert result.returncode == 1
    assert taskbadger_server.requests[-1].path == "/api/elsewhere/backups/tasks/abc/"


@pytest.fixture
def config_home(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """An empty XDG config directory, with TASKBADGER_CONFIG unset."""
    monkeypatch.delenv("TASKBADGER_CONFIG")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    directory = tmp_path / "xdg" / "taskbadger"
    directory.mkdir(parents=True)
    return directory


def test_the_default_file_is_in_the_xdg_config_directory(config_home: Path) -> None:
    (config_home / "config.toml").write_text('[defaults]\norg = "xdg"\n')

    result = run_taskbadger("info")

    assert info_line(result.stdout, "config file") == (
        f"config file {config_home / 'config.toml'} (found)"
    )
    assert info_line(result.stdout, "organization") == (
        f"organization xdg (file: {config_home / 'config.toml'})"
    )


def test_without_xdg_the_file_is_under_home_dot_config(
    config_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME")

    result = run_taskbadger("info")

    expected = tmp_path / "home" / ".config" / "taskbadger" / "config.toml"
    assert info_line(result.stdout, "config file") == (
        f"config file {expected} (not found)"
    )


def test_the_earlier_clis_file_is_read_when_there_is_no_new_one(
    config_home: Path,
) -> None:
    (config_home / "config").write_text(
        '[defaults]\norg = "old"\nproject = "jobs"\n[auth]\ntoken = "legacy-key"\n'
    )

    result = run_taskbadger("info")

    assert info_line(result.stdout, "organization") == (
        f"organization old (file: {config_home / 'config'})"
    )


def test_the_new_file_wins_over_the_earlier_clis_file(config_home: Path) -> None:
    (config_home / "config").write_text('[defaults]\norg = "old"\n')
    (config_home / "config.toml").write_text('[defaults]\norg = "new"\n')

    result = run_taskbadger("info")

    assert info_line(result.stdout, "organization") == (
        f"organization new (file: {config_home / 'config.toml'})"
    )


def run_with_config(path: Path, content: str | bytes) -> tuple[int, str, str]:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = run_taskbadger("create", "never-sent", "-q")
    return result.returncode, result.stdout, result.stderr


def test_a_file_that_is_not_toml_names_the_file_and_line(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    outcome = run_with_config(config_file, '[auth]\ntoken = "abc\n')

    assert outcome == (
        2,
        "",
        f"taskbadger: error: The config file {config_file} is not valid TOML: "
        "Illegal character '\\n' (at line 2, column 13). Fix it or run "
        "'taskbadger configure' to write a new one.\n",
    )
    assert taskbadger_server.request_count == 0


def test_an_unknown_key_names_the_key_and_what_is_allowed(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    outcome = run_with_config(config_file, '[auth]\napi_key = "abc"\n')

    assert outcome == (
        2,
        "",
        f"taskbadger: error: The config file {config_file} has an unknown key "
        "'auth.api_key'. Allowed: [defaults] org, project; "
        "[auth] token, host; [tags] any tag name.\n",
    )
    assert taskbadger_server.request_count == 0


def test_an_unknown_table_is_an_error(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    returncode, _, stderr = run_with_config(config_file, '[server]\nurl = "x"\n')

    assert returncode == 2
    assert "has an unknown table [server]. Allowed" in stderr


def test_a_value_that_is_not_a_string_is_an_error(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    returncode, _, stderr = run_with_config(config_file, "[tags]\nbuild = 12\n")

    assert returncode == 2
    assert stderr == (
        f"taskbadger: error: The config file {config_file} has 'tags.build' "
        "that is not a string. Allowed: [defaults] org, project; "
        "[auth] token, host; [tags] any tag name.\n"
    )


def test_a_file_that_is_not_utf8_cannot_be_read(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    outcome = run_with_config(config_file, b"[auth]\ntoken = '\xff'\n")

    assert outcome == (
        2,
        "",
        f"taskbadger: error: Cannot read the config file {config_file}: it is not "
        "UTF-8 text. Rewrite it with 'taskbadger configure' or set "
        "TASKBADGER_CONFIG to another file.\n",
    )


def test_a_directory_in_place_of_the_file_cannot_be_read(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    config_file.mkdir()

    result = run_taskbadger("create", "never-sent")

    assert (result.returncode, result.stderr) == (
        2,
        f"taskbadger: error: Cannot read the config file {config_file}: it is a "
        "directory. Move it aside or set TASKBADGER_CONFIG to a file.\n",
    )
    assert taskbadger_server.request_count == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever the mode")
def test_an_unreadable_file_names_the_file(
    taskbadger_server: APIServer, config_file: Path
) -> None:
    config_file.write_text("")
    config_file.chmod(0)

    result = run_taskbadger("create", "never-sent")

    assert (result.returncode, result.stderr) == (
        2,
        f"taskbadger: error: Cannot read the config file {config_file}: Permission "
        "denied. Fix its permissions or set TASKBADGER_CONFIG to another file.\n",
    )
