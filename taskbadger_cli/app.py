"""The ``taskbadger`` Typer app, its global options, and the one place that turns
errors into messages and exit statuses."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer
from typer.exceptions import TyperException

import taskbadger
from taskbadger_cli import output
from taskbadger_cli.commands import run, tasks
from taskbadger_cli.config import Options
from taskbadger_cli.errors import CLIError, ExitStatus

app = typer.Typer(
    name="taskbadger",
    help="Track background jobs, cron jobs and CI steps with Task Badger.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        output.result(f"taskbadger {taskbadger.__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    org: Annotated[
        str | None,
        typer.Option("--org", "-o", help="Organization slug (legacy keys only)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Project slug (legacy keys only)."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = False,
) -> None:
    """Track background jobs, cron jobs and CI steps with Task Badger."""
    ctx.obj = Options(org=org, project=project)


tasks.register(app)
run.register(app)


def main(argv: list[str] | None = None) -> NoReturn:
    """Runs the command line and exits with its status."""
    command = typer.main.get_command(app)
    try:
        status = command.main(args=argv, prog_name="taskbadger", standalone_mode=False)
    except TyperException as exc:
        message = _usage_message(exc)
        if message:  # empty when Click has already printed the help instead
            output.error(message)
        sys.exit(exc.exit_code)
    except typer.Abort:
        output.error("Aborted.")
        sys.exit(ExitStatus.INTERRUPTED)
    except CLIError as exc:
        output.error(str(exc))
        sys.exit(exc.status)
    except taskbadger.ConfigurationError as exc:
        output.error(str(exc))
        sys.exit(ExitStatus.USAGE)
    except taskbadger.TaskbadgerException as exc:
        output.error(output.describe_api_error(exc))
        sys.exit(ExitStatus.FAILURE)
    except KeyboardInterrupt:
        sys.exit(ExitStatus.INTERRUPTED)
    sys.exit(status if isinstance(status, int) else ExitStatus.OK)


def _usage_message(exc: TyperException) -> str:
    """Click's usage error as one line, with where to find help."""
    message = exc.format_message().strip().rstrip(".")
    if not message:
        return ""
    # Typer's validation prefixes some messages with the validator's wording.
    message = message.replace("Value error, ", "")
    ctx = getattr(exc, "ctx", None)
    command_path = getattr(ctx, "command_path", None)
    if command_path:
        return f"{message}. See '{command_path} --help'."
    return f"{message}."
