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

BARE = "bare command"
CAPTURED = "run --capture-output"
_PEAK = re.compile(r"peak RSS (?P<mib>[\d.]+) MiB")


def measure(ctx: Context) -> list[Row]:
    """Run bench_run.py at 1 GiB (64 MiB with --quick) and read its figures."""
    size = QUICK_SIZE if ctx.quick else FULL_SIZE
    repeats = ctx.repeats(full=3, quick=1)
    argv = [OURS.python, "bench_run.py", "--size", size, "--repeats", str(repeats)]
    report = run_checked(argv, env=ctx.env(), timeout=RUN_TIMEOUT, cwd=BENCH_DIR)

    bare, captured = _case(report, BARE), _case(report, CAPTURED)
    peak = _PEAK.search(report)
    if peak is None:
        raise BenchError(f"bench_run.py reported no peak RSS:\n{report}")

    what = f"`run --capture-output`, {_bytes_text(size)} of output"
    note = (
        f"bare command {bare[0]:.2f} s, wrapped {captured[0]:.2f} s, output into "
        f"a pipe (median of {repeats}); the official CLI is not measured here"
    )
    rows = [
        Row(
            "5",
            f"{what}: wall time over the bare command",
            "x",
            captured[1],
            None,
            goal=WALL_GOAL,
            note=note,
        ),
    ]
    # Newer reports add CPU time of all processes, which a busy machine skews
    # less than wall time.
    if len(captured) == 5:
        rows.append(
            Row("5", f"{what}: CPU time over the bare command", "x", captured[3], None)
        )
    rows.append(
        Row(
            "5",
            f"{what}: wrapper peak RSS",
            "MiB",
            float(peak["mib"]),
            None,
            goal=RSS_GOAL,
        )
    )
    return rows


def _case(report: str, name: str) -> list[float]:
    """The figures of one case: wall s, ratio, [CPU s, ratio,] wrapper RSS."""
    for line in report.splitlines():
        if line.startswith(name + " "):
            cells = line[len(name) :].split()
            return [float("nan") if cell == "-" else float(cell) for cell in cells]
    raise BenchError(f"bench_run.py reported no {name!r} case:\n{report}")


def _bytes_text(size: str) -> str:
    return size.replace("G", " GiB").replace("M", " MiB")
