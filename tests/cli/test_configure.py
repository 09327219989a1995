"""`taskbadger configure`: asking for the key, and writing the config file."""

from __future__ import annotations

import base64
import os
import pty
import stat
import subprocess
import termios
import time
from pathlib import Path

import pytest
from cli_runner import TASKBADGER, run_taskbadger

from taskbadger.testing import APIServer

PROJECT_KEY = base64.b64encode(b"acme/backups/s3cret-value").decode()
LEGACY_KEY = "legacy-key-0123456789"


@pytest.fixture
def config_file(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Where configure writes: a file in a directory that does not exist yet."""
    path = tmp_path / "settings" / "taskbadger.toml"
    monkeypatch.setenv("TASKBADGER_CONFIG", str(path))
    return path


def test_a_project_key_from_stdin_is_written_with_nothing_else(
    config_file: Path,
) -> None:
    result = run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        f"taskbadger: saved the configuration to {config_file} "
        "(organization acme, project backups)\n",
    )
    assert config_file.read_text() == f'[auth]\ntoken = "{PROJECT_KEY}"\n'


def test_the_file_is_readable_only_by_its_owner(config_file: Path) -> None:
    run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)

    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_a_new_directory_is_private(config_file: Path) -> None:
    run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)

    assert stat.S_IMODE(config_file.parent.stat().st_mode) == 0o700


def test_rewriting_leaves_no_temporary_files(config_file: Path) -> None:
    run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)
    run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)

    assert os.listdir(config_file.parent) == [config_file.name]


def test_a_legacy_key_takes_the_organization_and_project_options(
    config_file: Path,
) -> None:
    result = run_taskbadger(
        "--org", "acme", "-p", "jobs", "configure", "--token-stdin", input=LEGACY_KEY
    )

    assert result.returncode == 0
    assert config_file.read_text() == (
        f'[defaults]\norg = "acme"\nproject = "jobs"\n\n'
        f'[auth]\ntoken = "{LEGACY_KEY}"\n'
    )


def test_the_slug_options_also_work_after_the_command_name(config_file: Path) -> None:
    result = run_taskbadger(
        "configure", "--token-stdin", "--org", "acme", "-p", "jobs", input=LEGACY_KEY
    )

    assert result.returncode == 0
    assert config_file.read_text() == (
        f'[defaults]\norg = "acme"\nproject = "jobs"\n\n'
        f'[auth]\ntoken = "{LEGACY_KEY}"\n'
    )


def test_a_legacy_key_from_stdin_without_slugs_is_refused(config_file: Path) -> None:
    result = run_taskbadger("configure", "--token-stdin", input=LEGACY_KEY)

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: The API key is a legacy key, so it needs the "
        "organization and project: run 'taskbadger --org ORG --project PROJECT "
        "configure' (missing --org).\n",
    )
    assert not config_file.exists()


def test_without_a_terminal_the_key_must_come_from_stdin(config_file: Path) -> None:
    result = run_taskbadger("configure", input="")

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: There is no terminal to ask for the API key on: "
        "pipe it in with --token-stdin.\n",
    )


def test_an_empty_key_is_refused(config_file: Path) -> None:
    result = run_taskbadger("configure", "--token-stdin", input="\n")

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: The API key is empty: give the key from your project.\n",
    )


def test_the_host_option_is_written(config_file: Path) -> None:
    run_taskbadger(
        "configure", "--token-stdin", "--host", "http://127.0.0.1:9", input=PROJECT_KEY
    )

    assert config_file.read_text() == (
        f'[auth]\ntoken = "{PROJECT_KEY}"\nhost = "http://127.0.0.1:9"\n'
    )


def test_a_host_that_is_not_a_url_is_refused(config_file: Path) -> None:
    result = run_taskbadger(
        "configure", "--token-stdin", "--host", "example", input=PROJECT_KEY
    )

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: --host 'example' is not a URL: give it as https://host.\n",
    )


def test_existing_host_and_tags_are_kept(config_file: Path) -> None:
    config_file.parent.mkdir()
    config_file.write_text(
        '[auth]\ntoken = "old"\nhost = "http://127.0.0.1:9"\n[tags]\nteam = "ops"\n'
    )

    run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)

    assert config_file.read_text() == (
        f'[auth]\ntoken = "{PROJECT_KEY}"\nhost = "http://127.0.0.1:9"\n\n'
        '[tags]\nteam = "ops"\n'
    )


def test_a_broken_file_is_replaced_with_a_warning(config_file: Path) -> None:
    config_file.parent.mkdir()
    config_file.write_text("not toml")

    result = run_taskbadger("configure", "--token-stdin", input=PROJECT_KEY)

    assert result.returncode == 0
    assert result.stderr.startswith(
        "taskbadger: warning: replacing the config file: The config file "
    )
    assert config_file.read_text() == f'[auth]\ntoken = "{PROJECT_KEY}"\n'


def test_the_written_file_is_used_by_later_commands(
    taskbadger_server: APIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("API_KEY", "ORG", "PROJECT", "HOST"):
        monkeypatch.delenv(f"TASKBADGER_{name}")
    run_taskbadger(
        "configure",
        "--token-stdin",
        "--host",
        taskbadger_server.url,
        input=taskbadger_server.project_key,
    )

    result = run_taskbadger("create", "after-configure", "-q")

    assert result.returncode == 0, result.stderr
    assert taskbadger_server.last_task("after-configure") is not None


def wait_for_hidden_input(terminal: int) -> None:
    """Waits until the terminal stops echoing: answers typed before are discarded."""
    deadline = time.monotonic() + 30
    while termios.tcgetattr(terminal)[3] & termios.ECHO:
        assert time.monotonic() < deadline, "the prompt never hid its input"
        time.sleep(0.01)


def run_in_terminal(*args: str, answers: list[str], hidden: int = 1) -> str:
    """Runs the command on a pseudo-terminal, answering each prompt in turn.

    The first ``hidden`` answers go to prompts that hide their input.
    """
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [TASKBADGER, *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,  # no controlling terminal: prompts use stdin
    )
    os.close(follower)
    transcript = b""
    for number, answer in enumerate(answers):
        while not transcript.rstrip().endswith(b":"):
            transcript += os.read(leader, 1024)
        if number < hidden:
            wait_for_hidden_input(leader)
        os.write(leader, answer.encode() + b"\n")
        transcript += b"|"  # marks where an answer was given
    while True:
        try:
            chunk = os.read(leader, 1024)
        except OSError:  # the terminal closes when the command exits
            break
        if not chunk:
            break
        transcript += chunk
    process.wait(timeout=30)
    os.close(leader)
    return transcript.decode()


def test_the_prompted_key_is_not_echoed(config_file: Path) -> None:
    transcript = run_in_terminal("configure", answers=[PROJECT_KEY])

    assert "API key (input is hidden):" in transcript
    assert PROJECT_KEY not in transcript
    assert config_file.read_text() == f'[auth]\ntoken = "{PROJECT_KEY}"\n'


def test_a_prompted_legacy_key_asks_for_organization_and_project(
    config_file: Path,
) -> None:
    transcript = run_in_terminal("configure", answers=[LEGACY_KEY, "acme", "jobs"])

    assert "Organization slug:" in transcript
    assert "Project slug:" in transcript
    assert LEGACY_KEY not in transcript
    assert config_file.read_text() == (
        f'[defaults]\norg = "acme"\nproject = "jobs"\n\n'
        f'[auth]\ntoken = "{LEGACY_KEY}"\n'
    )
