"""Supervising a child process: exit statuses, signals, output, heartbeats."""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from taskbadger_cli.supervise import (
    OutputTail,
    ProgressMatcher,
    Snapshot,
    build_argv,
    needs_shell,
    supervise,
)

SCRIPTS = Path(__file__).parent / "scripts"
PYTHON = sys.executable


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait until `condition` holds, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.01)


def is_gone(pid: int) -> bool:
    """Whether a process no longer runs (gone, or a zombie waiting to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return True
    return stat.rsplit(b")", 1)[1].split()[0] == b"Z"


def test_exit_code_of_the_child_is_kept() -> None:
    outcome = supervise(["sh", "-c", "exit 3"])

    assert (outcome.exit_code, outcome.return_code, outcome.signal) == (3, 3, None)
    assert outcome.reason == "exited with code 3"


def test_child_killed_by_a_signal_exits_128_plus_its_number() -> None:
    outcome = supervise(["sh", "-c", "kill -9 $$"])

    assert (outcome.exit_code, outcome.return_code) == (137, None)
    assert outcome.signal == "SIGKILL"
    assert outcome.reason == "killed by SIGKILL"


def test_missing_command_exits_127() -> None:
    outcome = supervise(["no-such-command-here"])

    assert outcome.exit_code == 127
    assert outcome.reason == "command not found: no-such-command-here"


def test_file_without_execute_permission_exits_126(tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/sh\nexit 0\n")

    outcome = supervise([str(script)])

    assert outcome.exit_code == 126
    assert outcome.reason == f"command cannot be run: {script}: Permission denied"


def test_arguments_reach_the_child_exactly_as_given(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    outcome = supervise(["printf", "[%s]\\n", "a b", "*", "$HOME", "'q'"])

    assert outcome.exit_code == 0
    assert capfdbinary.readouterr().out == b"[a b]\n[*]\n[$HOME]\n['q']\n"


def test_single_argument_with_shell_syntax_runs_through_sh(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    supervise(["echo one | tr a-z A-Z; echo two"])

    assert capfdbinary.readouterr().out == b"ONE\ntwo\n"


def test_shell_option_joins_arguments_into_one_script(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    supervise(["echo", "x", "&&", "echo", "y"], shell=True)

    assert capfdbinary.readouterr().out == b"x\ny\n"


def test_shell_syntax_is_detected_only_in_a_lone_argument() -> None:
    assert needs_shell(["pg_dump db | gzip > x.gz"])
    assert needs_shell(["./backup.sh --full"])
    assert not needs_shell(["./backup.sh"])
    assert not needs_shell(["echo", "a | b"])
    assert build_argv(["a;b"]) == ["/bin/sh", "-c", "a;b"]
    assert build_argv(["echo", "a;b"]) == ["echo", "a;b"]


def test_existing_path_with_a_space_is_run_as_a_program(tmp_path: Path) -> None:
    script = tmp_path / "my job.sh"
    script.write_text("#!/bin/sh\nexit 5\n")
    script.chmod(0o755)

    assert supervise([str(script)]).exit_code == 5


def test_child_sees_inherited_and_added_variables(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    supervise(["sh", "-c", 'printf "%s|%s" "$HOME" "$EXTRA"'], env={"EXTRA": "added"})

    assert capfdbinary.readouterr().out == f"{os.environ['HOME']}|added".encode()


def test_timeout_terminates_the_child_and_exits_124() -> None:
    outcome = supervise(["sleep", "30"], timeout=0.2)

    assert (outcome.exit_code, outcome.timed_out) == (124, True)
    assert outcome.signal == "SIGTERM"
    assert outcome.reason == "timed out after 0.2 seconds, then killed by SIGTERM"


def test_timeout_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    ready = tmp_path / "ready"

    outcome = supervise(
        [str(SCRIPTS / "ignores_term.sh"), str(ready)], timeout=0.5, kill_after=0.2
    )

    assert (outcome.exit_code, outcome.signal) == (124, "SIGKILL")


def test_process_left_behind_by_the_child_is_ended(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"

    outcome = supervise([str(SCRIPTS / "leave_grandchild.sh"), str(pid_file)])

    assert outcome.exit_code == 0
    assert is_gone(int(pid_file.read_text()))


def test_output_passes_through_byte_for_byte(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    # A character split over two writes, invalid UTF-8 and a NUL byte.
    code = (
        "import os, time\n"
        "os.write(1, b'caf\\xc3'); time.sleep(0.05)\n"
        "os.write(1, b'\\xa9 \\xff\\x00\\n')\n"
        "os.write(2, b'\\xe2\\x82'); time.sleep(0.05); os.write(2, b'\\xac\\xfe')\n"
    )

    outcome = supervise([PYTHON, "-c", code], capture_output=True)

    captured = capfdbinary.readouterr()
    assert captured.out == b"caf\xc3\xa9 \xff\x00\n"
    assert captured.err == b"\xe2\x82\xac\xfe"
    assert outcome.stdout_tail == "café \ufffd\x00\n"
    assert outcome.stderr_tail == "€\ufffd"


def test_without_capture_there_are_no_tails() -> None:
    outcome = supervise(["true"])

    assert (outcome.stdout_tail, outcome.stderr_tail) == (None, None)


def test_captured_tail_is_bounded_and_marked(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    code = "import sys; sys.stdout.write('x' * 100000 + 'END')"

    outcome = supervise([PYTHON, "-c", code], capture_output=True, capture_limit=10)

    assert len(capfdbinary.readouterr().out) == 100003
    assert outcome.stdout_tail == "[... 99993 earlier bytes not kept ...]\nxxxxxxxEND"


def test_tail_keeps_only_the_last_limit_bytes() -> None:
    tail = OutputTail(4)

    for chunk in (b"ab", b"cdef", b"g", b"hijklmn"):
        tail.feed(chunk)

    assert tail.text() == "[... 10 earlier bytes not kept ...]\nklmn"


def test_tail_drops_a_character_cut_in_half_at_its_start() -> None:
    tail = OutputTail(3)

    tail.feed("x€y".encode())

    assert tail.text() == "[... 4 earlier bytes not kept ...]\ny"


def test_untrimmed_tail_is_the_whole_output() -> None:
    tail = OutputTail(10)

    tail.feed(b"abc")

    assert tail.text() == "abc"


def test_progress_is_the_latest_match_on_a_complete_line() -> None:
    matcher = ProgressMatcher(re.compile(r"(\d+(?:\.\d+)?)%"))

    matcher.feed(1, b"10%\nnoise\n25.5% done\n")
    matcher.feed(1, b"99%")

    assert matcher.value == 25.5


def test_progress_line_split_across_reads_is_matched_when_complete() -> None:
    matcher = ProgressMatcher(re.compile(r"step (\d+)"))

    matcher.feed(2, b"ste")
    matcher.feed(2, b"p 7\n")

    assert matcher.value == 7


def test_progress_from_a_running_command_reaches_the_outcome(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    outcome = supervise(
        ["printf", "1/3 33%%\\n2/3 66%%\\n"],
        progress_pattern=re.compile(r"(\d+)%"),
    )

    assert capfdbinary.readouterr().out == b"1/3 33%\n2/3 66%\n"
    assert outcome.progress == 66


def test_heartbeat_receives_elapsed_time_and_output(tmp_path: Path) -> None:
    snapshots: list[Snapshot] = []
    done = tmp_path / "done"

    def record(snapshot: Snapshot) -> None:
        snapshots.append(snapshot)
        if snapshot.stdout_tail:
            done.touch()

    script = f"echo working; while [ ! -e {done} ]; do sleep 0.01; done"
    supervise(
        ["sh", "-c", script], capture_output=True, heartbeat=record, interval=0.05
    )

    assert snapshots[-1].stdout_tail == "working\n"
    assert snapshots[-1].stderr_tail == ""
    assert snapshots[-1].elapsed >= 0.05


def test_slow_heartbeat_does_not_hold_up_the_exit(tmp_path: Path) -> None:
    started = tmp_path / "started"
    release = threading.Event()

    def hang(snapshot: Snapshot) -> None:
        started.touch()
        release.wait(60)

    begin = time.monotonic()
    outcome = supervise(
        ["sh", "-c", f"while [ ! -e {started} ]; do sleep 0.01; done; exit 4"],
        heartbeat=hang,
        interval=0.05,
    )
    took = time.monotonic() - begin
    release.set()

    assert outcome.exit_code == 4
    assert took < 5


def test_failing_heartbeat_leaves_the_outcome_alone(tmp_path: Path) -> None:
    failed = tmp_path / "failed"

    def fail(snapshot: Snapshot) -> None:
        failed.touch()
        raise RuntimeError("network down")

    outcome = supervise(
        ["sh", "-c", f"while [ ! -e {failed} ]; do sleep 0.01; done; exit 0"],
        heartbeat=fail,
        interval=0.05,
    )

    assert outcome.exit_code == 0
