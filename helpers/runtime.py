"""Process-wide plumbing: quiet the libraries' logs and progress bars, give freed memory back.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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
