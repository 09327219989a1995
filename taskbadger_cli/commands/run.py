"""``taskbadger run``: run a command as a tracked task, the way cron needs it.

The command always runs and its exit status always wins. Task Badger is told
about it on a best-effort basis: every request has a short timeout and a hard
deadline, a failing API costs one warning line on stderr, and heartbeats go out
from a worker thread that the command never waits for. The time the API can add
to a run is bounded by ``MAX_ADDED_SECONDS``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shlex
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import FrameType
from typing import Annotated, Any, Generic, TypeVar

import typer

import taskbadger
from taskbadger_cli import output, parsing
from taskbadger_cli.config import Options, configure_sdk
from taskbadger_cli.errors import CLIError, UsageError
from taskbadger_cli.options import (
    DataOption,
    MaxRuntimeOption,
    MonitorIdOption,
    TagOption,
    ValueMaxOption,
)
from taskbadger_cli.supervise import (
    DEFAULT_CAPTURE_LIMIT,
    DEFAULT_KILL_AFTER,
    EXIT_NOT_EXECUTABLE,
    EXIT_NOT_FOUND,
    FORWARDED_SIGNALS,
    HEARTBEAT_GRACE,
    Outcome,
    Snapshot,
    needs_shell,
    supervise,
)

T = TypeVar("T")

REQUEST_TIMEOUT = 2.0
"""Seconds one request may take: the API answers in milliseconds when it is well."""

RETRY_BUDGET = 1.0
"""Seconds one request may spend retrying: a hiccup is retried, an outage is not
waited out while the job runs."""

CREATE_BUDGET = 3.0
"""Hard limit in seconds on creating the task before the command starts anyway."""

FINISH_BUDGET = 3.0
"""Hard limit in seconds on recording the outcome after the command has ended."""

MAX_ADDED_SECONDS = CREATE_BUDGET + HEARTBEAT_GRACE + FINISH_BUDGET
"""The most time a slow or unreachable API can add to a run."""

DEFAULT_UPDATE_FREQUENCY = 60
MIN_UPDATE_FREQUENCY = 5
"""Seconds; more often would only load the API, not make the task fresher."""
MAX_UPDATE_FREQUENCY = 3600
"""Seconds; rarer heartbeats would let a hung job go unnoticed for too long."""

STALE_INTERVALS = 3
"""Heartbeats a task may miss before it counts as stale: one lost beat is noise."""

MAX_HEARTBEAT_FAILURES = 3
"""Failed heartbeats in a row after which no more are sent for this run."""

MAX_CAPTURE_LIMIT = 1024 * 1024
"""Bytes per stream; task data is not the place for whole logs."""


logger = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Adds the run command to the app."""
    app.command("run")(run)


def run(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="The task's name, 1 to 255 characters.",
            show_default=False,
        ),
    ],
    command: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[COMMAND]...", help="The command and its arguments, after '--'."
        ),
    ] = None,
    shell: Annotated[
        bool, typer.Option("--shell", help="Run the command through 'sh -c'.")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Seconds after which the command is stopped (exit 124).",
        ),
    ] = None,
    kill_after: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Seconds from SIGTERM to SIGKILL when stopping it.",
        ),
    ] = DEFAULT_KILL_AFTER,
    capture_output: Annotated[
        bool,
        typer.Option(
            "--capture-output",
            help="Store the end of stdout and stderr in the task data.",
        ),
    ] = False,
    capture_limit: Annotated[
        int,
        typer.Option(
            min=1,
            max=MAX_CAPTURE_LIMIT,
            metavar="BYTES",
            help="Bytes of each stream to store.",
        ),
    ] = DEFAULT_CAPTURE_LIMIT,
    progress_pattern: Annotated[
        str | None,
        typer.Option(
            metavar="REGEX",
            help="Regular expression finding progress in output lines; its group "
            "is a number or a percentage.",
            show_default=False,
        ),
    ] = None,
    update_frequency: Annotated[
        int,
        typer.Option(
            metavar="SECONDS",
            help=f"Seconds between heartbeats while the command runs, "
            f"{MIN_UPDATE_FREQUENCY} to {MAX_UPDATE_FREQUENCY}.",
        ),
    ] = DEFAULT_UPDATE_FREQUENCY,
    no_record_command: Annotated[
        bool,
        typer.Option(
            "--no-record-command",
            help="Keep the command line out of the task data.",
        ),
    ] = False,
    data: DataOption = None,
    tag: TagOption = None,
    value_max: ValueMaxOption = None,
    max_runtime: MaxRuntimeOption = None,
    stale_timeout: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="SECONDS",
            help="Seconds without a heartbeat before the task counts as stale "
            f"(by default {STALE_INTERVALS} x --update-frequency).",
            show_default=False,
        ),
    ] = None,
    monitor_id: MonitorIdOption = None,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", "-q", help="Do not print the task's URL."),
    ] = False,
) -> None:
    """Run a command and track it as a task; exit with the command's status.

    The task is 'processing' while the command runs, then 'success' or 'error'.
    The command inherits the environment plus TASKBADGER_TASK_ID. Nothing is
    printed on stdout but the command's own output. When the API is unreachable
    the command still runs, with one warning on stderr.

    Example: taskbadger run nightly-backup --timeout 3600 -- ./backup.sh --full
    """
    plan = RunPlan(
        name=parsing.task_name(name),
        argv=_check_command(command),
        shell=shell,
        record_command=not no_record_command,
        fields=TaskFields(
            data=parsing.pairs("--data", data) or {},
            tags=parsing.tags(tag) or {},
            value_max=value_max,
            max_runtime=max_runtime,
            stale_timeout=stale_timeout or STALE_INTERVALS * update_frequency,
            monitor_id=monitor_id,
        ),
    )
    pattern = _compile_progress(progress_pattern)
    _check_timeout(timeout)
    _check_update_frequency(update_frequency)

    signals = Signals()
    with signals.held():
        tracker = Tracker(ctx.obj, quiet=quiet, signals=signals)
        tracker.start(plan)
        if signals.received:
            raise typer.Exit(tracker.cancel(signals.received[0]))

        outcome = supervise(
            plan.argv,
            shell=shell,
            env=tracker.environment(),
            timeout=timeout,
            kill_after=kill_after,
            capture_output=capture_output,
            capture_limit=capture_limit,
            progress_pattern=pattern,
            heartbeat=tracker.heartbeat,
            interval=update_frequency,
            pending_signals=signals.received,
        )
        never_started = outcome.exit_code in (EXIT_NOT_EXECUTABLE, EXIT_NOT_FOUND)
        if never_started and outcome.return_code is None:
            output.error(f"{outcome.reason}. Check the command after '--'.")
        # A signal from here on waits until the outcome is recorded, and the
        # command's status still wins.
        tracker.finish(outcome)
    raise typer.Exit(outcome.exit_code)


@dataclass(frozen=True)
class TaskFields:
    """The task fields given on the command line."""

    data: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    value_max: int | None = None
    max_runtime: int | None = None
    stale_timeout: int | None = None
    monitor_id: str | None = None


@dataclass(frozen=True)
class RunPlan:
    """A checked request to run one command as one task."""

    name: str
    argv: list[str]
    shell: bool
    record_command: bool
    fields: TaskFields

    @property
    def command_line(self) -> str:
        """The command as a person would type it."""
        if self.shell or needs_shell(self.argv):
            return " ".join(self.argv)
        return shlex.join(self.argv)


class Interrupted(BaseException):
    """A signal to end the run came while waiting for the task to be created."""


class Signals:
    """The signals that end jobs, noted rather than obeyed while a run lasts.

    Without this, a signal during the creation of the task or the recording of
    its outcome would end the wrapper at once, leaving the task 'processing'.
    """

    def __init__(self) -> None:
        self.received: list[int] = []
        self.interrupting = False

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Note the signals instead of dying of them, for the length of a run."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        previous = {sig: signal.signal(sig, self._note) for sig in FORWARDED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def interrupting_wait(self) -> Iterator[None]:
        """Raise Interrupted when a signal comes (or came) during the block."""
        if self.received:
            raise Interrupted
        self.interrupting = True
        try:
            yield
        finally:
            self.interrupting = False

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.received.append(signum)
        if self.interrupting:
            self.interrupting = False
            raise Interrupted


class Tracker:
    """Reports one run to Task Badger without ever getting in the command's way."""

    def __init__(
        self, options: Options, *, quiet: bool, signals: Signals | None = None
    ) -> None:
        self.options = options
        self.quiet = quiet
        self.signals = signals or Signals()
        self.create_deadline = time.monotonic()
        self.task: taskbadger.Task | None = None
        self.creating: _Attempt[taskbadger.Task] | None = None
        self.hostname = socket.gethostname()
        self.command_line: str | None = None
        self.failures = 0
        self.warned = False
        # Heartbeats and the final update both send the whole data object; one at
        # a time keeps a late heartbeat from overwriting the outcome.
        self.sending = threading.Lock()

    def start(self, plan: RunPlan) -> None:
        """Create the task in 'processing', or warn and carry on without one."""
        if not self._configure():
            return

        self.command_line = plan.command_line if plan.record_command else None
        fields = plan.fields
        self.creating = _Attempt(
            lambda: taskbadger.Task.create(
                plan.name,
                status=taskbadger.StatusEnum.PROCESSING,
                data={**self._context(), **fields.data},
                tags=fields.tags or None,
                value_max=fields.value_max,
                max_runtime=fields.max_runtime,
                stale_timeout=fields.stale_timeout,
                monitor_id=fields.monitor_id,
            )
        )
        self.create_deadline = time.monotonic() + CREATE_BUDGET
        try:
            with self.signals.interrupting_wait():
                self.task = self.creating.wait(CREATE_BUDGET)
        except Interrupted:
            return
        except Exception as exc:
            self._warn(f"not tracking this run. {_describe(exc)}")
            return
        if not self.quiet:
            output.info(f"tracking as {self.task.url or self.task.id}")

    def environment(self) -> dict[str, str]:
        """Variables the command gets on top of the inherited environment."""
        return {"TASKBADGER_TASK_ID": self.task.id} if self.task else {}

    def heartbeat(self, snapshot: Snapshot) -> None:
        """Tell the API the command is alive; called from a worker thread."""
        task = self.task
        if task is None or self.failures >= MAX_HEARTBEAT_FAILURES:
            return

        data: dict[str, Any] = {"elapsed_seconds": round(snapshot.elapsed)}
        data.update(_tails(snapshot.stdout_tail, snapshot.stderr_tail))
        try:
            with self.sending:
                _refresh_and_update(
                    task, data=data, value=_progress_value(snapshot.progress)
                )
        except taskbadger.TaskbadgerException as exc:
            self.failures += 1
            self._warn(f"could not update task {task.id}: {_describe(exc)}")
            return
        self.failures = 0

    def finish(self, outcome: Outcome) -> None:
        """Record the outcome within ``FINISH_BUDGET`` seconds, or warn."""
        task = self.task or self._late_task()
        if task is None:
            return

        status = taskbadger.StatusEnum.SUCCESS
        if outcome.exit_code != 0:
            status = taskbadger.StatusEnum.ERROR
        self._record(task, status, self._outcome_data(outcome), outcome.progress)

    def cancel(self, signum: int) -> int:
        """Record that a signal ended the run before the command started.

        A task still being created gets the rest of ``CREATE_BUDGET`` to appear,
        so that it is not left 'processing'.

        Returns:
            The status to exit with, 128 plus the signal's number.
        """
        name = signal.Signals(signum).name
        exit_code = 128 + signum
        output.error(f"received {name} before the command started; it was not run.")
        task = self.task or self._late_task(self.create_deadline - time.monotonic())
        if task is None:
            return exit_code

        data = {
            **self._context(),
            "return_code": exit_code,
            "outcome": f"not started: received {name}",
            "received_signal": name,
        }
        self._record(task, taskbadger.StatusEnum.ERROR, data, None)
        return exit_code

    def _record(
        self,
        task: taskbadger.Task,
        status: taskbadger.StatusEnum,
        data: dict[str, Any],
        progress: float | None,
    ) -> None:
        """Send the final status within ``FINISH_BUDGET`` seconds, or warn."""
        value = _progress_value(progress)

        def send() -> None:
            # Waiting for a heartbeat in flight is part of the budget, not extra.
            locked = self.sending.acquire(timeout=FINISH_BUDGET / 2)
            try:
                _refresh_and_update(task, status=status, data=data, value=value)
            finally:
                if locked:
                    self.sending.release()

        try:
            _Attempt(send).wait(FINISH_BUDGET)
        except Exception as exc:
            self._warn(
                f"could not record the outcome of task {task.id}: {_describe(exc)}"
            )

    def _configure(self) -> bool:
        """Set the SDK up with the short timeout of a run, or warn."""
        # Without a handler of its own the SDK's warnings would reach stderr
        # through logging's fallback; the one warning of a run is ours to write.
        logging.getLogger("taskbadger").addHandler(logging.NullHandler())
        try:
            configure_sdk(
                self.options, timeout=REQUEST_TIMEOUT, retry_budget=RETRY_BUDGET
            )
        except CLIError as exc:
            self._warn(f"not tracking this run. {exc}")
            return False
        return True

    def _late_task(self, budget: float = 0.0) -> taskbadger.Task | None:
        """A task whose creation answered late, waiting ``budget`` seconds for it."""
        if self.creating is None:
            return None
        try:
            return self.creating.wait(max(0.0, budget))
        except Exception:
            return None

    def _context(self) -> dict[str, Any]:
        context: dict[str, Any] = {"hostname": self.hostname}
        if self.command_line is not None:
            context["command"] = self.command_line
        return context

    def _outcome_data(self, outcome: Outcome) -> dict[str, Any]:
        data: dict[str, Any] = {
            **self._context(),
            "return_code": outcome.exit_code,
            "timed_out": outcome.timed_out,
            "duration_seconds": round(outcome.duration, 3),
            "started_at": _timestamp(outcome.started_at),
            "ended_at": _timestamp(outcome.ended_at),
            "outcome": outcome.reason,
        }
        if outcome.signal is not None:
            data["signal"] = outcome.signal
        if outcome.forwarded_signal is not None:
            data["received_signal"] = outcome.forwarded_signal
        data.update(_tails(outcome.stdout_tail, outcome.stderr_tail))
        return data

    def _warn(self, message: str) -> None:
        """Warn on stderr once per run: cron mails every line it sees."""
        if self.warned:
            logger.debug("Not repeated: %s", message)
            return
        self.warned = True
        output.warning(" ".join(message.split()))


class _Attempt(Generic[T]):
    """A call made in a daemon thread, so waiting for it can be cut short.

    The thread is a daemon because an abandoned request must not keep the
    process alive at exit.
    """

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:
            self._error = exc
        finally:
            self._done.set()

    def wait(self, budget: float) -> T:
        """The call's result, waiting at most ``budget`` seconds for it.

        Raises:
            NoAnswerError: The call did not finish in time.
            Exception: Whatever the call raised.
        """
        if not self._done.wait(budget):
            raise NoAnswerError(budget)
        return self.result()

    def result(self) -> T:
        """The result of a finished call; NoAnswerError if it is still running."""
        if not self._done.is_set():
            raise NoAnswerError(0)
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class NoAnswerError(Exception):
    """The API did not answer within the time a run allows it."""

    def __init__(self, budget: float) -> None:
        super().__init__(
            f"The Task Badger API did not answer within {budget:g} seconds. "
            "Check TASKBADGER_HOST and the network."
        )


def _refresh_and_update(task: taskbadger.Task, **fields: Any) -> None:
    """Update the task, keeping data that the command itself wrote meanwhile.

    The data is merged on this side and sent whole, so it is merged into a fresh
    copy; if fetching fails the update is still worth trying.
    """
    with contextlib.suppress(taskbadger.TaskbadgerException):
        task.refresh()
    task.update(**fields)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, taskbadger.TaskbadgerException):
        return output.describe_api_error(exc)
    if isinstance(exc, NoAnswerError):
        return str(exc)
    # Only the type: an unknown error's text may quote a request, headers included.
    return f"unexpected {type(exc).__name__}."


def _check_command(command: list[str] | None) -> list[str]:
    if not command:
        raise UsageError(
            "No command given. Put it after '--': taskbadger run NAME -- COMMAND."
        )
    return command


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and timeout <= 0:
        raise UsageError(f"--timeout must be more than 0 seconds, not {timeout:g}.")


def _check_update_frequency(seconds: int) -> None:
    if not MIN_UPDATE_FREQUENCY <= seconds <= MAX_UPDATE_FREQUENCY:
        raise UsageError(
            f"--update-frequency must be {MIN_UPDATE_FREQUENCY} to "
            f"{MAX_UPDATE_FREQUENCY} seconds, not {seconds}."
        )


def _compile_progress(pattern: str | None) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise UsageError(
            f"--progress-pattern is not a valid expression: {exc}."
        ) from None
    if compiled.groups > 1:
        raise UsageError(
            "--progress-pattern must have at most one group, the progress number."
        )
    return compiled


def _progress_value(progress: float | None) -> int | None:
    return None if progress is None else round(progress)


def _tails(stdout: str | None, stderr: str | None) -> dict[str, str]:
    if stdout is None or stderr is None:
        return {}
    return {"stdout_tail": stdout, "stderr_tail": stderr}


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
