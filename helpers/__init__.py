"""Shared code for the RAG Course notebooks: each lesson writes an idea, later lessons import it.

Importing ``helpers`` loads nothing heavy and touches no network. One line per module:

- :mod:`helpers.answers` — score answers (right, declined, wrong) and evaluate a whole reader.
- :mod:`helpers.benchmark` — the external QA benchmark (TyDi QA) stored in ``data/external/``.
- :mod:`helpers.bm25` — keyword retrieval: BM25 as a LangChain retriever, Hangul as bigrams.
- :mod:`helpers.cache` — the one cache scheme: a key from every input, write-then-rename, a lock.
- :mod:`helpers.checks` — the exercises' self-checks: say what is wrong, never the answer.
- :mod:`helpers.corpus` — the course documents: loaders, PDF cleaning, chunks, text detectors.
- :mod:`helpers.evaluation` — retrieval evaluation, the chunk-size and alpha sweeps (07, 12).
- :mod:`helpers.gemini` — Gemini's errors turned into one line each, with retries on 429.
- :mod:`helpers.generator` — the RAG paper's two marginalisations on a small language model.
- :mod:`helpers.index` — the persisted Chroma index of the corpus, built once, and its vectors.
- :mod:`helpers.llm` — SmolLM2-135M-Instruct, a small offline LLM, as a LangChain chat model.
- :mod:`helpers.metrics` — relevance, hit rate@k, MRR and nDCG@k on the question set.
- :mod:`helpers.models` — the embedding model and the chat model of the active mode.
- :mod:`helpers.multilingual` — the multilingual Universal Sentence Encoder as LangChain embeddings.
- :mod:`helpers.pipeline` — the course pipeline (hybrid retriever and chain) and the seed's.
- :mod:`helpers.playground` — notebook 15's playground: widgets over the course retriever and map.
- :mod:`helpers.plots` — figures: Korean fonts, PDF pages, chunk boundaries, the corpus map.
- :mod:`helpers.rag` — glue between retrieval and generation: prompts and formatted context.
- :mod:`helpers.retrieval` — maximal marginal relevance from scratch in numpy, to check LangChain.
- :mod:`helpers.settings` — settings and mode detection: paths, models, offline or online.
- :mod:`helpers.standin` — the offline stand-in chat model: an extractive reader, not an LLM.
"""

__version__ = "0.1.0"
