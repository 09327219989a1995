"""`taskbadger run`, exercised as the installed command against the local API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cli_runner import TASKBADGER
from processes import is_gone, wait_for

from taskbadger.testing import APIServer
from taskbadger_cli.commands.run import MAX_ADDED_SECONDS

SCRIPTS = Path(__file__).parent / "scripts"
PYTHON = sys.executable

# What the wrapper may add on top of MAX_ADDED_SECONDS: starting Python and
# importing the CLI on a busy two-core machine.
STARTUP_ALLOWANCE = 2.0


def run(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run `taskbadger run ARGS` to its end, capturing output as bytes."""
    return subprocess.run(
        [TASKBADGER, "run", *args],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def start(*args: str) -> subprocess.Popen[bytes]:
    """Start `taskbadger run ARGS` without waiting for it."""
    return subprocess.Popen(
        [TASKBADGER, "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def only_task(server: APIServer) -> dict[str, Any]:
    (task,) = server.tasks
    return task


def tracking_line(server: APIServer) -> bytes:
    task = only_task(server)
    return f"taskbadger: tracking as {task['url']}\n".encode()


# Exit statuses.


@pytest.mark.parametrize(("code", "status"), [(0, "success"), (3, "error")])
def test_exit_code_of_the_command_is_the_wrappers_and_recorded(
    taskbadger_server: APIServer, code: int, status: str
) -> None:
    result = run("job", "--", "sh", "-c", f"exit {code}")

    assert result.returncode == code
    task = only_task(taskbadger_server)
    assert (task["status"], task["data"]["return_code"]) == (status, code)
    assert task["data"]["outcome"] == f"exited with code {code}"


def test_missing_command_exits_127_and_is_recorded(
    taskbadger_server: APIServer,
) -> None:
    result = run("job", "--", "no-such-command-here")

    assert result.returncode == 127
    assert result.stderr.endswith(
        b"taskbadger: error: command not found: no-such-command-here. "
        b"Check the command after '--'.\n"
    )
    task = only_task(taskbadger_server)
    assert (task["status"], task["data"]["return_code"]) == ("error", 127)


def test_command_that_cannot_be_executed_exits_126_and_is_recorded(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\nexit 0\n")

    result = run("job", "--", str(script))

    assert result.returncode == 126
    task = only_task(taskbadger_server)
    assert (task["status"], task["data"]["return_code"]) == ("error", 126)


def test_command_killed_by_sigkill_exits_137_and_records_the_signal(
    taskbadger_server: APIServer,
) -> None:
    result = run("job", "--", "sh", "-c", "kill -9 $$")

    assert result.returncode == 137
    data = only_task(taskbadger_server)["data"]
    assert (data["return_code"], data["signal"]) == (137, "SIGKILL")


def test_timeout_stops_the_command_exits_124_and_is_recorded(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    ready = tmp_path / "ready"

    result = run(
        "job",
        "--timeout",
        "0.5",
        "--kill-after",
        "0.2",
        "--",
        str(SCRIPTS / "ignores_term.sh"),
        str(ready),
    )

    assert result.returncode == 124
    task = only_task(taskbadger_server)
    assert task["status"] == "error"
    assert (task["data"]["timed_out"], task["data"]["signal"]) == (True, "SIGKILL")


# Signals.


@pytest.mark.parametrize(
    ("sig", "name"),
    [(signal.SIGTERM, "TERM"), (signal.SIGINT, "INT"), (signal.SIGHUP, "HUP")],
)
def test_signal_to_the_wrapper_reaches_the_command(
    taskbadger_server: APIServer, tmp_path: Path, sig: signal.Signals, name: str
) -> None:
    report = tmp_path / "report"
    wrapper = start("job", "--", str(SCRIPTS / "traps.sh"), str(report))
    wait_for(Path(f"{report}.ready").exists)

    wrapper.send_signal(sig)
    wrapper.communicate(timeout=30)

    assert wrapper.returncode == 128 + sig
    assert report.read_text() == f"{name}\n"
    task = only_task(taskbadger_server)
    assert task["status"] == "error"
    assert task["data"]["return_code"] == 128 + sig
    assert task["data"]["received_signal"] == f"SIG{name}"


def test_signal_while_the_task_is_created_stops_the_run_before_the_command(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    create = taskbadger_server.inject_fault(latency=1.5, method="POST", times=1)
    wrapper = start("job", "--", "touch", str(marker))
    wait_for(lambda: create.used == 1)

    wrapper.send_signal(signal.SIGTERM)
    _, stderr = wrapper.communicate(timeout=30)

    assert wrapper.returncode == 143
    assert stderr == (
        b"taskbadger: error: received SIGTERM before the command started; "
        b"it was not run.\n"
    )
    assert not marker.exists()
    task = only_task(taskbadger_server)
    assert task["status"] == "error"
    assert task["data"]["received_signal"] == "SIGTERM"
    assert task["data"]["return_code"] == 143


def test_signal_while_the_outcome_is_recorded_keeps_the_commands_status(
    taskbadger_server: APIServer,
) -> None:
    update = taskbadger_server.inject_fault(latency=1.5, method="PATCH", times=1)
    wrapper = start("job", "--", "sh", "-c", "exit 3")
    wait_for(lambda: update.used == 1)

    wrapper.send_signal(signal.SIGTERM)
    wrapper.communicate(timeout=30)

    assert wrapper.returncode == 3
    task = only_task(taskbadger_server)
    assert (task["status"], task["data"]["return_code"]) == ("error", 3)


def test_process_left_behind_by_the_command_is_gone_after_the_wrapper_exits(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    pid_file = tmp_path / "grandchild.pid"

    result = run("job", "--", str(SCRIPTS / "leave_grandchild.sh"), str(pid_file))

    assert result.returncode == 0
    assert is_gone(int(pid_file.read_text()))


# Arguments and environment.


def test_arguments_reach_the_command_exactly(taskbadger_server: APIServer) -> None:
    result = run("job", "--", "printf", "[%s]\\n", "a b", "*", "$HOME", "'q'")

    assert result.stdout == b"[a b]\n[*]\n[$HOME]\n['q']\n"


def test_double_dash_and_options_after_the_first_reach_the_command(
    taskbadger_server: APIServer,
) -> None:
    result = run("job", "--", "printf", "[%s]", "-v", "--", "--help", "-q")

    assert result.stdout == b"[-v][--][--help][-q]"


def test_lone_argument_with_shell_syntax_runs_through_sh(
    taskbadger_server: APIServer,
) -> None:
    result = run("job", "--", "echo one | tr a-z A-Z && echo $((1 + 2))")

    assert result.stdout == b"ONE\n3\n"


def test_command_sees_home_path_and_the_task_id(taskbadger_server: APIServer) -> None:
    result = run(
        "job", "--", "sh", "-c", 'printf "%s\\n" "$HOME" "$PATH" "$TASKBADGER_TASK_ID"'
    )

    task_id = only_task(taskbadger_server)["id"]
    expected = f"{os.environ['HOME']}\n{os.environ['PATH']}\n{task_id}\n"
    assert result.stdout == expected.encode()


# Streams.


def test_command_reads_the_wrappers_stdin(taskbadger_server: APIServer) -> None:
    result = subprocess.run(
        [TASKBADGER, "run", "job", "-q", "--", "tr", "a-z", "A-Z"],
        input=b"from stdin\n",
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert result.stdout == b"FROM STDIN\n"


def test_wrapper_prints_nothing_on_stdout_and_the_task_url_on_stderr(
    taskbadger_server: APIServer,
) -> None:
    result = run("job", "--", "true")

    assert result.stdout == b""
    assert result.stderr == tracking_line(taskbadger_server)


def test_quiet_wrapper_prints_nothing_of_its_own(taskbadger_server: APIServer) -> None:
    result = run("job", "-q", "--", "true")

    assert (result.stdout, result.stderr) == (b"", b"")


def test_invalid_and_split_utf8_passes_through_and_is_captured(
    taskbadger_server: APIServer,
) -> None:
    code = (
        "import os, time\n"
        "os.write(1, b'caf\\xc3'); time.sleep(0.05)\n"
        "os.write(1, b'\\xa9 \\xff\\n')\n"
        "os.write(2, b'\\xe2\\x82'); time.sleep(0.05); os.write(2, b'\\xac\\xfe')\n"
    )

    result = run("job", "-q", "--capture-output", "--", PYTHON, "-c", code)

    assert result.stdout == b"caf\xc3\xa9 \xff\n"
    assert result.stderr == b"\xe2\x82\xac\xfe"
    data = only_task(taskbadger_server)["data"]
    assert data["stdout_tail"] == "café \ufffd\n"
    assert data["stderr_tail"] == "€\ufffd"


def test_captured_output_is_bounded_and_marked(taskbadger_server: APIServer) -> None:
    code = "import sys; sys.stdout.write('x' * 100000 + 'END')"

    result = run(
        "job", "--capture-output", "--capture-limit", "10", "--", PYTHON, "-c", code
    )

    assert len(result.stdout) == 100003
    data = only_task(taskbadger_server)["data"]
    assert data["stdout_tail"] == "[... 99993 earlier bytes not kept ...]\nxxxxxxxEND"


def test_loud_output_passes_through_a_pipe_whole_with_an_exact_tail(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    # Several pipefuls ending in "€y", an invalid byte and "z": a 5-byte tail
    # starts inside the euro sign.
    line = "café € 𝄞 done\n".encode() + b"\xff\xfe\x00 raw\n"
    data = line * (16 * 1024 * 1024 // len(line)) + "€y".encode() + b"\xffz"
    (tmp_path / "loud").write_bytes(data)

    result = run(
        "job",
        "-q",
        "--capture-output",
        "--capture-limit",
        "5",
        "--",
        PYTHON,
        str(SCRIPTS / "write_slices.py"),
        str(tmp_path / "loud"),
    )

    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == data
    data_sent = only_task(taskbadger_server)["data"]
    assert data_sent["stdout_tail"] == (
        f"[... {len(data) - 3} earlier bytes not kept ...]\ny\ufffdz"
    )


def test_output_appended_to_a_log_file_passes_through_whole(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    log = tmp_path / "job.log"
    log.write_bytes(b"earlier run\n")
    code = "import sys; sys.stdout.write('x' * 300000 + 'END')"
    options = ["-q", "--capture-output", "--capture-limit", "3"]

    with log.open("ab") as out:
        result = subprocess.run(
            [TASKBADGER, "run", "job", *options, "--", PYTHON, "-c", code],
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )

    assert (result.returncode, result.stderr) == (0, b"")
    assert log.read_bytes() == b"earlier run\n" + b"x" * 300000 + b"END"
    data = only_task(taskbadger_server)["data"]
    assert data["stdout_tail"] == "[... 300000 earlier bytes not kept ...]\nEND"


def test_captured_command_whose_reader_has_gone_ends_by_sigpipe(
    taskbadger_server: APIServer,
) -> None:
    process = start("job", "-q", "--capture-output", "--", "yes")
    assert process.stdout is not None and process.stderr is not None

    assert process.stdout.read(1000) == b"y\n" * 500
    process.stdout.close()

    assert process.wait(30) == 141
    assert process.stderr.read() == b""
    process.stderr.close()
    assert only_task(taskbadger_server)["data"]["signal"] == "SIGPIPE"


def test_progress_pattern_sets_the_task_value(taskbadger_server: APIServer) -> None:
    result = run(
        "job",
        "--progress-pattern",
        r"(\d+)%",
        "--",
        "printf",
        "copying 10%%\\ncopying 45%%\\ndone\\n",
    )

    assert result.stdout == b"copying 10%\ncopying 45%\ndone\n"
    assert only_task(taskbadger_server)["value"] == 45


def test_heartbeat_carries_elapsed_time_while_the_command_runs(
    taskbadger_server: APIServer, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    wrapper = start(
        "job",
        "--update-frequency",
        "5",
        "--capture-output",
        "--",
        "sh",
        "-c",
        f"echo started; while [ ! -e {release} ]; do sleep 0.05; done",
    )

    def heartbeat_seen() -> bool:
        return any(r.method == "PATCH" for r in taskbadger_server.requests)

    wait_for(heartbeat_seen, timeout=20)
    beat = next(r for r in taskbadger_server.requests if r.method == "PATCH")
    release.touch()
    wrapper.communicate(timeout=30)

    assert beat.body["data"]["elapsed_seconds"] >= 5
    assert beat.body["data"]["stdout_tail"] == "started\n"
    assert "status" not in beat.body
    assert only_task(taskbadger_server)["stale_timeout"] == 15


# Task fields.


def test_outcome_records_command_host_duration_and_times(
    taskbadger_server: APIServer,
) -> None:
    run("job", "--", "echo", "a b")

    data = only_task(taskbadger_server)["data"]
    assert data["command"] == "echo 'a b'"
    assert data["hostname"] == os.uname().nodename
    assert data["duration_seconds"] >= 0
    assert data["started_at"].endswith("Z")
    assert data["ended_at"] >= data["started_at"]


def test_no_record_command_keeps_the_command_out_of_the_task(
    taskbadger_server: APIServer,
) -> None:
    run("job", "--no-record-command", "--", "echo", "secret-token-123")

    task = only_task(taskbadger_server)
    assert "command" not in task["data"]
    bodies = [json.dumps(r.body) for r in taskbadger_server.requests]
    assert all("secret-token-123" not in body for body in bodies)


def test_field_options_reach_the_created_task(taskbadger_server: APIServer) -> None:
    run(
        "job",
        "--data",
        "team=ops",
        "--tag",
        "env=prod",
        "--value-max",
        "10",
        "--max-runtime",
        "600",
        "--stale-timeout",
        "900",
        "--",
        "true",
    )

    task = only_task(taskbadger_server)
    assert task["data"]["team"] == "ops"
    assert task["tags"] == {"env": "prod"}
    assert (task["value_max"], task["max_runtime"], task["stale_timeout"]) == (
        10,
        600,
        900,
    )


def test_monitor_id_is_sent_when_creating(taskbadger_server: APIServer) -> None:
    run("job", "--monitor-id", "mon-42", "--", "true")

    create = next(r for r in taskbadger_server.requests if r.method == "POST")
    assert create.headers["x-taskbadger-monitor"] == "mon-42"


# Bad usage: one line, exit 2, nothing run and nothing sent.


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["job"],
            "No command given. Put it after '--': taskbadger run NAME -- COMMAND.",
        ),
        (
            ["job", "--data", "oops", "--", "true"],
            "--data 'oops' is not key=value. Write it as, for example, "
            "--data environment=production.",
        ),
        (
            ["job", "--update-frequency", "4", "--", "true"],
            "--update-frequency must be 5 to 3600 seconds, not 4.",
        ),
        (
            ["job", "--progress-pattern", "(a)(b)", "--", "true"],
            "--progress-pattern must have at most one group, the progress number.",
        ),
    ],
)
def test_bad_usage_exits_2_with_one_line_before_anything_runs(
    taskbadger_server: APIServer, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(*args)

    assert result.returncode == 2
    assert result.stderr == f"taskbadger: error: {message}\n".encode()
    assert taskbadger_server.requests == []


def test_bad_progress_pattern_exits_2(taskbadger_server: APIServer) -> None:
    result = run("job", "--progress-pattern", "(", "--", "true")

    assert result.returncode == 2
    assert result.stderr.startswith(
        b"taskbadger: error: --progress-pattern is not a valid expression: "
    )
    assert result.stderr.count(b"\n") == 1


# Fail-open: the API's trouble never becomes the job's.


def run_timed(
    *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[bytes], float]:
    begin = time.monotonic()
    result = run(*args, env=env)
    return result, time.monotonic() - begin


def assert_one_warning(result: subprocess.CompletedProcess[bytes]) -> None:
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("taskbadger: warning: ")


def test_unreachable_api_leaves_the_exit_code_with_one_warning(
    taskbadger_server: APIServer,
) -> None:
    env = {**os.environ, "TASKBADGER_HOST": "http://127.0.0.1:9"}

    result, took = run_timed("job", "--", "sh", "-c", "exit 3", env=env)

    assert result.returncode == 3
    assert_one_warning(result)
    assert result.stderr.startswith(b"taskbadger: warning: not tracking this run. ")
    assert took < MAX_ADDED_SECONDS + STARTUP_ALLOWANCE


def test_hanging_api_adds_bounded_time_with_one_warning(
    taskbadger_server: APIServer,
) -> None:
    taskbadger_server.inject_fault(latency=60, times=None)

    result, took = run_timed("job", "--", "sh", "-c", "exit 3")

    assert result.returncode == 3
    assert_one_warning(result)
    assert took < MAX_ADDED_SECONDS + STARTUP_ALLOWANCE


def test_api_hanging_after_creation_adds_bounded_time_with_one_warning(
    taskbadger_server: APIServer,
) -> None:
    taskbadger_server.inject_fault(latency=60, times=None, method="PATCH")
    taskbadger_server.inject_fault(latency=60, times=None, method="GET")

    result, took = run_timed("job", "-q", "--", "true")

    assert result.returncode == 0
    assert_one_warning(result)
    assert b"could not record the outcome of task" in result.stderr
    assert took < MAX_ADDED_SECONDS + STARTUP_ALLOWANCE


@pytest.mark.parametrize(("status", "retry_after"), [(500, None), (429, 30)])
def test_failing_api_leaves_the_exit_code_with_one_warning(
    taskbadger_server: APIServer, status: int, retry_after: int | None
) -> None:
    taskbadger_server.inject_fault(status=status, retry_after=retry_after, times=None)

    result, took = run_timed("job", "--", "sh", "-c", "exit 3")

    assert result.returncode == 3
    assert_one_warning(result)
    assert took < MAX_ADDED_SECONDS + STARTUP_ALLOWANCE


def test_refused_key_leaves_the_exit_code_with_one_warning(
    taskbadger_server: APIServer,
) -> None:
    env = {**os.environ, "TASKBADGER_API_KEY": "not-a-valid-key"}

    result = run("job", "--", "sh", "-c", "exit 3", env=env)

    assert result.returncode == 3
    assert_one_warning(result)
    assert b"The API key was refused" in result.stderr


@pytest.mark.usefixtures("clean_env")
def test_unconfigured_wrapper_warns_and_runs_the_command() -> None:
    result = run("job", "--", "sh", "-c", "echo ran; exit 3")

    assert (result.returncode, result.stdout) == (3, b"ran\n")
    assert result.stderr == (
        b"taskbadger: warning: not tracking this run. No API key is configured. "
        b"Run 'taskbadger configure' or set TASKBADGER_API_KEY.\n"
    )
