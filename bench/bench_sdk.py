"""Line 3: SDK, many ``task.update(value=i)`` calls on one task: time and requests."""

from __future__ import annotations

from harness import (
    OFFICIAL,
    OURS,
    BenchError,
    Client,
    Context,
    Goal,
    Row,
    compared,
    interleave,
    median,
    pending,
    run_json,
)

FULL_COUNT = 100_000
QUICK_COUNT = 10_000
BACKGROUND_SECONDS = Goal("ours", "<", 1.0, "s")
BACKGROUND_REQUESTS = Goal("ours", "<", 20, "req")


def measure(ctx: Context) -> list[Row]:
    """Both clients rate limited, then ours in background mode."""
    count = QUICK_COUNT if ctx.quick else FULL_COUNT
    return [*_measure_sync(ctx, count), *_measure_background(ctx, count)]


def _measure_sync(ctx: Context, count: int) -> list[Row]:
    requests: dict[str, list[float]] = {"ours": [], "official": []}
    runs = {
        client.label: lambda c=client: _loop_once(ctx, c, "sync", count, requests)
        for client in (OURS, OFFICIAL)
    }
    samples = interleave(ctx.repeats(full=5, quick=2), runs)
    what = f"SDK sync: {count:,} x `update_value(value=i, rate_limit=1)`"
    return [
        compared("3a", f"{what}, time", "s", samples),
        compared("3a", f"{what}, requests", "req", requests),
    ]


def _measure_background(ctx: Context, count: int) -> list[Row]:
    what = f"SDK background: {count:,} x `update(value=i)` + `flush()`"
    requests: dict[str, list[float]] = {"ours": []}
    try:
        samples = interleave(
            ctx.repeats(full=5, quick=2),
            {"ours": lambda: _loop_once(ctx, OURS, "background", count, requests)},
        )
    except _Pending as exc:
        return [
            pending("3b", f"{what}, time", BACKGROUND_SECONDS, str(exc)),
            pending("3b", f"{what}, requests", BACKGROUND_REQUESTS, str(exc)),
        ]

    note = "the official client has no background mode; line 3a is its nearest"
    return [
        Row(
            "3b",
            f"{what}, time",
            "s",
            median(samples["ours"]),
            None,
            goal=BACKGROUND_SECONDS,
            note=note,
            samples=samples,
        ),
        Row(
            "3b",
            f"{what}, requests",
            "req",
            median(requests["ours"]),
            None,
            goal=BACKGROUND_REQUESTS,
            samples=requests,
        ),
    ]


class _Pending(Exception):
    """The client does not offer what the benchmark needs yet."""


def _loop_once(
    ctx: Context,
    client: Client,
    mode: str,
    count: int,
    requests: dict[str, list[float]],
) -> float:
    script = ["sdk_loop.py", client.label, mode, str(count)]
    result = run_json([client.python, *script], env=ctx.env())
    if "pending" in result:
        raise _Pending(result["pending"])

    task_id = result["task_id"]
    updates = [r for r in ctx.server.requests if r.method in ("PATCH", "PUT")]
    requests[client.label].append(len([r for r in updates if task_id in r.path]))

    # Coalescing may drop values in between, never the last one.
    if mode == "background" and ctx.server.task(task_id)["value"] != count - 1:
        raise BenchError(
            f"background mode lost the last value: the task holds "
            f"{ctx.server.task(task_id)['value']}, not {count - 1}"
        )
    seconds: float = result["seconds"]
    return seconds
