"""Running the installed ``taskbadger`` command from tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

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
