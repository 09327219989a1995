"""Line 5: `taskbadger run --capture-output` of a loud command over the bare command.

The measuring is done by ``bench_run.py``, which times the bare command and the
wrapped one, interleaved, and watches the wrapper's peak memory; this module runs
it with ``--json`` and turns its results into rows of the table.
"""

from __future__ import annotations

import json
from typing import Any

import bench_run
from harness import BENCH_DIR, OURS, BenchError, Context, Goal, Row, run_checked

FULL_SIZE = "1G"
QUICK_SIZE = "64M"
WALL_GOAL = Goal("ours", "<=", bench_run.WALL_GOAL, "x")
RSS_GOAL = Goal("ours", "<=", bench_run.RSS_GOAL_MIB, "MiB")
RUN_TIMEOUT = 1800


def measure(ctx: Context) -> list[Row]:
    """Run bench_run.py at 1 GiB (64 MiB with --quick) and read its figures."""
    size = QUICK_SIZE if ctx.quick else FULL_SIZE
    repeats = ctx.repeats(full=3, quick=1)
    argv = [OURS.python, "bench_run.py", "--size", size, "--repeats", str(repeats)]
    output = run_checked(
        [*argv, "--json"], env=ctx.env(), timeout=RUN_TIMEOUT, cwd=BENCH_DIR
    )
    summary = _parse(output)
    bare, captured = _case(summary, bench_run.BARE), _case(summary, bench_run.CAPTURED)

    what = f"`run --capture-output`, {_bytes_text(size)} of output"
    note = (
        f"bare command {bare['wall_seconds']:.2f} s, wrapped "
        f"{captured['wall_seconds']:.2f} s, output into a pipe (median of "
        f"{repeats}); the official CLI is not measured here"
    )
    return [
        Row(
            "5",
            f"{what}: wall time over the bare command",
            "x",
            captured["wall_ratio"],
            None,
            goal=WALL_GOAL,
            note=note,
            samples=_samples(bare, captured, "seconds"),
        ),
        Row(
            "5",
            f"{what}: CPU time over the bare command",
            "x",
            captured["cpu_ratio"],
            None,
            samples=_samples(bare, captured, "cpu_seconds"),
        ),
        Row(
            "5",
            f"{what}: wrapper peak RSS",
            "MiB",
            summary["goals"]["peak_rss_mib"],
            None,
            goal=RSS_GOAL,
        ),
    ]


def _parse(output: str) -> dict[str, Any]:
    try:
        summary = json.loads(output)
    except json.JSONDecodeError as exc:
        raise BenchError(f"bench_run.py printed no JSON ({exc}):\n{output}") from None
    if not isinstance(summary, dict):
        raise BenchError(f"bench_run.py printed no JSON object:\n{output}")
    return summary


def _case(summary: dict[str, Any], name: str) -> dict[str, Any]:
    """The medians and single runs of one case."""
    try:
        case: dict[str, Any] = summary["cases"][name]
    except (KeyError, TypeError):
        raise BenchError(f"bench_run.py reported no {name!r} case") from None
    return case


def _samples(
    bare: dict[str, Any], captured: dict[str, Any], figure: str
) -> dict[str, list[float]]:
    """The single runs behind a ratio, bare and wrapped."""
    return {
        "bare": [run[figure] for run in bare["runs"]],
        "ours": [run[figure] for run in captured["runs"]],
    }


def _bytes_text(size: str) -> str:
    return size.replace("G", " GiB").replace("M", " MiB")
