"""``python -m taskbadger.testing`` as a real process: exports, serving, stopping."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import TASKS_PATH, TOKEN

COMMAND = [sys.executable, "-m", "taskbadger.testing"]
# Generous: the process only has to start Python and bind a socket.
WAIT_SECONDS = 30


class ServerProcess:
    """A running server process and the settings it printed."""

    def __init__(self, *options: str) -> None:
        self.process = subprocess.Popen(
            [*COMMAND, *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.exports = [self.process.stdout.readline() for _ in range(4)]
        self.stop_hint = self.process.stdout.readline()
        self.later_stdout = ""
        self.environ = dict(
            line.removeprefix("export ").strip().split("=", 1) for line in self.exports
        )

    @property
    def url(self) -> str:
        return self.environ["TASKBADGER_HOST"]

    def get(self, path: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.get(f"{self.url}{path}", headers=headers)

    def post(self, path: str, body: object) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers)

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        """Send a signal; return the exit status and everything on stderr."""
        self.process.send_signal(signum)
        self.later_stdout, stderr = self.process.communicate(timeout=WAIT_SECONDS)
        return self.process.returncode, stderr


@pytest.fixture
def running() -> Iterator[ServerProcess]:
    server = ServerProcess()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_prints_the_exports(running: ServerProcess) -> None:
    assert [line.split("=")[0] for line in running.exports] == [
        "export TASKBADGER_HOST",
        "export TASKBADGER_API_KEY",
        "export TASKBADGER_ORG",
        "export TASKBADGER_PROJECT",
    ]
    assert running.environ["TASKBADGER_ORG"] == "acme"
    assert running.environ["TASKBADGER_PROJECT"] == "backups"


def test_says_how_to_stop_it_in_a_comment(running: ServerProcess) -> None:
    pid = running.process.pid

    assert running.stop_hint == (
        f"# the server runs as process {pid}; stop it with: kill {pid}\n"
    )


def test_prints_nothing_more_on_stdout(running: ServerProcess) -> None:
    running.get(TASKS_PATH)
    running.stop()

    assert running.later_stdout == ""


def test_serves_the_api(running: ServerProcess) -> None:
    response = running.post(TASKS_PATH, {"name": "demo"})

    assert response.status_code == 201
    assert running.get(TASKS_PATH).json()["results"][0]["name"] == "demo"


def test_logs_each_request_to_stderr(running: ServerProcess) -> None:
    running.get(TASKS_PATH)

    _, stderr = running.stop()

    assert f"GET {TASKS_PATH} 200" in stderr
    assert TOKEN not in stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_it_cleanly(running: ServerProcess, signum: int) -> None:
    status, stderr = running.stop(signum)

    assert status == 0
    assert "Traceback" not in stderr
    assert stderr.endswith("python -m taskbadger.testing: stopped\n")


def test_options_choose_org_project_and_token() -> None:
    server = ServerProcess("--org", "o1", "--project", "p1", "--token", "t1")
    try:
        response = httpx.get(
            f"{server.url}/api/o1/p1/tasks/", headers={"Authorization": "Bearer t1"}
        )
    finally:
        server.stop()

    assert response.status_code == 200
    assert (server.environ["TASKBADGER_ORG"], server.environ["TASKBADGER_PROJECT"]) == (
        "o1",
        "p1",
    )


def test_data_file_keeps_tasks_across_a_restart(tmp_path: Path) -> None:
    data_file = str(tmp_path / "tasks.sqlite3")
    first = ServerProcess("--data-file", data_file)
    created = first.post(TASKS_PATH, {"name": "kept"}).json()
    first.stop()

    second = ServerProcess("--data-file", data_file)
    try:
        response = second.get(f"{TASKS_PATH}{created['id']}/")
    finally:
        second.stop()

    assert response.json()["name"] == "kept"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--port", "http"], "argument --port: 'http' is not a port number"),
        (["--port", "70000"], "argument --port: 70000 is not between 0 and 65535"),
        (["--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_bad_option_is_one_line_and_exit_2(options: list[str], message: str) -> None:
    result = subprocess.run(
        [*COMMAND, *options], capture_output=True, text=True, timeout=WAIT_SECONDS
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"python -m taskbadger.testing: error: {message}. See --help.\n"
    )


def test_port_in_use_is_reported(running: ServerProcess) -> None:
    port = running.url.rsplit(":", 1)[1]

    result = subprocess.run(
        [*COMMAND, "--port", port], capture_output=True, text=True, timeout=WAIT_SECONDS
    )

    assert result.returncode == 1
    assert result.stderr.startswith("python -m taskbadger.testing: error: could not")
    assert len(result.stderr.splitlines()) == 1
