"""A learner's path, in a real browser: JupyterLab on loopback, a notebook run through the UI.

Needs Debian's Chromium (`apt-get install chromium`) and Playwright's Python package; skipped
with a reason when either is missing. Runs notebooks/03_splitters.ipynb (a copy, so autosave
never touches the repository; notebook 00 has no figure) with "Run All Cells", checks on the page
and in the notebook JupyterLab saves that every cell ran, in order, without an error and that a
figure rendered, and saves a screenshot in the cache folder (`.cache/browser-test.png`, not
tracked). With RAG_COURSE_UPDATE_SCREENSHOT=1 it also copies it to docs/img/browser-test.png,
the picture in the README. Then notebook 15: run it, move the playground's k slider from 5 to 2
with the keyboard and see the list of retrieved chunks shrink; its screenshot is
`.cache/browser-test-playground.png`. `make browser-test` runs only these tests.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers.cache import cache_root
from helpers.settings import repo_root
from tests.support import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOTEBOOK = "03_splitters.ipynb"
PLAYGROUND = "15_fresh_index_and_conversation.ipynb"
README_SCREENSHOT = repo_root() / "docs" / "img" / "browser-test.png"  # tracked
UPDATE_SCREENSHOT = os.environ.get("RAG_COURSE_UPDATE_SCREENSHOT") == "1"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.caches,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Chromium not installed (apt-get install chromium)"
    ),
]
pytest.importorskip("playwright.sync_api", reason="Playwright not installed (requirements.txt)")


# JupyterLab settings for the test (a fresh settings folder, not the user's): no news toast over
# the figure, and every cell attached to the page so that the checks below see all of them.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def playground_only(path: Path) -> None:
    """Keep only what the playground needs in the copy of notebook 15: its set-up cells, the dev
    questions and the playground section. (The rest of the notebook generates about 230 small-LLM
    answers on a fresh cache; nbval runs it, this test drives the widget.)"""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    text = ["".join(c["source"]) for c in cells]
    start = next(i for i, t in enumerate(text) if t.startswith("## 3 · Playground"))
    end = next(i for i, t in enumerate(text) if "Playground(" in t) + 1
    questions = {
        "cell_type": "code", "execution_count": None, "id": "devquestions", "metadata": {},
        "outputs": [],
        "source": ["from helpers.questions.course import load_questions\n",
                   'dev_all = [q for q in load_questions() if q["split"] == "dev"]'],
    }
    nb["cells"] = [*code[:2], questions, *cells[start:end]]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def lab(tmp_path, request):
    """Start JupyterLab on 127.0.0.1 over a copy of one notebook (``NOTEBOOK``, or the test's
    indirect parameter); yield (URL, copy); stop it."""
    notebook = getattr(request, "param", NOTEBOOK)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(repo_root() / "notebooks" / notebook, work / notebook)
    if notebook == PLAYGROUND:
        playground_only(work / notebook)
    for name, values in SETTINGS.items():
        path = tmp_path / "settings" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, RAG_COURSE_MODE="offline", HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser",
         *(["--allow-root"] if os.geteuid() == 0 else []),
         f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         f"--LabApp.user_settings_dir={tmp_path / 'settings'}",
         f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield f"{base}/lab/tree/{notebook}?token={token}", work / notebook
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def menu(page, top: str, item: str) -> None:
    """Click a JupyterLab menu item (menu bar entry, then the item)."""
    page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")


def run_all_cells(page, url: str, code_cells: int, timeout_ms: int = 240_000) -> None:
    """Open the notebook at ``url``, clear its outputs, run all cells and wait until every one of
    the ``code_cells`` has an execution count and the kernel is idle."""
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    select = page.locator(".jp-Dialog button:has-text('Select')")
    try:  # JupyterLab may ask which kernel to start
        select.click(timeout=10_000)
    except Exception:  # noqa: BLE001 - no dialog: the kernel started by itself
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    menu(page, "Edit", "Clear Outputs of All Cells")
    page.wait_for_function("() => document.querySelectorAll('.jp-OutputArea-output').length === 0")
    menu(page, "Run", "Run All Cells")
    # Every code cell gets a fresh execution count ("[*]" while it runs), then idle.
    page.wait_for_function(
        """n => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            return prompts.length === n
                && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        arg=code_cells,
        timeout=timeout_ms,
    )
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)


def is_tracked(path: Path) -> bool:
    """Return whether git tracks `path` (False outside a git work tree or without git)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--", str(path)], cwd=repo_root(), capture_output=True, text=True
        )
    except OSError:
        return False
    return listed.returncode == 0 and bool(listed.stdout.strip())


def saved_cells(path: Path) -> list[dict]:
    """Return the cells of the notebook JupyterLab saves at ``path``, waiting out a half-written
    file (the server writes it while we poll)."""
    for _ in range(20):
        try:
            return json.loads(path.read_text(encoding="utf-8"))["cells"]
        except json.JSONDecodeError:
            time.sleep(0.25)
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@contextlib.contextmanager
def notebook_run(lab: tuple[str, Path], screenshot_name: str) -> Iterator[tuple[Any, Path, Path]]:
    """Open the lab's copy of the notebook in headless Chromium and run all its cells; yield the
    page, the copy's path and where the screenshot goes (in the cache, never a tracked file)."""
    from playwright.sync_api import sync_playwright

    url, copy = lab
    screenshot = cache_root() / screenshot_name
    assert not is_tracked(screenshot), f"{screenshot} is tracked: tests must not rewrite it"
    code_cells = sum(c["cell_type"] == "code" for c in saved_cells(copy))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            run_all_cells(page, url, code_cells)
            yield page, copy, screenshot
        finally:
            browser.close()


def test_run_all_cells_in_jupyterlab(lab):
    with notebook_run(lab, "browser-test.png") as (page, copy, screenshot):
        stderr = "application/vnd.jupyter.stderr"
        errors = page.locator(f".jp-OutputArea-output[data-mime-type='{stderr}']")
        texts = [errors.nth(i).inner_text() for i in range(errors.count())]
        assert not [t for t in texts if "Traceback" in t or "Error" in t], texts
        figure = page.locator(".jp-OutputArea-output[data-mime-type='image/png'] img").first
        figure.wait_for(timeout=30_000)
        assert figure.evaluate("img => img.naturalWidth") > 300  # decoded, not a broken icon
        menu(page, "File", "Save Notebook")
        for _ in range(60):  # until the saved file holds the run
            saved = saved_cells(copy)
            if all(c["execution_count"] for c in saved if c["cell_type"] == "code"):
                break
            time.sleep(0.5)
        figure.evaluate("img => img.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)  # let the scroll settle before the picture
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
    if UPDATE_SCREENSHOT:  # the README's picture, on request only (see CONTRIBUTING.md)
        shutil.copyfile(screenshot, README_SCREENSHOT)
    # What JupyterLab saved: every code cell ran once, in order, without an error, and a figure.
    saved = saved_cells(copy)
    cells = [c for c in saved if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    outputs = [o for c in cells for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)


@pytest.mark.parametrize("lab", [PLAYGROUND], indirect=True)
def test_playground_slider_changes_the_chunks(lab):
    with notebook_run(lab, "browser-test-playground.png") as (page, copy, screenshot):
        playground = page.locator(".rag-playground").first
        playground.wait_for(timeout=60_000)
        chunks = playground.locator(".rag-playground-chunks > li")
        page.wait_for_function(
            "() => document.querySelectorAll('.rag-playground-chunks > li').length === 5"
        )
        first_five = [chunks.nth(i).inner_text() for i in range(5)]
        slider = playground.locator(".widget-slider").filter(
            has=page.locator(".widget-label", has_text="k")
        ).filter(has_not=page.locator(".widget-label", has_text="fetch_k")).first
        handle = slider.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        for _ in range(3):  # k: 5 -> 2, as a learner would with the arrow keys
            handle.press("ArrowLeft")
        page.wait_for_function(
            "() => document.querySelectorAll('.rag-playground-chunks > li').length === 2",
            timeout=60_000,
        )
        assert [chunks.nth(i).inner_text() for i in range(2)] == first_five[:2]
        assert slider.locator(".widget-readout").inner_text().strip() == "2"
        playground.locator("img").first.wait_for(timeout=30_000)
        playground.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(500)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
