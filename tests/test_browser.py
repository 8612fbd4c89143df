"""A learner's path, in a real browser: JupyterLab on loopback, a notebook run through the UI.

Needs Debian's Chromium (`apt-get install chromium`); skipped with a reason when it is missing.
Runs notebooks/02_splitters.ipynb (a copy, so autosave never touches the repository) with
"Run All Cells", checks that every cell ran without an error and that a figure rendered, and
saves docs/img/browser-test.png. `make browser-test` runs only this test.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers.settings import repo_root
from tests.support import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOTEBOOK = "02_splitters.ipynb"
SCREENSHOT = repo_root() / "docs" / "img" / "browser-test.png"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Chromium not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def lab(tmp_path):
    """Start JupyterLab on 127.0.0.1 over a copy of one notebook; yield its URL; stop it."""
    shutil.copy(repo_root() / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, RAG_COURSE_MODE="offline", HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
         f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
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
        yield f"{base}/lab/tree/{NOTEBOOK}?token={token}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def menu(page, top: str, item: str) -> None:
    """Click a JupyterLab menu item (menu bar entry, then the item)."""
    page.click(f".lm-MenuBar-itemLabel:text-is('{top}')")
    page.click(f".lm-Menu-itemLabel:text-is('{item}')")


def test_run_all_cells_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            select = page.locator(".jp-Dialog button:has-text('Select')")
            try:  # JupyterLab may ask which kernel to start
                select.click(timeout=10_000)
            except Exception:  # noqa: BLE001 - no dialog: the kernel started by itself
                pass
            page.wait_for_selector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000
            )
            menu(page, "Edit", "Clear Outputs of All Cells")
            page.wait_for_function(
                "() => document.querySelectorAll('.jp-OutputArea-output').length === 0"
            )
            menu(page, "Run", "Run All Cells")
            # Every code cell gets a fresh execution count; "[*]" means still running.
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    return prompts.length > 0
                        && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                }""",
                timeout=240_000,
            )
            stderr = "application/vnd.jupyter.stderr"
            errors = page.locator(f".jp-OutputArea-output[data-mime-type='{stderr}']")
            texts = [errors.nth(i).inner_text() for i in range(errors.count())]
            assert not [t for t in texts if "Traceback" in t or "Error" in t], texts
            try:  # dismiss JupyterLab's "news" question so it does not cover the figure
                page.click(".jp-Notification-Toast button:has-text('No')", timeout=2_000)
            except Exception:  # noqa: BLE001 - no toast shown
                pass
            figure = page.locator(".jp-OutputArea-output img").first
            figure.wait_for(timeout=30_000)
            figure.evaluate("img => img.scrollIntoView({block: 'center'})")
            assert figure.bounding_box()["width"] > 300
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
