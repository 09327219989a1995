"""``configure`` writes the config file; ``info`` shows the effective settings."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from taskbadger._settings import parse_project_key
from taskbadger_cli import output
from taskbadger_cli.config import (
    Config,
    ConfigFile,
    Options,
    Setting,
    config_path,
    load_config,
    read_config_file,
    write_config_file,
)
from taskbadger_cli.errors import CLIError, UsageError

# Enough of the token to tell two keys apart, too little to use it.
VISIBLE_TOKEN_CHARACTERS = 4
MASK = "****"


def register(app: typer.Typer) -> None:
    """Adds the configuration commands to the app."""
    app.command("configure")(configure)
    app.command("info")(info)


def configure(
    ctx: typer.Context,
    token_stdin: Annotated[
        bool,
        typer.Option(
            "--token-stdin",
            help="Read the API key from stdin instead of asking for it.",
        ),
    ] = False,
    host: Annotated[
        str | None,
        typer.Option(
            "--host", metavar="URL", help="The API's address, if not the default."
        ),
    ] = None,
    org: Annotated[
        str | None,
        typer.Option("--org", "-o", help="Organization slug (legacy keys only)."),
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Project slug (legacy keys only)."),
    ] = None,
) -> None:
    """Save the API key, and for a legacy key the organization and project.

    A project key carries its organization and project. A legacy key needs
    them from --org and --project, or asks for them. The key is never shown.

    Example: printf '%s' "$TASKBADGER_KEY" | taskbadger configure --token-stdin
    """
    options: Options = ctx.obj
    if host is not None and not host.startswith(("http://", "https://")):
        raise UsageError(f"--host {host!r} is not a URL: give it as https://host.")
    token = _read_token(token_stdin)
    key = parse_project_key(token)
    # The slugs are accepted before or after the command name alike.
    org, project = org or options.org, project or options.project
    if key is None:
        org = org or _ask("Organization slug", token_stdin, "--org")
        project = project or _ask("Project slug", token_stdin, "--project")

    existing = _existing_file()
    auth = {"token": token}
    if host or existing.host:
        auth["host"] = host or existing.host or ""
    defaults = {"org": org, "project": project}
    path = config_path()
    write_config_file(
        path,
        {
            "defaults": {name: val for name, val in defaults.items() if val},
            "auth": auth,
            "tags": existing.tags,
        },
    )
    org_shown = org or (key.organization if key else "")
    project_shown = project or (key.project if key else "")
    output.info(
        f"saved the configuration to {path} "
        f"(organization {org_shown}, project {project_shown})"
    )


def _read_token(from_stdin: bool) -> str:
    if from_stdin:
        token = sys.stdin.read().strip()
    elif sys.stdin.isatty():
        token = typer.prompt(
            "API key (input is hidden)", hide_input=True, err=True
        ).strip()
    else:
        raise UsageError(
            "There is no terminal to ask for the API key on: pipe it in with "
            "--token-stdin."
        )
    if not token:
        raise UsageError("The API key is empty: give the key from your project.")
    if any(character.isspace() for character in token):
        raise UsageError(
            "The API key contains spaces or line breaks: give the key alone."
        )
    return token


def _ask(question: str, token_stdin: bool, option: str) -> str:
    """Asks for a slug a legacy key needs, when there is a terminal to ask on."""
    if token_stdin or not sys.stdin.isatty():
        raise UsageError(
            "The API key is a legacy key, so it needs the organization and "
            "project: run 'taskbadger --org ORG --project PROJECT configure' "
            f"(missing {option})."
        )
    answer: str = typer.prompt(question, err=True).strip()
    if not answer:
        raise UsageError(f"No answer given: pass {option} instead.")
    return answer


def _existing_file() -> ConfigFile:
    """The current file, whose host and tags are kept; a broken one is replaced."""
    try:
        return read_config_file()
    except CLIError as exc:
        output.warning(f"replacing the config file: {exc}")
        return ConfigFile(config_path())


def info(ctx: typer.Context) -> None:
    """Show the effective settings and where each one comes from.

    Options win over environment variables, which win over the config file.
    The API key is masked to its last four characters.

    Example: TASKBADGER_ORG=acme taskbadger info
    """
    config = load_config(ctx.obj)
    rows = _info_rows(config)
    width = max(len(value) for _, value, _ in rows)
    for label, value, source in rows:
        output.result(f"{label:<14}{value:<{width}}  ({source})")


def _info_rows(config: Config) -> list[tuple[str, str, str]]:
    file = config.file
    file_state = "found" if file.exists else "not found"
    tags = ", ".join(f"{key}={val}" for key, val in sorted(config.tags.items()))
    return [
        ("config file", str(file.path), file_state),
        ("api key", _mask(config.token.value), config.token.describe()),
        ("organization", _shown(config.org), config.org.describe()),
        ("project", _shown(config.project), config.project.describe()),
        ("host", _shown(config.host), config.host.describe()),
        ("tags", tags or "-", str(config.tags_source)),
    ]


def _shown(setting: Setting) -> str:
    return setting.value or "-"


def _mask(token: str | None) -> str:
    if not token:
        return "-"
    if len(token) <= 2 * VISIBLE_TOKEN_CHARACTERS:
        return MASK
    return MASK + token[-VISIBLE_TOKEN_CHARACTERS:]
