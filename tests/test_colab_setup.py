"""The notebooks' set-up cell, run as in Colab: a simulated `google.colab` module, and a local
clone of this repository standing in for GitHub."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path, PurePosixPath

import pytest

from helpers import settings
from helpers.settings import repo_root

sys.path.insert(0, str(repo_root() / "scripts"))
from colab_setup import SETUP_CELL  # noqa: E402

SECRET = "colab-secret-for-tests"


@pytest.fixture
def fake_colab(monkeypatch):
    """Put a google.colab module (with userdata.get) into sys.modules, as Colab has."""
    colab = types.ModuleType("google.colab")
    userdata = types.ModuleType("google.colab.userdata")

    def get(name: str) -> str:
        if name == "GOOGLE_API_KEY":
            return SECRET
        raise KeyError(name)  # Colab raises SecretNotFoundError for a missing secret

    userdata.get = get
    colab.userdata = userdata
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.userdata", userdata)


def test_setup_cell_clones_and_installs_only_what_colab_lacks(fake_colab, monkeypatch, tmp_path):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo_root()), str(remote)], check=True)
    home = str(tmp_path / "content" / "rag-course")
    monkeypatch.setenv("RAG_COURSE_REPO_URL", str(remote))
    monkeypatch.setenv("RAG_COURSE_DIR", home)
    calls: list[list[str]] = []
    real_run = subprocess.run

    def run(cmd, check):
        calls.append(cmd)
        if cmd[0] == "git":
            return real_run(cmd, check=check)
        return subprocess.CompletedProcess(cmd, 0)  # pip: recorded, not run

    monkeypatch.setattr(subprocess, "run", run)
    saved_path = list(sys.path)
    try:
        exec(SETUP_CELL.format(repository="rag-course/rag-course"), {})
        assert sys.path[0] == home
    finally:
        sys.path[:] = saved_path
    assert Path(home, "helpers", "settings.py").is_file()
    assert Path(home, "data", "tidewell", "handbook.pdf").is_file()
    git, pip = calls
    assert git[:2] == ["git", "clone"] and str(remote) in git
    requirements = str(Path(home, "requirements-colab.txt"))
    assert pip == [sys.executable, "-m", "pip", "install", "-q", "-r", requirements, "-e", home]
    # Run again (a learner re-runs the cell): no second clone, the same install.
    calls.clear()
    try:
        exec(SETUP_CELL.format(repository="rag-course/rag-course"), {})
    finally:
        sys.path[:] = saved_path
    assert calls == [pip]
    lines = Path(requirements).read_text(encoding="utf-8").splitlines()
    packages = [line.split("==")[0] for line in lines if line and not line.startswith("#")]
    assert "torch" not in packages and "langchain-chroma" in packages


def test_setup_cell_does_nothing_outside_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("ran a command locally"))
    exec(SETUP_CELL.format(repository="rag-course/rag-course"), {})


def test_key_comes_from_colab_secrets(fake_colab, monkeypatch, tmp_path):
    for name in settings.KEY_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "repo_root", lambda: tmp_path)
    assert settings.find_api_key() == (SECRET, "Colab secrets")
    assert settings.get_settings().in_colab


def test_refused_secret_access_means_offline(fake_colab, monkeypatch, tmp_path):
    class NotebookAccessError(Exception):
        """What Colab raises when the learner does not grant the notebook access."""

    def refuse(name: str) -> str:
        raise NotebookAccessError(name)

    monkeypatch.setattr(sys.modules["google.colab.userdata"], "get", refuse)
    for name in settings.KEY_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(settings, "repo_root", lambda: tmp_path)
    assert settings.find_api_key() == (None, None)


class FakeDist:
    """What the set-up cell reads of an installed distribution: name, version, files."""

    def __init__(self, name: str, version: str, *files: str):
        self.name, self.version = name, version
        self.files = [PurePosixPath(f) for f in files]


def test_setup_cell_says_restart_when_it_upgraded_an_imported_package(
    fake_colab, monkeypatch, tmp_path, capsys
):
    """pip upgrades two packages; only the one already imported needs a restart."""
    from importlib import metadata

    home = tmp_path / "rag-course"
    home.mkdir()  # already cloned: only the install runs
    monkeypatch.setenv("RAG_COURSE_DIR", str(home))
    monkeypatch.setitem(sys.modules, "fakeloaded", types.ModuleType("fakeloaded"))
    monkeypatch.setitem(sys.modules, "fakeloaded.sub", types.ModuleType("fakeloaded.sub"))
    before = [
        FakeDist("fake-loaded", "1.0", "fakeloaded/__init__.py", "fakeloaded/sub.py"),
        FakeDist("fake-unloaded", "1.0", "fakeunloaded/__init__.py"),
        FakeDist("fake-same", "1.0", "fakeloaded_too.py"),
    ]
    after = [
        FakeDist(d.name, "2.0" if d.name != "fake-same" else "1.0", *map(str, d.files))
        for d in before
    ]
    state = {"dists": before}
    monkeypatch.setattr(metadata, "distributions", lambda: iter(state["dists"]))
    monkeypatch.setattr(
        metadata, "distribution", lambda name: next(d for d in state["dists"] if d.name == name)
    )

    def run(cmd, check):
        state["dists"] = after  # pip upgraded fake-loaded and fake-unloaded
        return subprocess.CompletedProcess(cmd, 0)

    monkeypatch.setattr(subprocess, "run", run)
    saved_path = list(sys.path)
    try:
        exec(SETUP_CELL.format(repository="rag-course/rag-course"), {})
        first = capsys.readouterr().out
        exec(SETUP_CELL.format(repository="rag-course/rag-course"), {})  # after the restart
        second = capsys.readouterr().out
    finally:
        sys.path[:] = saved_path
    assert first == (
        "Restart the session (Runtime > Restart session), then run this cell again: "
        "upgraded fake-loaded\n"
    )
    assert second == ""  # nothing changed on the second run: no message
