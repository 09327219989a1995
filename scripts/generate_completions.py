"""Writes the shell completion scripts in completions/ from the taskbadger app.

The scripts are static: they list the commands, options and choices as they
are now, so completing costs no Python start-up. Run this after changing a
command; the test suite fails while the committed scripts are stale.

Usage:
    python scripts/generate_completions.py          # rewrite the scripts
    python scripts/generate_completions.py --check  # exit 1 if any is stale
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from taskbadger_cli.app import app

COMPLETIONS = Path(__file__).resolve().parent.parent / "completions"
PROGRAM = "taskbadger"
HEADER = "taskbadger completion for {shell}; written by scripts/generate_completions.py"
HELP_OPTION_HELP = "Show this message and exit."


@dataclass(frozen=True)
class Option:
    """One option as the shells need it."""

    names: tuple[str, ...]
    takes_value: bool
    repeatable: bool
    choices: tuple[str, ...]
    help: str

    @property
    def short(self) -> list[str]:
        """The one-letter names, without the dash."""
        return [n[1:] for n in self.names if len(n) == 2 and n[1] != "-"]

    @property
    def long(self) -> list[str]:
        """The long names, without the dashes."""
        return [n[2:] for n in self.names if n.startswith("--")]


@dataclass(frozen=True)
class Command:
    """A subcommand, its options, and whether it runs another command."""

    name: str
    help: str
    options: tuple[Option, ...]
    runs_command: bool


def describe() -> tuple[tuple[Option, ...], tuple[Command, ...]]:
    """The global options and the commands of the app."""
    group: Any = typer.main.get_command(app)
    commands = tuple(
        Command(
            name=name,
            help=command.get_short_help_str(limit=80),
            options=_options(command),
            runs_command=name == "run",
        )
        for name, command in group.commands.items()
        if not command.hidden
    )
    return _options(group), commands


def _options(command: Any) -> tuple[Option, ...]:
    found = []
    for param in command.params:
        if param.param_type_name != "option" or param.hidden:
            continue
        choices = getattr(param.type, "choices", None) or ()
        found.append(
            Option(
                names=(*param.opts, *param.secondary_opts),
                takes_value=not param.is_flag,
                repeatable=bool(param.multiple),
                choices=tuple(_choice_text(choice) for choice in choices),
                help=_first_sentence(param.help or ""),
            )
        )
    found.append(Option(("-h", "--help"), False, False, (), HELP_OPTION_HELP))
    return tuple(found)


def _choice_text(choice: object) -> str:
    return str(choice.value) if isinstance(choice, enum.Enum) else str(choice)


def _first_sentence(text: str) -> str:
    sentence = " ".join(text.split()).split(". ")[0]
    return sentence if sentence.endswith(".") else sentence + "."


# bash ----------------------------------------------------------------------


def bash(global_options: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    """The bash script: a function for `complete -F`."""
    valued = "|".join(n for o in global_options if o.takes_value for n in o.names)
    words = " ".join([*(c.name for c in commands), *_all_names(global_options)])
    lines = [
        f"# {HEADER.format(shell='bash')}",
        "",
        f"_{PROGRAM}() {{",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local command="" after_dashes=0 i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        "        if [[ -n $command ]]; then",
        "            [[ ${COMP_WORDS[i]} == -- ]] && after_dashes=$((i + 1))",
        "            continue",
        "        fi",
        '        case "${COMP_WORDS[i]}" in',
        f"            {valued}) ((i++)) ;;",
        "            -*) ;;",
        '            *) command="${COMP_WORDS[i]}" ;;',
        "        esac",
        "    done",
        "",
        '    case "$command" in',
        '        "")',
        f'            case "$prev" in {valued}) return ;; esac',
        f'            COMPREPLY=($(compgen -W "{words}" -- "$cur"))',
        "            ;;",
    ]
    for command in commands:
        lines += _bash_command(command)
    lines += [
        "    esac",
        "}",
        "",
        f"complete -F _{PROGRAM} {PROGRAM}",
        "",
    ]
    return "\n".join(lines)


def _bash_command(command: Command) -> list[str]:
    lines = [f"        {command.name})"]
    if command.runs_command:
        lines += [
            "            if ((after_dashes)); then",
            "                if ((COMP_CWORD == after_dashes)); then",
            '                    COMPREPLY=($(compgen -c -- "$cur"))',
            "                else",
            '                    COMPREPLY=($(compgen -f -- "$cur"))',
            "                fi",
            "                return",
            "            fi",
        ]
    cases = [
        f"                {'|'.join(option.names)}) COMPREPLY=($(compgen -W "
        f'"{" ".join(option.choices)}" -- "$cur")); return ;;'
        for option in command.options
        if option.choices
    ]
    valued = [
        name
        for option in command.options
        if option.takes_value and not option.choices
        for name in option.names
    ]
    if valued:
        cases.append(f"                {'|'.join(valued)}) return ;;")
    if cases:
        lines += ['            case "$prev" in', *cases, "            esac"]
    names = " ".join(_all_names(command.options))
    lines += [
        "            if [[ $cur == -* ]]; then",
        f'                COMPREPLY=($(compgen -W "{names}" -- "$cur"))',
        "            fi",
        "            ;;",
    ]
    return lines


def _all_names(options: tuple[Option, ...]) -> list[str]:
    return [name for option in options for name in option.names]


# zsh -----------------------------------------------------------------------


def zsh(global_options: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    """The zsh script, for a directory on $fpath."""
    lines = [
        f"#compdef {PROGRAM}",
        f"# {HEADER.format(shell='zsh')}",
        "",
        f"_{PROGRAM}() {{",
        '    local curcontext="$curcontext" state line',
        "    typeset -A opt_args",
        "    _arguments -C \\",
        *(f"        {spec} \\" for spec in _zsh_specs(global_options)),
        "        '1:command:->command' \\",
        "        '*::argument:->argument'",
        "",
        "    case $state in",
        "        command)",
        "            local -a commands",
        "            commands=(",
        *(
            f"                {_zsh_quote(c.name + ':' + _zsh_escape(c.help))}"
            for c in commands
        ),
        "            )",
        f"            _describe -t commands '{PROGRAM} command' commands",
        "            ;;",
        "        argument)",
        "            case $line[1] in",
    ]
    for command in commands:
        rest = "'*::command:_normal'" if command.runs_command else "'*: :'"
        specs = [*_zsh_specs(command.options), rest]
        lines.append(f"                {command.name})")
        lines.append("                    _arguments \\")
        lines += [f"                        {spec} \\" for spec in specs[:-1]]
        lines.append(f"                        {specs[-1]}")
        lines.append("                    ;;")
    lines += [
        "            esac",
        "            ;;",
        "    esac",
        "}",
        "",
        f'_{PROGRAM} "$@"',
        "",
    ]
    return "\n".join(lines)


def _zsh_specs(options: tuple[Option, ...]) -> list[str]:
    specs = []
    for option in options:
        exclusive = option.names[0] in ("--version", "--help", "-h")
        if exclusive:
            prefix = "(- *)"
        elif option.repeatable:
            prefix = "*"
        else:
            prefix = f"({' '.join(option.names)})" if len(option.names) > 1 else ""
        value = ""
        if option.takes_value:
            choices = f"({' '.join(option.choices)})" if option.choices else ""
            value = f":{option.names[0].lstrip('-')}:{choices}"
        description = f"[{_zsh_escape(option.help)}]"
        if len(option.names) > 1:
            names = "{" + ",".join(option.names) + "}"
            specs.append(
                f"{_zsh_quote(prefix)}{names}{_zsh_quote(description + value)}"
            )
        else:
            specs.append(_zsh_quote(prefix + option.names[0] + description + value))
    return specs


def _zsh_escape(text: str) -> str:
    for character in "\\[]:":
        text = text.replace(character, "\\" + character)
    return text


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# fish ----------------------------------------------------------------------


def fish(global_options: tuple[Option, ...], commands: tuple[Command, ...]) -> str:
    """The fish script, for ~/.config/fish/completions/."""
    names = " ".join(command.name for command in commands)
    top = f"not __fish_seen_subcommand_from {names}"
    lines = [
        f"# {HEADER.format(shell='fish')}",
        "",
        f"complete -c {PROGRAM} -f",
    ]
    lines += [_fish_option(top, option) for option in global_options]
    lines += [
        f"complete -c {PROGRAM} -n '{top}' -a {c.name} -d {_fish_quote(c.help)}"
        for c in commands
    ]
    for command in commands:
        condition = f"__fish_seen_subcommand_from {command.name}"
        lines.append("")
        lines += [_fish_option(condition, option) for option in command.options]
        if command.runs_command:
            lines.append(f"complete -c {PROGRAM} -n '{condition}' -F")
    lines.append("")
    return "\n".join(lines)


def _fish_option(condition: str, option: Option) -> str:
    parts = [f"complete -c {PROGRAM} -n '{condition}'"]
    parts += [f"-s {name}" for name in option.short]
    parts += [f"-l {name}" for name in option.long]
    if option.takes_value:
        parts.append("-x")
    if option.choices:
        parts.append(f"-a {_fish_quote(' '.join(option.choices))}")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------------------


def render_all() -> dict[str, str]:
    """Every script's file name and content."""
    global_options, commands = describe()
    return {
        f"{PROGRAM}.bash": bash(global_options, commands),
        f"_{PROGRAM}": zsh(global_options, commands),
        f"{PROGRAM}.fish": fish(global_options, commands),
    }


def stale_files(directory: Path = COMPLETIONS) -> list[str]:
    """The scripts in ``directory`` that differ from what the app generates."""
    stale = []
    for name, content in render_all().items():
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(name)
    return stale


def main(argv: list[str]) -> int:
    """Writes the scripts, or with ``--check`` reports the stale ones."""
    if argv == ["--check"]:
        stale = stale_files()
        for name in stale:
            print(
                f"completions/{name} is stale: run python "
                "scripts/generate_completions.py",
                file=sys.stderr,
            )
        return 1 if stale else 0
    COMPLETIONS.mkdir(exist_ok=True)
    for name, content in render_all().items():
        (COMPLETIONS / name).write_text(content, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
