"""Running a child command the way a cron job needs it run.

`supervise` starts the command in its own process group with the inherited
environment and stdin, forwards SIGINT, SIGTERM and SIGHUP to that group, enforces
an optional timeout, optionally passes the output through while keeping a bounded
tail of it, and calls a heartbeat function at a fixed interval from a worker thread
that can never hold up the child or the exit. When the child ends, whatever is
left in its process group is terminated, so nothing outlives the job.

This module knows nothing about Task Badger: it turns a command into an `Outcome`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import logging
import os
import re
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import IO

__all__ = [
    "DEFAULT_CAPTURE_LIMIT",
    "DEFAULT_KILL_AFTER",
    "EXIT_NOT_EXECUTABLE",
    "EXIT_NOT_FOUND",
    "EXIT_TIMED_OUT",
    "Outcome",
    "OutputTail",
    "Snapshot",
    "build_argv",
    "needs_shell",
    "supervise",
]

logger = logging.getLogger(__name__)

EXIT_TIMED_OUT = 124
"""Exit status after a timeout, the same as GNU `timeout` uses."""

EXIT_NOT_EXECUTABLE = 126
"""Exit status when the command exists but cannot be run, as shells report it."""

EXIT_NOT_FOUND = 127
"""Exit status when the command does not exist, as shells report it."""

DEFAULT_KILL_AFTER = 10.0
"""Seconds between SIGTERM and SIGKILL: long enough for a job to clean up."""

DEFAULT_CAPTURE_LIMIT = 64 * 1024
"""Bytes of each stream kept: a useful error trace, small enough for task data."""

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Signals that end a cron job or a terminal session and must reach the child."""

LEFTOVER_GRACE = 1.0
"""Seconds that processes left behind by the child get between SIGTERM and SIGKILL.

Short because the job itself is already over; leftovers only need time to flush.
"""

DRAIN_GRACE = 0.5
"""Seconds to keep reading output after the process group is gone.

A process that escaped the group (for example with setsid) may hold the pipes
open forever; its output after this point is not waited for.
"""

HEARTBEAT_GRACE = 1.0
"""Seconds the exit waits for a heartbeat still in flight, so it cannot land late."""

PIPE_SIZE = 1024 * 1024
"""Pipe buffer asked of the kernel, so a fast writer blocks less often."""

READ_SIZE = PIPE_SIZE
"""Bytes asked for per read: a whole pipe's worth when the command is the faster."""

GATHER_SIZE = 256 * 1024
"""Output chunks smaller than this are followed by a pause to gather more."""

GATHER_PAUSE = 0.0005
"""Seconds of that pause: about what a fast command takes to fill a pipe."""

MAX_LINE = 64 * 1024
"""A partial line longer than this is not matched for progress, bounding memory."""

POLL_INTERVAL = 0.05
"""Wake-up interval where no event can be awaited: leftovers dying, no pidfd."""

SHELL_CHARACTERS = frozenset("|&;<>()$`\\\"'*?[]{}~#=%! \t\n")
"""Characters that only mean something to a shell; their presence asks for `sh -c`."""

TRUNCATION_MARKER = "[... {count} earlier bytes not kept ...]\n"
"""Put in front of a tail that lost its beginning, saying how much was dropped."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What is known about a running command, handed to the heartbeat function."""

    elapsed: float
    stdout_tail: str | None
    stderr_tail: str | None
    progress: float | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a command ended.

    Attributes:
        exit_code: The status to exit with: the child's own code, 128+N for signal
            N, 124 on timeout, 126 not executable, 127 not found.
        reason: One readable sentence about how the command ended.
        return_code: The child's exit code, or None when it did not exit by itself.
        signal: Name of the signal that killed the child, such as "SIGKILL".
        timed_out: Whether the timeout ran out and the child was stopped for it.
        started_at: When the command was started (UTC).
        ended_at: When the command was seen to end (UTC).
        duration: Seconds between start and end, from a monotonic clock.
        stdout_tail: The kept end of stdout when output was captured.
        stderr_tail: The kept end of stderr when output was captured.
        progress: The latest progress value matched in the output.
        forwarded_signal: Name of the first signal passed on to the child, such as
            "SIGTERM" when cron or a user stopped the job.
    """

    exit_code: int
    reason: str
    return_code: int | None
    signal: str | None
    timed_out: bool
    started_at: datetime
    ended_at: datetime
    duration: float
    stdout_tail: str | None = None
    stderr_tail: str | None = None
    progress: float | None = None
    forwarded_signal: str | None = None


class OutputTail:
    """The last `limit` bytes of a stream, in memory that does not grow past that.

    Fed by the thread that copies the stream and read by others, so both sides
    hold a lock: a snapshot never pairs a count with the wrong bytes.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.total = 0
        self._buffer = bytearray()
        self._lock = threading.Lock()

    def feed(self, chunk: bytes, *, skipped: int = 0) -> None:
        """Add bytes read from the stream, forgetting the oldest beyond the limit.

        Args:
            chunk: The newest bytes of the stream.
            skipped: Bytes that came just before `chunk` and were never read, as
                they fall outside the tail anyway; `chunk` then holds at least
                `limit` bytes, so the tail has no gap.
        """
        with self._lock:
            self.total += skipped + len(chunk)
            if skipped or len(chunk) >= self.limit:
                self._buffer[:] = chunk[len(chunk) - self.limit :]
                return

            self._buffer += chunk
            excess = len(self._buffer) - self.limit
            if excess > 0:
                del self._buffer[:excess]

    def text(self) -> str:
        """The tail as text, never failing on invalid UTF-8, marked when trimmed."""
        with self._lock:
            kept = bytes(self._buffer)
            dropped = self.total - len(kept)
        if dropped == 0:
            return kept.decode("utf-8", errors="replace")

        # The cut may have split a multibyte character; its continuation bytes
        # (0b10xxxxxx) would decode as noise, so they go too.
        start = 0
        while start < min(3, len(kept)) and kept[start] & 0xC0 == 0x80:
            start += 1
        marker = TRUNCATION_MARKER.format(count=dropped + start)
        return marker + kept[start:].decode("utf-8", errors="replace")


class ProgressMatcher:
    """Finds the latest progress value in complete lines of output."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.value: float | None = None
        self._partial: dict[int, bytearray] = {}

    def feed(self, fd: int, chunk: bytes) -> None:
        """Match the lines that `chunk` completes, newest first, keeping the rest."""
        partial = self._partial.setdefault(fd, bytearray())
        end = chunk.rfind(b"\n")
        if end < 0:
            partial += chunk
            if len(partial) > MAX_LINE:
                partial.clear()
            return

        lines = bytes(partial + chunk[:end]).split(b"\n")
        partial[:] = chunk[end + 1 :][-MAX_LINE:]
        for line in reversed(lines):
            value = parse_progress(self.pattern, line.decode("utf-8", "replace"))
            if value is not None:
                self.value = value
                return


def parse_progress(pattern: re.Pattern[str], line: str) -> float | None:
    """The number the pattern finds in the line (its group, or the whole match)."""
    match = pattern.search(line)
    if match is None:
        return None

    text = match.group(1) if pattern.groups else match.group(0)
    try:
        value = float((text or "").strip().rstrip("%").strip())
    except ValueError:
        return None
    return value if value >= 0 and value != float("inf") else None


def needs_shell(argv: Sequence[str]) -> bool:
    """Whether a command given as one argument is shell syntax rather than a path."""
    if len(argv) != 1:
        return False
    command = argv[0]
    return not SHELL_CHARACTERS.isdisjoint(command) and not os.path.exists(command)


def build_argv(argv: Sequence[str], *, shell: bool = False) -> list[str]:
    """The argv to execute: as given, or through `sh -c` when shell syntax asks."""
    if shell or needs_shell(argv):
        return ["/bin/sh", "-c", " ".join(argv)]
    return list(argv)


def supervise(
    argv: Sequence[str],
    *,
    shell: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    kill_after: float = DEFAULT_KILL_AFTER,
    capture_output: bool = False,
    capture_limit: int = DEFAULT_CAPTURE_LIMIT,
    progress_pattern: re.Pattern[str] | None = None,
    heartbeat: Callable[[Snapshot], object] | None = None,
    interval: float = 60.0,
    pending_signals: list[int] | None = None,
) -> Outcome:
    """Run a command to its end and report how it ended.

    Call it from the main thread: only there can the signals be forwarded.

    Args:
        argv: The command and its arguments, executed exactly as given.
        shell: Run the arguments, joined by spaces, through `sh -c`.
        env: Variables added to the inherited environment.
        timeout: Seconds after which the command is terminated and reported as
            timed out.
        kill_after: Seconds between SIGTERM (from a timeout or a forwarded signal)
            and SIGKILL.
        capture_output: Keep the end of stdout and stderr while passing them on.
        capture_limit: Bytes of each stream kept when capturing.
        progress_pattern: A pattern whose group (or whole match) is a number or
            percentage on a line of output; the output is piped through for it.
        heartbeat: Called every `interval` seconds with a `Snapshot`, in a worker
            thread; a beat is skipped while the previous one is still running.
        interval: Seconds between heartbeats.
        pending_signals: Signals the caller received and has not acted on; they
            are passed on to the child as soon as it starts. The list is used as
            it is, so signals the caller adds until this call's own handlers take
            over are passed on too.

    Returns:
        The outcome, including the exit status the caller should exit with.
    """
    command = build_argv(argv, shell=shell)
    child_env = {**os.environ, **(env or {})}
    piped = capture_output or progress_pattern is not None
    run = _Supervisor(
        timeout=timeout,
        kill_after=kill_after,
        capture_limit=capture_limit if piped else 0,
        progress=ProgressMatcher(progress_pattern) if progress_pattern else None,
        heartbeat=heartbeat,
        interval=interval,
        pending_signals=pending_signals,
    )
    with run.handling_signals():
        return run.run(command, child_env, piped=piped)


class _Supervisor:
    """One run of one command: its deadlines, streams and heartbeat."""

    def __init__(
        self,
        *,
        timeout: float | None,
        kill_after: float,
        capture_limit: int,
        progress: ProgressMatcher | None,
        heartbeat: Callable[[Snapshot], object] | None,
        interval: float,
        pending_signals: list[int] | None = None,
    ) -> None:
        self.timeout = timeout
        self.kill_after = kill_after
        self.capture_limit = capture_limit
        self.progress = progress
        self.heartbeat = heartbeat
        self.interval = interval

        self.selector = selectors.DefaultSelector()
        self.process: subprocess.Popen[bytes] | None = None
        self.pending_signals = pending_signals if pending_signals is not None else []
        self.pumps: list[_Pump] = []
        self.stdout_tail = OutputTail(capture_limit)
        self.stderr_tail = OutputTail(capture_limit)
        self.beat: threading.Thread | None = None

        self.start = time.monotonic()
        self.next_beat = self.start + interval
        self.ended = self.start
        self.ended_at = datetime.now(UTC)
        self.kill_at: float | None = None
        self.timed_out = False
        self.forwarded: int | None = None

    @contextlib.contextmanager
    def handling_signals(self) -> Iterator[None]:
        """Forward the signals that end jobs to the child for the length of a run."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        # The C-level handler writes to this pipe, waking the selector at once, so
        # a forwarded signal's SIGKILL deadline is never slept past.
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        self.selector.register(wake_read, selectors.EVENT_READ, "wake")
        previous_fd = signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
        previous = {sig: signal.signal(sig, self._forward) for sig in FORWARDED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            signal.set_wakeup_fd(previous_fd)
            self.selector.unregister(wake_read)
            os.close(wake_read)
            os.close(wake_write)

    def run(self, command: list[str], env: dict[str, str], *, piped: bool) -> Outcome:
        """Start the command, watch it to its end and describe the outcome."""
        started_at = datetime.now(UTC)
        self.start = time.monotonic()
        self.next_beat = self.start + self.interval
        try:
            self.process = self._spawn(command, env, piped=piped)
        except OSError as error:
            return self._failed_start(command[0], error, started_at)

        self._replay_pending_signals()
        self._watch()

        if self.beat is not None:
            self.beat.join(HEARTBEAT_GRACE)
        return self._describe(started_at)

    def _spawn(
        self, command: list[str], env: dict[str, str], *, piped: bool
    ) -> subprocess.Popen[bytes]:
        """Start the child as the leader of a new session and process group."""
        stream = subprocess.PIPE if piped else None
        process = subprocess.Popen(
            command,
            env=env,
            stdout=stream,
            stderr=stream,
            start_new_session=True,
        )
        pipes = (
            (
                (process.stdout, 1, self.stdout_tail),
                (process.stderr, 2, self.stderr_tail),
            )
            if piped
            else ()
        )
        for pipe, target, tail in pipes:
            assert pipe is not None
            _grow_pipe(pipe.fileno())
            # Our own output may be a pipe too (`taskbadger run ... | gzip`); a
            # bigger one lets each write pass on more before the reader wakes.
            _grow_pipe(target)
            self.pumps.append(_Pump(pipe, target, tail, self.progress))
        return process

    def _watch(self) -> None:
        """React to output, signals and deadlines until the child and its group end."""
        assert self.process is not None
        pidfd = _open_pidfd(self.process.pid)
        if pidfd is not None:
            self.selector.register(pidfd, selectors.EVENT_READ, "exit")

        try:
            while self.process.returncode is None:
                self._tick()
                wait = self._wait_time()
                if pidfd is None:
                    wait = POLL_INTERVAL if wait is None else min(wait, POLL_INTERVAL)
                self._dispatch(self.selector.select(wait))
                if pidfd is None:
                    self._reap_if_exited()
        finally:
            if pidfd is not None:
                self.selector.unregister(pidfd)
                os.close(pidfd)

        self._end_leftovers()

    def _dispatch(self, events: list[tuple[selectors.SelectorKey, int]]) -> None:
        """Handle what the selector reported: an exit or a wake-up."""
        for key, _ in events:
            fd = int(key.fd)
            if key.data == "exit":
                self._reap_if_exited()
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(fd, 512)

    def _tick(self) -> None:
        """Act on whatever deadline has come: timeout, SIGKILL, heartbeat."""
        now = time.monotonic()
        timeout_due = self.timeout is not None and now - self.start >= self.timeout
        if timeout_due and not self.timed_out:
            self.timed_out = True
            self._signal_group(signal.SIGTERM)
            self.kill_at = self.kill_at or now + self.kill_after

        if self.kill_at is not None and now >= self.kill_at:
            self._signal_group(signal.SIGKILL)
            self.kill_at = None

        if self.heartbeat is not None and now >= self.next_beat:
            self._beat(now)

    def _beat(self, now: float) -> None:
        """Start a heartbeat in a worker thread unless the last one is still busy."""
        # Counted from the start, so a slow loop never makes beats drift later.
        beats = (now - self.start) // self.interval + 1
        self.next_beat = self.start + beats * self.interval
        if self.beat is not None and self.beat.is_alive():
            logger.debug("Heartbeat skipped: the previous one is still running")
            return

        snapshot = self.snapshot(now)
        self.beat = threading.Thread(
            target=self._call_heartbeat, args=(snapshot,), daemon=True
        )
        self.beat.start()

    def _call_heartbeat(self, snapshot: Snapshot) -> None:
        assert self.heartbeat is not None
        try:
            self.heartbeat(snapshot)
        except Exception:
            # The job matters more than its report; a failing beat is only logged.
            logger.debug("Heartbeat failed", exc_info=True)

    def snapshot(self, now: float) -> Snapshot:
        """What is known right now: elapsed time, output tails and progress."""
        stdout, stderr = self._tail_texts()
        progress = self.progress.value if self.progress else None
        return Snapshot(now - self.start, stdout, stderr, progress)

    def _wait_time(self) -> float | None:
        """Seconds until the next deadline, or None to wait for an event only."""
        deadlines = []
        if self.timeout is not None and not self.timed_out:
            deadlines.append(self.start + self.timeout)
        if self.kill_at is not None:
            deadlines.append(self.kill_at)
        if self.heartbeat is not None:
            deadlines.append(self.next_beat)
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _reap_if_exited(self) -> None:
        """Collect the child's status once it has exited, ending the watch."""
        assert self.process is not None
        # While the exited child is still a zombie its process group cannot be
        # reused, so this is the safe moment to tell leftovers to stop.
        if _has_exited(self.process.pid):
            self._signal_group(signal.SIGTERM)
            self.process.wait()
            self.ended = time.monotonic()
            self.ended_at = datetime.now(UTC)

    def _end_leftovers(self) -> None:
        """Give processes left in the group a moment, then kill them; drain output."""
        deadline = time.monotonic() + LEFTOVER_GRACE
        while _group_alive(self._pgid) and time.monotonic() < deadline:
            self._dispatch(self.selector.select(POLL_INTERVAL))
        self._signal_group(signal.SIGKILL)

        deadline = time.monotonic() + DRAIN_GRACE
        for pump in self.pumps:
            pump.finish(max(0.0, deadline - time.monotonic()))

    @property
    def _pgid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: pass the signal on and start the clock to SIGKILL."""
        self.forwarded = self.forwarded or signum
        if self.process is None:
            self.pending_signals.append(signum)
            return
        self._signal_group(signum)
        if self.kill_at is None:
            self.kill_at = time.monotonic() + self.kill_after

    def _replay_pending_signals(self) -> None:
        """Pass on the signals that came before the child, with the SIGKILL clock."""
        if not self.pending_signals:
            return

        self.forwarded = self.forwarded or self.pending_signals[0]
        for sig in self.pending_signals:
            self._signal_group(sig)
        if self.kill_at is None:
            self.kill_at = time.monotonic() + self.kill_after

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._pgid, signum)

    def _tail_texts(self) -> tuple[str | None, str | None]:
        if not self.capture_limit:
            return None, None
        return self.stdout_tail.text(), self.stderr_tail.text()

    def _describe(self, started_at: datetime) -> Outcome:
        """Turn the child's return code into an outcome."""
        assert self.process is not None
        code = self.process.returncode
        stdout, stderr = self._tail_texts()
        progress = self.progress.value if self.progress else None

        signal_name = None
        if code < 0:
            signal_name = _signal_name(-code)
            exit_code = 128 - code
            reason = f"killed by {signal_name}"
        else:
            exit_code = code
            reason = f"exited with code {code}"

        if self.timed_out:
            reason = f"timed out after {self.timeout:g} seconds, then {reason}"
            exit_code = EXIT_TIMED_OUT

        return Outcome(
            exit_code=exit_code,
            reason=reason,
            return_code=code if code >= 0 else None,
            signal=signal_name,
            timed_out=self.timed_out,
            started_at=started_at,
            ended_at=self.ended_at,
            duration=self.ended - self.start,
            stdout_tail=stdout,
            stderr_tail=stderr,
            progress=progress,
            forwarded_signal=_signal_name(self.forwarded) if self.forwarded else None,
        )

    def _failed_start(
        self, program: str, error: OSError, started_at: datetime
    ) -> Outcome:
        """The outcome of a command that could not be started at all."""
        if isinstance(error, FileNotFoundError):
            exit_code, reason = EXIT_NOT_FOUND, f"command not found: {program}"
        else:
            exit_code = EXIT_NOT_EXECUTABLE
            reason = f"command cannot be run: {program}: {error.strerror or error}"
        return Outcome(
            exit_code=exit_code,
            reason=reason,
            return_code=None,
            signal=None,
            timed_out=False,
            started_at=started_at,
            ended_at=datetime.now(UTC),
            duration=time.monotonic() - self.start,
            stdout_tail="" if self.capture_limit else None,
            stderr_tail="" if self.capture_limit else None,
        )


class _Pump:
    """Copies one output pipe of the child to our own stream, keeping its tail.

    Where Linux allows it the output never enters this process: tee(2) duplicates
    what waits in the child's pipe into a private pipe without consuming it,
    splice(2) moves the original on to our stream, and of the duplicate only the
    last `limit` bytes are read, the rest dropped in the kernel. A target that
    cannot take spliced data (a terminal, a file opened for appending) or a
    progress pattern, which needs every line, leads to plain reads and writes.

    A thread blocked per pipe, rather than a selector: a woken blocking reader
    finds more data waiting, so a loud command costs far fewer system calls.
    """

    def __init__(
        self,
        pipe: IO[bytes],
        target: int,
        tail: OutputTail,
        progress: ProgressMatcher | None,
    ) -> None:
        self.pipe = pipe
        self.target = target
        self.tail = tail
        self.progress = progress
        self.spliced = 0
        self.copied = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        fd = self.pipe.fileno()
        try:
            if self.progress is not None or not self._splice(fd):
                self._copy(fd)
        finally:
            self.pipe.close()
        logger.debug(
            "Output to fd %d: %d bytes spliced, %d bytes copied",
            self.target,
            self.spliced,
            self.copied,
        )

    def _splice(self, fd: int) -> bool:
        """Pass the output on inside the kernel; False if copying has to take over.

        Whenever this gives up, what it has not passed on is still in the child's
        pipe and the tail holds exactly what was passed on, so copying can carry on.
        """
        tee = _libc_tee()
        if tee is None or os.isatty(self.target):
            return False

        try:
            copy = _Duplicate(tee, self.tail)
        except OSError as error:
            logger.debug("Output cannot be spliced: %s", error)
            return False
        try:
            while count := copy.take(fd):
                moved, failure = _splice_all(fd, self.target, count)
                copy.keep_tail(moved)
                self.spliced += moved
                if failure is not None:
                    return self._splice_failed(failure)
                _gather(count)
        except OSError as error:
            logger.debug("Output cannot be spliced: %s", error)
            return False
        finally:
            copy.close()
        return True

    def _splice_failed(self, error: OSError) -> bool:
        """Whether the output has ended for good after `error` from splice."""
        if error.errno in (errno.EINVAL, errno.ENOSYS):
            logger.debug("Output to fd %d cannot be spliced: %s", self.target, error)
            return False
        # Our reader went away (`... | head`). Closing the pipe gives the child
        # the SIGPIPE it would have had without the wrapper.
        logger.debug("Output to fd %d stopped: %s", self.target, error)
        return True

    def _copy(self, fd: int) -> None:
        """Pass the output on through this process, reading every byte."""
        while chunk := self._read(fd):
            self.tail.feed(chunk)
            if self.progress is not None:
                self.progress.feed(fd, chunk)
            try:
                _write_all(self.target, chunk)
            except OSError as error:
                logger.debug("Output to fd %d stopped: %s", self.target, error)
                return
            self.copied += len(chunk)
            _gather(len(chunk))

    @staticmethod
    def _read(fd: int) -> bytes:
        try:
            return os.read(fd, READ_SIZE)
        except OSError as error:
            logger.debug("Output from the command stopped: %s", error)
            return b""

    def finish(self, timeout: float) -> None:
        """Wait for the output to end, for at most `timeout` seconds."""
        self.thread.join(timeout)


class _Duplicate:
    """A private pipe holding a copy of output that has not been passed on yet."""

    def __init__(self, tee: Callable[[int, int, int], int], tail: OutputTail) -> None:
        self.tee = tee
        self.tail = tail
        self.read_fd, self.write_fd = os.pipe()
        self.discard_fd = os.open(os.devnull, os.O_WRONLY)
        self.pending = 0
        with contextlib.suppress(OSError):
            fcntl.fcntl(self.write_fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)

    def take(self, source: int) -> int:
        """Copy what waits in `source` without consuming it; 0 at end of output.

        Raises:
            OSError: The kernel cannot duplicate the pipe.
        """
        self.pending = self.tee(source, self.write_fd, PIPE_SIZE)
        return self.pending

    def keep_tail(self, count: int) -> None:
        """Feed the tail with the first `count` bytes of the copy, forget the rest."""
        keep = min(count, self.tail.limit)
        skipped = count - keep
        _discard(self.read_fd, self.discard_fd, skipped)
        self.tail.feed(_read_exactly(self.read_fd, keep), skipped=skipped)
        _discard(self.read_fd, self.discard_fd, self.pending - count)
        self.pending = 0

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd, self.discard_fd):
            os.close(fd)


def _gather(count: int) -> None:
    """After a small chunk of output, give the command a moment to write more.

    A small chunk means the wrapper is the faster side and would otherwise wake
    for every write; on a busy machine those wake-ups take CPU from the command
    itself. The pause is far shorter than any heartbeat and shows only as that
    much latency on a trickle of output.
    """
    if count < GATHER_SIZE:
        time.sleep(GATHER_PAUSE)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@functools.cache
def _libc_tee() -> Callable[[int, int, int], int] | None:
    """The C library's tee(2), which Python does not wrap; None where it is absent.

    The function takes a source pipe, a target pipe and a byte count, and raises
    OSError when the kernel refuses.
    """
    if not hasattr(os, "splice"):
        return None
    # Loaded here, so that runs which never splice do not pay for ctypes.
    import ctypes

    try:
        tee = ctypes.CDLL(None, use_errno=True).tee
    except (AttributeError, OSError):
        return None
    tee.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_size_t, ctypes.c_uint)
    tee.restype = ctypes.c_ssize_t

    def call(source: int, target: int, length: int) -> int:
        # Retried when a signal interrupts the wait, as Python does for os.read.
        while (count := int(tee(source, target, length, 0))) < 0:
            number = ctypes.get_errno()
            if number != errno.EINTR:
                raise OSError(number, os.strerror(number))
        return count

    return call


def _splice_all(source: int, target: int, count: int) -> tuple[int, OSError | None]:
    """Move `count` bytes from a pipe to `target`: how many moved, and any error."""
    moved = 0
    while moved < count:
        try:
            moved += os.splice(source, target, count - moved)
        except BlockingIOError:
            _wait_writable(target)
        except OSError as error:
            return moved, error
    return moved, None


def _discard(pipe: int, discard: int, count: int) -> None:
    """Drop `count` bytes from a pipe without copying them into this process."""
    while count > 0:
        count -= os.splice(pipe, discard, count)


def _read_exactly(pipe: int, count: int) -> bytes:
    """Read `count` bytes that are known to be waiting in a pipe."""
    data = bytearray()
    while len(data) < count:
        data += os.read(pipe, count - len(data))
    return bytes(data)


def _grow_pipe(fd: int) -> None:
    """Make a pipe's buffer `PIPE_SIZE` unless it is bigger; other files stay."""
    with contextlib.suppress(OSError):
        if fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ) < PIPE_SIZE:
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)


def _write_all(fd: int, data: bytes) -> None:
    """Write every byte, waiting when the target is a full non-blocking pipe."""
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            _wait_writable(fd)
            continue
        view = view[written:]


def _wait_writable(fd: int) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_WRITE)
        selector.select()


def _open_pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when `pid` exits, where Linux offers it."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _has_exited(pid: int) -> bool:
    """Whether the child has exited, without collecting its status yet."""
    try:
        result = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return result is not None


def _group_alive(pgid: int) -> bool:
    """Whether any process that is not a zombie is left in the process group."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _live_member_in_proc(pgid)


def _live_member_in_proc(pgid: int) -> bool:
    """Look through /proc for a running member of the group.

    Dead members stay in the group until their new parent reaps them, which some
    container init processes do only every second or so; they hold nothing open.
    """
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return True

    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != b"Z":
            return True
    return False
