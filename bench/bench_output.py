"""Line 5: `taskbadger run --capture-output` of a loud command over the bare command.

The measuring is done by ``bench_run.py``, which times the bare command and the
wrapped one, interleaved, and watches the wrapper's peak memory; this module runs
it and turns its report into rows of the table.
"""

from __future__ import annotations

import re

import bench_run
from harness import BENCH_DIR, OURS, BenchError, Context, Goal, Row, run_checked

FULL_SIZE = "1G"
QUICK_SIZE = "64M"
WALL_GOAL = Goal("ours", "<=", bench_run.WALL_GOAL, "x")
RSS_GOAL = Goal("ours", "<=", bench_run.RSS_GOAL_MIB, "MiB")
RUN_TIMEOUT = 1800

# A row of bench_run.py's table: case name, wall seconds, ratio, wrapper RSS.
_CASE = re.compile(r"^(?P<case>.+?)\s+(?P<seconds>[\d.]+)\s+(?P<ratio>[\d.]+)\s+\S+$")
_PEAK = re.compile(r"peak RSS (?P<mib>[\d.]+) MiB")


def measure(ctx: Context) -> list[Row]:
    """Run bench_run.py at 1 GiB (64 MiB with --quick) and read its figures."""
    size = QUICK_SIZE if ctx.quick else FULL_SIZE
    repeats = ctx.repeats(full=3, quick=1)
    argv = [OURS.python, "bench_run.py", "--size", size, "--repeats", str(repeats)]
    report = run_checked(argv, env=ctx.env(), timeout=RUN_TIMEOUT, cwd=BENCH_DIR)

    cases = {m["case"]: m for m in map(_CASE.match, report.splitlines()) if m}
    peak = _PEAK.search(report)
    if "run --capture-output" not in cases or "bare command" not in cases or not peak:
        raise BenchError(
            f"bench_run.py printed a report this runner cannot read:\n{report}"
        )

    captured = cases["run --capture-output"]
    bare_seconds = float(cases["bare command"]["seconds"])
    what = f"`run --capture-output`, {_bytes_text(size)} of output"
    wrapped_seconds = float(captured["seconds"])
    note = (
        f"bare command {bare_seconds:.2f} s, wrapped {wrapped_seconds:.2f} s "
        f"(median of {repeats}); the official CLI is not measured here"
    )
    return [
        Row(
            "5",
            f"{what}: time over the bare command",
            "x",
            float(captured["ratio"]),
            None,
            goal=WALL_GOAL,
            note=note,
        ),
        Row(
            "5",
            f"{what}: wrapper peak RSS",
            "MiB",
            float(peak["mib"]),
            None,
            goal=RSS_GOAL,
        ),
    ]


def _bytes_text(size: str) -> str:
    return size.replace("G", " GiB").replace("M", " MiB")
