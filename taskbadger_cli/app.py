"""The ``taskbadger`` Typer app, its global options, and the one place that turns
errors into messages and exit statuses."""

from __future__ import annotations

import os
import sys
from typing import Annotated, NoReturn

import typer
from typer.exceptions import TyperException

import taskbadger
from taskbadger_cli import output
from taskbadger_cli.commands import configure, run, tasks, watch
from taskbadger_cli.config import Options
from taskbadger_cli.errors import CLIError, ExitStatus

HELP = """Track background jobs, cron jobs and CI steps with Task Badger.

Settings come from the options, then TASKBADGER_API_KEY, TASKBADGER_ORG,
TASKBADGER_PROJECT and TASKBADGER_HOST, then the config file written by
'taskbadger configure'.

Example: taskbadger run nightly-backup -- ./backup.sh --full
"""

# Set to show the traceback of an unexpected error instead of one line.
ENV_DEBUG = "TASKBADGER_DEBUG"

app = typer.Typer(
    name="taskbadger",
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
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
        typer.Option(
            "--org",
            "-o",
            metavar="ORG",
            help="Organization slug; a project key carries its own.",
        ),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option(
            "--project",
            "-p",
            metavar="PROJECT",
            help="Project slug; a project key carries its own.",
        ),
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
    ctx.obj = Options(org=org, project=project)


configure.register(app)
tasks.register(app)
watch.register(app)
run.register(app)


def main(argv: list[str] | None = None) -> NoReturn:
    """Runs the command line and exits with its status."""
    command = typer.main.get_command(app)
    try:
        status = command.main(args=argv, prog_name="taskbadger", standalone_mode=False)
    except TyperException as exc:
        if _is_help(exc):  # no command given: the help, as the usage error
            sys.stderr.write(exc.format_message() + "\n")
        else:
            output.error(_usage_message(exc))
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
    except BrokenPipeError:
        _close_stdout()  # the reader left, as with `taskbadger list | head`
        sys.exit(ExitStatus.OK)
    except Exception as exc:
        if os.environ.get(ENV_DEBUG):
            raise
        output.error(
            f"Unexpected {type(exc).__name__}: {exc}. Run again with "
            f"{ENV_DEBUG}=1 to see where it happened, and report it."
        )
        sys.exit(ExitStatus.FAILURE)
    sys.exit(status if isinstance(status, int) else ExitStatus.OK)


def _is_help(exc: TyperException) -> bool:
    ctx = getattr(exc, "ctx", None)
    return ctx is not None and exc.format_message() == ctx.get_help()


def _usage_message(exc: TyperException) -> str:
    """Click's usage error as one line, with where to find help."""
    message = exc.format_message().strip().rstrip(".")
    # Typer's validation prefixes some messages with the validator's wording.
    message = message.replace("Value error, ", "")
    if not message.endswith(("?", "!")):
        message += "."
    ctx = getattr(exc, "ctx", None)
    command_path = getattr(ctx, "command_path", None)
    if command_path:
        return f"{message} See '{command_path} --help'."
    return message


def _close_stdout() -> None:
    """Points stdout at /dev/null so flushing it at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
