"""Memory handed back to the system: what keeps notebooks 10 and 11 under Binder's limit."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# 150 MB of 1 kB objects (malloc'd from the heap, not Python's small-object arenas); all but the
# last freed, which pins the top of the heap so that glibc cannot shrink it by itself.
SCRIPT = """
import sys
from helpers.runtime import return_freed_memory
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6
blocks = [bytes(1000) + bytes([i % 256]) for i in range(150_000)]
last = blocks[-1]
full = rss()
del blocks
freed = rss()
return_freed_memory()
print(round(full), round(freed), round(rss()))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_return_freed_memory_hands_freed_heap_back():
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-500:]
    full, freed, trimmed = map(int, run.stdout.split())
    assert freed > full - 50, "glibc gave the heap back by itself: the test shows nothing"
    assert trimmed < freed - 100, (full, freed, trimmed)
