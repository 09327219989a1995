"""The command as a whole: version, help, usage errors and exit statuses."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from cli_runner import run_taskbadger

import taskbadger
from taskbadger_cli.app import app


def _commands(
    command: typer.main.TyperGroup | typer.main.TyperCommand, path: str
) -> list[tuple[str, typer.main.TyperCommand]]:
    found = [(path, command)]
    for name, child in getattr(command, "commands", {}).items():
        found.extend(_commands(child, f"{path} {name}"))
    return found


COMMANDS = _commands(typer.main.get_command(app), "taskbadger")


def test_version_prints_the_version_on_stdout() -> None:
    result = run_taskbadger("--version")

    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"taskbadger {taskbadger.__version__}\n",
        "",
    )


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path: str, command: object) -> None:
    ctx = typer.Context(command, info_name=path)  # type: ignore[arg-type]

    assert "Example" in command.get_help(ctx)  # type: ignore[attr-defined]


def test_every_command_has_a_short_help_line() -> None:
    missing = [path for path, cmd in COMMANDS if not cmd.get_short_help_str()]

    assert missing == []


def test_short_help_option_prints_the_help_on_stdout() -> None:
    result = run_taskbadger("-h")

    assert result.returncode == 0
    assert result.stdout.startswith("Usage: taskbadger [OPTIONS] COMMAND [ARGS]...")
    assert result.stderr == ""


def test_no_command_prints_the_help_on_stderr_with_status_2() -> None:
    result = run_taskbadger()

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Usage: taskbadger [OPTIONS] COMMAND [ARGS]...")


def test_unknown_command_is_one_line_with_status_2() -> None:
    result = run_taskbadger("frobnicate")

    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        "taskbadger: error: No such command 'frobnicate'. See 'taskbadger --help'.\n",
    )


def test_mistyped_command_suggests_the_right_one() -> None:
    result = run_taskbadger("creat", "x")

    assert (result.returncode, result.stderr) == (
        2,
        "taskbadger: error: No such command 'creat'. Did you mean 'create'? "
        "See 'taskbadger --help'.\n",
    )


def test_unknown_option_names_the_command_to_get_help_for() -> None:
    result = run_taskbadger("get", "--bogus", "abc")

    assert result.returncode == 2
    assert result.stderr == (
        "taskbadger: error: No such option: --bogus. See 'taskbadger get --help'.\n"
    )


def test_missing_argument_is_a_usage_error() -> None:
    result = run_taskbadger("get")

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "taskbadger: error: Missing argument 'TASK_ID'. See 'taskbadger get --help'.\n"
    )


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["update", "abc", "--status", "success"]]
)
def test_simple_commands_load_neither_rich_nor_celery_nor_the_server(
    args: list[str],
) -> None:
    heavy = ("rich", "celery", "taskbadger.celery", "taskbadger.testing._server")
    code = (
        "import sys\n"
        "from taskbadger_cli.app import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {heavy!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    env = {"TASKBADGER_CONFIG": "/nonexistent/config.toml", "PATH": "/usr/bin"}

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert result.stdout.splitlines()[-1] == "[]"
