"""One cache scheme for everything the course computes once: a key from explicit inputs, a
write-then-rename, and a file lock so that two kernels never build the same thing at once.

Every cache entry lives in ``<cache>/<namespace>/<key>[.json]`` where ``key`` hashes every input
the result depends on (pass file contents as :func:`file_digest`, package versions as strings).
A reader never sees a half-written entry: files and folders are written under a temporary name
and renamed into place, and a second process waits on the lock, then reuses the first one's work.
Chat answers (Gemini's) go through the same scheme, behind LangChain's ``BaseCache`` interface:
:class:`AnswerCache`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.caches import BaseCache
from langchain_core.messages import message_to_dict, messages_from_dict
from langchain_core.outputs import ChatGeneration, Generation

T = TypeVar("T")


def cache_root() -> Path:
    """Return the course's cache folder: ``RAG_COURSE_CACHE_DIR``, default ``<repository>/.cache``.

    Read at every call (not once per process), so a test or a notebook can point it elsewhere."""
    default = Path(__file__).resolve().parent.parent / ".cache"
    return Path(os.environ.get("RAG_COURSE_CACHE_DIR") or default)


def cache_key(inputs: Mapping[str, Any]) -> str:
    """Return a 16-hex-digit hash of ``inputs`` (JSON with sorted keys; other values as str)."""
    text = json.dumps(inputs, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def file_digest(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file's bytes (to put a data file into a cache key)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def package_version(name: str) -> str:
    """Return the installed version of a distribution, or ``"missing"``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "missing"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (blocking) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; atomic renames still protect readers
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def json_path(namespace: str, inputs: Mapping[str, Any]) -> Path:
    """Return where :func:`cached_json` keeps the result for ``inputs``."""
    return cache_root() / namespace / f"{cache_key(inputs)}.json"


def cached_json(namespace: str, inputs: Mapping[str, Any], compute: Callable[[], T]) -> T:
    """Return ``compute()``'s JSON-able result, computed once per distinct ``inputs``."""
    path = json_path(namespace, inputs)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    with locked(path):
        if path.exists():  # another process computed it while we waited
            return json.loads(path.read_text(encoding="utf-8"))
        result = compute()
        atomic_write_text(path, json.dumps(result, ensure_ascii=False, indent=1))
    return json.loads(path.read_text(encoding="utf-8"))


def dir_path(namespace: str, inputs: Mapping[str, Any]) -> Path:
    """Return where :func:`cached_dir` keeps the folder for ``inputs``."""
    return cache_root() / namespace / cache_key(inputs)


def cached_dir(namespace: str, inputs: Mapping[str, Any], build: Callable[[Path], None]) -> Path:
    """Return a folder filled once by ``build(folder)`` per distinct ``inputs``.

    ``build`` writes into a private temporary folder, which is renamed into place only when it
    returns: an interrupted build leaves no folder that looks finished (its leftovers are
    removed by the next build).
    """
    return built_dir(dir_path(namespace, inputs), build)


def built_dir(folder: Path, build: Callable[[Path], None]) -> Path:
    """Return ``folder``, filled once by ``build(tmp)`` in a private temporary folder that is
    renamed to ``folder`` when it returns (under the lock; leftovers of a killed build removed).
    :func:`cached_dir` names the folder by a key; a caller with its own key names it here."""
    if folder.is_dir():
        return folder
    with locked(folder):
        if folder.is_dir():
            return folder
        for stale in folder.parent.glob(f".{folder.name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)  # a build killed halfway
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        try:
            build(tmp)
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return folder


# --- Chat answers: LangChain's cache interface, on disk -----------------------------------------


class AnswerCache(BaseCache):
    """LangChain's ``BaseCache`` on disk: one JSON file per (messages, model settings) pair.

    Pass it as ``cache=`` to a chat model: ``invoke`` and ``batch`` look an answer up before they
    call the model (and before its rate limiter), and store what the model answers. The key is a
    hash of the prompt and of LangChain's own description of the model (its name, temperature,
    thinking level, timeout, endpoint; the API key is masked there), so a re-run of a notebook
    pays for nothing it asked before, and a changed setting asks again.
    """

    def __init__(self, namespace: str = "gemini-answers") -> None:
        self.namespace = namespace

    def _path(self, prompt: str, llm_string: str) -> Path:
        return json_path(self.namespace, {"prompt": prompt, "llm": llm_string})

    def lookup(self, prompt: str, llm_string: str) -> list[ChatGeneration] | None:
        """Return the stored answer for this prompt and model, or None."""
        path = self._path(prompt, llm_string)
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return [ChatGeneration(message=m) for m in messages_from_dict(stored["messages"])]

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        """Store a model's answer (chat generations only; other kinds are not cached)."""
        messages = [g.message for g in return_val if isinstance(g, ChatGeneration)]
        if messages and len(messages) == len(return_val):
            text = json.dumps({"messages": [message_to_dict(m) for m in messages]},
                              ensure_ascii=False)
            atomic_write_text(self._path(prompt, llm_string), text)

    def clear(self, **kwargs: Any) -> None:
        """Remove every stored answer of this namespace."""
        shutil.rmtree(cache_root() / self.namespace, ignore_errors=True)
