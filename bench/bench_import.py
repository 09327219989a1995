"""Line 2: ``import taskbadger`` in a fresh interpreter."""

from __future__ import annotations

import json
from functools import partial

from harness import (
    OFFICIAL,
    OURS,
    Client,
    Context,
    Goal,
    Row,
    compared,
    interleave,
    run_checked,
)

GOAL = Goal("ratio", "<=", 0.5)

# Times the import alone, so the interpreter's own start-up, the same for both
# clients, does not water the ratio down. It also lists the CLI libraries the
# import dragged in: an application that only uses the SDK should pay for none.
PROBE = """
import json, sys, time
started = time.perf_counter()
import taskbadger
seconds = time.perf_counter() - started
heavy = sorted({"typer", "rich", "click", "celery"} & set(sys.modules))
print(json.dumps({"seconds": seconds, "heavy": heavy}))
"""


def measure(ctx: Context) -> list[Row]:
    """Time ``import taskbadger`` in new interpreters of both virtualenvs."""
    env = ctx.env()
    heavy: dict[str, list[str]] = {}
    runs = {
        client.label: partial(_import_once, ctx, client, env, heavy)
        for client in (OURS, OFFICIAL)
    }

    samples = interleave(ctx.repeats(full=21, quick=3), runs, warm_up=True)
    note = "; ".join(
        f"{label} also imports {', '.join(names)}"
        for label, names in heavy.items()
        if names
    )
    return [
        compared(
            "2",
            "`import taskbadger` in a fresh interpreter (import only)",
            "s",
            samples,
            GOAL,
            note,
        )
    ]


def _import_once(
    ctx: Context, client: Client, env: dict[str, str], heavy: dict[str, list[str]]
) -> float:
    # Run from the private home: from the project directory, the official
    # interpreter would import this project's package instead of its own.
    stdout = run_checked([client.python, "-c", PROBE], env=env, cwd=ctx.home)
    result = json.loads(stdout)
    heavy[client.label] = result["heavy"]
    seconds: float = result["seconds"]
    return seconds
