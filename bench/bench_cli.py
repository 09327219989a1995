"""Line 1: one ``taskbadger update ID --value 5`` run as a command, start to exit."""

from __future__ import annotations

from functools import partial

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
    run_checked,
    stopwatch,
)

GOAL = Goal("ratio", "<=", 0.70)


def measure(ctx: Context) -> list[Row]:
    """Time the update command of both CLIs, alternating, against the local server."""
    env = ctx.env()
    task_id = ctx.create_task("bench-cli")
    runs = {
        client.label: partial(_update_once, ctx, client, task_id, env)
        for client in (OURS, OFFICIAL)
    }

    samples = interleave(ctx.repeats(full=21, quick=3), runs, warm_up=True)
    return [
        compared(
            "1",
            "CLI: `taskbadger update ID --value 5` (process start to exit)",
            "s",
            samples,
            GOAL,
        )
    ]


def _update_once(
    ctx: Context, client: Client, task_id: str, env: dict[str, str]
) -> float:
    argv = [client.command("taskbadger"), "update", task_id, "--value", "5"]
    before = ctx.server.request_count
    seconds = stopwatch(lambda: run_checked(argv, env=env, cwd=ctx.home))

    # A CLI that exits 0 without reaching the server would look fast and prove
    # nothing, so every run must have sent its request.
    if ctx.server.request_count == before:
        raise BenchError(f"the {client.label} CLI exited without sending the update")
    return seconds
