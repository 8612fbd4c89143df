"""Notebook 05 (Chroma) writes its Chroma collections into a folder private to the run: two kernels
running it at once must never share (and so delete or mix) each other's folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from helpers.settings import repo_root

NOTEBOOK = repo_root() / "notebooks" / "05_chroma.ipynb"
FIXED_FOLDER = re.compile(r"""cache_root\(\)\s*/\s*["']nb05""")


def code_cells() -> list[str]:
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def test_the_notebook_names_no_fixed_folder():
    source = "\n".join(code_cells())
    assert not FIXED_FOLDER.search(source), "05 writes into a fixed folder: two runs would share it"


def test_two_runs_at_once_get_their_own_folder_and_remove_it(tmp_path):
    """Run 05's set-up cell (which makes the folder) and its last cell (which removes it) in two
    processes at once, against one cache folder."""
    cells = code_cells()
    setup = next(c for c in cells if "folder = " in c)
    cleanup = cells[-1]
    assert "rmtree(folder" in cleanup, "the last cell of 05 should remove the run's folder"
    script = (
        f"{setup}\nprint('FOLDER', folder, folder.is_dir(), flush=True)\n"
        "import time; time.sleep(2)  # both runs hold their folder at the same time\n"
        f"{cleanup}\n"
    )
    env = {**os.environ, "RAG_COURSE_MODE": "offline", "HF_HUB_OFFLINE": "1",
           "RAG_COURSE_CACHE_DIR": str(tmp_path)}
    runs = [
        subprocess.Popen([sys.executable, "-c", script], cwd=repo_root(), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-2000:]
    folders = []
    for out, _ in outputs:
        line = next(line for line in out.splitlines() if line.startswith("FOLDER "))
        _, path, existed = line.rsplit(" ", 2)
        assert existed == "True"
        folders.append(Path(path))
        assert "this run's folder removed: True" in out
    assert folders[0] != folders[1], "two runs of 05 share one folder"
    assert all(f.parent == tmp_path for f in folders)  # under the course's cache folder
    assert not list(tmp_path.glob("nb05*")), "a run left its folder behind"
