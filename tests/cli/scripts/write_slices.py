"""Write a file to stdout in odd-sized slices, pausing now and then.

Usage: write_slices.py FILE

The slices split multibyte characters, and the pauses let the reader catch up,
so the output reaches it in chunks of many sizes.
"""

import os
import sys
import time
from pathlib import Path

SLICE = 4099
PAUSE_EVERY = 97

data = Path(sys.argv[1]).read_bytes()
for number, start in enumerate(range(0, len(data), SLICE)):
    view = memoryview(data)[start : start + SLICE]
    while view:
        view = view[os.write(1, view) :]
    if number % PAUSE_EVERY == 0:
        time.sleep(0.002)
