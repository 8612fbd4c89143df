"""The canonical set-up cell of every notebook, kept here once (scripts/sync_notebooks.py copies
it into the notebooks).

Locally it does nothing. In Colab it clones the course repository (for ``helpers/`` and
``data/``), installs only the packages Colab lacks (``requirements-colab.txt``: never torch), and
makes ``helpers`` importable in the running kernel. ``RAG_COURSE_REPO_URL`` and
``RAG_COURSE_DIR`` override where from and where to (the tests use a local clone).
"""

SETUP_CELL = '''\
# Set-up: nothing to do locally; in Colab, fetch the course and install what Colab lacks.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    repo = os.environ.get("RAG_COURSE_REPO_URL", "https://github.com/{repository}")
    home = os.environ.get("RAG_COURSE_DIR", "/content/rag-course")
    if not os.path.isdir(home):
        subprocess.run(["git", "clone", "-q", "--depth", "1", repo, home], check=True)
    requirements = os.path.join(home, "requirements-colab.txt")
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "-r", requirements, "-e", home], check=True)
    sys.path.insert(0, home)'''
