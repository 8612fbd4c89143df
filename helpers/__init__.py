"""Shared code for the RAG Course notebooks.

Small on purpose: settings and mode detection (:mod:`helpers.settings`), the course documents
(:mod:`helpers.corpus`), the models (:mod:`helpers.models`), the persisted index
(:mod:`helpers.index`), chain glue (:mod:`helpers.rag`) and the offline stand-in chat model
(:mod:`helpers.standin`). Importing ``helpers`` loads nothing heavy and touches no network.
"""

__version__ = "0.1.0"
