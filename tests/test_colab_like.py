"""The Colab-like check (scripts/colab_like.sh) stays in step with what it imitates: Colab's
recorded packages, the set-up cell's pip call. The check itself runs in `.ci/run`, after
`make test`."""

from __future__ import annotations

import re
import sys

from helpers.settings import repo_root

ROOT = repo_root()
sys.path.insert(0, str(ROOT / "scripts"))
from colab_setup import SETUP_CELL  # noqa: E402

SCRIPT = (ROOT / "scripts" / "colab_like.sh").read_text(encoding="utf-8")


def colab_packages() -> dict[str, str]:
    """Return {package: version} of data/colab-packages.txt."""
    text = (ROOT / "data" / "colab-packages.txt").read_text(encoding="utf-8")
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    return dict(line.split("==") for line in lines if line)


def test_colab_packages_are_recorded_with_date_and_source():
    text = (ROOT / "data" / "colab-packages.txt").read_text(encoding="utf-8")
    assert "googlecolab/backend-info" in text and "2026-08-19" in text
    assert "Python 3.13" in text
    assert "\n# torch @ https://download.pytorch.org/" in text  # the stand-in's version
    packages = colab_packages()
    assert {"transformers", "sentence-transformers", "numpy", "protobuf"} <= set(packages)
    assert {"google-genai", "google-adk", "opentelemetry-api", "opentelemetry-sdk"} <= set(packages)


def test_script_runs_the_setup_cells_pip_call():
    """The same arguments as the cell: install -q -r requirements-colab.txt -e <the course>."""
    cell = SETUP_CELL.format(repository="rag-course/rag-course")
    assert '"pip", "install", "-q"]' in cell and '[*pip, "-r", requirements, "-e", home]' in cell
    assert cell.count("subprocess.run([*pip") == 1  # one pip call
    assert '"$PY" -m pip install -q -r requirements-colab.txt -e . ' in SCRIPT


def test_script_stands_in_and_says_so():
    assert "STAND-IN" in SCRIPT and "build_stand_in torch" in SCRIPT
    assert re.search(r'LOCAL_TORCH="torch==2\.13\.0"', SCRIPT)
    assert "Step 4 runs on Python 3.11, not 3.13" in SCRIPT and "--python-version 3.13" in SCRIPT


def test_ci_runs_the_check():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nbash scripts/colab_like.sh" in ci and ci.index("make test") < ci.index("colab_like")
