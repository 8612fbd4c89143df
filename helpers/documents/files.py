"""The course's files: where ``data/`` is, the corpus files, and the one error a bad file raises.

Nothing here reads the settings: ``data/`` is always the repository's (``Settings.data_dir`` is
the same folder), so the loaders sit on the lowest layer of the package.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository (the folder that holds ``helpers/`` and ``data/``) and its ``data/`` folder.
ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / "data"

#: The files that make up the course index, relative to ``data/`` (see ``data/README.md``).
CORPUS_FILES: tuple[str, ...] = (
    "debian-faq/debian-faq.en.pdf",
    "debian-faq/debian-faq.ko.txt",
    "tidewell/handbook.pdf",
    "tidewell/news-2026.txt",
    "tidewell/notice.ko.txt",
)


class CourseDataError(ValueError):
    """A course file cannot be read as it is; the message says what to do about it."""


def data_path(name: str | Path) -> Path:
    """Return the path of ``name`` under ``data/`` (absolute paths are returned unchanged)."""
    path = Path(name)
    return path if path.is_absolute() else DATA_DIR / path




def relative(path: str | os.PathLike[str]) -> str:
    """Return ``path`` relative to the data folder (or the repository), for printing and ids."""
    p = Path(path).resolve()
    for base in (DATA_DIR, ROOT):
        try:
            return p.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return p.name
