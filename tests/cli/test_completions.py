"""The shell completion scripts in completions/ match the current commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPLETIONS = ROOT / "completions"


def test_the_committed_scripts_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_completions.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert (result.returncode, result.stderr) == (0, "")


def bash_complete(line: str) -> list[str]:
    """What bash offers for the last word of ``line`` (empty after a space)."""
    words = line.split(" ")
    script = (
        f"source {COMPLETIONS / 'taskbadger.bash'}\n"
        f"COMP_WORDS=({' '.join(repr(w) for w in words)})\n"
        f"COMP_CWORD={len(words) - 1}\n"
        "_taskbadger\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [word for word in result.stdout.splitlines() if word]


def test_bash_completes_command_names() -> None:
    assert bash_complete("taskbadger c") == ["configure", "create", "cancel"]


def test_bash_completes_a_commands_options_after_global_options() -> None:
    assert bash_complete("taskbadger -o acme create --value") == [
        "--value",
        "--value-max",
    ]


def test_bash_completes_status_values() -> None:
    assert bash_complete("taskbadger update --status s") == ["success", "stale"]


def test_bash_completes_the_wrapped_command_after_dashes() -> None:
    assert "bash" in bash_complete("taskbadger run backup -- bas")


@pytest.mark.parametrize(
    ("shell", "name"), [("zsh", "_taskbadger"), ("fish", "taskbadger.fish")]
)
def test_the_script_parses(shell: str, name: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    flag = "-n" if shell == "zsh" else "--no-execute"

    subprocess.run([shell, flag, str(COMPLETIONS / name)], check=True, timeout=30)


def test_bash_script_parses() -> None:
    subprocess.run(
        ["bash", "-n", str(COMPLETIONS / "taskbadger.bash")], check=True, timeout=30
    )
