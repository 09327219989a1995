"""Supervising a child process: exit statuses, signals, output, heartbeats."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pytest
from processes import is_gone

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

LOUD_SIZE = 3 * 1024 * 1024
"""Bytes of the loud command's output: several pipefuls, in chunks of many sizes."""

TAIL_LIMIT = 5
"""Bytes kept of the loud output: a cut in the middle of its last character."""


def loud_output(path: Path) -> bytes:
    """Write the loud command's output to `path`: text, invalid UTF-8 and NULs.

    It ends with "x€y", an invalid byte and "z", so its last TAIL_LIMIT bytes
    begin with the two continuation bytes of the euro sign.
    """
    line = "café € 𝄞 done\n".encode() + b"\xff\xfe\x00 raw\n"
    data = line * (LOUD_SIZE // len(line)) + "x€y".encode() + b"\xffz"
    path.write_bytes(data)
    return data


def loud_tail(data: bytes) -> str:
    return f"[... {len(data) - 3} earlier bytes not kept ...]\ny\ufffdz"


def capture(
    tmp_path: Path, command: list[str], *, stdout: int | IO[bytes], pattern: str = ""
) -> tuple[dict[str, Any], bytes | None]:
    """Run `command` under supervise in a process whose stdout is `stdout`.

    Returns:
        The report of `scripts/capture.py` (exit code, tails, progress and how
        many bytes each stream had spliced and copied), and the output when
        `stdout` is a new pipe.
    """
    report = tmp_path / "report.json"
    argv = [PYTHON, str(SCRIPTS / "capture.py"), str(report), str(TAIL_LIMIT)]
    result = subprocess.run(
        [*argv, pattern, "--", *command],
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )
    assert result.stderr == b""
    return json.loads(report.read_text()), result.stdout


def pumped(spliced: int, copied: int) -> list[str]:
    """The pumps' report when stdout moved these bytes and stderr none."""
    return [
        f"Output to fd 1: {spliced} bytes spliced, {copied} bytes copied",
        "Output to fd 2: 0 bytes spliced, 0 bytes copied",
    ]


class Collector:
    """Reads a stream to its end in a thread.

    A slow collector pauses after every 256 KiB, so a fast writer finds the
    stream full.
    """

    def __init__(self, read: Callable[[int], bytes], *, slow: bool = False) -> None:
        self.read = read
        self.slow = slow
        self.data = bytearray()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        while chunk := self.read(16 * 1024):
            self.data += chunk
            if self.slow and len(self.data) % (256 * 1024) < len(chunk):
                time.sleep(0.01)

    def all(self) -> bytes:
        """Everything read, once the stream has ended."""
        self.thread.join(30)
        return bytes(self.data)


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


def test_signal_received_before_the_child_starts_is_followed_by_sigkill() -> None:
    # A blocked SIGTERM is inherited by the child, which so ignores it from
    # its first instruction on.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        outcome = supervise(
            ["sleep", "30"], kill_after=0.2, pending_signals=[signal.SIGTERM]
        )
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

    assert (outcome.exit_code, outcome.signal) == (137, "SIGKILL")
    assert outcome.forwarded_signal == "SIGTERM"
    assert outcome.duration < 10


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


def test_loud_output_into_a_pipe_is_spliced_unchanged_with_an_exact_tail(
    tmp_path: Path,
) -> None:
    data = loud_output(tmp_path / "loud")
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]

    report, received = capture(tmp_path, command, stdout=subprocess.PIPE)

    assert received == data
    assert report["stdout_tail"] == loud_tail(data)
    assert report["stderr_tail"] == ""
    assert report["pumps"] == pumped(len(data), 0)


def test_loud_output_into_a_file_is_spliced_unchanged_with_an_exact_tail(
    tmp_path: Path,
) -> None:
    data = loud_output(tmp_path / "loud")
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]

    with open(tmp_path / "out", "wb") as out:
        report, _ = capture(tmp_path, command, stdout=out)

    assert (tmp_path / "out").read_bytes() == data
    assert report["stdout_tail"] == loud_tail(data)
    assert report["pumps"] == pumped(len(data), 0)


def test_loud_output_into_dev_null_is_spliced_with_an_exact_tail(
    tmp_path: Path,
) -> None:
    data = loud_output(tmp_path / "loud")
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]

    report, _ = capture(tmp_path, command, stdout=subprocess.DEVNULL)

    assert report["stdout_tail"] == loud_tail(data)
    assert report["pumps"] == pumped(len(data), 0)


def test_loud_output_into_a_socket_is_spliced_unchanged_with_an_exact_tail(
    tmp_path: Path,
) -> None:
    # A service's stdout under systemd is a socket to the journal.
    data = loud_output(tmp_path / "loud")
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]
    ours, theirs = socket.socketpair()
    received = Collector(ours.recv)

    with theirs:
        report, _ = capture(tmp_path, command, stdout=theirs.fileno())

    assert received.all() == data
    ours.close()
    assert report["stdout_tail"] == loud_tail(data)
    assert report["pumps"] == pumped(len(data), 0)


def test_loud_output_into_a_non_blocking_pipe_is_spliced_unchanged(
    tmp_path: Path,
) -> None:
    # Some programs leave a shared stdout non-blocking; a full pipe then says
    # "try again" rather than waiting.
    data = loud_output(tmp_path / "loud")
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    received = Collector(lambda size: os.read(read_end, size), slow=True)

    report, _ = capture(tmp_path, command, stdout=write_end)
    os.close(write_end)

    assert received.all() == data
    os.close(read_end)
    assert report["stdout_tail"] == loud_tail(data)
    assert report["pumps"] == pumped(len(data), 0)


def test_output_into_a_file_opened_for_appending_is_copied_unchanged(
    tmp_path: Path,
) -> None:
    # The kernel refuses to splice into a file opened with O_APPEND (`>> log`).
    data = loud_output(tmp_path / "loud")
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]
    (tmp_path / "log").write_bytes(b"earlier run\n")

    with open(tmp_path / "log", "ab") as log:
        report, _ = capture(tmp_path, command, stdout=log)

    assert (tmp_path / "log").read_bytes() == b"earlier run\n" + data
    assert report["stdout_tail"] == loud_tail(data)
    assert report["pumps"] == pumped(0, len(data))


def test_output_matched_for_progress_is_copied_unchanged(tmp_path: Path) -> None:
    data = loud_output(tmp_path / "loud")
    data_and_progress = data + b"\n42% done\n"
    (tmp_path / "loud").write_bytes(data_and_progress)
    command = [PYTHON, str(SCRIPTS / "write_slices.py"), str(tmp_path / "loud")]

    with open(tmp_path / "out", "wb") as out:
        report, _ = capture(tmp_path, command, stdout=out, pattern=r"(\d+)%")

    assert (tmp_path / "out").read_bytes() == data_and_progress
    assert report["stdout_tail"] == (
        f"[... {len(data_and_progress) - 5} earlier bytes not kept ...]\ndone\n"
    )
    assert report["progress"] == 42
    assert report["pumps"] == pumped(0, len(data_and_progress))


def test_spliced_output_nobody_reads_any_more_ends_the_command_by_sigpipe(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.json"
    argv = [PYTHON, str(SCRIPTS / "capture.py"), str(report), "5", "", "--", "yes"]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE)
    assert process.stdout is not None

    assert process.stdout.read(1000) == b"y\n" * 500
    process.stdout.close()
    process.wait(30)

    result = json.loads(report.read_text())
    assert (result["exit_code"], result["stdout_tail"][-4:]) == (141, "y\ny\n")
    assert result["pumps"][0].endswith(" bytes spliced, 0 bytes copied")


def test_tail_fed_after_skipped_bytes_counts_them_and_keeps_no_gap() -> None:
    tail = OutputTail(4)

    tail.feed(b"ab")
    tail.feed(b"ghij", skipped=4)

    assert tail.text() == "[... 6 earlier bytes not kept ...]\nghij"
