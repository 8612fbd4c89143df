"""Time to the first notebook: `make lab` on a fresh clone, until JupyterLab answers.

Usage: ``python benchmarks/first_notebook.py [--head] [--no-wait] [--keep]``

Clones this repository into a temporary folder (``git clone``, then the working tree's
uncommitted changes to tracked files applied on top; ``--head``: the last commit only), runs
``make lab`` there with ``--no-browser``, a free port and a token, and prints:

- the install time (``.venv`` created and every package installed: until make starts
  ``helpers.index.chroma``), with pip's cache and configuration as they are on this machine (said in
  the output: a learner whose pip cache is empty downloads everything);
- the time to build what notebook 00 needs (the course's two Chroma indexes);
- the time until JupyterLab answers ``/api/status``, and the total from ``make lab``;
- then (unless ``--no-wait``) the time until the background build of the other caches, which
  ``make lab`` starts before JupyterLab, says it finished;
- the disk size of the clone's ``.venv`` and ``.cache``.

It stops JupyterLab (and the background build) at the end and removes the clone unless
``--keep``. Prints figures, asserts nothing (not a test). The README's install time and sizes
come from this script's output.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(1, str(ROOT))

from run import disk_gib  # noqa: E402  (benchmarks/ is not a package)

from tests.support import stop_group  # noqa: E402

GOAL_S = 5 * 60  # issue 14: JupyterLab open within 5 minutes of `make lab` on 2 cores


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clone(target: Path, head_only: bool) -> str:
    """Clone the repository into ``target``; return what was cloned (for the output)."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    commit = subprocess.run(["git", "-C", str(target), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    if head_only:
        return f"commit {commit}"
    diff = subprocess.run(["git", "-C", str(ROOT), "diff", "--binary", "HEAD"],
                          capture_output=True, check=True).stdout
    if diff:
        subprocess.run(["git", "-C", str(target), "apply", "--whitespace=nowarn"], input=diff,
                       check=True)
    return f"commit {commit} + the working tree's uncommitted changes to tracked files"


def learner_env(home: Path) -> dict[str, str]:
    """Return this environment without the course's .venv and make's flags (a learner's shell);
    Jupyter's runtime files go under ``home``."""
    venvs = {str(ROOT / ".venv" / "bin"), os.path.join(os.environ.get("VIRTUAL_ENV", "-"), "bin")}
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV", "PYTHONPATH")
           and not k.startswith("RAG_COURSE_")}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p not in venvs)
    env["JUPYTER_RUNTIME_DIR"] = str(home / "runtime")
    return env


def load() -> str:
    """Return the load averages, to tell a quiet machine from a busy one."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} {five:.1f} {fifteen:.1f}"


def pip_cache_note() -> str:
    """Return one line on pip's cache and configuration as `make install` will meet them."""
    pip = [sys.executable, "-m", "pip"]
    cache = subprocess.run([*pip, "cache", "dir"], capture_output=True, text=True).stdout.strip()
    size = disk_gib(Path(cache)) if cache and Path(cache).is_dir() else 0.0
    config = subprocess.run([*pip, "config", "list"], capture_output=True, text=True).stdout
    sources = [line for line in config.splitlines() if "index-url" in line or "find-links" in line]
    found = {k: v for k, v in os.environ.items() if k in ("PIP_INDEX_URL", "PIP_FIND_LINKS",
                                                          "PIP_EXTRA_INDEX_URL")}
    extra = "; ".join([*sources, *(f"{k}={v}" for k, v in found.items())]) or "PyPI only"
    return (f"pip's cache as it is on this machine: {cache or 'none'} ({size:.2f} GiB); "
            f"package sources: {extra}")


def main() -> int:
    """Run `make lab` on a fresh clone and print the times and sizes."""
    head_only, wait, keep = "--head" in sys.argv, "--no-wait" not in sys.argv, "--keep" in sys.argv
    work = Path(tempfile.mkdtemp(prefix="rag-course-first-"))
    repo, home = work / "rag-course", work / "home"
    home.mkdir()
    print(f"== time to the first notebook on a fresh clone ({os.cpu_count()} cores; {load()})")
    print(f"  {pip_cache_note()}")
    what = clone(repo, head_only)
    print(f"  cloned {what} into {repo}")
    port, token = free_port(), secrets.token_hex(16)
    lab_args = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
                f"--ServerApp.port_retries=0 --IdentityProvider.token={token}")
    log = home / "make.log"
    marks: dict[str, float] = {}
    start = time.monotonic()
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={lab_args}"], cwd=repo,
        env=learner_env(home), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )

    def read_output() -> None:  # timestamps the lines that mark the steps
        with log.open("wb") as out:
            for line in proc.stdout:
                out.write(line)
                out.flush()
                now = time.monotonic() - start
                if b"scripts/build_caches.py first" in line:
                    marks.setdefault("install", now)
                if b"in the background" in line:
                    marks.setdefault("indexes", now)

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    background_log = repo / ".cache" / "index.log"
    try:
        while True:
            if proc.poll() is not None:
                reader.join(5)
                print(f"make lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
                return 1
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        lab = time.monotonic() - start
        install = marks.get("install", float("nan"))
        indexes = marks.get("indexes", float("nan")) - install
        print(f"  JupyterLab answered; {load()} (other work on this machine slows every step)")
        print(f"  install (.venv and every package)       {install:6.0f} s")
        print(f"  notebook 00's indexes (MiniLM and USE)  {indexes:6.0f} s")
        print(f"  JupyterLab start                        {lab - install - indexes:6.0f} s")
        verdict = "within" if lab <= GOAL_S else "over"
        print(f"  total: JupyterLab answers {lab:.0f} s ({lab / 60:.1f} min) after `make lab` "
              f"({verdict} the {GOAL_S // 60}-minute goal)")
        if install > GOAL_S:
            print(f"  the install alone takes over {GOAL_S // 60} minutes on this machine")
        if wait:
            deadline = time.monotonic() + 3600
            while "background build finished" not in (
                background_log.read_text() if background_log.is_file() else ""
            ) and time.monotonic() < deadline:
                time.sleep(2)
            done = time.monotonic() - start
            tail = background_log.read_text().strip().splitlines()[-1]
            print(f"  background build of the other caches: done {done:.0f} s after `make lab` "
                  f"({done - lab:.0f} s after JupyterLab opened; log says: {tail!r}); {load()}")
    finally:
        stop_group(proc, timeout=20)
    print("== disk of the fresh clone" + ("" if wait else " (background build stopped early)"))
    for name in (".venv", ".cache"):
        if (repo / name).is_dir():
            print(f"  {name:7} {disk_gib(repo / name):5.2f} GiB")
    if keep:
        print(f"  kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
