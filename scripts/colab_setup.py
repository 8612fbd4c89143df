"""The canonical set-up cell of every notebook, kept here once (scripts/sync_notebooks.py copies
it into the notebooks).

Locally it does nothing. In Colab it clones the course repository (for ``helpers/`` and
``data/``), installs only the packages Colab lacks (``requirements-colab.txt``: never torch), and
makes ``helpers`` importable in the running kernel. The install runs through ``subprocess``, so
Colab itself never offers to restart: when pip changed a package whose modules the session has
already imported, the cell says to restart (one line, naming the packages).
``RAG_COURSE_REPO_URL`` and ``RAG_COURSE_DIR`` override where from and where to (the tests use a
local clone).
"""

# A str.format template ({repository}): the cell's own braces are doubled.
SETUP_CELL = '''\
# Set-up: nothing to do locally; in Colab, fetch the course and install what Colab lacks.
import os
import subprocess
import sys
from importlib import invalidate_caches, metadata

if "google.colab" in sys.modules:
    repo = os.environ.get("RAG_COURSE_REPO_URL", "https://github.com/{repository}")
    home = os.environ.get("RAG_COURSE_DIR", "/content/rag-course")
    if not os.path.isdir(home):
        subprocess.run(["git", "clone", "-q", "--depth", "1", repo, home], check=True)
    requirements = os.path.join(home, "requirements-colab.txt")
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    before = {{d.name: d.version for d in metadata.distributions()}}
    subprocess.run([*pip, "-r", requirements, "-e", home], check=True)
    invalidate_caches()
    after = {{d.name: d.version for d in metadata.distributions()}}
    upgraded = sorted(  # changed packages with a module this session has already imported
        name for name, version in before.items() if after.get(name, version) != version
        and any(".".join(f.with_suffix("").parts).removesuffix(".__init__") in sys.modules
                for f in metadata.distribution(name).files or () if f.suffix == ".py"))
    if upgraded:
        print("Restart the session (Runtime > Restart session), then run this cell again: "
              f"upgraded {{', '.join(upgraded)}}")
    sys.path.insert(0, home)'''
