"""The one cache scheme: keys from inputs, write-then-rename, a lock between processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from helpers import cache


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "cache_root", lambda: tmp_path)


def test_cached_json_computes_once_per_input():
    calls = []

    def compute() -> dict:
        calls.append(1)
        return {"n": len(calls)}

    assert cache.cached_json("t", {"a": 1}, compute) == {"n": 1}
    assert cache.cached_json("t", {"a": 1}, compute) == {"n": 1}
    assert cache.cached_json("t", {"a": 2}, compute) == {"n": 2}  # another input: another entry
    assert len(calls) == 2


def test_key_depends_on_every_input_but_not_on_order():
    assert cache.cache_key({"a": 1, "b": 2}) == cache.cache_key({"b": 2, "a": 1})
    assert cache.cache_key({"a": 1, "b": 2}) != cache.cache_key({"a": 1, "b": 3})


def test_a_failed_computation_leaves_no_entry(tmp_path):
    def boom() -> dict:
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError):
        cache.cached_json("t", {"a": 1}, boom)
    assert not cache.json_path("t", {"a": 1}).exists()
    assert [p.name for p in (tmp_path / "t").iterdir() if not p.name.endswith(".lock")] == []


def test_a_failed_build_leaves_no_folder(tmp_path):
    def build(folder: Path) -> None:
        (folder / "half.bin").write_bytes(b"x")
        raise RuntimeError("killed halfway")

    with pytest.raises(RuntimeError):
        cache.cached_dir("d", {"a": 1}, build)
    assert not cache.dir_path("d", {"a": 1}).exists()
    built = cache.cached_dir("d", {"a": 1}, lambda f: (f / "done.txt").write_text("ok"))
    assert (built / "done.txt").read_text() == "ok"
    assert [p.name for p in (tmp_path / "d").iterdir() if not p.name.endswith(".lock")] == [
        built.name
    ]


def _build_in_process(root: str, log: str) -> str:
    cache.cache_root = lambda: Path(root)  # the child process has no pytest monkeypatch

    def build(folder: Path) -> None:
        with open(log, "a") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(0.5)  # long enough for the other process to arrive while this one builds
        (folder / "data.txt").write_text("built")

    return str(cache.cached_dir("race", {"a": 1}, build))


def test_two_processes_build_once(tmp_path):
    log = tmp_path / "builds.log"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        folders = pool.starmap(_build_in_process, [(str(tmp_path), str(log))] * 2)
    assert folders[0] == folders[1]
    assert len(log.read_text().split()) == 1  # the second process reused the first one's work
    assert (Path(folders[0]) / "data.txt").read_text() == "built"
