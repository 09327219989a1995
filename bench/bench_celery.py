"""Line 4: Celery throughput on a prefork worker, tracked over untracked."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

from harness import (
    OFFICIAL,
    OURS,
    BenchError,
    Client,
    Context,
    Goal,
    Row,
    interleave,
    median,
    run_json,
)

FULL_COUNT = 500
QUICK_COUNT = 50
# Added to every API request, about what a real network round trip costs.
API_LATENCY = 0.02
GOAL = Goal("ours", ">=", 0.9, "x")
REDIS_START_TIMEOUT = 10


def measure(ctx: Context) -> list[Row]:
    """Untracked and tracked runs of both clients, interleaved, on one Redis."""
    count = ctx.celery_tasks or (QUICK_COUNT if ctx.quick else FULL_COUNT)
    with _redis() as broker:
        runs = {
            f"{client.label} {mode}": (
                lambda c=client, m=mode: _run_once(ctx, broker, c, m, count)
            )
            for client in (OURS, OFFICIAL)
            for mode in ("untracked", "tracked")
        }
        samples = interleave(ctx.repeats(full=3, quick=1), runs)

    throughput = {label: count / median(seconds) for label, seconds in samples.items()}
    ratios = {
        client.label: throughput[f"{client.label} tracked"]
        / throughput[f"{client.label} untracked"]
        for client in (OURS, OFFICIAL)
    }
    what = f"Celery, {count} trivial tasks, prefork x2, API +20 ms"
    return [
        _row(
            f"{what}: untracked",
            "tasks/s",
            throughput,
            "untracked",
            samples,
            note="each virtualenv has its own Celery version, so compare each "
            "client with itself: the last row",
        ),
        _row(f"{what}: tracked", "tasks/s", throughput, "tracked", samples),
        Row(
            "4",
            f"{what}: throughput tracked / untracked",
            "x",
            ratios["ours"],
            ratios["official"],
            ratio=ratios["ours"] / ratios["official"],
            goal=GOAL,
        ),
    ]


def _row(
    benchmark: str,
    unit: str,
    throughput: dict[str, float],
    mode: str,
    samples: dict[str, list[float]],
    note: str = "",
) -> Row:
    ours = throughput[f"ours {mode}"]
    official = throughput[f"official {mode}"]
    return Row(
        "4",
        benchmark,
        unit,
        ours,
        official,
        ratio=ours / official,
        note=note,
        samples={label: seconds for label, seconds in samples.items() if mode in label},
    )


def _run_once(
    ctx: Context, broker: str, client: Client, mode: str, count: int
) -> float:
    ctx.server.reset()
    ctx.server.inject_fault(latency=API_LATENCY, times=None)
    env = ctx.env(
        {
            "BENCH_BROKER": broker,
            # A queue of its own, so no run can pick up another run's leftovers.
            "BENCH_QUEUE": f"bench-{uuid.uuid4().hex}",
            "BENCH_TRACK": client.label if mode == "tracked" else "",
        }
    )
    result = run_json([client.python, "celery_drive.py", str(count)], env=env)

    # A tracked run that tracked nothing would look fast and prove nothing.
    if mode == "tracked":
        done = [task for task in ctx.server.tasks if task["status"] == "success"]
        if len(done) < count:
            raise BenchError(
                f"{client.label} tracked only {len(done)} of {count} Celery tasks "
                "to success"
            )
    seconds: float = result["seconds"]
    return seconds


@contextlib.contextmanager
def _redis() -> Iterator[str]:
    """A throwaway Redis on loopback, without persistence; yields its URL."""
    port = _free_port()
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1"]
    argv += ["--save", "", "--appendonly", "no"]
    try:
        server = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    except FileNotFoundError:
        raise BenchError("redis-server is not installed; install Redis") from None
    try:
        _wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=REDIS_START_TIMEOUT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port)),
        ):
            return
        time.sleep(0.05)
    raise BenchError(f"redis-server did not listen on port {port} in time")
