"""The Makefile as a learner meets it: `make lab` as root (Docker) and as a normal user, and the
checks and messages of the install before its long downloads.

The lab tests run the `lab` target's real JupyterLab command with `make -o index-first lab`
(`-o index-first`: the indexes are `make index`'s business, and slow) and a stand-in for the
background build of the other caches (`LAB_BACKGROUND`), wait until JupyterLab answers
/api/status, and stop it. Each start takes a few seconds. The install tests replace Python by a
stand-in, so nothing is installed.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from helpers.settings import repo_root
from tests.support import free_port, stop_group

ROOT = repo_root()
MAKE = shutil.which("make")
IS_ROOT = os.geteuid() == 0
USER = os.environ.get("RAG_COURSE_TEST_USER", "nobody")  # the normal user when we are root

pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")


# --- make lab ---------------------------------------------------------------------------------


def normal_user() -> pwd.struct_passwd:
    """Return the account of USER, created with useradd when it is missing (needs root)."""
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    if shutil.which("useradd") is None:
        pytest.skip(f"no user {USER!r} to run `make lab` as, and no useradd to create one")
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
        check=True,
    )
    return pwd.getpwnam(USER)


def as_user(account: pwd.struct_passwd) -> list[str]:
    """Return the command prefix that runs a program as `account`, able to use .venv's Python.

    Plain `setpriv` when that user can run .venv's Python. When its interpreter sits in a folder
    only root may enter (a pyenv Python under /root, as on the CI machine), the user also gets
    CAP_DAC_READ_SEARCH: it may read and enter every folder, as if the Python were its own, and
    is otherwise a normal user (JupyterLab sees a non-zero uid and writes only to its own HOME).
    """
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to run `make lab` as a normal user")
    base = [
        "setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}", "--clear-groups",
    ]
    read_all = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    # Through a shell, as make runs it (setpriv's own exec still has root's rights), and the
    # same Python as root's (one that cannot read its own folder falls back to another stdlib).
    python = ROOT / ".venv" / "bin" / "python"
    probe = ["sh", "-c", '"$0" -c "import sys, jupyterlab; print(sys.version)"', str(python)]
    expected = subprocess.run(probe, capture_output=True, text=True, check=True).stdout
    for prefix in (base, base + read_all):
        run = subprocess.run(prefix + probe, capture_output=True, text=True, cwd="/")
        if run.returncode == 0 and run.stdout == expected:
            return prefix
    pytest.skip(f"user {account.pw_name!r} cannot run .venv's Python, even with read access")


BACKGROUND = "echo the background build ran"


def start_lab(prefix: list[str], home: Path) -> tuple[str, str, str]:
    """Run `make -o index-first lab` (behind `prefix`) until /api/status answers 200; return the
    status body, what make printed and what the background build wrote to its log. Always stops
    the whole process group."""
    port, token = free_port(), secrets.token_hex(16)
    lab_args = (
        f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
        f"--ServerApp.port_retries=0 --IdentityProvider.token={token}"
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Everything JupyterLab writes goes under the temporary HOME, not the user's real one.
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
    }
    log = home / "make.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*prefix, MAKE, "--no-print-directory", "-o", "index-first", "lab",
             f"LAB_ARGS={lab_args}", f"LAB_BACKGROUND={BACKGROUND}", f"LAB_LOG={home}/index.log"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"make lab exited with {proc.returncode}:\n{log.read_text()}")
            try:
                url = f"http://127.0.0.1:{port}/api/status?token={token}"
                with urllib.request.urlopen(url, timeout=2) as response:
                    assert response.status == 200
                    status = response.read().decode()
                return status, log.read_text(), background_log(home / "index.log")
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"JupyterLab did not answer within 45 s:\n{log.read_text()}")
    finally:
        stop_group(proc)


def background_log(path: Path) -> str:
    """Return the background build's log once it says the build finished (waits up to 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.is_file() and "background build finished" in path.read_text():
            break
        time.sleep(0.2)
    return path.read_text() if path.is_file() else ""


@pytest.fixture
def home():
    """A temporary HOME in /tmp (pytest's tmp_path is private to its user)."""
    path = Path(tempfile.mkdtemp(prefix="rag-course-lab-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.mark.skipif(not IS_ROOT, reason="only root can test `make lab` as root")
def test_make_lab_opens_jupyterlab_as_root(home):
    status, printed, background = start_lab([], home)
    assert '"started"' in status
    assert "JupyterLab refuses root unless told --allow-root" in printed  # says why
    assert "jupyter lab --allow-root" in printed
    assert f"progress: tail -f {home}/index.log" in printed
    assert background == "the background build ran\n== background build finished (exit 0)\n"


def test_make_lab_opens_jupyterlab_as_a_normal_user(home):
    prefix = []
    if IS_ROOT:
        account = normal_user()
        prefix = as_user(account)
        os.chown(home, account.pw_uid, account.pw_gid)
    status, printed, background = start_lab(prefix, home)
    assert '"started"' in status
    assert "--allow-root" not in printed
    assert f"progress: tail -f {home}/index.log" in printed  # tells the learner where the log is
    assert background == "the background build ran\n== background build finished (exit 0)\n"


def test_lab_builds_only_notebook_00s_indexes_first():
    """`make lab` opens JupyterLab after `index-first`; `make index` (tests, CI) builds it all."""
    def commands(*args: str) -> list[str]:
        run = subprocess.run([MAKE, "-n", "--no-print-directory", "-o", "install", *args],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        return [line for line in run.stdout.splitlines() if not line.startswith("#")]

    lab = commands("lab", "LAB_BACKGROUND=echo rest")
    first = [line for line in lab if "build_caches" in line]
    assert first == [line for line in commands("index-first") if "build_caches" in line]
    assert len(first) == 1 and first[0].endswith("scripts/build_caches.py first")
    assert "jupyter lab" in lab[-1] and "echo rest" in lab[-2] and lab[-2].endswith("&")
    assert [line for line in commands("index") if "build_caches" in line][-1].endswith(
        "scripts/build_caches.py all"
    )
    assert "$(MAKE) --no-print-directory index" in (ROOT / "Makefile").read_text()


# --- make install: checks before the long install, and what it says about torch ---------------


def run_install(venv: Path, **variables: str) -> subprocess.CompletedProcess:
    """Run `make install` for the virtual environment `venv` with these make variables."""
    # Not the flags of a `make test` this runs under; a sitecustomize.py in <tmp>/site if any.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env["PYTHONPATH"] = str(venv.parent / "site")
    return subprocess.run(
        [MAKE, "--no-print-directory", "install", f"VENV={venv}",
         *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env=env,
    )


@pytest.mark.parametrize(
    ("sitecustomize", "message"),
    [
        ("sys.version_info = (3, 10, 14, 'final', 0)", "Python 3.11 or newer is needed"),
        ("sys.modules['ensurepip'] = None", "has no venv module (Debian/Ubuntu: apt-get install"),
    ],
    ids=["python-3.10", "no-venv"],
)
def test_install_checks_python_before_installing(tmp_path, sitecustomize, message):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "sitecustomize.py").write_text(f"import sys\n{sitecustomize}\n")
    result = run_install(tmp_path / "venv", PYTHON=sys.executable)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "venv").exists()  # stopped before creating anything


def test_install_says_when_python_is_missing(tmp_path):
    result = run_install(tmp_path / "venv", PYTHON=str(tmp_path / "python3"))
    assert result.returncode != 0
    assert "not found: install Python 3.11 or newer" in result.stdout
    assert not (tmp_path / "venv").exists()


FAKE_PYTHON = """#!/bin/sh
# Stands in for .venv/bin/python: every pip install succeeds, except from the CPU index if asked.
echo "fake-python $*"
case "$*" in *--index-url*) exit "$CPU_INDEX_FAILS";; esac
"""


@pytest.mark.parametrize(
    ("torch_index", "cpu_index_fails", "says_cuda"),
    [("https://cpu.example", "0", False), ("https://cpu.example", "1", True), ("", "0", True)],
    ids=["cpu-index", "cpu-index-fails", "no-cpu-index"],
)
def test_install_names_the_torch_build_it_installs(
    tmp_path, monkeypatch, torch_index, cpu_index_fails, says_cuda
):
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    monkeypatch.setenv("CPU_INDEX_FAILS", cpu_index_fails)
    result = run_install(tmp_path / "venv", TORCH_INDEX=torch_index)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("CUDA build" in result.stdout) is says_cuda
    if torch_index:
        assert f"CPU build, from {torch_index}" in result.stdout
    if cpu_index_fails == "1":
        assert "the CPU build could not be installed" in result.stdout
    if says_cuda:  # PyPI's torch is never called a CPU build
        assert "CPU build" not in result.stdout.split("from PyPI")[-1]
