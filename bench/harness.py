"""What every benchmark shares: the two clients, a sealed environment, timing, rows.

Each benchmark runs this project's client and the official client side by side in
the same run, alternating between them, and compares medians. Background load on
the machine then slows both alike and mostly cancels out of the ratio.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
OURS_VENV = PROJECT_DIR / ".venv"
OFFICIAL_VENV = BENCH_DIR / ".official-venv"

OFFICIAL_VERSION = "2.6.0"
OFFICIAL_REQUIREMENTS = (
    f"taskbadger=={OFFICIAL_VERSION}",
    # The official CLI cannot parse `run` with the newest Typer.
    "typer<0.16",
    "celery[redis]",
)
# Written after a complete install; holds the requirements it was made from, so a
# changed list or an interrupted install leads to a fresh install.
OFFICIAL_STAMP = OFFICIAL_VENV / ".bench-requirements"

# A proxy address where nothing listens. Every benchmark subprocess gets it for
# all hosts but loopback, so a request meant for the hosted service fails at once
# instead of leaving the machine.
DEAD_PROXY = "http://127.0.0.1:9"


class BenchError(Exception):
    """A benchmark could not run; the message says what failed."""


@dataclass(frozen=True)
class Client:
    """One of the two Task Badger clients, installed in its own virtualenv."""

    label: str
    venv: Path

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def command(self, name: str) -> str:
        """The path of a console script installed in this client's virtualenv."""
        return str(self.venv / "bin" / name)


OURS = Client("ours", OURS_VENV)
OFFICIAL = Client("official", OFFICIAL_VENV)


def ensure_official_venv(log: Callable[[str], None]) -> None:
    """Create the official client's virtualenv unless it is installed already."""
    wanted = "\n".join(OFFICIAL_REQUIREMENTS)
    if OFFICIAL_STAMP.is_file() and OFFICIAL_STAMP.read_text() == wanted:
        return

    log(f"installing the official client into {OFFICIAL_VENV} (first run only)")
    run_checked([sys.executable, "-m", "venv", "--clear", str(OFFICIAL_VENV)])
    pip = [OFFICIAL.command("pip"), "install", "--quiet", "--disable-pip-version-check"]
    run_checked([*pip, *OFFICIAL_REQUIREMENTS])
    OFFICIAL_STAMP.write_text(wanted)


def run_checked(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
    cwd: Path | None = None,
) -> str:
    """Run a command to completion and return its stdout; fail loudly on error."""
    try:
        done = subprocess.run(
            argv,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"{argv[0]} did not finish within {timeout:.0f} s") from None
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-5:]
        raise BenchError(
            f"{' '.join(argv[:3])} exited with {done.returncode}: " + " / ".join(tail)
        )
    return done.stdout


def run_json(
    argv: Sequence[str], env: Mapping[str, str], timeout: float = 600
) -> dict[str, Any]:
    """Run a helper script that prints one JSON object as its last line."""
    stdout = run_checked(argv, env=env, timeout=timeout, cwd=BENCH_DIR)
    lines = stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"{argv[1]} printed no result")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def sealed_env(
    home: Path, api_env: Mapping[str, str], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """An environment that sees only the local API server and a private home.

    The user's own environment and config files never leak in: the home and the
    config directory are ``home``, and the official CLI finds its config file
    there with the local server as its host.
    """
    config_home = home / ".config"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(config_home),
        "HTTP_PROXY": DEAD_PROXY,
        "HTTPS_PROXY": DEAD_PROXY,
        "ALL_PROXY": DEAD_PROXY,
        "NO_PROXY": "127.0.0.1,localhost",
        **api_env,
        **(extra or {}),
    }
    _write_official_config(config_home / "taskbadger" / "config", api_env)
    return {name: value for name, value in env.items() if value}


def _write_official_config(path: Path, api_env: Mapping[str, str]) -> None:
    # The official CLI reads its host only from this file, never from the
    # environment; without it, it would talk to the hosted service.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[defaults]\n"
        f'org = "{api_env["TASKBADGER_ORG"]}"\n'
        f'project = "{api_env["TASKBADGER_PROJECT"]}"\n'
        "[auth]\n"
        f'token = "{api_env["TASKBADGER_API_KEY"]}"\n'
        f'host = "{api_env["TASKBADGER_HOST"]}"\n'
    )


@dataclass
class Context:
    """What a benchmark gets from the runner.

    Attributes:
        server: The local API server, started by the runner (``APIServer``).
        home: A private home directory for the clients' config files.
        quick: Use small sizes and few repeats.
        log: Prints a progress line on stderr.
        celery_tasks: How many Celery tasks to time, when not the default.
    """

    server: Any
    home: Path
    quick: bool
    log: Callable[[str], None]
    celery_tasks: int | None = None

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A sealed environment pointing both clients at the local server."""
        return sealed_env(self.home, self.server.environ(), extra)

    def repeats(self, full: int, quick: int = 3) -> int:
        return quick if self.quick else full

    def create_task(self, name: str) -> str:
        """Create a task on the local server directly, without either client."""
        _, _, secret = base64.b64decode(self.server.project_key).decode().split("/")
        path = f"/api/{self.server.organization}/{self.server.project}/tasks/"
        response = httpx.post(
            self.server.url + path,
            json={"name": name, "status": "processing"},
            headers={"Authorization": f"Bearer {secret}"},
        )
        response.raise_for_status()
        task_id: str = response.json()["id"]
        return task_id


def interleave(
    repeats: int, runs: Mapping[str, Callable[[], float]], *, warm_up: bool = False
) -> dict[str, list[float]]:
    """Run each measurement ``repeats`` times, alternating between them.

    The order flips on every round (A B, B A, A B...), so a slow spell on the
    machine hits both sides equally often. With ``warm_up``, each runs once
    first, unrecorded: that run pays for writing bytecode caches.
    """
    if warm_up:
        for run in runs.values():
            run()
    samples: dict[str, list[float]] = {label: [] for label in runs}
    labels = list(runs)
    for round_number in range(repeats):
        order = labels if round_number % 2 == 0 else labels[::-1]
        for label in order:
            samples[label].append(runs[label]())
    return samples


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def stopwatch(action: Callable[[], object]) -> float:
    """Seconds ``action`` took, by the monotonic high-resolution clock."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Goal:
    """A target for one column of a row, e.g. ``ratio <= 0.70``."""

    column: str
    operator: str
    limit: float
    unit: str = ""

    def met(self, row: Row) -> bool | None:
        value = getattr(row, self.column)
        if value is None:
            return None
        checks = {
            "<": value < self.limit,
            "<=": value <= self.limit,
            ">": value > self.limit,
            ">=": value >= self.limit,
        }
        return checks[self.operator]

    def __str__(self) -> str:
        return f"{self.column} {self.operator} {format_value(self.limit, self.unit)}"


@dataclass(frozen=True)
class Row:
    """One line of the results table.

    ``ratio`` is ours divided by official unless the benchmark says otherwise;
    ``note`` explains a missing value or how the row was measured.
    """

    line: str
    benchmark: str
    unit: str
    ours: float | None
    official: float | None
    ratio: float | None = None
    goal: Goal | None = None
    note: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "benchmark": self.benchmark,
            "unit": self.unit,
            "ours": self.ours,
            "official": self.official,
            "ratio": self.ratio,
            "goal": None if self.goal is None else str(self.goal),
            "met": self.met,
            "note": self.note,
            "samples": self.samples,
        }


def compared(
    line: str,
    benchmark: str,
    unit: str,
    samples: Mapping[str, Sequence[float]],
    goal: Goal | None = None,
    note: str = "",
) -> Row:
    """A row from interleaved samples: medians of each side and their ratio."""
    ours = median(samples["ours"])
    official = median(samples["official"])
    return Row(
        line=line,
        benchmark=benchmark,
        unit=unit,
        ours=ours,
        official=official,
        ratio=ours / official if official else None,
        goal=goal,
        note=note,
        samples={label: list(values) for label, values in samples.items()},
    )


def pending(line: str, benchmark: str, goal: Goal | None, reason: str) -> Row:
    """A row for a benchmark that cannot run yet, saying why."""
    return Row(line, benchmark, "", None, None, goal=goal, note=f"pending: {reason}")


def format_value(value: float | None, unit: str) -> str:
    """A number for the table: seconds as ms or s, ratios with x, counts as is."""
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "req":
        return f"{value:.0f} req"
    return f"{value:.1f} {unit}"
