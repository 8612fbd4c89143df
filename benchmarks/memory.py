"""Peak memory of every notebook run offline, against Binder's limit (about 2 GB).

Usage: ``python benchmarks/memory.py [NN ...]`` (all notebooks, or those whose names start with
the given numbers, e.g. ``07``).

Each notebook runs from a copy (the stored one is not touched) through nbclient in a process of
its own, so that the figures of one notebook do not mix with another's. Two figures per notebook:

- **kernel peak RSS**: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of that process once the kernel
  has exited — the kernel's own high-water mark, measured by Linux, not sampled;
- **tree peak (sampled)**: the largest sum of RSS over the kernel and its child processes,
  polled every 0.2 s with psutil (catches a subprocess a cell starts; can miss a short spike).

A notebook above :data:`LIMIT_MB` is flagged. Prints figures, asserts nothing (not a test).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Flag notebooks whose peak is above this (MB = 10^6 bytes): Binder's limit is about 2 GB, and the
#: server, the browser tab's kernel messages and a second open notebook need the rest.
LIMIT_MB = 1500
OFFLINE = {"RAG_COURSE_MODE": "offline", "HF_HUB_OFFLINE": "1"}


def notebook_paths(prefixes: list[str] | None = None) -> list[Path]:
    """Return the course notebooks in reading order (only those starting with ``prefixes``)."""
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not prefixes or p.name.startswith(tuple(prefixes))]


def _sample_tree(peak: list[int], stop: threading.Event) -> None:
    """Poll this process's children (the kernel and its subprocesses); keep the largest RSS sum."""
    import psutil

    me = psutil.Process()
    while not stop.wait(0.2):
        total = 0
        for proc in me.children(recursive=True):
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)


def _run_one(path: Path) -> dict[str, object]:
    """Execute ``path`` here (in the child process) and return time, peaks and any error."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    peak, stop = [0], threading.Event()
    sampler = threading.Thread(target=_sample_tree, args=(peak, stop), daemon=True)
    sampler.start()
    error = ""
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=1200, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:  # report, go on
        last = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()[-1]  # no colours
        error = f"{type(err).__name__}: {last[:160]}"
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    kernel_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return {"seconds": seconds, "kernel_mb": kernel_kib * 1024 / 1e6, "tree_mb": peak[0] / 1e6,
            "error": error}


def measure(path: Path) -> dict[str, object]:
    """Run one notebook offline in a new process; return its time, peak memory and error."""
    env = dict(os.environ, **OFFLINE)
    run = subprocess.run([sys.executable, __file__, "--one", str(path)], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    if run.returncode or not lines:
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return {"seconds": 0.0, "kernel_mb": 0.0, "tree_mb": 0.0, "error": tail[:120]}
    return json.loads(lines[-1])


def report_line(name: str, result: dict[str, object]) -> str:
    """Return the table line of one notebook, flagged when over :data:`LIMIT_MB`."""
    peak = max(float(result["kernel_mb"]), float(result["tree_mb"]))
    flag = f"  OVER {LIMIT_MB} MB" if peak > LIMIT_MB else ""
    error = f"  FAILED: {result['error']}" if result["error"] else ""
    return (f"  {name:28} {float(result['seconds']):6.1f} s  kernel peak "
            f"{float(result['kernel_mb']):6.0f} MB  tree peak (sampled) "
            f"{float(result['tree_mb']):6.0f} MB{flag}{error}")


def main(argv: list[str]) -> int:
    """Measure every notebook (or those named) and print one line each."""
    if argv[:1] == ["--one"]:
        print(json.dumps(_run_one(Path(argv[1]))))
        return 0
    paths = notebook_paths(argv)
    print(f"== peak memory per notebook, offline, each in its own process "
          f"(flagged above {LIMIT_MB} MB; Binder allows about 2 GB)")
    over = []
    for path in paths:
        result = measure(path)
        print(report_line(path.name, result), flush=True)
        if max(float(result["kernel_mb"]), float(result["tree_mb"])) > LIMIT_MB:
            over.append(path.name)
    print(f"  over {LIMIT_MB} MB: {', '.join(over) if over else 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
